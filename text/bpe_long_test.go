package text

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// TestMergeLongWordMatchesRescan checks the queue-based merge against
// CLIP's rescanning loop on random words of all lengths.
func TestMergeLongWordMatchesRescan(t *testing.T) {
	rng := rand.New(rand.NewPCG(13, 14))
	toks := map[string]*Tokenizer{
		"tiny":    loadTiny(t),
		"trained": TrainBPE(syntheticCaptions(rand.New(rand.NewPCG(15, 16)), 300), 300),
	}
	if _, err := LoadBPE(sharedMerges); err == nil {
		toks["clip"] = loadCLIP(t)
	}
	alphabets := []string{"ab", "the cat aaaa!!", "abcdefghijklmnopqrstuvwxyz", "éa東😀"}
	for name, tok := range toks {
		for i := 0; i < 300; i++ {
			alphabet := []rune(alphabets[rng.IntN(len(alphabets))])
			var b strings.Builder
			for n := 1 + rng.IntN(200); n > 0; n-- {
				b.WriteRune(alphabet[rng.IntN(len(alphabet))])
			}
			word := b.String()
			symbols := make([]int32, len(word))
			for k := 0; k < len(word); k++ {
				symbols[k] = int32(tok.byteID[word[k]])
			}
			symbols[len(word)-1] = int32(tok.finalID[word[len(word)-1]])
			want := tok.mergeByRescan(slices.Clone(symbols))
			if got := tok.mergeLongWord(slices.Clone(symbols)); !slices.Equal(got, want) {
				t.Fatalf("%s: word %q: queue merge %v, rescan %v", name, word, got, want)
			}
		}
	}
}
