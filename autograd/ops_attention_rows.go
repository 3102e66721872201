package autograd

import "github.com/mmpoison/mmpoison/simd"

// Row-oriented attention for short sequences. CLIP's towers attend over a
// few dozen tokens with 32-64 wide heads, so each (batch, head) item's
// matrices are far too small for packed GEMM (packing and edge panels cost
// more than the multiply). Here one query row meets all its keys in one
// row kernel: scores are simd.DotRows over the keys, weighted sums
// simd.AxpyRows, and the keys' and values' gradients simd.AddOuterRows.
// The forward pass keeps the probabilities (B·H·T², no more than one
// [B,T,D] activation at these sizes) so backward need not recompute the
// scores.

// attnRowsMaxWork is the largest tq·tk·dh handled by the row kernels;
// larger items go to Sgemm, whose packed AVX-512 path beats them from
// about there on (it is where simd.Sgemm leaves its scalar small-matrix
// loops). Measured forward and backward at batch 128: rows are 7-12x faster
// on the tiny model (T 17 and 24, heads of 32), 1.3x slower on the peer
// text tower (T 32, heads of 64: 65536) and 1.6x slower on the peer ViT.
// A variable so tests can force either path.
var attnRowsMaxWork = 32*1024 - 1

// useRows reports whether items of this layout take the row kernels.
func (lay *attnLayout) useRows() bool { return lay.tq*lay.tk*lay.dh <= attnRowsMaxWork }

// scoreRow sets s[j] = scale·q_r·k_j for the len(s) keys row r may see.
func (lay *attnLayout) scoreRow(qr, k, s []float32) {
	simd.DotRows(s, qr, k, lay.ldk, lay.scale)
}

// forwardRows computes one item's output o = P·v with
// P = softmax(scale·q·kᵀ), row by row. P's rows go to probs (tq·tk, kept
// for backward) when it is not nil, else to the workspace s (tk floats).
func (lay *attnLayout) forwardRows(q, k, v, o, s, probs []float32) {
	dh := lay.dh
	for r := range lay.tq {
		n := lay.keys(r)
		p := s[:n]
		if probs != nil {
			p = probs[r*lay.tk : r*lay.tk+n]
		}
		lay.scoreRow(q[r*lay.ldq:r*lay.ldq+dh], k, p)
		softmaxRow(p, p)
		or := o[r*lay.ldo : r*lay.ldo+dh]
		clear(or)
		simd.AxpyRows(or, p, v, lay.ldv)
	}
}

// backwardRows adds one item's gradients into gq, gk, gv (each may be nil)
// row by row from the probabilities kept by forwardRows:
// dv_j += p_rj·dO_r, dp_rj = dO_r·v_j, ds_rj = p_rj·(dp_rj − Σ_i p_ri·dp_ri),
// dq_r += scale·Σ_j ds_rj·k_j, dk_j += scale·ds_rj·q_r. s is workspace of
// tk floats.
func (lay *attnLayout) backwardRows(q, k, v, do, gq, gk, gv, probs, s []float32) {
	dh := lay.dh
	for r := range lay.tq {
		n := lay.keys(r)
		p, ds := probs[r*lay.tk:r*lay.tk+n], s[:n]
		dor := do[r*lay.ldo : r*lay.ldo+dh]
		if gv != nil {
			simd.AddOuterRows(gv, lay.ldv, p, dor)
		}
		if gq == nil && gk == nil {
			continue
		}
		simd.DotRows(ds, dor, v, lay.ldv, 1)
		d := simd.Dot(p, ds)
		for j, pj := range p {
			ds[j] = lay.scale * pj * (ds[j] - d)
		}
		if gq != nil {
			simd.AxpyRows(gq[r*lay.ldq:r*lay.ldq+dh], ds, k, lay.ldk)
		}
		if gk != nil {
			simd.AddOuterRows(gk, lay.ldk, ds, q[r*lay.ldq:r*lay.ldq+dh])
		}
	}
}
