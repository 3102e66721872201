package autograd

import "github.com/mmpoison/mmpoison/internal/parallel"

// Tile gather/scatter between NCHW planes and the Winograd-domain layout
// [ξ][channel][tile] of one chunk of images (tile t = image·tiles + ty·tilesW
// + tx, nt tiles in the chunk). Output tile (ty, tx) covers output rows
// 4ty..4ty+3 and columns 4tx..4tx+3 and reads the 6x6 input tile starting
// one row and column earlier (pad 1); cells outside the plane are zero.
//
// Tiles go through the transforms winoGroup at a time (consecutive t of one
// channel, across images when planes are small) via a staging block
// [36][winoGroup], so the Winograd-domain side is read and written in whole
// cache lines per ξ rather than one float per ξ at a large stride (36
// streams whose power-of-two spacing aliases in the caches and TLB).
const winoGroup = 32

type winoStage = [winoX][winoGroup]float32

// winoTileGroups calls fn(ch, t0, cnt, stage) over the worker pool for every
// channel ch < channels and group [t0, t0+cnt) of the nt tiles.
func winoTileGroups(channels, nt int, fn func(ch, t0, cnt int, stage *winoStage)) {
	per := (nt + winoGroup - 1) / winoGroup
	parallel.For(channels*per, 2, func(lo, hi int) {
		var stage winoStage
		for i := lo; i < hi; i++ {
			t0 := i % per * winoGroup
			fn(i/per, t0, min(winoGroup, nt-t0), &stage)
		}
	})
}

// tileAt locates tile t of a chunk: its image and top-left output cell.
func (q *winoGeom) tileAt(t int) (img, y0, x0 int) {
	img, t = t/q.tiles, t%q.tiles
	return img, t / q.tilesW * winoM, t % q.tilesW * winoM
}

// winoInputs transforms the input tiles of a chunk x [images][q.in][h][w]
// into v [36][q.in][nt].
func winoInputs(x []float32, q *winoGeom, v []float32, nt int) {
	plane, xiStride := q.h*q.w, q.in*nt
	winoTileGroups(q.in, nt, func(ch, t0, cnt int, stage *winoStage) {
		var d [winoX]winoLanes
		for j := 0; j < cnt; j++ {
			img, y0, x0 := q.tileAt(t0 + j)
			winoLoadTile(x[(img*q.in+ch)*plane:][:plane], q.h, q.w, y0-1, x0-1, &d, j)
		}
		winoInputLanes(&d, stage)
		for xi := range stage {
			copy(v[xi*xiStride+ch*nt+t0:][:cnt], stage[xi][:cnt])
		}
	})
}

// winoLoadTile copies the 6x6 window of plane [h][w] at (y0, x0) into lane
// j of d, zero where it leaves the plane. (Copying each input row once per
// tile row into a zero-padded buffer, so edge tiles need no tests, measured
// no faster.)
func winoLoadTile(plane []float32, h, w, y0, x0 int, d *[winoX]winoLanes, j int) {
	j &= winoGroup - 1 // lets the compiler drop the lane bounds checks
	if y0 >= 0 && x0 >= 0 && y0+winoA <= h && x0+winoA <= w {
		for i := 0; i < winoA; i++ {
			src := plane[(y0+i)*w+x0:][:winoA]
			row := d[i*winoA:][:winoA]
			row[0][j], row[1][j], row[2][j], row[3][j], row[4][j], row[5][j] = src[0], src[1], src[2], src[3], src[4], src[5]
		}
		return
	}
	for i := 0; i < winoA; i++ {
		y := y0 + i
		for c := 0; c < winoA; c++ {
			var val float32
			if xc := x0 + c; y >= 0 && y < h && xc >= 0 && xc < w {
				val = plane[y*w+xc]
			}
			d[i*winoA+c][j] = val
		}
	}
}

// winoOutputs transforms m [36][q.out][nt] back to output tiles and writes
// (or with accumulate adds) them into the chunk's y [images][q.out][h][w],
// plus bias.
func winoOutputs(m []float32, nt int, q *winoGeom, bias, y []float32, accumulate bool) {
	plane, xiStride := q.h*q.w, q.out*nt
	winoTileGroups(q.out, nt, func(oc, t0, cnt int, stage *winoStage) {
		var b float32
		if bias != nil {
			b = bias[oc]
		}
		for xi := range stage {
			copy(stage[xi][:cnt], m[xi*xiStride+oc*nt+t0:])
		}
		var out [winoM * winoM]winoLanes
		winoOutputLanes(stage, &out)
		for j := 0; j < cnt; j++ {
			img, y0, x0 := q.tileAt(t0 + j)
			winoStoreTile(y[(img*q.out+oc)*plane:][:plane], q.h, q.w, y0, x0, &out, j, b, accumulate)
		}
	})
}

// winoStoreTile writes (or adds) lane j of the 4x4 tile group out, plus b,
// into plane [h][w] at (y0, x0), dropping cells past the plane's edge.
func winoStoreTile(plane []float32, h, w, y0, x0 int, out *[winoM * winoM]winoLanes, j int, b float32, accumulate bool) {
	j &= winoGroup - 1
	rows, cols := min(winoM, h-y0), min(winoM, w-x0)
	for i := 0; i < rows; i++ {
		row := plane[(y0+i)*w+x0:][:cols]
		src := out[i*winoM:][:cols]
		if accumulate {
			for c := range row {
				row[c] += src[c][j] + b
			}
			continue
		}
		for c := range row {
			row[c] = src[c][j] + b
		}
	}
}

// winoGradOutputs carries the output-gradient tiles of a chunk's dy
// [images][q.out][h][w] into the Winograd domain, dm [36][q.out][nt]
// (A dY Aᵀ per tile; gradient cells past the plane's edge are zero).
func winoGradOutputs(dy []float32, q *winoGeom, dm []float32, nt int) {
	plane, xiStride := q.h*q.w, q.out*nt
	winoTileGroups(q.out, nt, func(oc, t0, cnt int, stage *winoStage) {
		var e [winoM * winoM]winoLanes
		for j := 0; j < cnt; j++ {
			img, y0, x0 := q.tileAt(t0 + j)
			src := dy[(img*q.out+oc)*plane:][:plane]
			rows, cols := min(winoM, q.h-y0), min(winoM, q.w-x0)
			for i := 0; i < winoM; i++ {
				for c := 0; c < winoM; c++ {
					var val float32
					if i < rows && c < cols {
						val = src[(y0+i)*q.w+x0+c]
					}
					e[i*winoM+c][j] = val
				}
			}
		}
		winoGradOutputLanes(&e, stage)
		for xi := range stage {
			copy(dm[xi*xiStride+oc*nt+t0:][:cnt], stage[xi][:cnt])
		}
	})
}
