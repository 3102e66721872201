package text

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
)

// Hugging Face writes a CLIP tokenizer either as tokenizer.json (the
// tokenizers library's file: vocabulary, merges and special tokens in one)
// or as vocab.json beside merges.txt (transformers' CLIPTokenizer). Both
// hold the same byte-level BPE as CLIP's merges file, plus an explicit
// token → id map, which must agree with the ids the merges imply.
const (
	hfTokenizerJSON = "tokenizer.json"
	hfVocabJSON     = "vocab.json"
	hfMergesTxt     = "merges.txt"
	savedTokenizer  = "tokenizer.txt" // what Tokenizer.Save writes beside a checkpoint
)

// maxTokenizerFile bounds a tokenizer file read whole (CLIP's tokenizer.json
// is about 3.5 MB): a hostile or mistaken path costs bounded memory.
const maxTokenizerFile = 64 << 20

// Load reads a tokenizer from any layout mmpoison knows: a merges file
// (CLIP's bpe_simple_vocab_16e6.txt.gz or one saved by mmpoison), a Hugging
// Face tokenizer.json, a vocab.json with merges.txt beside it, or a folder
// holding one of those (as a Hugging Face model folder does).
func Load(path string) (*Tokenizer, error) {
	st, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	if st.IsDir() {
		file, err := FindInFolder(path)
		if err != nil {
			return nil, err
		}
		path = file
	}
	switch filepath.Base(path) {
	case hfTokenizerJSON:
		return loadHFTokenizerJSON(path)
	case hfVocabJSON:
		return loadHFVocabMerges(path, filepath.Join(filepath.Dir(path), hfMergesTxt))
	case hfMergesTxt:
		if vocab := filepath.Join(filepath.Dir(path), hfVocabJSON); fileExists(vocab) {
			return loadHFVocabMerges(vocab, path)
		}
	}
	return LoadBPE(path)
}

// FindInFolder names the tokenizer file in dir, in order of preference:
// tokenizer.json, vocab.json (with merges.txt), then mmpoison's tokenizer.txt.
func FindInFolder(dir string) (string, error) {
	if fileExists(filepath.Join(dir, hfTokenizerJSON)) {
		return filepath.Join(dir, hfTokenizerJSON), nil
	}
	if fileExists(filepath.Join(dir, hfVocabJSON)) {
		if !fileExists(filepath.Join(dir, hfMergesTxt)) {
			return "", fmt.Errorf("tokenizer folder %s has %s but no %s beside it: both are needed", dir, hfVocabJSON, hfMergesTxt)
		}
		return filepath.Join(dir, hfVocabJSON), nil
	}
	if fileExists(filepath.Join(dir, savedTokenizer)) {
		return filepath.Join(dir, savedTokenizer), nil
	}
	return "", fmt.Errorf("tokenizer folder %s holds none of %s, %s with %s, or %s", dir, hfTokenizerJSON, hfVocabJSON, hfMergesTxt, savedTokenizer)
}

func fileExists(path string) bool {
	st, err := os.Stat(path)
	return err == nil && !st.IsDir()
}

