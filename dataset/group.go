package dataset

import "strings"

// grouper collects captions per image in first-seen order, so every loader
// yields one Row per image with all its captions.
type grouper struct {
	index map[string]int
	rows  []Row
}

func newGrouper() *grouper { return &grouper{index: map[string]int{}} }

// add appends a caption (if non-empty) to the image's row, creating the row
// on first sight; split and label are kept from the first mention that has them.
func (g *grouper) add(image, caption, split, label string) *Row {
	i, ok := g.index[image]
	if !ok {
		i = len(g.rows)
		g.index[image] = i
		g.rows = append(g.rows, Row{ID: i, Image: image})
	}
	r := &g.rows[i]
	if c := strings.TrimSpace(caption); c != "" {
		r.Captions = append(r.Captions, c)
	}
	if r.Split == "" {
		r.Split = split
	}
	if r.Label == "" {
		r.Label = label
	}
	return r
}

// normSplit maps the split names used in the wild onto Train, Val and Test.
func normSplit(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "train", "training", "restval":
		return Train
	case "val", "valid", "validation", "dev":
		return Val
	case "test", "testing":
		return Test
	case "":
		return ""
	}
	return strings.ToLower(strings.TrimSpace(s))
}

// classesOf lists the distinct non-empty labels of rows in first-seen order.
func classesOf(rows []Row) []string {
	seen := map[string]bool{}
	var out []string
	for _, r := range rows {
		if r.Label != "" && !seen[r.Label] {
			seen[r.Label] = true
			out = append(out, r.Label)
		}
	}
	return out
}
