// Command minimal-clip teaches what a CLIP training loop is, written out by
// hand: synthetic shapes and their captions, a learned BPE tokenizer, a small
// two-tower model, then the loop itself — fill a batch, record the forward
// pass on an autograd.Tape, Backward, one AdamW step on a cosine schedule —
// and finally text→image Recall@10 on the test split.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"path/filepath"

	"github.com/mmpoison/mmpoison/autograd"
	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
	"github.com/mmpoison/mmpoison/nn"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "minimal-clip:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("minimal-clip", flag.ContinueOnError)
	steps := fs.Int("steps", 300, "optimiser steps")
	quick := fs.Bool("quick", false, "fewer images and a narrower model: seconds instead of minutes")
	seed := fs.Uint64("seed", 1, "seed of data, initialisation, batches and augmentation")
	if err := fs.Parse(args); err != nil {
		return err
	}
	images, width, batch := 1000, 64, 64
	if *quick {
		images, width, batch = 200, 32, 32
	}

	// Data: every shapes image comes with 5 captions naming what it shows.
	ds, err := dataset.Shapes(dataset.ShapesOptions{Seed: int(*seed), Train: images, TestPerClass: 5, Size: 32})
	if err != nil {
		return err
	}
	var captions []string
	for _, r := range ds.Rows {
		if r.Split == dataset.Train {
			captions = append(captions, r.Captions...)
		}
	}
	tok := text.TrainBPE(captions, 300) // a vocabulary learned from the training captions

	// Model: a ViT image tower and a causal Transformer text tower, both
	// projecting into one embedding space.
	cfg := clipmodel.Config{Name: "minimal", EmbedDim: width,
		Vision: vision.Config{Type: "vit", ImageSize: 32, PatchSize: 8, Width: width, Layers: []int{2}, Heads: 4, MLPRatio: 2},
		Text:   text.Config{ContextLength: 16, VocabSize: tok.VocabSize(), Width: width, Heads: 4, Layers: 1, MLPRatio: 2}}
	m, err := clipmodel.New(cfg, *seed)
	if err != nil {
		return err
	}

	// Images are preprocessed once into a cache; pairs are (cache slot, tokens).
	tmp, err := os.MkdirTemp("", "minimal-clip")
	if err != nil {
		return err
	}
	defer os.RemoveAll(tmp)
	im, err := clipmodel.BuildImages(ds, 32, filepath.Join(tmp, "shapes.imgcache"), dataset.FailMissing, nil)
	if err != nil {
		return err
	}
	train, err := clipmodel.MakeExamples(ds, dataset.Train, im, tok, cfg.Text.ContextLength)
	if err != nil {
		return err
	}

	// Optimiser: AdamW without decay on biases, gains and logit_scale.
	opt, err := nn.NewAdamW(nn.SplitDecay(nn.NamedParams(m), 0.1), nn.AdamWConfig{LR: 1e-3, Beta1: 0.9, Beta2: 0.98, Eps: 1e-6})
	if err != nil {
		return err
	}
	sched := nn.CosineSchedule{Base: 1e-3, Min: 1e-5, Warmup: *steps / 10, Total: *steps}

	rng := rand.New(rand.NewPCG(*seed, 1))
	g := autograd.NewTape()
	pixels := make([]float32, batch*3*32*32)
	ids := make([]int, batch*train.Context)
	eot, slots := make([]int, batch), make([]int, batch)
	var order []int
	for step := range *steps {
		for b := range batch { // draw pairs without replacement, reshuffling when used up
			if len(order) == 0 {
				order = rng.Perm(train.Len())
			}
			p := order[0]
			order = order[1:]
			slots[b], eot[b] = train.Slot[p], train.EOT[p]
			copy(ids[b*train.Context:], train.Tokens[p*train.Context:(p+1)*train.Context])
		}
		if err := vision.FillBatch(pixels, im.Cache, slots, &vision.PaperAugment, rng); err != nil { // random resized crops
			return err
		}
		g.Reset() // take back the buffers of the previous step
		loss := m.Loss(g, autograd.New(pixels, batch, 3, 32, 32), ids, eot)
		opt.ZeroGrad()
		g.Backward(loss)
		opt.SetLR(sched.LR(step))
		opt.Step()
		if step%(max(*steps/10, 1)) == 0 || step == *steps-1 {
			fmt.Fprintf(out, "step %4d  loss %.4f\n", step+1, loss.Item())
		}
	}

	// Evaluation: embed the test split and rank every test image for each caption.
	se, err := m.EmbedSplit(ds, dataset.Test, im, tok)
	if err != nil {
		return err
	}
	imgs, _ := experiments.NewMatrix(len(se.Rows), se.Dim, se.Images)
	txts, _ := experiments.NewMatrix(len(se.Texts)/se.Dim, se.Dim, se.Texts)
	gal, err := experiments.NewGallery(se.Rows, imgs, txts)
	if err != nil {
		return err
	}
	u, err := experiments.Utility(gal)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "text→image Recall@10 on %d test images: %.3f (chance %.3f)\n", len(se.Rows), u.IR.Hit[2], 10/float64(len(se.Rows)))
	return nil
}
