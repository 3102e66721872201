package autograd

// The tape's buffers. Every float32 buffer an op takes from the tape is
// owned by the tape until it is recycled: by Reset (everything), during
// Backward (gradients, and data under SetReleaseData, whose last reader has
// run), or by an op that is done with its workspace. Large buffers are
// ranges of an arena (tape_arena.go); small ones come from a pool of free
// buffers by capacity. Either way a training loop reaches a steady state
// after its first step and reuses the same memory every step.

// sizeClassSteps is how many capacity classes the small-buffer pool has
// per doubling: a request is rounded up to the next class, at most 2^(1/8)
// ≈ 9% larger, so tensors of close shapes share buffers.
const sizeClassSteps = 8

// sizeClass returns the capacity a pool request for n floats is given.
// Tiny requests keep their exact size: rounding them saves nothing.
func sizeClass(n int) int {
	if n <= 1024 {
		return n
	}
	e := 0 // binary exponent: 2^e <= n < 2^(e+1)
	for 1<<(e+1) <= n {
		e++
	}
	step := 1 << (e - 3) // 2^e / sizeClassSteps; e >= 10 here
	return (n + step - 1) / step * step
}

// ownedBuf is a buffer the tape has handed out.
type ownedBuf struct {
	buf        []float32 // full capacity
	inArena    bool
	chunk, off int // arena position when inArena
	seq        int // order of hand-out, for FreeSince
}

// TapeMemory describes the buffers a tape holds, in bytes.
type TapeMemory struct {
	InUse     int // handed out and not yet recycled
	Free      int // held for reuse (arena chunks are virtual until first written)
	PeakInUse int // largest InUse since the tape was made
	PagedOut  int // released by FreeSince's paging since the last Reset (tape_paging.go)
}

// Memory reports the tape's buffer use.
func (g *Tape) Memory() TapeMemory {
	held := g.arena.size()
	for c, free := range g.pool {
		held += c * len(free)
	}
	for _, o := range g.owned {
		if !o.inArena {
			held += cap(o.buf)
		}
	}
	return TapeMemory{InUse: 4 * g.inUse, Free: 4 * (held - g.inUse), PeakInUse: 4 * g.peakInUse, PagedOut: 4 * g.pagedOut}
}

// take hands out a buffer of length n.
func (g *Tape) take(n int) []float32 {
	if n == 0 {
		return []float32{} // nothing to own or share
	}
	var o ownedBuf
	if n >= arenaMinFloats {
		o.inArena = true
		o.buf, o.chunk, o.off = g.arena.alloc((n + arenaAlign - 1) / arenaAlign * arenaAlign)
	} else {
		c := sizeClass(n)
		if free := g.pool[c]; len(free) > 0 {
			o.buf = free[len(free)-1]
			g.pool[c] = free[:len(free)-1]
		} else {
			o.buf = make([]float32, c)
		}
	}
	o.seq = g.seq
	g.seq++
	g.owned[&o.buf[0]] = o
	g.inUse += cap(o.buf)
	g.peakInUse = max(g.peakInUse, g.inUse)
	return o.buf[:n]
}

// recycle takes back a buffer the tape handed out; buffers the tape does
// not own (leaf data, already recycled) are ignored. The caller
// guarantees nothing reads b afterwards.
func (g *Tape) recycle(b []float32) {
	if cap(b) == 0 {
		return
	}
	key := &b[:1][0]
	o, ok := g.owned[key]
	if !ok {
		return
	}
	delete(g.owned, key)
	g.inUse -= cap(o.buf)
	if o.inArena {
		g.arena.release(o.chunk, o.off, cap(o.buf))
		return
	}
	g.pool[cap(o.buf)] = append(g.pool[cap(o.buf)], o.buf)
}

// recycleAll takes back every buffer.
func (g *Tape) recycleAll() {
	for key, o := range g.owned {
		if !o.inArena {
			g.pool[cap(o.buf)] = append(g.pool[cap(o.buf)], o.buf)
		}
		delete(g.owned, key)
	}
	g.arena.reset()
	g.inUse = 0
}

// owns reports whether b starts a buffer the tape has handed out and not
// taken back, at least len(b) long.
func (g *Tape) owns(b []float32) bool {
	if len(b) == 0 {
		return false
	}
	o, ok := g.owned[&b[0]]
	return ok && cap(o.buf) >= len(b)
}
