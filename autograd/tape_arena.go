package autograd

import "github.com/mmpoison/mmpoison/internal/hugepages"

// arena hands out large buffers as ranges of a few big chunks, first
// coalescing neighbouring free ranges. A step allocates its activations
// in order and Backward frees them in reverse, so the ranges freed by late
// layers merge into room for the (often larger) gradients of early layers,
// which a pool of fixed-size buffers cannot offer: there, each shape needs
// buffers of its own and the step's peak grows by the mismatch.
//
// Chunks are virtual memory until written, so a chunk larger than needed
// costs address space, not resident memory.
type arena struct {
	chunks [][]float32
	free   [][]span // per chunk: free ranges sorted by offset, never adjacent
}

// span is a range [off, off+n) of one chunk, in floats.
type span struct{ off, n int }

const (
	arenaMinFloats   = 1 << 16 // smaller buffers use the size-class pool
	arenaChunkFloats = 1 << 26 // 256 MiB per chunk unless a request is larger
	arenaAlign       = 16      // floats: ranges start on 64-byte boundaries
)

// alloc returns a range of n floats (a multiple of arenaAlign): the
// smallest free range that fits, the lowest address on ties, else a new chunk.
func (a *arena) alloc(n int) (buf []float32, chunk, off int) {
	best, bestSpan := -1, -1
	for c, spans := range a.free {
		for i, s := range spans {
			if s.n >= n && (best < 0 || s.n < a.free[best][bestSpan].n) {
				best, bestSpan = c, i
			}
		}
	}
	if best < 0 {
		a.chunks = append(a.chunks, hugepages.Floats(max(n, arenaChunkFloats)))
		best = len(a.chunks) - 1
		a.free = append(a.free, []span{{0, len(a.chunks[best])}})
		bestSpan = 0
	}
	s := &a.free[best][bestSpan]
	off = s.off
	s.off += n
	s.n -= n
	if s.n == 0 {
		a.free[best] = append(a.free[best][:bestSpan], a.free[best][bestSpan+1:]...)
	}
	return a.chunks[best][off : off+n : off+n], best, off
}

// release frees [off, off+n) of chunk c, merging it with free neighbours.
func (a *arena) release(c, off, n int) {
	spans := a.free[c]
	i := 0
	for i < len(spans) && spans[i].off < off {
		i++
	}
	mergePrev := i > 0 && spans[i-1].off+spans[i-1].n == off
	mergeNext := i < len(spans) && off+n == spans[i].off
	switch {
	case mergePrev && mergeNext:
		spans[i-1].n += n + spans[i].n
		spans = append(spans[:i], spans[i+1:]...)
	case mergePrev:
		spans[i-1].n += n
	case mergeNext:
		spans[i].off, spans[i].n = off, spans[i].n+n
	default:
		spans = append(spans, span{})
		copy(spans[i+1:], spans[i:])
		spans[i] = span{off, n}
	}
	a.free[c] = spans
}

// reset frees every range.
func (a *arena) reset() {
	for c := range a.chunks {
		a.free[c] = append(a.free[c][:0], span{0, len(a.chunks[c])})
	}
}

// size is the floats of all chunks.
func (a *arena) size() int {
	n := 0
	for _, c := range a.chunks {
		n += len(c)
	}
	return n
}
