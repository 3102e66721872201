package autograd

import (
	"math"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// Fused attention: softmax(scale·q·kᵀ)·v per (batch, head) without
// materialising the score matrix on the tape. The forward pass keeps only
// the log-sum-exp of every score row; backward recomputes the probabilities
// from it in a per-worker scratch buffer (as FlashAttention does), so
// memory grows with B·H·T rather than B·H·T². Causal masking is done by
// loop bounds: row i only looks at keys 0..i.

// attnLayout says where each (batch, head) item's matrices live. q, k, v and
// out are row-major blocks with the given row strides, so heads can be read
// straight out of a fused [B,T,3D] projection.
type attnLayout struct {
	items, tq, tk, dh  int
	ldq, ldk, ldv, ldo int
	causal             bool
	scale              float32
	offsets            func(item int) (q, k, v, o int)
	// gemm is the tape's GEMM (precision.go), so BF16 tapes multiply in
	// bf16 here too, as PyTorch's autocast does for attention's bmm.
	gemm func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)
}

// ScaledDotProductAttention computes softmax(q·kᵀ/√Dh)·v for q
// [B,H,Tq,Dh] and k, v [B,H,Tk,Dh], giving [B,H,Tq,Dh]. causal (which needs
// Tq == Tk) lets position i attend to positions ≤ i only.
func (g *Tape) ScaledDotProductAttention(q, k, v *Tensor, causal bool) *Tensor {
	if len(q.Shape) != 4 || len(k.Shape) != 4 || !SameShape(k.Shape, v.Shape) ||
		q.Shape[0] != k.Shape[0] || q.Shape[1] != k.Shape[1] || q.Shape[3] != k.Shape[3] {
		opPanic("ScaledDotProductAttention", "want q [B,H,Tq,Dh] and k, v [B,H,Tk,Dh], got %v, %v, %v", q.Shape, k.Shape, v.Shape)
	}
	b, h, tq, dh := q.Shape[0], q.Shape[1], q.Shape[2], q.Shape[3]
	tk := k.Shape[2]
	if causal && tq != tk {
		opPanic("ScaledDotProductAttention", "causal attention needs equal query and key lengths, got q %v and k %v", q.Shape, k.Shape)
	}
	lay := attnLayout{
		items: b * h, tq: tq, tk: tk, dh: dh,
		ldq: dh, ldk: dh, ldv: dh, ldo: dh,
		causal: causal, scale: attnScale(dh),
		offsets: func(i int) (int, int, int, int) {
			return i * tq * dh, i * tk * dh, i * tk * dh, i * tq * dh
		},
	}
	out := g.NewTensor(b, h, tq, dh)
	return g.attention(lay, out, q, k, v)
}

// AttentionQKV is multi-head self-attention on a fused projection qkv
// [B,T,3D] (q | k | v along the last axis; head j uses columns
// j·D/heads..(j+1)·D/heads of each, as PyTorch's MultiheadAttention). It
// returns the heads concatenated as [B,T,D], ready for the output
// projection, reading and writing the heads in place with strided GEMMs.
func (g *Tape) AttentionQKV(qkv *Tensor, heads int, causal bool) *Tensor {
	if len(qkv.Shape) != 3 || qkv.Shape[2]%3 != 0 || heads <= 0 || (qkv.Shape[2]/3)%heads != 0 {
		opPanic("AttentionQKV", "want qkv [B,T,3D] with D divisible by heads=%d, got %v", heads, qkv.Shape)
	}
	b, t, d := qkv.Shape[0], qkv.Shape[1], qkv.Shape[2]/3
	dh := d / heads
	lay := attnLayout{
		items: b * heads, tq: t, tk: t, dh: dh,
		ldq: 3 * d, ldk: 3 * d, ldv: 3 * d, ldo: d,
		causal: causal, scale: attnScale(dh),
		offsets: func(i int) (int, int, int, int) {
			bi, hi := i/heads, i%heads
			base := bi*t*3*d + hi*dh
			return base, base + d, base + 2*d, bi*t*d + hi*dh
		},
	}
	out := g.NewTensor(b, t, d)
	return g.attention(lay, out, qkv, qkv, qkv)
}

func attnScale(dh int) float32 {
	if dh == 0 {
		return 1
	}
	return float32(1 / math.Sqrt(float64(dh)))
}

