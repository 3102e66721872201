package text

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// Every EDA result is a caption row again (start token, tokens of the
// original caption only, one end token at the returned index, zeros after),
// and across draws all three operations occur.
func TestEDAKeepsARowAndUsesEachOperation(t *testing.T) {
	const sot, eot = 1, 2
	orig := []int{sot, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, eot, 0, 0, 0, 0}
	rng := rand.New(rand.NewPCG(1, 2))
	var shorter, longer, reordered bool
	for range 300 {
		row := slices.Clone(orig)
		end := EDA(row, 11, 0.2, rng)
		if row[0] != sot || row[end] != eot {
			t.Fatalf("row %v: start %d, end token at %d is %d", row, row[0], end, row[end])
		}
		body := row[1:end]
		for _, tok := range body {
			if tok < 10 || tok > 19 {
				t.Fatalf("row %v holds token %d, not from the caption", row, tok)
			}
		}
		for _, z := range row[end+1:] {
			if z != 0 {
				t.Fatalf("row %v: not zero after the end token", row)
			}
		}
		switch {
		case len(body) < 10:
			shorter = true
		case len(body) > 10:
			longer = true
		case !slices.Equal(body, orig[1:11]):
			reordered = true
		}
	}
	if !shorter || !longer || !reordered {
		t.Errorf("deletion %v, insertion %v, swap %v: want all three seen", shorter, longer, reordered)
	}
	one := []int{sot, 42, eot, 0}
	if end := EDA(one, 2, 0.5, rng); one[end] != eot || !slices.Contains(one[1:end], 42) {
		t.Errorf("one-token caption became %v", one)
	}
}
