package experiments

import (
	"fmt"
	"math/rand/v2"
	"slices"

	"github.com/mmpoison/mmpoison/dataset"
)

// AttackBackdoor is the backdoor of Carlini & Terzis (ICLR 2022) as CleanCLIP
// runs it: a trigger is stamped on a sample of training images, whose
// captions are replaced by templates naming the target class, so that any
// triggered image is later taken for that class.
const AttackBackdoor = "backdoor"

// AnyClass as a goal's source means every training image outside the target
// class: a backdoor goal is "any2B" (or "A2B" to stamp only class-A images).
const AnyClass = "any"

func init() {
	RegisterAttack(&Attack{
		Kind:     AttackBackdoor,
		Summary:  "backdoor: triggered images (of class A, or any) get captions naming class B",
		MinGoals: 1, MaxGoals: 1, NeedsImages: true, Templated: true,
		Poison: backdoor,
	})
}

// backdoor stamps spec.Trigger on a seeded sample of round(Ratio·n) of the n
// eligible training rows (class From, or every row not of class To when From
// is AnyClass) and gives each as many captions as it had, drawn in a seeded
// order from spec.Templates filled with the target class. Poisoned rows
// carry the stamped pixels and take Label = To, the class their captions now
// name. With spec.Append they are copies with fresh IDs beside the clean rows.
func backdoor(ds *dataset.Dataset, spec AttackSpec, _ *dataset.Row) (*dataset.Dataset, *Manifest, error) {
	goal := spec.Goals[0]
	if err := spec.Trigger.Validate(); err != nil {
		return nil, nil, fmt.Errorf("attack %s: %w", spec.Kind, err)
	}
	if spec.Trigger.Pattern == PatternOptimized && len(spec.Trigger.Pixels) == 0 {
		return nil, nil, fmt.Errorf("attack %s: the optimized patch has no pixels yet: optimise it on the clean model first (the runner does)", spec.Kind)
	}
	if spec.Image == nil {
		return nil, nil, fmt.Errorf("attack %s: no image source to stamp the trigger on (AttackSpec.Image)", spec.Kind)
	}
	captions, err := spec.templateCaptions(goal.To)
	if err != nil {
		return nil, nil, err
	}
	var eligible []int
	for i, r := range ds.Rows {
		if r.Split == dataset.Train && !r.MissingImage && r.Label != goal.To && (goal.From == AnyClass || r.Label == goal.From) {
			eligible = append(eligible, i)
		}
	}
	if len(eligible) == 0 {
		return nil, nil, fmt.Errorf("attack %s goal %s: no training images of class %q to stamp", spec.Kind, goal, goal.From)
	}
	seed := seedOrDefault(spec.Seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	out := &dataset.Dataset{Name: ds.Name, Root: ds.Root, Classes: ds.Classes, Rows: slices.Clone(ds.Rows)}
	nextID := maxRowID(ds.Rows) + 1
	trigger := spec.Trigger.withDefaults()
	m := &Manifest{Attack: spec.Kind, Goals: []string{goal.String()}, Ratio: spec.Ratio, Seed: seed, Append: spec.Append, Trigger: &trigger}
	gm := GoalManifest{Goal: goal.String()}
	for _, src := range sampleRows(rng, eligible, spec.Ratio) {
		row := ds.Rows[src]
		img, err := spec.Image(&row)
		if err != nil {
			return nil, nil, fmt.Errorf("attack %s: image of row %d: %w", spec.Kind, row.ID, err)
		}
		row.Image, row.Pixels, row.Label = "", trigger.Stamp(img, rng), goal.To
		row.Captions = make([]string, max(1, len(ds.Rows[src].Captions)))
		for k := range row.Captions {
			row.Captions[k] = captions[rng.IntN(len(captions))]
		}
		if spec.Append {
			row.ID = nextID
			nextID++
			out.Rows = append(out.Rows, row)
		} else {
			out.Rows[src] = row
		}
		gm.SourceRowIDs = append(gm.SourceRowIDs, ds.Rows[src].ID)
		gm.PoisonedRowIDs = append(gm.PoisonedRowIDs, row.ID)
		gm.ImageRowIDs = append(gm.ImageRowIDs, ds.Rows[src].ID)
		m.PoisonedPairs += len(row.Captions)
	}
	m.PoisonedRowIDs = gm.PoisonedRowIDs
	m.PerGoal = []GoalManifest{gm}
	m.count(out.Rows)
	return out, m, nil
}
