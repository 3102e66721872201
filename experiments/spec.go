package experiments

import (
	"fmt"
	"strings"

	"github.com/mmpoison/mmpoison/dataset"
	"github.com/mmpoison/mmpoison/vision/rgb"
)

// Attack kinds, named as in the paper.
const (
	AttackNone        = "none"
	AttackSingleImage = "I"   // every selected class-A row gets one target image x*
	AttackSingleLabel = "II"  // selected class-A rows get class-B images (A2B)
	AttackMultiLabel  = "III" // several disjoint A2B goals at once
)

// DefaultSeed is the sampling seed the paper's code uses.
const DefaultSeed = 42

// Goal is one A2B poisoning goal: captions of class From should retrieve
// images of class To.
type Goal struct {
	From string `json:"from"`
	To   string `json:"to"`
}

// Classes are the classes the goal names: both, or only the target when
// the source is AnyClass (a backdoor's "any2B").
func (g Goal) Classes() []string {
	if g.From == AnyClass {
		return []string{g.To}
	}
	return []string{g.From, g.To}
}

// String gives the paper's short name, e.g. "boat2dog".
func (g Goal) String() string { return g.From + "2" + g.To }

// ParseGoal reads "boat2dog" back into a Goal. Class names containing "2"
// are ambiguous in that form; use "boat:dog" for them.
func ParseGoal(s string) (Goal, error) {
	if from, to, ok := strings.Cut(s, ":"); ok && from != "" && to != "" {
		return checkGoal(s, Goal{From: from, To: to})
	}
	if strings.Count(s, "2") != 1 {
		return Goal{}, fmt.Errorf("goal %q: want FROM2TO (e.g. boat2dog) or FROM:TO when a class name contains '2'", s)
	}
	from, to, _ := strings.Cut(s, "2")
	if from == "" || to == "" {
		return Goal{}, fmt.Errorf("goal %q: both classes must be non-empty (e.g. boat2dog)", s)
	}
	return checkGoal(s, Goal{From: from, To: to})
}

// checkGoal refuses a goal that maps a class onto itself: it poisons nothing.
func checkGoal(s string, g Goal) (Goal, error) {
	if g.From == g.To {
		return Goal{}, fmt.Errorf("goal %q: source and target class are both %q; an A2A goal poisons nothing", s, g.From)
	}
	return g, nil
}

// Target modes for Attack I's image x*.
const (
	TargetRow      = "row"      // TargetSpec.RowID names the row
	TargetPath     = "path"     // TargetSpec.Path names the image file
	TargetCentroid = "centroid" // class-B test image nearest the class-B embedding centroid
	TargetRandom   = "random"   // seeded random class-B test image
)

// TargetSpec says how Attack I's target image x* is chosen (see ChooseTarget).
type TargetSpec struct {
	Mode  string `json:"mode"`
	RowID int    `json:"row_id,omitempty"`
	Path  string `json:"path,omitempty"`
	Seed  uint64 `json:"seed,omitempty"` // for TargetRandom; 0 means DefaultSeed
}

// AttackSpec describes one poisoning attack.
type AttackSpec struct {
	Kind  string // a registered attack (LookupAttack)
	Goals []Goal // as many as the attack takes
	// Ratio is the fraction of class-A training images poisoned, in (0,1]
	// (not φ, which Poison reports in the manifest).
	Ratio float64
	Seed  uint64 // sampling seed; 0 means DefaultSeed
	// Append keeps the original class-A rows and adds poisoned copies
	// instead of overwriting them (the paper overwrites).
	Append bool
	// DropUsedTargets reproduces a quirk of the paper's code for Attack III:
	// the clean rows of the class-B images used by the second and later goals
	// are removed from training.
	DropUsedTargets bool
	Target          TargetSpec // Attack I only; resolved by the caller via ChooseTarget

	// Trigger, Image and Templates are for an attack that NeedsImages (the
	// backdoor): the trigger to stamp, the source of a row's pixels at the
	// model's input size, and the caption templates naming the target class
	// (empty: DefaultZeroShotTemplates).
	Trigger   Trigger
	Image     func(*dataset.Row) (*rgb.Image, error)
	Templates []string
}

func seedOrDefault(s uint64) uint64 {
	if s == 0 {
		return DefaultSeed
	}
	return s
}

// validate checks the parts of the spec that do not need the dataset and
// returns the attack of its kind.
func (s AttackSpec) validate() (*Attack, error) {
	a, err := LookupAttack(s.Kind)
	if err != nil {
		return nil, err
	}
	if !(s.Ratio > 0 && s.Ratio <= 1) {
		return nil, fmt.Errorf("attack %s: ratio %v is outside (0,1]; it is the fraction of class-A training images to poison", s.Kind, s.Ratio)
	}
	if err := a.CheckGoalCount(len(s.Goals)); err != nil {
		return nil, err
	}
	seen := map[string]string{}
	for _, g := range s.Goals {
		if g.From == g.To {
			return nil, fmt.Errorf("attack %s: goal %s maps a class onto itself", s.Kind, g)
		}
		for _, c := range []string{g.From, g.To} {
			if prev, ok := seen[c]; ok {
				return nil, fmt.Errorf("attack %s: goals %s and %s share class %q; goals must use disjoint classes", s.Kind, prev, g, c)
			}
			seen[c] = g.String()
		}
	}
	return a, nil
}

// templateCaptions are the captions a templated attack gives its poisoned
// rows: spec.Templates (DefaultZeroShotTemplates when empty) filled with class.
func (s AttackSpec) templateCaptions(class string) ([]string, error) {
	templates := s.Templates
	if len(templates) == 0 {
		templates = DefaultZeroShotTemplates
	}
	captions, err := ZeroShotPrompts([]string{class}, templates)
	if err != nil {
		return nil, fmt.Errorf("attack %s: %w", s.Kind, err)
	}
	return captions, nil
}
