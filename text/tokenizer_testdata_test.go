package text

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
)

const tinyMerges = "testdata/tiny-merges.txt"

func loadTiny(t testing.TB) *Tokenizer {
	t.Helper()
	tok, err := LoadBPE(tinyMerges)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// checkGoldenFile compares Encode and Tokenize with a JSONL file made by
// testdata/make_golden.py, an independent Python reference.
func checkGoldenFile(t *testing.T, tok *Tokenizer, path string) {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 1<<20)
	n := 0
	for scanner.Scan() {
		n++
		var g goldenLine
		if err := json.Unmarshal(scanner.Bytes(), &g); err != nil {
			t.Fatalf("%s line %d: %v", path, n, err)
		}
		if got := tok.Encode(g.Text); !slices.Equal(got, g.IDs) {
			t.Errorf("%s line %d Encode(%q) = %v, want %v", path, n, g.Text, got, g.IDs)
		}
		want := append([]int{tok.SOT()}, g.IDs...)
		if len(want) > 76 {
			want = want[:76]
		}
		want = append(want, tok.EOT())
		want = append(want, make([]int, 77-len(want))...)
		if got := tok.Tokenize(g.Text, 77); !slices.Equal(got, want) {
			t.Errorf("%s line %d Tokenize(%q, 77) = %v, want %v", path, n, g.Text, got, want)
		}
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	if n < 30 {
		t.Fatalf("%s has only %d lines", path, n)
	}
}

func TestTinyGolden(t *testing.T) {
	checkGoldenFile(t, loadTiny(t), "testdata/tiny-golden.jsonl")
}

// The same tricky strings with CLIP's real vocabulary (final sigma, dotted
// I, numeric entities, specials inside text...).
func TestCLIPTrickyGolden(t *testing.T) {
	checkGoldenFile(t, loadCLIP(t), "testdata/clip-tricky-golden.jsonl")
}

// Hand-derived cases: merge k of tiny-merges.txt has id 512+k, bytes
// 33..126 have ids 0..93, the same with "</w>" 256..349.
func TestTinyHandVerified(t *testing.T) {
	tok := loadTiny(t)
	const (
		idThe   = 512 + 1  // t h -> th, then th e</w>
		idHe    = 512 + 2  // h e</w>
		idCat   = 512 + 4  // c a, ca t</w>
		idDog   = 512 + 6  // o g</w>, d og</w>
		idS     = 512 + 9  // ' s</w>
		idTh    = 512 + 0  // t h
		idPhoto = 512 + 14 // p h, o t, ph ot, phot o</w>
		idBang2 = 512 + 15 // ! !
		idAA    = 512 + 19 // a a
		idA5    = 512 + 21 // aaaa a</w>
	)
	if tok.VocabSize() != 512+27+2 || tok.SOT() != 539 || tok.EOT() != 540 {
		t.Fatalf("vocab %d sot %d eot %d", tok.VocabSize(), tok.SOT(), tok.EOT())
	}
	byteID := func(c byte) int { return int(c) - '!' }
	byteEnd := func(c byte) int { return 256 + int(c) - '!' }
	cases := []struct {
		in   string
		want []int
	}{
		{"the cat", []int{idThe, idCat}},
		{"  The\tCAT\n", []int{idThe, idCat}},
		{"he", []int{idHe}},
		{"dog's", []int{idDog, idS}},
		// "th" wins over "h e</w>" because t h has the lower rank.
		{"the", []int{idThe}},
		{"thx", []int{idTh, byteEnd('x')}},
		{"photo", []int{idPhoto}},
		{"!!!!", []int{idBang2, byteID('!'), byteEnd('!')}},
		{"aaaaa", []int{idA5}},
		// a a a a</w>: (a,a) merges once, left to right; (aa,a) and
		// (a,a</w>) have no rule, so "aa aa" never gets a chance.
		{"aaaa", []int{idAA, byteID('a'), byteEnd('a')}},
		{"x", []int{byteEnd('x')}},
		{"", nil},
	}
	for _, c := range cases {
		if got := tok.Encode(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Encode(%q) = %v, want %v", c.in, got, c.want)
		}
	}
}

func TestTokenizeTruncatesAndPads(t *testing.T) {
	tok := loadTiny(t)
	long := strings.Repeat("the cat ", 50)
	row := tok.Tokenize(long, 10)
	want := []int{tok.SOT(), 513, 516, 513, 516, 513, 516, 513, 516, tok.EOT()}
	if !slices.Equal(row, want) {
		t.Fatalf("Tokenize(long, 10) = %v, want %v", row, want)
	}
	if row := tok.Tokenize("he", 5); !slices.Equal(row, []int{tok.SOT(), 514, tok.EOT(), 0, 0}) {
		t.Fatalf("Tokenize(he, 5) = %v", row)
	}
	if row := tok.Tokenize("the cat", 0); !slices.Equal(row, []int{tok.SOT(), tok.EOT()}) {
		t.Fatalf("Tokenize with context 0 = %v, want sot eot", row)
	}
	ids, eot := tok.TokenizeBatch([]string{"he", "", long, "a<|endoftext|>he"}, 6)
	wantIDs := []int{
		tok.SOT(), 514, tok.EOT(), 0, 0, 0,
		tok.SOT(), tok.EOT(), 0, 0, 0, 0,
		tok.SOT(), 513, 516, 513, 516, tok.EOT(),
		tok.SOT(), 256 + 'a' - '!', tok.EOT(), 514, tok.EOT(), 0,
	}
	if !slices.Equal(ids, wantIDs) || !slices.Equal(eot, []int{2, 1, 5, 2}) {
		t.Fatalf("TokenizeBatch = %v %v,\nwant %v [2 1 5 2]", ids, eot, wantIDs)
	}
}

func TestDecode(t *testing.T) {
	tok := loadTiny(t)
	if got := tok.Decode(tok.Encode("The cat, the DOG's café!!!")); got != "the cat , the dog 's café !!! " {
		t.Fatalf("Decode = %q", got)
	}
	// A lone UTF-8 lead byte and a truncated 3-byte sequence each give one U+FFFD.
	bad := []int{int(byteSymbolIndex(0xC3)), int(byteSymbolIndex(0xE2)), int(byteSymbolIndex(0x82)), 256 + 'x' - '!', -1, 1 << 20}
	if got := tok.Decode(bad); got != "\uFFFD\uFFFDx " {
		t.Fatalf("Decode(bad) = %q", got)
	}
}

// byteSymbolIndex is the vocabulary id of byte b's symbol.
func byteSymbolIndex(b byte) int {
	return slices.Index(byteSymbolOrder[:], byteSymbols[b])
}
