package text

import (
	"container/heap"
	"slices"
)

// TrainBPE learns up to numMerges byte-level BPE merges from texts with the
// same normalisation and pre-tokenisation as Encode, and returns a tokenizer
// with CLIP's vocabulary layout (bytes, bytes+"</w>", merges, sot, eot).
// Each step merges the most frequent adjacent pair, weighted by word
// frequency; ties go to the pair whose (left, right) symbol texts sort
// first, so the result depends only on the multiset of texts. Training stops
// early when no pair occurs at least twice. Pair counts are updated only for
// the words a merge touches, so 40k captions and a few thousand merges take
// well under a second.
func TrainBPE(texts []string, numMerges int) *Tokenizer {
	tr := newBPETrainer(texts)
	var merges [][2]string
	for len(merges) < numMerges {
		p, ok := tr.bestPair()
		if !ok {
			break
		}
		merges = append(merges, [2]string{tr.symbols[p.left], tr.symbols[p.right]})
		tr.merge(p)
	}
	return newTokenizer(merges)
}

// bpeTrainer holds the distinct words as symbol sequences and the weighted
// counts of every adjacent pair.
type bpeTrainer struct {
	symbols  []string         // symbol id -> text
	symbolID map[string]int32 // text -> symbol id
	words    [][]int32        // distinct words as symbol ids
	freq     []int            // occurrences of each word
	counts   map[symbolPair]int
	where    map[symbolPair][]int32 // words that contained the pair (may be stale)
	queue    pairQueue
}

func newBPETrainer(texts []string) *bpeTrainer {
	tr := &bpeTrainer{
		symbolID: make(map[string]int32),
		counts:   make(map[symbolPair]int),
		where:    make(map[symbolPair][]int32),
	}
	tr.queue.symbols = &tr.symbols
	wordIndex := make(map[string]int)
	for _, s := range texts {
		splitWords(normalizeCaption(s), func(word string) {
			if word == startOfText || word == endOfText {
				return
			}
			if i, ok := wordIndex[word]; ok {
				tr.freq[i]++
				return
			}
			wordIndex[word] = len(tr.words)
			tr.words = append(tr.words, tr.byteSymbolsOf(word))
			tr.freq = append(tr.freq, 1)
		})
	}
	for w := range tr.words {
		tr.addPairs(int32(w), +1)
	}
	for p, c := range tr.counts {
		heap.Push(&tr.queue, pairCount{p, c})
	}
	return tr
}

// intern returns the id of symbol text s, adding it when new.
func (tr *bpeTrainer) intern(s string) int32 {
	if id, ok := tr.symbolID[s]; ok {
		return id
	}
	id := int32(len(tr.symbols))
	tr.symbols = append(tr.symbols, s)
	tr.symbolID[s] = id
	return id
}

// byteSymbolsOf splits a word into byte symbols, the last with "</w>".
func (tr *bpeTrainer) byteSymbolsOf(word string) []int32 {
	out := make([]int32, len(word))
	for i := 0; i < len(word); i++ {
		s := string(byteSymbols[word[i]])
		if i == len(word)-1 {
			s += endOfWord
		}
		out[i] = tr.intern(s)
	}
	return out
}

// addPairs adds (sign +1) or removes (sign -1) word w's pairs from the counts
// and queues every changed count.
func (tr *bpeTrainer) addPairs(w int32, sign int) {
	word := tr.words[w]
	for i := 0; i+1 < len(word); i++ {
		p := symbolPair{word[i], word[i+1]}
		tr.counts[p] += sign * tr.freq[w]
		if sign > 0 {
			if list := tr.where[p]; len(list) == 0 || list[len(list)-1] != w {
				tr.where[p] = append(list, w)
			}
		}
	}
}

// bestPair pops the most frequent pair, discarding stale queue entries.
func (tr *bpeTrainer) bestPair() (symbolPair, bool) {
	for tr.queue.Len() > 0 {
		top := heap.Pop(&tr.queue).(pairCount)
		if tr.counts[top.pair] != top.count {
			continue // stale: a fresher entry was queued when the count changed
		}
		if top.count < 2 {
			return symbolPair{}, false
		}
		return top.pair, true
	}
	return symbolPair{}, false
}

// merge replaces every occurrence of p, left to right, in the words that
// contain it and updates the pair counts of those words only.
func (tr *bpeTrainer) merge(p symbolPair) {
	merged := tr.intern(tr.symbols[p.left] + tr.symbols[p.right])
	affected := tr.where[p]
	delete(tr.where, p)
	changed := make(map[symbolPair]bool)
	for _, w := range affected {
		word := tr.words[w]
		if !containsPair(word, p) {
			continue
		}
		tr.notePairs(word, changed)
		tr.addPairs(w, -1)
		out := word[:0]
		for i := 0; i < len(word); i++ {
			if i+1 < len(word) && word[i] == p.left && word[i+1] == p.right {
				out = append(out, merged)
				i++
				continue
			}
			out = append(out, word[i])
		}
		tr.words[w] = out
		tr.addPairs(w, +1)
		tr.notePairs(out, changed)
	}
	// Queue in sorted order so the heap layout, and thus nothing else, is
	// independent of map iteration.
	keys := make([]symbolPair, 0, len(changed))
	for q := range changed {
		keys = append(keys, q)
	}
	slices.SortFunc(keys, func(a, b symbolPair) int {
		if a.left != b.left {
			return int(a.left - b.left)
		}
		return int(a.right - b.right)
	})
	for _, q := range keys {
		if c := tr.counts[q]; c > 0 {
			heap.Push(&tr.queue, pairCount{q, c})
		} else {
			delete(tr.counts, q)
		}
	}
}

func (tr *bpeTrainer) notePairs(word []int32, changed map[symbolPair]bool) {
	for i := 0; i+1 < len(word); i++ {
		changed[symbolPair{word[i], word[i+1]}] = true
	}
}

func containsPair(word []int32, p symbolPair) bool {
	for i := 0; i+1 < len(word); i++ {
		if word[i] == p.left && word[i+1] == p.right {
			return true
		}
	}
	return false
}

// pairCount is a queue entry: a pair and its count when queued.
type pairCount struct {
	pair  symbolPair
	count int
}

// pairQueue is a max-heap by count, ties broken by the pair's symbol texts.
type pairQueue struct {
	items   []pairCount
	symbols *[]string
}

func (q *pairQueue) Len() int { return len(q.items) }
func (q *pairQueue) Less(i, j int) bool {
	a, b := q.items[i], q.items[j]
	if a.count != b.count {
		return a.count > b.count
	}
	s := *q.symbols
	if s[a.pair.left] != s[b.pair.left] {
		return s[a.pair.left] < s[b.pair.left]
	}
	return s[a.pair.right] < s[b.pair.right]
}
func (q *pairQueue) Swap(i, j int) { q.items[i], q.items[j] = q.items[j], q.items[i] }
func (q *pairQueue) Push(x any)    { q.items = append(q.items, x.(pairCount)) }
func (q *pairQueue) Pop() any {
	last := q.items[len(q.items)-1]
	q.items = q.items[:len(q.items)-1]
	return last
}
