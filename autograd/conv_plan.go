package autograd

import (
	"github.com/mmpoison/mmpoison/conv"
	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// convBandFloats bounds one im2col band (floats): about 768 KiB, so a band
// written by im2col is still in L2 when the GEMM packs it. Tests shrink it
// to exercise many bands per image.
var convBandFloats = 192 << 10

// convMinBandCols is the fewest output positions worth one GEMM call:
// narrower bands repack the weight matrix too often for their work.
var convMinBandCols = 512

// convBandRows is how many output rows (of width cols each, for a matrix of
// rows matrix rows) one band spans, out of total. BF16 tapes band the same
// way: with BF16MinWork at 32³ every band's GEMM still runs in bf16, and at
// batch 128 whole-image bands cost 15% more CPU time at 32→32@64 (290 vs
// 247 ms forward+backward; a tie at 64→64@32) in more memory, while bands
// of 48K to 384K floats all cost the same (BenchmarkConv2dPrecision).
func convBandRows(rows, cols, total int) int {
	band := convBandFloats / max(1, rows*cols)
	band = max(band, (convMinBandCols+cols-1)/cols)
	return max(1, min(band, total))
}

// convPlan splits a batch of images over worker tasks. Each task owns its
// images outright (their slices of out, dx), so tasks never race.
type convPlan struct {
	geo   *conv.Geom
	n     int // images
	tasks int
	band  int // output rows per im2col band
}

func newConvPlan(n int, geo *conv.Geom) *convPlan {
	p := &convPlan{geo: geo, n: n, tasks: 1}
	// Batch-level parallelism keeps each GEMM single-threaded (nested
	// parallel.For calls run serially) and avoids GEMM sync per image.
	if t := parallel.Threads(); n >= t {
		p.tasks = t
	}
	p.band = convBandRows(geo.ColRows, geo.OW, geo.OH)
	return p
}

// bandSize is the floats of one im2col band of this plan.
func (p *convPlan) bandSize() int { return p.geo.ColRows * p.band * p.geo.OW }

// taskBuffers cuts one tape buffer into a size-float slice per task.
func (p *convPlan) taskBuffers(g *Tape, size int) [][]float32 {
	buf := g.AllocNoZero(p.tasks * size)
	out := make([][]float32, p.tasks)
	for t := range out {
		out[t] = buf[t*size : (t+1)*size]
	}
	return out
}

// releaseTaskBuffers hands a taskBuffers result back to the tape's pool.
func releaseTaskBuffers(g *Tape, parts [][]float32) {
	if len(parts) > 0 {
		g.recycle(parts[0]) // the parts are consecutive slices of one buffer
	}
}

// run calls fn(task, image) for every image, each task on its own worker.
func (p *convPlan) run(fn func(task, img int)) {
	parallel.For(p.tasks, 1, func(lo, hi int) {
		for t := lo; t < hi; t++ {
			for img := t * p.n / p.tasks; img < (t+1)*p.n/p.tasks; img++ {
				fn(t, img)
			}
		}
	})
}

// bands calls fn(y0, y1) for consecutive bands of band rows covering [0, total).
func bands(total, band int, fn func(y0, y1 int)) {
	for y0 := 0; y0 < total; y0 += band {
		fn(y0, min(y0+band, total))
	}
}

// weightGradParts returns one weight-gradient accumulator per task, so tasks
// never race on dw: with one task that is dw itself (the GEMMs add straight
// into it), otherwise zeroed tape buffers that mergeWeightGradParts sums in.
// A nil dw gives nil.
func weightGradParts(g *Tape, dw []float32, tasks int) [][]float32 {
	if dw == nil {
		return nil
	}
	if tasks == 1 {
		return [][]float32{dw}
	}
	parts := (&convPlan{tasks: tasks}).taskBuffers(g, len(dw))
	for _, part := range parts {
		clear(part)
	}
	return parts
}

// mergeWeightGradParts adds weightGradParts' accumulators into dw, in task
// order, and releases them.
func mergeWeightGradParts(g *Tape, dw []float32, parts [][]float32) {
	if dw == nil || len(parts) < 2 {
		return
	}
	for _, part := range parts {
		simd.Add(dw, dw, part)
	}
	releaseTaskBuffers(g, parts)
}
