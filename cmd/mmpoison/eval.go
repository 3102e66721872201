package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
	"github.com/mmpoison/mmpoison/text"
)

func init() {
	register(&command{name: "eval", summary: "retrieval Recall@1/5/10 (text→image and image→text) of a checkpoint, as JSON", run: runEval})
}

// evalReport is what `mmpoison eval` prints.
type evalReport struct {
	Checkpoint string             `json:"checkpoint"`
	Data       string             `json:"data"`
	Split      string             `json:"split"`
	Images     int                `json:"images"`
	Captions   int                `json:"captions"`
	Metrics    map[string]float64 `json:"metrics"`
}

func runEval(args []string) error {
	fs := newFlags("eval", "eval --ckpt FILE [--data FORMAT:PATH] [--split test] [--out FILE.json]")
	var d dataFlags
	d.register(fs)
	ckpt := fs.String("ckpt", "", "checkpoint written by mmpoison train (required)")
	split := fs.String("split", dataset.Test, "split to evaluate on")
	out := fs.String("out", "", "also write the JSON to this file")
	if err := parse(fs, args); err != nil {
		return err
	}
	if *ckpt == "" {
		return usagef("--ckpt is required")
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
	u, se, err := utility(m, prep, *split)
	if err != nil {
		return fmt.Errorf("checkpoint %s: %w", *ckpt, err)
	}
	rep := evalReport{Checkpoint: *ckpt, Data: d.spec, Split: *split, Images: len(se.Rows), Captions: len(se.Texts) / se.Dim, Metrics: recallMetrics(u)}
	b, _ := json.MarshalIndent(rep, "", "  ")
	fmt.Println(string(b))
	if *out != "" {
		return experiments.WriteFileAtomic(*out, append(b, '\n'))
	}
	return nil
}

// recallMetrics names u's figures as eval's JSON does.
func recallMetrics(u *experiments.UtilityScores) map[string]float64 {
	out := map[string]float64{}
	for i, k := range experiments.RecallKs {
		out[fmt.Sprintf("ir_r@%d", k)] = u.IR.Hit[i]
		out[fmt.Sprintf("tr_r@%d", k)] = u.TR.Hit[i]
	}
	out["ir_mean_rank"], out["ir_median_rank"] = u.IR.Mean, u.IR.Median
	out["tr_mean_rank"], out["tr_median_rank"] = u.TR.Mean, u.TR.Median
	return out
}

// loadCheckpointModel rebuilds a model from a checkpoint and finds the
// tokenizer saved beside it (unless --tokenizer names one).
func loadCheckpointModel(path string, d *dataFlags) (*clipmodel.Model, string, error) {
	m, _, err := clipmodel.LoadModel(path)
	if err != nil {
		return nil, "", err
	}
	tok := d.tokenizer
	if tok == "" {
		if tok = tokenizerBeside(path); tok == "" {
			return nil, "", fmt.Errorf("no tokenizer beside %s (looked for tokenizer.txt, tokenizer.json, vocab.json with merges.txt): pass --tokenizer", path)
		}
	}
	return m, tok, nil
}

// tokenizerBeside is the tokenizer that came with weights: the file in a
// model folder (a Hugging Face folder's tokenizer.json, or vocab.json with
// merges.txt), or in the folder of a weights file (a checkpoint's
// tokenizer.txt). It is "" when there is none.
func tokenizerBeside(weights string) string {
	if weights == "" {
		return ""
	}
	dir := weights
	if st, err := os.Stat(weights); err != nil || !st.IsDir() {
		dir = filepath.Dir(weights)
	}
	file, err := text.FindInFolder(dir)
	if err != nil {
		return ""
	}
	return file
}

// utility embeds a split and computes retrieval recall.
func utility(m *clipmodel.Model, prep *clipmodel.Prepared, split string) (*experiments.UtilityScores, *clipmodel.SplitEmbeddings, error) {
	se, err := m.EmbedSplit(prep.Data, split, prep.Images, prep.Tok)
	if err != nil {
		return nil, nil, err
	}
	g, err := gallery(se)
	if err != nil {
		return nil, nil, err
	}
	u, err := experiments.Utility(g)
	return u, se, err
}

func gallery(se *clipmodel.SplitEmbeddings) (*experiments.Gallery, error) {
	img, err := experiments.NewMatrix(len(se.Rows), se.Dim, se.Images)
	if err != nil {
		return nil, err
	}
	txt, err := experiments.NewMatrix(len(se.Texts)/se.Dim, se.Dim, se.Texts)
	if err != nil {
		return nil, err
	}
	return experiments.NewGallery(se.Rows, img, txt)
}
