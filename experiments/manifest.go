package experiments

import "github.com/mmpoison/mmpoison/dataset"

// GoalManifest records what one goal of an attack changed.
type GoalManifest struct {
	Goal string `json:"goal"` // e.g. "boat2dog"
	// SourceRowIDs are the sampled class-A training rows whose captions were
	// re-paired, in dataset order.
	SourceRowIDs []int `json:"source_row_ids"`
	// PoisonedRowIDs are the IDs of the poisoned rows in the new dataset
	// (equal to SourceRowIDs when overwriting).
	PoisonedRowIDs []int `json:"poisoned_row_ids"`
	// ImageRowIDs[i] is the row whose image PoisonedRowIDs[i] now carries.
	ImageRowIDs []int `json:"image_row_ids"`
	// DroppedRowIDs are clean class-B rows removed (DropUsedTargets).
	DroppedRowIDs []int `json:"dropped_row_ids,omitempty"`
}

// Manifest records a poisoning run: saved as manifest.json next to results.
type Manifest struct {
	Attack         string         `json:"attack"`
	Goals          []string       `json:"goals"`
	Ratio          float64        `json:"ratio"` // fraction of class-A training images poisoned
	Seed           uint64         `json:"seed"`
	Append         bool           `json:"append"`
	PoisonedImages int            `json:"poisoned_images"` // poisoned rows
	PoisonedPairs  int            `json:"poisoned_pairs"`  // captions on poisoned rows
	TotalPairs     int            `json:"total_pairs"`     // training pairs after poisoning
	Phi            float64        `json:"phi"`             // PoisonedPairs / TotalPairs
	PoisonedRowIDs []int          `json:"poisoned_row_ids"`
	TargetImage    string         `json:"target_image,omitempty"` // Attack I: x*'s path, or "row:ID" for in-memory pixels
	TargetRowID    int            `json:"target_row_id,omitempty"`
	PerGoal        []GoalManifest `json:"per_goal"`
	Trigger        *Trigger       `json:"trigger,omitempty"` // the backdoor's, with its defaults filled in
}

// PoisonedSet returns the poisoned row IDs as a set.
func (m *Manifest) PoisonedSet() map[int]bool {
	set := make(map[int]bool, len(m.PoisonedRowIDs))
	for _, id := range m.PoisonedRowIDs {
		set[id] = true
	}
	return set
}

// count fills in the totals of a manifest whose poisoned rows and pairs are
// listed: the poisoned images, the training pairs of rows, and φ.
func (m *Manifest) count(rows []dataset.Row) {
	m.PoisonedImages = len(m.PoisonedRowIDs)
	m.TotalPairs = trainPairs(rows)
	if m.TotalPairs > 0 {
		m.Phi = float64(m.PoisonedPairs) / float64(m.TotalPairs)
	}
}
