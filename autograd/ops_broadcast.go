package autograd

// NumPy broadcasting for binary ops. A bcast describes the output shape and,
// for each operand, its element stride along every output dimension (0 where
// the operand is broadcast). Adjacent dimensions that step the same way in
// both operands are merged, so the innermost loop is as long as possible:
// [B,T,D]+[D] becomes a loop of B·T rows of D.

type bcast struct {
	out    []int // output shape as given to the user
	dims   []int // merged dimensions
	sa, sb []int // strides of a and b along dims (0 = broadcast)
	n      int   // number of output elements
}

// newBcast checks that the shapes broadcast and builds the merged iteration.
func newBcast(op string, a, b []int) bcast {
	nd := max(len(a), len(b))
	out := make([]int, nd)
	da := make([]int, nd) // a's dims, left-padded with 1
	db := make([]int, nd)
	for i := range nd {
		da[i], db[i] = 1, 1
		if j := i - (nd - len(a)); j >= 0 {
			da[i] = a[j]
		}
		if j := i - (nd - len(b)); j >= 0 {
			db[i] = b[j]
		}
		switch {
		case da[i] == db[i], db[i] == 1:
			out[i] = da[i]
		case da[i] == 1:
			out[i] = db[i]
		default:
			opPanic(op, "shapes %v and %v do not broadcast (dimension %d: %d vs %d)", a, b, i, da[i], db[i])
		}
	}
	bc := bcast{out: out, n: numel(out)}
	// Contiguous strides, zeroed where the operand has size 1 and the output does not.
	sa, sb := make([]int, nd), make([]int, nd)
	ra, rb := 1, 1
	for i := nd - 1; i >= 0; i-- {
		if da[i] != 1 || out[i] == 1 {
			sa[i] = ra
		}
		if db[i] != 1 || out[i] == 1 {
			sb[i] = rb
		}
		ra *= da[i]
		rb *= db[i]
	}
	for i := 0; i < nd; i++ {
		if out[i] == 1 {
			continue // size-1 output dims do not move
		}
		k := len(bc.dims) - 1
		if k >= 0 && bc.sa[k] == sa[i]*out[i] && bc.sb[k] == sb[i]*out[i] {
			bc.dims[k] *= out[i]
			bc.sa[k], bc.sb[k] = sa[i], sb[i]
			continue
		}
		bc.dims = append(bc.dims, out[i])
		bc.sa = append(bc.sa, sa[i])
		bc.sb = append(bc.sb, sb[i])
	}
	if len(bc.dims) == 0 {
		bc.dims, bc.sa, bc.sb = []int{1}, []int{1}, []int{1}
	}
	return bc
}

// inner returns the length of the innermost loop and the two operands'
// strides along it (each 0 or 1).
func (bc *bcast) inner() (n, da, db int) {
	k := len(bc.dims) - 1
	return bc.dims[k], bc.sa[k], bc.sb[k]
}

// rows is the number of innermost loops.
func (bc *bcast) rows() int {
	n, _, _ := bc.inner()
	if n == 0 {
		return 0
	}
	return bc.n / n
}

// offsets returns where row r starts in the output, a and b.
func (bc *bcast) offsets(r int) (o, ia, ib int) {
	n, _, _ := bc.inner()
	o = r * n
	for k := len(bc.dims) - 2; k >= 0; k-- {
		i := r % bc.dims[k]
		r /= bc.dims[k]
		ia += i * bc.sa[k]
		ib += i * bc.sb[k]
	}
	return o, ia, ib
}

// rowGrainFor returns how many rows make a worthwhile parallel chunk.
func (bc *bcast) rowGrainFor() int {
	n, _, _ := bc.inner()
	return max(1, elemGrain/max(n, 1))
}

// reduces reports whether an operand of size elements was broadcast to an
// output of n elements, so several output elements add into one of its
// gradient elements; such reductions run serially to avoid write races.
func reduces(n, size int) bool { return size != n }
