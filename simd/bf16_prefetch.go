package simd

// Packing a B group reads float32 rows a page or more apart, from L3 or
// memory, while the kernels that run before it leave the load ports half
// idle. So the full tiles of one group each prefetch a slice of the next
// group's source into L2: one line per 4 pair steps, down a column of lines
// (stride = the source's row stride). Tile call t covers line column t/blocks
// of row block t%blocks.

// bf16Prefetch walks the source region of the next B group: blocks·perCall
// rows of lines lines each, stride elements apart, starting at src[0]. The
// zero value prefetches nothing.
type bf16Prefetch struct {
	src                  []float32
	lines, stride        int
	perCall, blocks, pos int
}

// next returns where the next tile call should prefetch and the stride in
// bytes, or nil when the region is covered.
func (p *bf16Prefetch) next() (*float32, int) {
	if p.perCall == 0 || p.pos >= p.blocks*p.lines {
		return nil, 0
	}
	t := p.pos
	p.pos++
	off := t%p.blocks*p.perCall*p.stride + t/p.blocks*16
	if off >= len(p.src) {
		return nil, 0
	}
	return &p.src[off], 4 * p.stride
}

// nextBGroup describes the source of the B group bf16Serial packs after the
// group ending at column jEnd of row block ending at iEnd, depth block pc:
// the next group of columns, else the first group again for the next row
// block, else the first group of the next depth block. kp is the pair steps
// of the tiles that will do the prefetching (one line per 4 steps).
func nextBGroup(kern *bf16Kernel, transB bool, b []float32, ldb, m, n, k, pc, iEnd, jEnd, kp int) bf16Prefetch {
	p0, j0 := pc, jEnd
	if jEnd >= n {
		j0 = 0
		if iEnd >= m {
			p0 = pc + kern.kc
		}
	}
	if p0 >= k || kp/4 == 0 {
		return bf16Prefetch{}
	}
	kc, ng := min(kern.kc, k-p0), min(kern.nb, n-j0)
	rows, width, start := kc, ng, p0*ldb+j0 // op(B) = B: depth rows, ng floats each
	if transB {
		rows, width, start = ng, kc, j0*ldb+p0
	}
	perCall := kp / 4
	return bf16Prefetch{src: b[start:], lines: (width + 15) / 16, stride: ldb,
		perCall: perCall, blocks: (rows + perCall - 1) / perCall}
}
