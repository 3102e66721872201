package text

import "container/heap"

// longWordBytes is the word length from which bpeWord switches from the
// quadratic rescanning loop to the queue-based one.
const longWordBytes = 64

// mergeLongWord gives the same result as the rescanning loop in bpeWord in
// O(n log n), so that a huge word without spaces cannot stall Encode. Pairs
// wait in a queue ordered by (rank, position); all occurrences of one rank
// are merged left to right before pairs created meanwhile are queued,
// which is exactly "merge every occurrence of the lowest-ranked pair".
func (t *Tokenizer) mergeLongWord(symbols []int32) []int32 {
	n := len(symbols)
	sym := append([]int32(nil), symbols...)
	prev, next := make([]int32, n), make([]int32, n)
	for i := range sym {
		prev[i], next[i] = int32(i-1), int32(i+1)
	}
	next[n-1] = -1
	var queue rankQueue
	for i := 0; i+1 < n; i++ {
		if rule, ok := t.ranks[symbolPair{sym[i], sym[i+1]}]; ok {
			queue = append(queue, rankedPair{rule, int32(i), sym[i], sym[i+1]})
		}
	}
	heap.Init(&queue)
	var created []rankedPair
	for queue.Len() > 0 {
		rank := queue[0].rule.rank
		created = created[:0]
		for queue.Len() > 0 && queue[0].rule.rank == rank {
			e := heap.Pop(&queue).(rankedPair)
			j := next[e.pos]
			if sym[e.pos] != e.left || j < 0 || sym[j] != e.right {
				continue // an earlier merge consumed one of the two symbols
			}
			sym[e.pos], sym[j] = e.rule.merged, -1
			next[e.pos] = next[j]
			if k := next[j]; k >= 0 {
				prev[k] = e.pos
				if rule, ok := t.ranks[symbolPair{sym[e.pos], sym[k]}]; ok {
					created = append(created, rankedPair{rule, e.pos, sym[e.pos], sym[k]})
				}
			}
			if p := prev[e.pos]; p >= 0 {
				if rule, ok := t.ranks[symbolPair{sym[p], sym[e.pos]}]; ok {
					created = append(created, rankedPair{rule, p, sym[p], sym[e.pos]})
				}
			}
		}
		for _, c := range created {
			heap.Push(&queue, c)
		}
	}
	out := symbols[:0]
	for i := int32(0); i >= 0; i = next[i] {
		out = append(out, sym[i])
	}
	return out
}

// rankedPair is a queued pair: the rule, the position of its left symbol and
// the two symbols it expects there.
type rankedPair struct {
	rule        mergeRule
	pos         int32
	left, right int32
}

// rankQueue is a min-heap by (rank, position).
type rankQueue []rankedPair

func (q rankQueue) Len() int { return len(q) }
func (q rankQueue) Less(i, j int) bool {
	if q[i].rule.rank != q[j].rule.rank {
		return q[i].rule.rank < q[j].rule.rank
	}
	return q[i].pos < q[j].pos
}
func (q rankQueue) Swap(i, j int) { q[i], q[j] = q[j], q[i] }
func (q *rankQueue) Push(x any)   { *q = append(*q, x.(rankedPair)) }
func (q *rankQueue) Pop() any {
	last := (*q)[len(*q)-1]
	*q = (*q)[:len(*q)-1]
	return last
}
