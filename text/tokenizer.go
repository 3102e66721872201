// Package text holds the text side of CLIP: a byte-level BPE tokenizer
// compatible with OpenAI CLIP's SimpleTokenizer (or trained on a caption
// corpus) and the text encoder.
package text

import (
	"sync"
)

// CLIPMerges is the number of merges CLIP reads from its merges file
// (lines 2..48895), giving a 49,408-token vocabulary.
const CLIPMerges = 49152 - 256 - 2

// endOfWord marks the last symbol of a word.
const endOfWord = "</w>"

// maxCachedWords bounds the per-word BPE cache; it is cleared when full.
const maxCachedWords = 1 << 16

// Tokenizer is a byte-level BPE tokenizer. Vocabulary order follows CLIP:
// 256 byte symbols, the same 256 with "</w>", one token per merge, then
// <|startoftext|> and <|endoftext|>. It is safe for concurrent use.
type Tokenizer struct {
	vocab   []string       // id -> token text in byte symbols
	ids     map[string]int // token text -> id (a later duplicate wins, like CLIP's dict)
	merges  [][2]string    // in rank order, for Save
	ranks   map[symbolPair]mergeRule
	byteID  [256]int // byte -> id of its symbol
	finalID [256]int // byte -> id of its symbol + "</w>"
	sot     int
	eot     int

	mu    sync.Mutex
	cache map[string][]int
}

// symbolPair is two adjacent symbol ids.
type symbolPair struct{ left, right int32 }

// mergeRule says when a pair merges (lower rank first) and into what.
type mergeRule struct {
	rank   int32
	merged int32
}

// newTokenizer builds the vocabulary and merge table from merges in rank
// order, exactly as CLIP does from its file.
func newTokenizer(merges [][2]string) *Tokenizer {
	t := &Tokenizer{
		merges: merges,
		vocab:  make([]string, 0, 512+len(merges)+2),
		cache:  make(map[string][]int),
	}
	for _, r := range byteSymbolOrder {
		t.vocab = append(t.vocab, string(r))
	}
	for _, r := range byteSymbolOrder {
		t.vocab = append(t.vocab, string(r)+endOfWord)
	}
	for _, m := range merges {
		t.vocab = append(t.vocab, m[0]+m[1])
	}
	t.vocab = append(t.vocab, startOfText, endOfText)
	t.ids = make(map[string]int, len(t.vocab))
	for id, tok := range t.vocab {
		t.ids[tok] = id
	}
	t.sot, t.eot = t.ids[startOfText], t.ids[endOfText]
	for b, r := range byteSymbols {
		t.byteID[b] = t.ids[string(r)]
		t.finalID[b] = t.ids[string(r)+endOfWord]
	}
	t.ranks = make(map[symbolPair]mergeRule, len(merges))
	for rank, m := range merges {
		left, okL := t.ids[m[0]]
		right, okR := t.ids[m[1]]
		if !okL || !okR {
			continue // a part that no word can contain: the merge never fires
		}
		t.ranks[symbolPair{int32(left), int32(right)}] = mergeRule{int32(rank), int32(t.ids[m[0]+m[1]])}
	}
	return t
}

// VocabSize is the number of token ids (49,408 for CLIP).
func (t *Tokenizer) VocabSize() int { return len(t.vocab) }

// SOT is the id of <|startoftext|>.
func (t *Tokenizer) SOT() int { return t.sot }

// EOT is the id of <|endoftext|>.
func (t *Tokenizer) EOT() int { return t.eot }

// NumMerges is the number of merge rules.
func (t *Tokenizer) NumMerges() int { return len(t.merges) }

// Token returns the text of token id in byte symbols ("cat</w>"), or "" for an
// id outside the vocabulary.
func (t *Tokenizer) Token(id int) string {
	if id < 0 || id >= len(t.vocab) {
		return ""
	}
	return t.vocab[id]
}

// Encode tokenises s without start/end tokens and without truncation,
// matching CLIP's SimpleTokenizer.encode (with ftfy treated as identity).
func (t *Tokenizer) Encode(s string) []int {
	var out []int
	splitWords(normalizeCaption(s), func(word string) {
		out = t.appendWord(out, word)
	})
	return out
}

// appendWord appends the ids of one pre-token.
func (t *Tokenizer) appendWord(out []int, word string) []int {
	switch word {
	case startOfText:
		return append(out, t.sot)
	case endOfText:
		return append(out, t.eot)
	}
	t.mu.Lock()
	ids, ok := t.cache[word]
	t.mu.Unlock()
	if !ok {
		ids = t.bpeWord(word)
		t.mu.Lock()
		if len(t.cache) >= maxCachedWords {
			clear(t.cache)
		}
		t.cache[word] = ids
		t.mu.Unlock()
	}
	return append(out, ids...)
}

// bpeWord splits one word into byte symbols (the last one with "</w>") and
// merges them; long words take the queue-based path.
func (t *Tokenizer) bpeWord(word string) []int {
	if word == "" {
		return nil
	}
	symbols := make([]int32, len(word))
	for i := 0; i < len(word); i++ {
		symbols[i] = int32(t.byteID[word[i]])
	}
	symbols[len(word)-1] = int32(t.finalID[word[len(word)-1]])
	if len(symbols) >= longWordBytes {
		symbols = t.mergeLongWord(symbols)
	} else {
		symbols = t.mergeByRescan(symbols)
	}
	ids := make([]int, len(symbols))
	for i, s := range symbols {
		ids[i] = int(s)
	}
	return ids
}

// mergeByRescan is CLIP's loop: find the lowest-ranked adjacent pair, merge
// every occurrence of it left to right, repeat until no pair has a rule.
// It rescans the word each round, which is fastest for short words.
func (t *Tokenizer) mergeByRescan(symbols []int32) []int32 {
	for len(symbols) > 1 {
		best := mergeRule{rank: -1}
		var bestPair symbolPair
		for i := 0; i+1 < len(symbols); i++ {
			p := symbolPair{symbols[i], symbols[i+1]}
			if rule, ok := t.ranks[p]; ok && (best.rank < 0 || rule.rank < best.rank) {
				best, bestPair = rule, p
			}
		}
		if best.rank < 0 {
			break
		}
		out := symbols[:0]
		for i := 0; i < len(symbols); i++ {
			if i+1 < len(symbols) && symbols[i] == bestPair.left && symbols[i+1] == bestPair.right {
				out = append(out, best.merged)
				i++
				continue
			}
			out = append(out, symbols[i])
		}
		symbols = out
	}
	return symbols
}
