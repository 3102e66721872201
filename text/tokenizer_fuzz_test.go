package text

import (
	"testing"
)

// FuzzTokenize checks invariants of Tokenize on arbitrary input with the tiny
// vocabulary: no panic, fixed length, sot first, an end token present,
// zero padding after the last end token, every id inside the vocabulary.
func FuzzTokenize(f *testing.F) {
	for _, s := range []string{"", "the cat", "&amp;lt;", "ΟΔΟΣ", "\xff\xfe", "<|endoftext|>", "it's"} {
		f.Add(s, 77)
	}
	tok, err := LoadBPE(tinyMerges)
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, s string, contextLength int) {
		contextLength = contextLength%100 + 1
		if contextLength <= 0 {
			contextLength += 100
		}
		row := tok.Tokenize(s, contextLength)
		if len(row) != max(contextLength, 2) {
			t.Fatalf("len %d for context %d", len(row), contextLength)
		}
		if row[0] != tok.SOT() {
			t.Fatalf("row starts with %d", row[0])
		}
		lastEOT := -1
		for i, id := range row {
			if id < 0 || id >= tok.VocabSize() {
				t.Fatalf("id %d at %d outside vocabulary %d", id, i, tok.VocabSize())
			}
			if id == tok.EOT() {
				lastEOT = i
			}
		}
		if lastEOT < 0 {
			t.Fatalf("no end token in %v", row)
		}
		for _, id := range row[lastEOT+1:] {
			if id != 0 {
				t.Fatalf("non-zero after the end token: %v", row)
			}
		}
		_ = tok.Decode(row)
	})
}
