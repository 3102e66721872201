package text

import (
	"bufio"
	"encoding/json"
	"os"
	"slices"
	"sync"
	"testing"
)

const (
	sharedClipDir   = "../../shared/data/clip/"
	sharedMerges    = sharedClipDir + "bpe_simple_vocab_16e6.txt.gz"
	sharedGoldenIDs = sharedClipDir + "tokenizer-golden.jsonl"
)

var (
	clipOnce sync.Once
	clipTok  *Tokenizer
	clipErr  error
)

// loadCLIP loads CLIP's real merges file once, skipping when it is absent.
func loadCLIP(t testing.TB) *Tokenizer {
	t.Helper()
	if _, err := os.Stat(sharedMerges); err != nil {
		t.Skipf("CLIP merges file %s not found (shared data absent): %v", sharedMerges, err)
	}
	clipOnce.Do(func() { clipTok, clipErr = LoadBPE(sharedMerges) })
	if clipErr != nil {
		t.Fatal(clipErr)
	}
	return clipTok
}

func TestCLIPVocabularyConstants(t *testing.T) {
	tok := loadCLIP(t)
	if tok.VocabSize() != 49408 || tok.SOT() != 49406 || tok.EOT() != 49407 {
		t.Fatalf("vocab %d sot %d eot %d, want 49408 49406 49407", tok.VocabSize(), tok.SOT(), tok.EOT())
	}
	// Spot check from the data README and ids known from CLIP's vocabulary.
	if got := tok.Encode("a photo of a cat"); !slices.Equal(got, []int{320, 1125, 539, 320, 2368}) {
		t.Fatalf("Encode(a photo of a cat) = %v", got)
	}
	if tok.Token(0) != "!" || tok.Token(256) != "!</w>" || tok.Token(512) != "in" {
		t.Fatalf("vocab order: %q %q %q", tok.Token(0), tok.Token(256), tok.Token(512))
	}
}

type goldenLine struct {
	Text     string `json:"text"`
	IDs      []int  `json:"ids"`
	Tokens77 []int  `json:"tokens77"`
}

func readGolden(t *testing.T, path string) []goldenLine {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Skipf("golden tokenizations %s not found (shared data absent): %v", path, err)
	}
	defer f.Close()
	var lines []goldenLine
	scanner := bufio.NewScanner(f)
	scanner.Buffer(nil, 1<<22)
	for scanner.Scan() {
		var g goldenLine
		if err := json.Unmarshal(scanner.Bytes(), &g); err != nil {
			t.Fatalf("%s line %d: %v", path, len(lines)+1, err)
		}
		lines = append(lines, g)
	}
	if err := scanner.Err(); err != nil {
		t.Fatal(err)
	}
	return lines
}

func TestCLIPGolden(t *testing.T) {
	tok := loadCLIP(t)
	lines := readGolden(t, sharedGoldenIDs)
	if len(lines) != 635 {
		t.Fatalf("%s has %d lines, want 635", sharedGoldenIDs, len(lines))
	}
	failures := 0
	for i, g := range lines {
		ids := tok.Encode(g.Text)
		row := tok.Tokenize(g.Text, 77)
		if !slices.Equal(ids, g.IDs) || !slices.Equal(row, g.Tokens77) {
			failures++
			if failures <= 10 {
				t.Errorf("line %d %q:\n got  %v\n want %v\n row  %v\n want %v", i+1, g.Text, ids, g.IDs, row, g.Tokens77)
			}
		}
	}
	if failures > 0 {
		t.Fatalf("%d of %d golden lines differ", failures, len(lines))
	}
}
