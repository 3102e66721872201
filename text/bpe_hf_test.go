package text

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const tinyHF = "testdata/tiny-hf" // written by testdata/make_hf_tokenizer.py from tiny-merges.txt

// Every Hugging Face layout of the tiny tokenizer gives the ids of the
// independent Python reference, as CLIP's merges file does.
func TestLoadHuggingFaceLayouts(t *testing.T) {
	for _, path := range []string{
		tinyHF, // the folder: tokenizer.json is preferred
		filepath.Join(tinyHF, "tokenizer.json"),
		filepath.Join(tinyHF, "vocab.json"),
		filepath.Join(tinyHF, "merges.txt"), // finds vocab.json beside it
		tinyMerges,                          // not Hugging Face: Load falls through to LoadBPE
	} {
		t.Run(path, func(t *testing.T) {
			tok, err := Load(path)
			if err != nil {
				t.Fatal(err)
			}
			if tok.VocabSize() != 512+27+2 { // ".</w>" is made twice, so 540 distinct tokens
				t.Fatalf("vocabulary of %d ids, want 541", tok.VocabSize())
			}
			checkGoldenFile(t, tok, "testdata/tiny-golden.jsonl")
		})
	}
}

// The tokenizers library has written merges as "a b" strings and, since
// 0.20, as [a, b] pairs; model.vocab may or may not list the special tokens.
func TestLoadTokenizerJSONVariants(t *testing.T) {
	var file map[string]any
	readJSON(t, filepath.Join(tinyHF, "tokenizer.json"), &file)
	model := file["model"].(map[string]any)
	var pairs [][]string
	for _, m := range model["merges"].([]any) {
		pairs = append(pairs, strings.Split(m.(string), " "))
	}
	model["merges"] = pairs
	vocab := model["vocab"].(map[string]any)
	vocab["<|startoftext|>"], vocab["<|endoftext|>"] = 539, 540
	path := writeJSON(t, "tokenizer.json", file)
	tok, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	want := loadTiny(t)
	for _, s := range []string{"the cat sat", "a photo of THE dog's ball!", "<|endoftext|> héllo"} {
		if got := tok.Tokenize(s, 16); !slices.Equal(got, want.Tokenize(s, 16)) {
			t.Errorf("Tokenize(%q) = %v, want %v", s, got, want.Tokenize(s, 16))
		}
	}
}

// Files that are not a CLIP tokenizer, or whose ids disagree with the
// merges, are refused with an error naming the file and the problem.
func TestLoadHuggingFaceRefusesMismatches(t *testing.T) {
	tokenizerJSON := func(edit func(file, model map[string]any)) string {
		var file map[string]any
		readJSON(t, filepath.Join(tinyHF, "tokenizer.json"), &file)
		edit(file, file["model"].(map[string]any))
		return writeJSON(t, "tokenizer.json", file)
	}
	vocabJSON := func(edit func(vocab map[string]any)) string {
		var vocab map[string]any
		readJSON(t, filepath.Join(tinyHF, "vocab.json"), &vocab)
		edit(vocab)
		path := writeJSON(t, "vocab.json", vocab)
		copyFile(t, filepath.Join(tinyHF, "merges.txt"), filepath.Join(filepath.Dir(path), "merges.txt"))
		return path
	}
	cases := map[string]struct {
		path string
		want string
	}{
		"swapped ids":       {vocabJSON(func(v map[string]any) { v["the</w>"], v["ca"] = v["ca"], v["the</w>"] }), "token"},
		"extra token":       {vocabJSON(func(v map[string]any) { v["zzz"] = 541.0 }), `token "zzz" has id 541`},
		"missing token":     {vocabJSON(func(v map[string]any) { delete(v, "cat</w>") }), "539 distinct tokens, where its merges make 540"},
		"WordPiece":         {tokenizerJSON(func(_, m map[string]any) { m["type"] = "WordPiece" }), `want "BPE"`},
		"GPT-2 style BPE":   {tokenizerJSON(func(_, m map[string]any) { delete(m, "end_of_word_suffix") }), "end_of_word_suffix"},
		"bad merge":         {tokenizerJSON(func(_, m map[string]any) { m["merges"] = []any{"t h e"} }), "model.merges[0]"},
		"merges not a list": {tokenizerJSON(func(_, m map[string]any) { m["merges"] = 3 }), "model.merges must be"},
		"no vocab":          {tokenizerJSON(func(_, m map[string]any) { delete(m, "vocab") }), "model.vocab is missing"},
		"special token id": {tokenizerJSON(func(f, _ map[string]any) {
			f["added_tokens"].([]any)[0].(map[string]any)["id"] = 7
		}), "token"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := Load(c.path)
			if err == nil {
				t.Fatal("loaded a mismatched tokenizer")
			}
			if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), filepath.Dir(c.path)) {
				t.Errorf("error %q should name the file and contain %q", err, c.want)
			}
		})
	}
}

func TestLoadHuggingFaceBrokenFiles(t *testing.T) {
	dir := t.TempDir()
	write := func(name, body string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	if _, err := Load(write("tokenizer.json", `{"model": {"type": "BPE", "vocab": {`)); err == nil || !strings.Contains(err.Error(), "not valid JSON") {
		t.Errorf("truncated tokenizer.json: %v", err)
	}
	lonely := t.TempDir()
	if err := os.WriteFile(filepath.Join(lonely, "vocab.json"), []byte(`{}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(lonely); err == nil || !strings.Contains(err.Error(), "no merges.txt") {
		t.Errorf("vocab.json without merges.txt: %v", err)
	}
	if _, err := Load(t.TempDir()); err == nil || !strings.Contains(err.Error(), "holds none of") {
		t.Errorf("empty folder: %v", err)
	}
	short := t.TempDir()
	copyFile(t, filepath.Join(tinyHF, "vocab.json"), filepath.Join(short, "vocab.json"))
	if err := os.WriteFile(filepath.Join(short, "merges.txt"), []byte("#version: 0.2\nt h\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(short); err == nil || !strings.Contains(err.Error(), "has id") {
		t.Errorf("merges.txt shorter than vocab.json: %v", err)
	}
}

// A folder written by Save (a checkpoint's tokenizer.txt) is found too.
func TestFindInFolderTakesSavedTokenizer(t *testing.T) {
	dir := t.TempDir()
	tiny := loadTiny(t)
	if err := tiny.Save(filepath.Join(dir, "tokenizer.txt")); err != nil {
		t.Fatal(err)
	}
	tok, err := Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if s := "the cat's hat"; !slices.Equal(tok.Encode(s), tiny.Encode(s)) {
		t.Errorf("saved tokenizer encodes %q as %v, want %v", s, tok.Encode(s), tiny.Encode(s))
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

// writeJSON writes v as name in a fresh folder and returns its path.
func writeJSON(t *testing.T, name string, v any) string {
	t.Helper()
	data, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, data, 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func copyFile(t *testing.T, from, to string) {
	t.Helper()
	data, err := os.ReadFile(from)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(to, data, 0o644); err != nil {
		t.Fatal(err)
	}
}
