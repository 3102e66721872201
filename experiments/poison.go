package experiments

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strconv"
	"strings"

	"github.com/mmpoison/mmpoison/dataset"
)

// Poison builds the poisoned training set described by spec with the
// attack of its kind (see LookupAttack). The input dataset is not modified;
// the returned one shares caption slices with it, which callers must treat
// as read-only. target is x* for an attack that NeedsTarget (see
// ChooseTarget), and ignored otherwise.
func Poison(ds *dataset.Dataset, spec AttackSpec, target *dataset.Row) (*dataset.Dataset, *Manifest, error) {
	if ds == nil {
		return nil, nil, fmt.Errorf("poison: dataset is nil")
	}
	a, err := spec.validate()
	if err != nil {
		return nil, nil, err
	}
	if err := CheckClasses(ds, spec.Goals); err != nil {
		return nil, nil, err
	}
	return a.Poison(ds, spec, target)
}

// imageChoice picks, for n poisoned rows of a goal, the positions in ds.Rows
// whose images they take.
type imageChoice func(rng *rand.Rand, ds *dataset.Dataset, kind string, goal Goal, n int) ([]int, error)

// classImages cycles through the class-B training images in a seeded order.
func classImages(rng *rand.Rand, ds *dataset.Dataset, kind string, goal Goal, n int) ([]int, error) {
	to := TrainRowsOf(ds, goal.To)
	if len(to) == 0 {
		return nil, fmt.Errorf("attack %s goal %s: class %q has no training images to use as targets", kind, goal, goal.To)
	}
	return cycleTargets(rng, to, n), nil
}

