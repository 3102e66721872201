package dataset

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"text/tabwriter"
)

// SplitStats counts one split.
type SplitStats struct {
	Split      string // Train, Val, Test, or "" for images in no split
	Images     int
	Captions   int
	Missing    int // caption-only rows (image file absent)
	Unlabelled int
	PerClass   map[string]int // images per class label
}

// Statistics summarises a dataset for `mmpoison data inspect`.
type Statistics struct {
	Name     string
	Images   int
	Captions int
	Missing  int
	Classes  []string
	Splits   []SplitStats // Train, Val, Test first, then others, then ""
	Notes    []string
}

// Split returns the counts of one split (zero counts when absent).
func (s Statistics) Split(name string) SplitStats {
	for _, sp := range s.Splits {
		if sp.Split == name {
			return sp
		}
	}
	return SplitStats{Split: name, PerClass: map[string]int{}}
}

// Stats counts images, captions and class labels per split.
func Stats(ds *Dataset) Statistics {
	st := Statistics{Name: ds.Name, Classes: ds.Classes, Notes: ds.Notes}
	idx := map[string]int{}
	for _, r := range ds.Rows {
		i, ok := idx[r.Split]
		if !ok {
			i = len(st.Splits)
			idx[r.Split] = i
			st.Splits = append(st.Splits, SplitStats{Split: r.Split, PerClass: map[string]int{}})
		}
		sp := &st.Splits[i]
		sp.Images++
		sp.Captions += len(r.Captions)
		if r.MissingImage {
			sp.Missing++
			st.Missing++
		}
		if r.Label == "" {
			sp.Unlabelled++
		} else {
			sp.PerClass[r.Label]++
		}
		st.Images++
		st.Captions += len(r.Captions)
	}
	order := map[string]int{Train: 0, Val: 1, Test: 2, "": 4}
	rank := func(s string) int {
		if o, ok := order[s]; ok {
			return o
		}
		return 3
	}
	sort.SliceStable(st.Splits, func(a, b int) bool {
		ra, rb := rank(st.Splits[a].Split), rank(st.Splits[b].Split)
		if ra != rb {
			return ra < rb
		}
		return st.Splits[a].Split < st.Splits[b].Split
	})
	return st
}

func splitTitle(s string) string {
	if s == "" {
		return "(no split)"
	}
	return s
}

// Inspect prints the statistics of ds as aligned tables: splits, then images
// per class per split.
func Inspect(ds *Dataset, w io.Writer) error {
	st := Stats(ds)
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "dataset %s: %d images, %d captions, %d classes\n", st.Name, st.Images, st.Captions, len(st.Classes))
	fmt.Fprintln(tw, "split\timages\tcaptions\tmissing images\tunlabelled\t")
	for _, sp := range st.Splits {
		fmt.Fprintf(tw, "%s\t%d\t%d\t%d\t%d\t\n", splitTitle(sp.Split), sp.Images, sp.Captions, sp.Missing, sp.Unlabelled)
	}
	fmt.Fprintf(tw, "total\t%d\t%d\t%d\t\t\n", st.Images, st.Captions, st.Missing)
	if len(st.Classes) > 0 {
		fmt.Fprintln(tw)
		head := []string{"class"}
		for _, sp := range st.Splits {
			head = append(head, splitTitle(sp.Split))
		}
		fmt.Fprintln(tw, strings.Join(head, "\t")+"\t")
		for _, c := range st.Classes {
			line := []string{c}
			for _, sp := range st.Splits {
				line = append(line, fmt.Sprint(sp.PerClass[c]))
			}
			fmt.Fprintln(tw, strings.Join(line, "\t")+"\t")
		}
	}
	for _, n := range st.Notes {
		fmt.Fprintf(tw, "note: %s\n", n)
	}
	return tw.Flush()
}
