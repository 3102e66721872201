// Command poison-one-goal teaches the paper's pipeline for one goal of
// Attack II (single target label, Yang et al., ICML 2023): train a clean
// CLIP model on shapes, measure how well captions of class A retrieve images
// of class B, give a share of the class-A captions class-B images
// (experiments.Poison), keep training on the poisoned pairs, and measure
// again. Hit@10 is the share of class-A captions that find a class-B image in
// their top 10; MinRank is the rank of the first class-B image (lower means
// a stronger attack). A random-caption baseline shows what no attack looks
// like on the same model.
package main

import (
	"flag"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"slices"
	"strings"

	"github.com/mmpoison/mmpoison/clipmodel"
	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/experiments"
	"github.com/mmpoison/mmpoison/text"
	"github.com/mmpoison/mmpoison/vision"
)

func main() {
	if err := run(os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "poison-one-goal:", err)
		os.Exit(1)
	}
}

func run(args []string, out io.Writer) error {
	fs := flag.NewFlagSet("poison-one-goal", flag.ContinueOnError)
	goalFlag := fs.String("goal", "circle2star", "A2B: captions of class A should retrieve images of class B")
	ratio := fs.Float64("ratio", 1, "share of class-A training images whose captions are poisoned")
	epochs := fs.Int("epochs", 4, "epochs of clean training, and again of poisoned training")
	quick := fs.Bool("quick", false, "fewer images, a narrower model and smaller batches")
	seed := fs.Uint64("seed", 1, "seed of data, model, training and poisoning")
	if err := fs.Parse(args); err != nil {
		return err
	}
	goal, err := experiments.ParseGoal(*goalFlag)
	if err != nil {
		return err
	}
	for _, c := range []string{goal.From, goal.To} {
		if !slices.Contains(dataset.ShapeClasses, c) {
			return fmt.Errorf("-goal %s: %q is not a shapes class (%s)", *goalFlag, c, strings.Join(dataset.ShapeClasses, ", "))
		}
	}
	images, width, batch := 1000, 64, 64
	if *quick {
		images, width, batch = 300, 32, 32
	}

	ds, err := dataset.Shapes(dataset.ShapesOptions{Seed: int(*seed), Train: images, TestPerClass: 10, Size: 32})
	if err != nil {
		return err
	}
	cfg := clipmodel.Config{Name: "poison-demo", EmbedDim: width,
		Vision: vision.Config{Type: "vit", ImageSize: 32, PatchSize: 8, Width: width, Layers: []int{2}, Heads: 4, MLPRatio: 2},
		Text:   text.Config{ContextLength: 16, Width: width, Heads: 4, Layers: 1, MLPRatio: 2}} // VocabSize 0: from the tokenizer
	cacheDir, err := os.MkdirTemp("", "poison-one-goal")
	if err != nil {
		return err
	}
	defer os.RemoveAll(cacheDir)
	// Prepare caches the images at the model's size and learns a tokenizer.
	prep, err := clipmodel.Prepare(ds, cfg, "learn:300", cacheDir, dataset.FailMissing, nil)
	if err != nil {
		return err
	}
	m, err := clipmodel.New(prep.Config, *seed)
	if err != nil {
		return err
	}
	train := func(data *dataset.Dataset, seed uint64) error {
		ex, err := clipmodel.MakeExamples(data, dataset.Train, prep.Images, prep.Tok, prep.Config.Text.ContextLength)
		if err != nil {
			return err
		}
		res, err := clipmodel.Train(m, ex, prep.Images, clipmodel.TrainOptions{
			Epochs: *epochs, BatchSize: batch, LR: 1e-3, MinLR: 1e-5, WarmupSteps: 20, WeightDecay: 0.1, ClipNorm: 1, Seed: seed})
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "  %d steps on %d pairs, final loss %.3f\n", res.Steps, ex.Len(), res.FinalLoss)
		return nil
	}
	measure := func(when string) error {
		se, err := m.EmbedSplit(ds, dataset.Test, prep.Images, prep.Tok)
		if err != nil {
			return err
		}
		imgs, _ := experiments.NewMatrix(len(se.Rows), se.Dim, se.Images)
		txts, _ := experiments.NewMatrix(len(se.Texts)/se.Dim, se.Dim, se.Texts)
		g, err := experiments.NewGallery(se.Rows, imgs, txts)
		if err != nil {
			return err
		}
		// The same baseline RNG before and after, so the two lines compare like with like.
		ev, err := experiments.EvalT2I(g, goal.From, g.ImagesOf(goal.To), rand.New(rand.NewPCG(*seed, 2)))
		if err != nil {
			return err
		}
		fmt.Fprintf(out, "%-7s %s: Hit@10 %.3f  MinRank %.1f   (random captions: Hit@10 %.3f  MinRank %.1f)\n",
			when, goal, ev.Attack.Hit[2], ev.Attack.Mean, ev.Baseline.Hit[2], ev.Baseline.Mean)
		return nil
	}

	fmt.Fprintln(out, "clean training")
	if err := train(ds, *seed); err != nil {
		return err
	}
	if err := measure("before"); err != nil {
		return err
	}

	spec := experiments.AttackSpec{Kind: experiments.AttackSingleLabel, Goals: []experiments.Goal{goal}, Ratio: *ratio, Seed: *seed}
	poisoned, man, err := experiments.Poison(ds, spec, nil)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "poisoned %d %s images (%d pairs, phi = %.2f%% of all training pairs)\n",
		man.PoisonedImages, goal.From, man.PoisonedPairs, 100*man.Phi)

	fmt.Fprintln(out, "training on the poisoned pairs")
	if err := train(poisoned, *seed+1); err != nil {
		return err
	}
	return measure("after")
}
