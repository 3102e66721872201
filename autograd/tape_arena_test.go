package autograd

import "testing"

func TestSizeClassBounds(t *testing.T) {
	prev := 0
	for n := 1; n < 1<<20; n += 1 + n/37 {
		c := sizeClass(n)
		if c < n || (n > 1024 && float64(c) > 1.125*float64(n)) || (n <= 1024 && c != n) {
			t.Fatalf("sizeClass(%d) = %d: want n <= c <= 1.125n (exactly n up to 1024)", n, c)
		}
		if c < prev {
			t.Fatalf("sizeClass not monotone: %d after %d (n=%d)", c, prev, n)
		}
		prev = c
	}
	if sizeClass(1<<20) != 1<<20 || sizeClass(1<<20+1) != 1<<20+1<<17 {
		t.Fatalf("powers of two keep their size and the next class is 2^17 up: got %d, %d", sizeClass(1<<20), sizeClass(1<<20+1))
	}
}

func TestArenaCoalescesFreedNeighbours(t *testing.T) {
	var a arena
	_, c0, offA := a.alloc(1 << 20)
	_, c1, offB := a.alloc(1 << 20)
	_, c2, offC := a.alloc(1 << 20)
	if c0 != 0 || c1 != 0 || c2 != 0 || offA != 0 || offB != 1<<20 || offC != 2<<20 {
		t.Fatalf("three allocations should be packed in chunk 0: got (%d,%d) (%d,%d) (%d,%d)", c0, offA, c1, offB, c2, offC)
	}
	a.release(0, offA, 1<<20)
	a.release(0, offC, 1<<20) // merges with the chunk's free tail
	a.release(0, offB, 1<<20) // bridges both: the chunk is one free range again
	if len(a.free[0]) != 1 || a.free[0][0] != (span{0, arenaChunkFloats}) {
		t.Fatalf("free list %v, want one range covering the chunk", a.free[0])
	}
	// A request larger than the freed pieces fits now, without a new chunk.
	if _, c, off := a.alloc(3 << 20); c != 0 || off != 0 || len(a.chunks) != 1 {
		t.Fatalf("merged range not reused: chunk %d off %d, %d chunks", c, off, len(a.chunks))
	}
}

// TestArenaRandomNeverOverlaps allocates and frees at random and checks
// every live range against every other and against a naive count.
func TestArenaRandomNeverOverlaps(t *testing.T) {
	rng := newRNG(5)
	var a arena
	type live struct{ c, off, n int }
	var ls []live
	for step := 0; step < 3000; step++ {
		if len(ls) > 0 && rng.IntN(2) == 0 {
			i := rng.IntN(len(ls))
			a.release(ls[i].c, ls[i].off, ls[i].n)
			ls = append(ls[:i], ls[i+1:]...)
			continue
		}
		n := arenaAlign * (1 + rng.IntN(1<<20))
		buf, c, off := a.alloc(n)
		if len(buf) != n || cap(buf) != n {
			t.Fatalf("alloc(%d) gave len %d cap %d", n, len(buf), cap(buf))
		}
		for _, l := range ls {
			if l.c == c && off < l.off+l.n && l.off < off+n {
				t.Fatalf("step %d: range (%d, %d+%d) overlaps live (%d, %d+%d)", step, c, off, n, l.c, l.off, l.n)
			}
		}
		ls = append(ls, live{c, off, n})
	}
	used := 0
	for _, l := range ls {
		used += l.n
	}
	free := 0
	for _, spans := range a.free {
		for i, s := range spans {
			free += s.n
			if i > 0 && spans[i-1].off+spans[i-1].n >= s.off {
				t.Fatalf("free ranges %v and %v are unsorted, overlapping or not merged", spans[i-1], s)
			}
		}
	}
	if used+free != a.size() {
		t.Fatalf("live %d + free %d floats != arena %d", used, free, a.size())
	}
}
