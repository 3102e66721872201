package experiments

import (
	"fmt"
	"sort"
	"strings"
)

// DefenseStage says where in a job a defense acts.
type DefenseStage int

const (
	// NoDefense is the undefended job ("none").
	NoDefense DefenseStage = iota
	// BeforeTraining defenses filter the poisoned training pairs by their
	// image-caption distances under the clean model.
	BeforeTraining
	// AfterTraining defenses act on the poisoned model; the runner
	// fine-tunes it on clean data.
	AfterTraining
	// DuringTraining defenses change how the poisoned model trains.
	DuringTraining
)

// Defense is a defense under the name configs give it. Each is one file,
// defense_NAME.go, that registers itself.
type Defense struct {
	Name    string
	Summary string // one line for help texts
	Stage   DefenseStage
	// Drop, for a BeforeTraining defense, picks the pairs to remove (indices
	// into dist, ascending) from their distances. poisoned is the truth,
	// read only by rules that model a defender's hand labels; seed drives any
	// sampling. gamma is the threshold the rule used, NaN if none.
	Drop func(dist []float64, poisoned []bool, s FilterSettings, seed uint64) (removed []int, gamma float64, err error)
	// Objective, for an AfterTraining defense, adds in-modal terms to the
	// clean fine-tuning's CLIP loss; nil fine-tunes with the CLIP loss alone.
	Objective *Objective
	// Training, for a DuringTraining defense, is its change to the poison
	// stage's training under the config's settings.
	Training func(s TrainingSettings) TrainingChange
}

// TrainingSettings are the knobs of the training-time defenses; a zero
// field takes the default its defense's file names.
type TrainingSettings struct {
	PoolSize     int     `json:"pool_size,omitempty"`     // RoCLIP: captions in the pool
	PoolEvery    int     `json:"pool_every,omitempty"`    // RoCLIP: epochs between matchings
	WarmupEpochs int     `json:"warmup_epochs,omitempty"` // SafeCLIP: in-modal epochs before the split
	SafeStart    float64 `json:"safe_start,omitempty"`    // SafeCLIP: the share of pairs the safe set may hold at first
	SafeGrow     float64 `json:"safe_grow,omitempty"`     // SafeCLIP: what that share grows by each epoch
}

// TrainingChange is a training-time defense in the terms of
// clipmodel.TrainOptions, which the runner copies there: a caption pool
// (PoolSize > 0) or a safe split (Split non-nil).
type TrainingChange struct {
	PoolSize, PoolEvery int
	WarmupEpochs        int
	Split               func(epoch int, sim []float64) ([]bool, error)
}

// Objective names in-modal contrastive terms beside the CLIP loss, in the
// terms of clipmodel.TrainOptions: two augmented views of each image
// (ViewLoss) and two captions (CaptionLoss, the second drawn as
// CaptionAugment says: "other" or "eda").
type Objective struct {
	ViewLoss, CaptionLoss float64
	CaptionAugment        string
}

// FilterSettings are the knobs of the distance filter's rules.
type FilterSettings struct {
	Gamma    float64 `json:"gamma,omitempty"`    // filter-gamma: drop pairs farther than this
	Percent  float64 `json:"percent,omitempty"`  // filter-percent: drop this share of the most distant pairs
	Labelled int     `json:"labelled,omitempty"` // filter-labelled: pairs hand-labelled to choose γ on
}

var defenses = map[string]*Defense{}

// RegisterDefense makes d available by its name. Registering a name twice
// is a programming error and panics.
func RegisterDefense(d *Defense) {
	if _, ok := defenses[d.Name]; ok {
		panic("experiments: defense " + d.Name + " registered twice")
	}
	defenses[d.Name] = d
}

// LookupDefense returns the defense of a name; the error lists the known
// names.
func LookupDefense(name string) (*Defense, error) {
	if d, ok := defenses[name]; ok {
		return d, nil
	}
	return nil, fmt.Errorf("unknown defense %q: want %s (or filter, for filter.mode's rule)", name, strings.Join(DefenseNames(), ", "))
}

// DefenseNames lists the registered defenses, sorted.
func DefenseNames() []string {
	names := make([]string, 0, len(defenses))
	for n := range defenses {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func init() {
	RegisterDefense(&Defense{Name: DefenseNone, Summary: "no defense", Stage: NoDefense})
}
