package text

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"unicode"
)

// naiveTrain is the textbook BPE trainer: recount every pair from scratch
// each step. It is the reference for TrainBPE's incremental counts.
func naiveTrain(texts []string, numMerges int) [][2]string {
	freq := map[string]int{}
	for _, s := range texts {
		splitWords(normalizeCaption(s), func(w string) {
			if w != startOfText && w != endOfText {
				freq[w]++
			}
		})
	}
	type entry struct {
		syms []string
		n    int
	}
	var words []entry
	for w, n := range freq {
		syms := make([]string, len(w))
		for i := 0; i < len(w); i++ {
			syms[i] = string(byteSymbols[w[i]])
		}
		syms[len(w)-1] += endOfWord
		words = append(words, entry{syms, n})
	}
	var merges [][2]string
	for len(merges) < numMerges {
		counts := map[[2]string]int{}
		for _, e := range words {
			for i := 0; i+1 < len(e.syms); i++ {
				counts[[2]string{e.syms[i], e.syms[i+1]}] += e.n
			}
		}
		var best [2]string
		bestN := 0
		for p, n := range counts {
			if n > bestN || (n == bestN && (p[0] < best[0] || (p[0] == best[0] && p[1] < best[1]))) {
				best, bestN = p, n
			}
		}
		if bestN < 2 {
			break
		}
		merges = append(merges, best)
		for k, e := range words {
			var out []string
			for i := 0; i < len(e.syms); i++ {
				if i+1 < len(e.syms) && e.syms[i] == best[0] && e.syms[i+1] == best[1] {
					out = append(out, best[0]+best[1])
					i++
					continue
				}
				out = append(out, e.syms[i])
			}
			words[k].syms = out
		}
	}
	return merges
}

// syntheticCaptions draws captions from a small vocabulary so that pairs
// repeat and counts tie often.
func syntheticCaptions(rng *rand.Rand, n int) []string {
	words := []string{"a", "dog", "dogs", "the", "then", "runs", "running", "ran", "on", "grass",
		"café", "naïve", "Zoë", "東京", "it's", "x-ray", "2024", "!!", "aaaa", "banana", "bandana"}
	out := make([]string, n)
	for i := range out {
		k := 1 + rng.IntN(8)
		parts := make([]string, k)
		for j := range parts {
			parts[j] = words[rng.IntN(len(words))]
		}
		out[i] = strings.Join(parts, " ")
	}
	return out
}

func TestTrainBPEMatchesNaive(t *testing.T) {
	texts := syntheticCaptions(rand.New(rand.NewPCG(1, 2)), 300)
	tok := TrainBPE(texts, 200)
	want := naiveTrain(texts, 200)
	if !slices.Equal(tok.merges, want) {
		n := min(len(tok.merges), len(want))
		for i := 0; i < n; i++ {
			if tok.merges[i] != want[i] {
				t.Fatalf("merge %d = %q, naive reference %q (lengths %d %d)", i, tok.merges[i], want[i], len(tok.merges), len(want))
			}
		}
		t.Fatalf("got %d merges, naive reference %d", len(tok.merges), len(want))
	}
	if len(want) < 50 {
		t.Fatalf("only %d merges learned; the corpus should support more", len(want))
	}
	if tok.VocabSize() != 512+len(want)+2 || tok.EOT() != tok.VocabSize()-1 {
		t.Fatalf("vocab %d eot %d for %d merges", tok.VocabSize(), tok.EOT(), len(want))
	}
}

func TestTrainBPEHandComputed(t *testing.T) {
	// Words: "ab" x3, "cd" x1. Only (a, b</w>) occurs twice or more.
	tok := TrainBPE([]string{"ab ab", "AB cd"}, 10)
	if !slices.Equal(tok.merges, [][2]string{{"a", "b</w>"}}) {
		t.Fatalf("merges = %q, want [[a b</w>]]", tok.merges)
	}
	if got := tok.Encode("ab cd"); !slices.Equal(got, []int{512, 'c' - '!', 256 + 'd' - '!'}) {
		t.Fatalf("Encode = %v", got)
	}
	// Every pair of "xaay xbby" occurs twice: ties go to the smallest
	// (left, right) texts, so (a, a) then (a, y</w>).
	tok = TrainBPE([]string{"xaay xbby", "xaay xbby"}, 2)
	if !slices.Equal(tok.merges, [][2]string{{"a", "a"}, {"aa", "y</w>"}}) {
		t.Fatalf("tie-break: merges %q, want [[a a] [aa y</w>]]", tok.merges)
	}
}

func TestTrainBPEDeterministic(t *testing.T) {
	texts := syntheticCaptions(rand.New(rand.NewPCG(3, 4)), 200)
	a := TrainBPE(texts, 100)
	shuffled := slices.Clone(texts)
	rand.New(rand.NewPCG(5, 6)).Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
	b := TrainBPE(shuffled, 100)
	if !slices.Equal(a.merges, b.merges) {
		t.Fatal("merges depend on the order of the texts")
	}
}

func TestTrainSaveLoadRoundTrip(t *testing.T) {
	texts := syntheticCaptions(rand.New(rand.NewPCG(7, 8)), 400)
	texts = append(texts, "A dog, running on the grass!", "Zoë's café (東京) &amp; more")
	trained := TrainBPE(texts, 150)
	for _, name := range []string{"merges.txt", "merges.txt.gz"} {
		path := filepath.Join(t.TempDir(), name)
		if err := trained.Save(path); err != nil {
			t.Fatal(err)
		}
		loaded, err := LoadBPE(path)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(loaded.merges, trained.merges) || loaded.VocabSize() != trained.VocabSize() {
			t.Fatalf("%s: loaded %d merges / vocab %d, trained %d / %d", name,
				len(loaded.merges), loaded.VocabSize(), len(trained.merges), trained.VocabSize())
		}
		for _, s := range texts {
			if a, b := trained.Encode(s), loaded.Encode(s); !slices.Equal(a, b) {
				t.Fatalf("%s: Encode(%q) trained %v, loaded %v", name, s, a, b)
			}
		}
	}
}

func TestDecodeInvertsEncodeASCII(t *testing.T) {
	texts := syntheticCaptions(rand.New(rand.NewPCG(9, 10)), 100)
	tok := TrainBPE(texts, 80)
	tokenizers := []*Tokenizer{tok, loadTiny(t)}
	inputs := append(texts[:20], "  Two DOGS,   running on the grass!!  ", "it's x=1+2; ok?", "&lt;b&gt; bold")
	for _, tk := range tokenizers {
		for _, s := range inputs {
			var words []string
			splitWords(normalizeCaption(s), func(w string) { words = append(words, w) })
			decoded := tk.Decode(tk.Encode(s))
			if got := strings.Fields(decoded); !slices.Equal(got, words) {
				t.Fatalf("Decode(Encode(%q)) = %q, want words %q", s, decoded, words)
			}
			// Words of letters come back exactly, joined by single spaces.
			if isLettersAndSpaces(s) && strings.TrimSpace(decoded) != normalizeCaption(s) {
				t.Fatalf("Decode(Encode(%q)) = %q, want %q", s, decoded, normalizeCaption(s))
			}
		}
	}
}

func isLettersAndSpaces(s string) bool {
	for _, r := range s {
		if r != ' ' && !unicode.IsLetter(r) {
			return false
		}
	}
	return true
}
