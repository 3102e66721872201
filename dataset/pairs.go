package dataset

import "math/rand/v2"

// Pair is one training example: caption Caption of row Row.
type Pair struct{ Row, Caption int }

// Pairs expands the rows of a split ("" for all rows) into (row, caption)
// pairs, in row order. Rows with a missing image are left out.
func Pairs(ds *Dataset, split string) []Pair {
	var out []Pair
	for i, r := range ds.Rows {
		if (split != "" && r.Split != split) || r.MissingImage {
			continue
		}
		for c := range r.Captions {
			out = append(out, Pair{Row: i, Caption: c})
		}
	}
	return out
}

// Shuffle permutes pairs in place with rng (one call per epoch).
func Shuffle(pairs []Pair, rng *rand.Rand) {
	rng.Shuffle(len(pairs), func(a, b int) { pairs[a], pairs[b] = pairs[b], pairs[a] })
}
