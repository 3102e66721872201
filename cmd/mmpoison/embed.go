package main

import (
	"encoding/json"
	"fmt"
	"strconv"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/nn/safetensors"
)

func init() {
	register(&command{name: "embed", summary: "write a split's image and caption embeddings of a checkpoint as safetensors", run: runEmbed})
}

func runEmbed(args []string) error {
	fs := newFlags("embed", "embed --ckpt FILE [--data FORMAT:PATH] [--split test] --out FILE.safetensors")
	var d dataFlags
	d.register(fs)
	ckpt := fs.String("ckpt", "", "checkpoint written by mmpoison train (required)")
	split := fs.String("split", dataset.Test, "split to embed")
	out := fs.String("out", "", "safetensors file to write: tensors image [N,E] and text [C,E], row ids, image refs, labels and caption→row index in __metadata__ (required)")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *ckpt == "" || *out == "" {
		return usagef("--ckpt and --out are required")
	}
	m, tokPath, err := loadCheckpointModel(*ckpt, &d)
	if err != nil {
		return err
	}
	d.tokenizer = tokPath
	prep, err := d.load(m.Config)
	if err != nil {
		return err
	}
	se, err := m.EmbedSplit(prep.Data, *split, prep.Images, prep.Tok)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", *ckpt, err)
	}
	tensors, meta, err := embeddingFile(se, map[string]string{"checkpoint": *ckpt, "data": d.spec, "split": *split})
	if err != nil {
		return err
	}
	if err := safetensors.Write(*out, tensors, meta); err != nil {
		return fmt.Errorf("writing %s: %w", *out, err)
	}
	fmt.Printf("wrote %d image and %d caption embeddings (%d dims) of split %s to %s\n", len(se.Rows), len(se.Texts)/se.Dim, se.Dim, *split, *out)
	return nil
}

// embeddingFile lays split embeddings out as the tensors "image" [N,E] and
// "text" [C,E]; the metadata holds JSON lists that tie them to the dataset:
// row_ids and images (image refs) per image row, labels per image row, and
// caption_rows giving each caption's image row (an index into "image").
func embeddingFile(se *clipmodel.SplitEmbeddings, meta map[string]string) ([]safetensors.Tensor, map[string]string, error) {
	n, c := len(se.Rows), len(se.Texts)/se.Dim
	ids := make([]int, n)
	refs := make([]string, n)
	labels := make([]string, n)
	capRows := make([]int, 0, c)
	for i, r := range se.Rows {
		ids[i], refs[i], labels[i] = r.ID, r.Image, r.Label
		if r.Image == "" && r.Pixels != nil {
			refs[i] = fmt.Sprintf("memory:%d", r.ID) // generated data has no file
		}
		for range r.Captions {
			capRows = append(capRows, i)
		}
	}
	if len(capRows) != c {
		return nil, nil, fmt.Errorf("embed: %d caption embeddings for %d captions", c, len(capRows))
	}
	out := map[string]string{"embed_dim": strconv.Itoa(se.Dim)}
	for k, v := range meta {
		out[k] = v
	}
	for key, v := range map[string]any{"row_ids": ids, "images": refs, "labels": labels, "caption_rows": capRows} {
		b, err := json.Marshal(v)
		if err != nil {
			return nil, nil, err
		}
		out[key] = string(b)
	}
	tensors := []safetensors.Tensor{
		{Name: "image", Shape: []int{n, se.Dim}, Data: se.Images},
		{Name: "text", Shape: []int{c, se.Dim}, Data: se.Texts},
	}
	return tensors, out, nil
}
