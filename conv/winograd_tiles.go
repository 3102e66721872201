package conv

import "github.com/mmpoison/mmpoison/internal/parallel"

// Tile gather/scatter between NCHW planes and the Winograd-domain layout
// [ξ][channel][tile] of one chunk of images (tile t = image·tiles + ty·tilesW
// + tx, nt tiles in the chunk). Output tile (ty, tx) covers output rows
// 4ty..4ty+3 and columns 4tx..4tx+3 and reads the 6x6 input tile starting
// one row and column earlier (pad 1); cells outside the plane are zero.
//
// Tiles go through the transforms WinoGroup at a time (consecutive t of one
// channel, across images when planes are small) via a staging block
// [36][WinoGroup], so the Winograd-domain side is read and written in whole
// cache lines per ξ rather than one float per ξ at a large stride (36
// streams whose power-of-two spacing aliases in the caches and TLB).
const WinoGroup = 32

type WinoStage = [WinoX][WinoGroup]float32

// WinoTileGroups calls fn(ch, t0, cnt, stage) over the worker pool for every
// channel ch < channels and group [t0, t0+cnt) of the nt tiles.
func WinoTileGroups(channels, nt int, fn func(ch, t0, cnt int, stage *WinoStage)) {
	per := (nt + WinoGroup - 1) / WinoGroup
	parallel.For(channels*per, 2, func(lo, hi int) {
		var stage WinoStage
		for i := lo; i < hi; i++ {
			t0 := i % per * WinoGroup
			fn(i/per, t0, min(WinoGroup, nt-t0), &stage)
		}
	})
}

// tileAt locates tile t of a chunk: its image and top-left output cell.
func (q *WinoGeom) TileAt(t int) (img, y0, x0 int) {
	img, t = t/q.Tiles, t%q.Tiles
	return img, t / q.TilesW * WinoM, t % q.TilesW * WinoM
}

// WinoInputs transforms the input tiles of a chunk x [images][q.In][h][w]
// into v [36][q.In][nt].
func WinoInputs(x []float32, q *WinoGeom, v []float32, nt int) {
	plane, xiStride := q.H*q.W, q.In*nt
	WinoTileGroups(q.In, nt, func(ch, t0, cnt int, stage *WinoStage) {
		var d [WinoX]WinoLanes
		for j := 0; j < cnt; j++ {
			img, y0, x0 := q.TileAt(t0 + j)
			winoLoadTile(x[(img*q.In+ch)*plane:][:plane], q.H, q.W, y0-1, x0-1, &d, j)
		}
		WinoInputLanes(&d, stage)
		for xi := range stage {
			copy(v[xi*xiStride+ch*nt+t0:][:cnt], stage[xi][:cnt])
		}
	})
}

// winoLoadTile copies the 6x6 window of plane [h][w] at (y0, x0) into lane
// j of d, zero where it leaves the plane. (Copying each input row once per
// tile row into a zero-padded buffer, so edge tiles need no tests, measured
// no faster.)
func winoLoadTile(plane []float32, h, w, y0, x0 int, d *[WinoX]WinoLanes, j int) {
	j &= WinoGroup - 1 // lets the compiler drop the lane bounds checks
	if y0 >= 0 && x0 >= 0 && y0+WinoA <= h && x0+WinoA <= w {
		for i := 0; i < WinoA; i++ {
			src := plane[(y0+i)*w+x0:][:WinoA]
			row := d[i*WinoA:][:WinoA]
			row[0][j], row[1][j], row[2][j], row[3][j], row[4][j], row[5][j] = src[0], src[1], src[2], src[3], src[4], src[5]
		}
		return
	}
	for i := 0; i < WinoA; i++ {
		y := y0 + i
		for c := 0; c < WinoA; c++ {
			var val float32
			if xc := x0 + c; y >= 0 && y < h && xc >= 0 && xc < w {
				val = plane[y*w+xc]
			}
			d[i*WinoA+c][j] = val
		}
	}
}

// WinoOutputs transforms m [36][q.Out][nt] back to output tiles and writes
// (or with accumulate adds) them into the chunk's y [images][q.Out][h][w],
// plus bias.
func WinoOutputs(m []float32, nt int, q *WinoGeom, bias, y []float32, accumulate bool) {
	plane, xiStride := q.H*q.W, q.Out*nt
	WinoTileGroups(q.Out, nt, func(oc, t0, cnt int, stage *WinoStage) {
		var b float32
		if bias != nil {
			b = bias[oc]
		}
		for xi := range stage {
			copy(stage[xi][:cnt], m[xi*xiStride+oc*nt+t0:])
		}
		var out [WinoM * WinoM]WinoLanes
		WinoOutputLanes(stage, &out)
		for j := 0; j < cnt; j++ {
			img, y0, x0 := q.TileAt(t0 + j)
			winoStoreTile(y[(img*q.Out+oc)*plane:][:plane], q.H, q.W, y0, x0, &out, j, b, accumulate)
		}
	})
}

// winoStoreTile writes (or adds) lane j of the 4x4 tile group out, plus b,
// into plane [h][w] at (y0, x0), dropping cells past the plane's edge.
func winoStoreTile(plane []float32, h, w, y0, x0 int, out *[WinoM * WinoM]WinoLanes, j int, b float32, accumulate bool) {
	j &= WinoGroup - 1
	rows, cols := min(WinoM, h-y0), min(WinoM, w-x0)
	for i := 0; i < rows; i++ {
		row := plane[(y0+i)*w+x0:][:cols]
		src := out[i*WinoM:][:cols]
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

// WinoGradOutputs carries the output-gradient tiles of a chunk's dy
// [images][q.Out][h][w] into the Winograd domain, dm [36][q.Out][nt]
// (A dY Aᵀ per tile; gradient cells past the plane's edge are zero).
func WinoGradOutputs(dy []float32, q *WinoGeom, dm []float32, nt int) {
	plane, xiStride := q.H*q.W, q.Out*nt
	WinoTileGroups(q.Out, nt, func(oc, t0, cnt int, stage *WinoStage) {
		var e [WinoM * WinoM]WinoLanes
		for j := 0; j < cnt; j++ {
			img, y0, x0 := q.TileAt(t0 + j)
			src := dy[(img*q.Out+oc)*plane:][:plane]
			rows, cols := min(WinoM, q.H-y0), min(WinoM, q.W-x0)
			for i := 0; i < WinoM; i++ {
				for c := 0; c < WinoM; c++ {
					var val float32
					if i < rows && c < cols {
						val = src[(y0+i)*q.W+x0+c]
					}
					e[i*WinoM+c][j] = val
				}
			}
		}
		WinoGradOutputLanes(&e, stage)
		for xi := range stage {
			copy(dm[xi*xiStride+oc*nt+t0:][:cnt], stage[xi][:cnt])
		}
	})
}