// relabel is the paper's poisoning step, shared by its three attacks: a
// seeded sample of round(Ratio·n) of the n class-A training rows keep all
// their captions and get a new image, target's when images is nil and
// otherwise the ones images picks. Poisoned rows keep Label = From (the
// class of their captions).
//
// With spec.Append, poisoned copies get fresh IDs after the largest existing
// one and the original rows stay; otherwise rows are overwritten in place.
// Row IDs are never renumbered, so with DropUsedTargets IDs stop being
// positions.
func relabel(ds *dataset.Dataset, spec AttackSpec, target *dataset.Row, images imageChoice) (*dataset.Dataset, *Manifest, error) {
	seed := seedOrDefault(spec.Seed)
	rng := rand.New(rand.NewPCG(seed, seed))
	out := &dataset.Dataset{Name: ds.Name, Root: ds.Root, Classes: ds.Classes, Rows: slices.Clone(ds.Rows)}
	nextID := maxRowID(ds.Rows) + 1
	m := &Manifest{Attack: spec.Kind, Ratio: spec.Ratio, Seed: seed, Append: spec.Append}
	drop := map[int]bool{} // positions in ds.Rows to remove
	for gi, goal := range spec.Goals {
		from := TrainRowsOf(ds, goal.From)
		if len(from) == 0 {
			return nil, nil, fmt.Errorf("attack %s goal %s: class %q has no training images", spec.Kind, goal, goal.From)
		}
		sources := sampleRows(rng, from, spec.Ratio)
		var picked []int // positions in ds.Rows providing the new images
		if images != nil {
			var err error
			if picked, err = images(rng, ds, spec.Kind, goal, len(sources)); err != nil {
				return nil, nil, err
			}
		}
		gm := GoalManifest{Goal: goal.String()}
		for i, src := range sources {
			row := ds.Rows[src]
			if picked == nil {
				row.Image, row.Pixels = target.Image, target.Pixels
				gm.ImageRowIDs = append(gm.ImageRowIDs, target.ID)
			} else {
				img := ds.Rows[picked[i]]
				row.Image, row.Pixels = img.Image, img.Pixels
				gm.ImageRowIDs = append(gm.ImageRowIDs, img.ID)
				if spec.DropUsedTargets && gi > 0 {
					drop[picked[i]] = true
				}
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
			m.PoisonedPairs += len(row.Captions)
		}
		m.Goals = append(m.Goals, goal.String())
		m.PoisonedRowIDs = append(m.PoisonedRowIDs, gm.PoisonedRowIDs...)
		m.PerGoal = append(m.PerGoal, gm)
	}
	if len(drop) > 0 {
		out.Rows = dropPositions(out.Rows, drop)
		for gi := range m.PerGoal {
			for _, pos := range sortedKeys(drop) {
				if ds.Rows[pos].Label == spec.Goals[gi].To {
					m.PerGoal[gi].DroppedRowIDs = append(m.PerGoal[gi].DroppedRowIDs, ds.Rows[pos].ID)
				}
			}
		}
	}
	if target != nil && images == nil {
		m.TargetRowID = target.ID
		m.TargetImage = imageRef(*target)
	}
	m.count(out.Rows)
	return out, m, nil
}

// sampleRows draws round(ratio·len(pool)) positions (at least one) without
// replacement and returns them in dataset order, so the manifest is stable.
func sampleRows(rng *rand.Rand, pool []int, ratio float64) []int {
	n := max(1, min(len(pool), int(math.Round(ratio*float64(len(pool))))))
	perm := rng.Perm(len(pool))[:n]
	picked := make([]int, n)
	for i, p := range perm {
		picked[i] = pool[p]
	}
	slices.Sort(picked)
	return picked
}

// cycleTargets returns n target positions that use every pool entry equally
// often (counts differ by at most one): the pool is shuffled, repeated up to
// length n, and the result shuffled again, as in the paper's code.
func cycleTargets(rng *rand.Rand, pool []int, n int) []int {
	order := slices.Clone(pool)
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	out := make([]int, n)
	for i := range out {
		out[i] = order[i%len(order)]
	}
	rng.Shuffle(n, func(i, j int) { out[i], out[j] = out[j], out[i] })
	return out
}

// TrainRowsOf lists the positions of class's training rows.
func TrainRowsOf(ds *dataset.Dataset, class string) []int {
	return rowsOf(ds, class, dataset.Train)
}

// rowsOf lists the positions of the rows with the given label and split.
func rowsOf(ds *dataset.Dataset, class, split string) []int {
	var out []int
	for i, r := range ds.Rows {
		if r.Label == class && r.Split == split {
			out = append(out, i)
		}
	}
	return out
}

// knownClasses is ds.Classes plus any label used by a row, sorted.
func knownClasses(ds *dataset.Dataset) []string {
	set := map[string]bool{}
	for _, c := range ds.Classes {
		set[c] = true
	}
	for _, r := range ds.Rows {
		if r.Label != "" {
			set[r.Label] = true
		}
	}
	return sortedKeys(set)
}

// CheckClasses reports the first goal class the dataset does not know,
// listing the classes it does.
func CheckClasses(ds *dataset.Dataset, goals []Goal) error {
	known := knownClasses(ds)
	for _, g := range goals {
		for _, c := range g.Classes() {
			if _, ok := slices.BinarySearch(known, c); !ok {
				return fmt.Errorf("goal %s: unknown class %q in dataset %q; known classes: %s", g, c, ds.Name, strings.Join(known, ", "))
			}
		}
	}
	return nil
}

func checkTarget(target *dataset.Row, goal Goal) error {
	if target == nil {
		return fmt.Errorf("attack I goal %s: no target image x* given (choose one with ChooseTarget)", goal)
	}
	if target.Image == "" && target.Pixels == nil {
		return fmt.Errorf("attack I goal %s: target row %d has neither an image path nor pixels", goal, target.ID)
	}
	if target.Label != "" && target.Label != goal.To {
		return fmt.Errorf("attack I goal %s: target row %d has class %q, want %q", goal, target.ID, target.Label, goal.To)
	}
	return nil
}

func imageRef(r dataset.Row) string {
	if r.Image != "" {
		return r.Image
	}
	return "row:" + strconv.Itoa(r.ID)
}

func maxRowID(rows []dataset.Row) int {
	m := -1
	for _, r := range rows {
		m = max(m, r.ID)
	}
	return m
}

// trainPairs counts image-caption pairs in the training split.
func trainPairs(rows []dataset.Row) int {
	n := 0
	for _, r := range rows {
		if r.Split == dataset.Train {
			n += len(r.Captions)
		}
	}
	return n
}

// dropPositions removes the rows at the given positions of the original
// slice; appended rows (positions past the original length) are kept.
func dropPositions(rows []dataset.Row, drop map[int]bool) []dataset.Row {
	out := rows[:0:0]
	for i, r := range rows {
		if !drop[i] {
			out = append(out, r)
		}
	}
	return out
}

func sortedKeys[K int | string, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
