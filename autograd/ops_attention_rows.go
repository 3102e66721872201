package autograd

import "github.com/mmpoison/mmpoison/simd"

// Row-oriented attention for short sequences. CLIP's towers attend over a
// few dozen tokens with 32-64 wide heads, so each (batch, head) item's
// matrices are far too small for packed GEMM (packing and edge panels cost
// more than the multiply). Here every score is one simd.Dot over two
// contiguous head rows and every weighted sum one simd.Axpy. The forward
// pass keeps the probabilities (B·H·T², no more than one [B,T,D]
// activation at these sizes) so backward need not recompute the scores.

// attnRowsMaxWork is the largest tq·tk·dh handled by the row kernels;
// larger items go to Sgemm, whose packed AVX-512 path beats them from
// about there on (it is where simd.Sgemm leaves its scalar small-matrix
// loops: measured on the tiny and peer models, rows are 2-3x faster
// below, 2-4x slower above). A variable so tests can force either path.
var attnRowsMaxWork = 32*1024 - 1

// useRows reports whether items of this layout take the row kernels.
func (lay *attnLayout) useRows() bool { return lay.tq*lay.tk*lay.dh <= attnRowsMaxWork }

// scoreRow sets s[j] = scale·q_r·k_j for the n keys row r may see.
func (lay *attnLayout) scoreRow(qr, k, s []float32) {
	dh := lay.dh
	for j := range s {
		s[j] = lay.scale * simd.Dot(qr, k[j*lay.ldk:j*lay.ldk+dh])
	}
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
		for j, pj := range p {
			simd.Axpy(pj, v[j*lay.ldv:j*lay.ldv+dh], or)
		}
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
			for j, pj := range p {
				simd.Axpy(pj, dor, gv[j*lay.ldv:j*lay.ldv+dh])
			}
		}
		if gq == nil && gk == nil {
			continue
		}
		for j := range ds {
			ds[j] = simd.Dot(dor, v[j*lay.ldv:j*lay.ldv+dh])
		}
		d := simd.Dot(p, ds)
		for j, pj := range p {
			ds[j] = lay.scale * pj * (ds[j] - d)
		}
		if gq != nil {
			gqr := gq[r*lay.ldq : r*lay.ldq+dh]
			for j, dsj := range ds {
				simd.Axpy(dsj, k[j*lay.ldk:j*lay.ldk+dh], gqr)
			}
		}
		if gk != nil {
			qr := q[r*lay.ldq : r*lay.ldq+dh]
			for j, dsj := range ds {
				simd.Axpy(dsj, qr, gk[j*lay.ldk:j*lay.ldk+dh])
			}
		}
	}
}