// loadHFVocabMerges reads transformers' two-file layout. CLIPTokenizer reads
// at most CLIP's 48,894 merges whatever the vocabulary, and so does this.
func loadHFVocabMerges(vocabPath, mergesPath string) (*Tokenizer, error) {
	var vocab map[string]int
	if err := readJSONFile(vocabPath, &vocab); err != nil {
		return nil, err
	}
	f, err := os.Open(mergesPath)
	if err != nil {
		return nil, fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	merges, err := readMerges(f, mergesPath, CLIPMerges)
	if err != nil {
		return nil, err
	}
	t := newTokenizer(merges)
	return t, checkVocab(t, vocab, vocabPath)
}

// hfTokenizerFile is the part of a tokenizers-library file that defines a
// byte-level BPE; normalisation and pre-tokenisation are CLIP's by contract.
type hfTokenizerFile struct {
	Model struct {
		Type            string          `json:"type"`
		Vocab           map[string]int  `json:"vocab"`
		Merges          json.RawMessage `json:"merges"`
		EndOfWordSuffix *string         `json:"end_of_word_suffix"`
	} `json:"model"`
	AddedTokens []struct {
		ID      int    `json:"id"`
		Content string `json:"content"`
	} `json:"added_tokens"`
}

func loadHFTokenizerJSON(path string) (*Tokenizer, error) {
	var file hfTokenizerFile
	if err := readJSONFile(path, &file); err != nil {
		return nil, err
	}
	m := file.Model
	if m.Type != "BPE" {
		return nil, fmt.Errorf("tokenizer %s: model type %q, want \"BPE\" (a CLIP tokenizer)", path, m.Type)
	}
	if m.EndOfWordSuffix == nil || *m.EndOfWordSuffix != endOfWord {
		return nil, fmt.Errorf("tokenizer %s: want end_of_word_suffix %q as CLIP's BPE has; this looks like another model's tokenizer", path, endOfWord)
	}
	merges, err := parseHFMerges(m.Merges)
	if err != nil {
		return nil, fmt.Errorf("tokenizer %s: %w", path, err)
	}
	vocab := m.Vocab
	if vocab == nil {
		return nil, fmt.Errorf("tokenizer %s: model.vocab is missing", path)
	}
	for _, a := range file.AddedTokens {
		if id, ok := vocab[a.Content]; ok && id != a.ID {
			return nil, fmt.Errorf("tokenizer %s: added token %q has id %d but model.vocab gives it %d", path, a.Content, a.ID, id)
		}
		vocab[a.Content] = a.ID
	}
	t := newTokenizer(merges)
	return t, checkVocab(t, vocab, path)
}

// parseHFMerges accepts both spellings the tokenizers library has written:
// "left right" strings and, since 0.20, [left, right] pairs.
func parseHFMerges(raw json.RawMessage) ([][2]string, error) {
	if len(raw) == 0 {
		return nil, errors.New("model.merges is missing")
	}
	var asStrings []string
	if err := json.Unmarshal(raw, &asStrings); err == nil {
		merges := make([][2]string, len(asStrings))
		for i, s := range asStrings {
			left, right, ok := strings.Cut(s, " ")
			if !ok || left == "" || right == "" || strings.Contains(right, " ") {
				return nil, fmt.Errorf("model.merges[%d] is %q: want two symbols separated by one space", i, excerpt(s))
			}
			merges[i] = [2]string{left, right}
		}
		return merges, nil
	}
	var asPairs [][]string
	if err := json.Unmarshal(raw, &asPairs); err != nil {
		return nil, errors.New("model.merges must be a list of \"left right\" strings or of [left, right] pairs")
	}
	merges := make([][2]string, len(asPairs))
	for i, p := range asPairs {
		if len(p) != 2 || p[0] == "" || p[1] == "" {
			return nil, fmt.Errorf("model.merges[%d] has %d parts: want [left, right]", i, len(p))
		}
		merges[i] = [2]string{p[0], p[1]}
	}
	return merges, nil
}

// checkVocab verifies that an explicit vocabulary gives every token the id
// the merges imply. mmpoison's ids follow CLIP's construction (bytes, word
// ends, merges, then the two special tokens), so a file ordered otherwise
// would silently feed the text tower the wrong embeddings; it is refused.
func checkVocab(t *Tokenizer, vocab map[string]int, path string) error {
	for tok, id := range vocab {
		if got, ok := t.ids[tok]; !ok || got != id {
			return fmt.Errorf("tokenizer %s: token %q has id %d, where CLIP's construction from its merges gives %s; only CLIP's order (256 bytes, 256 word ends, one token per merge, <|startoftext|>, <|endoftext|>) is supported",
				path, excerpt(tok), id, idOrNone(got, ok))
		}
	}
	// Every listed token matched; the merges may still make tokens the
	// vocabulary lacks (a merges file longer than its vocab.json).
	if len(vocab) != len(t.ids) {
		return fmt.Errorf("tokenizer %s lists %d distinct tokens, where its merges make %d: the vocabulary and the merges are not a pair", path, len(vocab), len(t.ids))
	}
	return nil
}

func idOrNone(id int, ok bool) string {
	if !ok {
		return "no such token"
	}
	return fmt.Sprint(id)
}

// readJSONFile decodes a JSON file of bounded size, naming the file in errors.
func readJSONFile(path string, v any) error {
	f, err := os.Open(path)
	if err != nil {
		return fmt.Errorf("tokenizer: %w", err)
	}
	defer f.Close()
	data, err := io.ReadAll(io.LimitReader(f, maxTokenizerFile+1))
	if err != nil {
		return fmt.Errorf("tokenizer %s: %w", path, err)
	}
	if len(data) > maxTokenizerFile {
		return fmt.Errorf("tokenizer %s is larger than %d MiB: not a tokenizer file", path, maxTokenizerFile>>20)
	}
	if err := json.Unmarshal(data, v); err != nil {
		return fmt.Errorf("tokenizer %s is not valid JSON of the expected shape: %w", path, err)
	}
	return nil
}