// attention runs the fused forward pass into out and records the backward
// pass. q, k and v may be the same tensor (AttentionQKV). Short items take
// the row kernels (ops_attention_rows.go) and keep their probabilities for
// backward; longer ones take the tape's GEMM and keep only each row's
// log-sum-exp.
func (g *Tape) attention(lay attnLayout, out, q, k, v *Tensor) *Tensor {
	record := g.needsGrad(q, k, v)
	lay.gemm = g.gemm
	rows := lay.useRows()
	perSaved, perScratch := lay.tq, lay.tq*lay.tk // per item, GEMM path
	if rows {
		perSaved, perScratch = lay.tq*lay.tk, lay.tk
	}
	var saved []float32 // kept for backward
	if record {
		saved = g.AllocNoZero(lay.items * perSaved)
	}
	if lay.tk == 0 {
		clear(out.Data) // no keys: every output is an empty sum
	} else {
		qd, kd, vd, od := q.Data, k.Data, v.Data, out.Data
		perItem(g, lay.items, perScratch, func(i int, s []float32) {
			oq, ok, ov, oo := lay.offsets(i)
			var keep []float32
			if saved != nil {
				keep = saved[i*perSaved : (i+1)*perSaved]
			}
			if rows {
				lay.forwardRows(qd[oq:], kd[ok:], vd[ov:], od[oo:], s, keep)
			} else {
				lay.forward(qd[oq:], kd[ok:], vd[ov:], od[oo:], s, keep)
			}
		})
	}
	if !record {
		return out
	}
	return g.record(out, func() { // reads q, k, v and saved, not out
		if lay.tk == 0 {
			return
		}
		// For AttentionQKV the three are one tensor: GradOf returns the same
		// buffer and the layout's offsets keep q, k and v apart inside it.
		gq, gk, gv := g.GradOf(q), g.GradOf(k), g.GradOf(v)
		qd, kd, vd, gd := q.Data, k.Data, v.Data, out.Grad
		perScratch := 2 * lay.tq * lay.tk
		if rows {
			perScratch = lay.tk
		}
		perItem(g, lay.items, perScratch, func(i int, s []float32) {
			oq, ok, ov, oo := lay.offsets(i)
			q, k, v, do := qd[oq:], kd[ok:], vd[ov:], gd[oo:]
			gq, gk, gv, keep := sub(gq, oq), sub(gk, ok), sub(gv, ov), saved[i*perSaved:(i+1)*perSaved]
			if rows {
				lay.backwardRows(q, k, v, do, gq, gk, gv, keep, s)
			} else {
				lay.backward(q, k, v, do, gq, gk, gv, keep, s)
			}
		})
	}, false, q, k, v)
}

// sub is b[off:], or nil for a missing gradient.
func sub(b []float32, off int) []float32 {
	if b == nil {
		return nil
	}
	return b[off:]
}

// perItem runs fn over items 0..n-1 spread over the worker pool, handing
// each worker its own scratch slice of the given size from the tape.
func perItem(g *Tape, n, scratch int, fn func(item int, s []float32)) {
	w := max(1, min(n, parallel.Threads()))
	buf := g.AllocNoZero(w * scratch)
	parallel.For(w, 1, func(lo, hi int) {
		for c := lo; c < hi; c++ {
			s := buf[c*scratch : (c+1)*scratch]
			for i := c * n / w; i < (c+1)*n/w; i++ {
				fn(i, s)
			}
		}
	})
	g.recycle(buf)
}

// keys is how many keys query row r may see.
func (lay *attnLayout) keys(r int) int {
	if lay.causal {
		return r + 1
	}
	return lay.tk
}

// scores writes P = softmax(scale·q·kᵀ) into s [tq,tk], zero past the causal
// bound. The forward pass (rebuild false) stores each row's log-sum-exp in
// lse when lse is not nil; backward (rebuild true) turns the recomputed
// scores into P with the stored values instead of normalising again.
func (lay *attnLayout) scores(q, k, s, lse []float32, rebuild bool) {
	tq, tk := lay.tq, lay.tk
	lay.gemm(false, true, tq, tk, lay.dh, lay.scale, q, lay.ldq, k, lay.ldk, 0, s, tk)
	for r := range tq {
		row := s[r*tk : (r+1)*tk]
		n := lay.keys(r)
		if rebuild {
			expShifted(row[:n], row[:n], -lse[r])
		} else {
			l := softmaxRow(row[:n], row[:n])
			if lse != nil {
				lse[r] = l
			}
		}
		clear(row[n:])
	}
}

// forward computes one item's output o = P·v.
func (lay *attnLayout) forward(q, k, v, o, s, lse []float32) {
	lay.scores(q, k, s, lse, false)
	lay.gemm(false, false, lay.tq, lay.dh, lay.tk, 1, s, lay.tk, v, lay.ldv, 0, o, lay.ldo)
}

// backward adds one item's gradients into gq, gk, gv (each may be nil).
// With dS = P⊙(dP − rowsum(dP⊙P)) and dP = dO·vᵀ:
// dv = Pᵀ·dO, dq = scale·dS·k, dk = scale·dSᵀ·q.
func (lay *attnLayout) backward(q, k, v, do, gq, gk, gv, lse, s []float32) {
	tq, tk, dh := lay.tq, lay.tk, lay.dh
	p, dp := s[:tq*tk], s[tq*tk:2*tq*tk]
	lay.scores(q, k, p, lse, true)
	if gv != nil {
		lay.gemm(true, false, tk, dh, tq, 1, p, tk, do, lay.ldo, 1, gv, lay.ldv)
	}
	if gq == nil && gk == nil {
		return
	}
	lay.gemm(false, true, tq, tk, dh, 1, do, lay.ldo, v, lay.ldv, 0, dp, tk)
	for r := range tq {
		pr, dr := p[r*tk:(r+1)*tk], dp[r*tk:(r+1)*tk]
		n := lay.keys(r)
		d := dot(pr[:n], dr[:n])
		for j := range n {
			dr[j] = pr[j] * (dr[j] - d)
		}
		clear(dr[n:])
	}
	if gq != nil {
		lay.gemm(false, false, tq, dh, tk, lay.scale, dp, tk, k, lay.ldk, 1, gq, lay.ldq)
	}
	if gk != nil {
		lay.gemm(true, false, tk, dh, tq, lay.scale, dp, tk, q, lay.ldq, 1, gk, lay.ldk)
	}
}
