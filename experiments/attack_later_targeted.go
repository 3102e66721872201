package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"

	"github.com/mmpoison/mmpoison/dataset"
)

// AttackTargeted is the targeted poisoning of Carlini & Terzis (ICLR 2022):
// copies of one chosen image x of class A are added to training, each with
// captions naming a wrong class B, so that the model takes x, and only x,
// for a B. Training augments every copy afresh.
const AttackTargeted = "targeted"

func init() {
	RegisterAttack(&Attack{
		Kind:     AttackTargeted,
		Summary:  "targeted: copies of one class-A image x are added with captions naming class B",
		MinGoals: 1, MaxGoals: 1, NeedsTarget: true, TargetOfSource: true, Templated: true,
		Poison: targeted,
	})
}

// targeted appends max(1, round(Ratio·n)) copies of target (n training
// images), each with as many captions as target has, drawn in a seeded
// order from spec.Templates filled with class B. The copies take Label = B,
// the class their captions name, and fresh IDs; no clean row changes.
func targeted(ds *dataset.Dataset, spec AttackSpec, target *dataset.Row) (*dataset.Dataset, *Manifest, error) {
	goal := spec.Goals[0]
	if target == nil || (target.Image == "" && target.Pixels == nil) {
		return nil, nil, fmt.Errorf("attack %s goal %s: no target image x given (choose one of class %q with ChooseTarget)", spec.Kind, goal, goal.From)
	}
	if target.Label != "" && target.Label != goal.From {
		return nil, nil, fmt.Errorf("attack %s goal %s: target row %d has class %q, want %q", spec.Kind, goal, target.ID, target.Label, goal.From)
	}
	captions, err := spec.templateCaptions(goal.To)
	if err != nil {
		return nil, nil, err
	}
	train := 0
	for _, r := range ds.Rows {
		if r.Split == dataset.Train {
			train++
		}
	}
	copies := max(1, int(math.Round(spec.Ratio*float64(train))))
	seed := seedOrDefault(spec.Seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	out := &dataset.Dataset{Name: ds.Name, Root: ds.Root, Classes: ds.Classes, Rows: slices.Clone(ds.Rows)}
	nextID := maxRowID(ds.Rows) + 1
	m := &Manifest{Attack: spec.Kind, Goals: []string{goal.String()}, Ratio: spec.Ratio, Seed: seed, Append: true,
		TargetRowID: target.ID, TargetImage: imageRef(*target)}
	gm := GoalManifest{Goal: goal.String()}
	for range copies {
		row := dataset.Row{ID: nextID, Image: target.Image, Pixels: target.Pixels, Label: goal.To, Split: dataset.Train,
			Captions: make([]string, max(1, len(target.Captions)))}
		nextID++
		for k := range row.Captions {
			row.Captions[k] = captions[rng.IntN(len(captions))]
		}
		out.Rows = append(out.Rows, row)
		gm.PoisonedRowIDs = append(gm.PoisonedRowIDs, row.ID)
		gm.ImageRowIDs = append(gm.ImageRowIDs, target.ID)
		m.PoisonedPairs += len(row.Captions)
	}
	m.PoisonedRowIDs = gm.PoisonedRowIDs
	m.PerGoal = []GoalManifest{gm}
	m.count(out.Rows)
	return out, m, nil
}

// MetricTargetedZeroShot is 1 when zero-shot classification over the
// dataset's classes calls the targeted image x the target class B, else 0
// (averaged over seeds, the success rate). Recorded with direction i2t.
const MetricTargetedZeroShot = "targeted_zeroshot"

// TargetedZeroShot reports whether image (a unit embedding) is classified
// as class target among classes by their prototypes; a tie fails.
func TargetedZeroShot(image []float32, target string, classes []string, protos Matrix) (bool, error) {
	img := Matrix{Rows: 1, Cols: len(image), Data: image}
	acc, _, err := ZeroShotScore(img, []string{target}, classes, protos)
	return acc == 1, err
}
