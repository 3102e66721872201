package text

import (
	"math"
	"math/rand/v2"
)

// EDA applies one of Easy Data Augmentation's operations (Wei & Zou, 2019)
// to a tokenised caption row, in place, and returns its new end-token
// index: random swap (two tokens trade places), random deletion (each token
// goes with probability alpha, one always stays) or random insertion (a
// token of the caption is repeated at a random place). Each changes about
// alpha of the caption's tokens, at least one. It works on the tokens
// between the start token row[0] and the end token row[eot], so a word of
// several BPE tokens is several units; EDA's fourth operation, synonym
// replacement, needs a thesaurus and is left out. The row keeps its length:
// insertion stops at the context's end.
func EDA(row []int, eot int, alpha float64, rng *rand.Rand) int {
	body := append([]int(nil), row[1:eot]...)
	end := row[eot]
	if len(body) == 0 {
		return eot
	}
	n := max(1, int(math.Round(alpha*float64(len(body)))))
	switch rng.IntN(3) {
	case 0: // swap
		for range n {
			i, j := rng.IntN(len(body)), rng.IntN(len(body))
			body[i], body[j] = body[j], body[i]
		}
	case 1: // delete
		kept := body[:0:0]
		for _, t := range body {
			if rng.Float64() >= alpha {
				kept = append(kept, t)
			}
		}
		if len(kept) == 0 {
			kept = append(kept, body[rng.IntN(len(body))])
		}
		body = kept
	default: // insert
		for range n {
			if len(body) >= len(row)-2 {
				break
			}
			t, at := body[rng.IntN(len(body))], rng.IntN(len(body)+1)
			body = append(body[:at], append([]int{t}, body[at:]...)...)
		}
	}
	for i := 1; i < len(row); i++ {
		row[i] = 0
	}
	copy(row[1:], body)
	row[len(body)+1] = end
	return len(body) + 1
}
