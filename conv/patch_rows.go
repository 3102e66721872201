package conv

// PatchRows writes the patch matrix of one image x [c,h,w] of a patch
// geometry (kernel k = stride, no padding) into p [oh·ow, c·k·k]: row
// oy·ow+ox, column (ci·k+ki)·k+kj holds x[ci][oy·k+ki][ox·k+kj]. Each run of
// k columns is k contiguous input pixels, so this is a copy of runs; input
// rows and columns past the last whole patch are not read.
func PatchRows(p, x []float32, geo *Geom) {
	k, kdim := geo.Stride, geo.ColRows
	for ci := 0; ci < geo.C; ci++ {
		for oy := 0; oy < geo.OH; oy++ {
			for ki := 0; ki < k; ki++ {
				src := x[ci*geo.InPlane+(oy*k+ki)*geo.W:][:geo.OW*k]
				dst := p[oy*geo.OW*kdim+(ci*k+ki)*k:]
				CopyRuns(dst, kdim, src, k, geo.OW)
			}
		}
	}
}

// CopyRuns copies runs of k floats: src[ox·k : ox·k+k] to dst[ox·ld :
// ox·ld+k] for ox < count. The 8-float case (the ViT's 8x8 patches) moves
// two 16-byte arrays, which compile to vector moves; a whole 32-byte array
// or copy() would call memmove, which costs more than the move.
func CopyRuns(dst []float32, ld int, src []float32, k, count int) {
	if k == 8 {
		for ox := 0; ox < count; ox++ {
			d, s := dst[ox*ld:ox*ld+8], src[ox*8:ox*8+8]
			*(*[4]float32)(d) = *(*[4]float32)(s)
			*(*[4]float32)(d[4:]) = *(*[4]float32)(s[4:])
		}
		return
	}
	for ox := 0; ox < count; ox++ {
		copy(dst[ox*ld:ox*ld+k], src[ox*k:ox*k+k])
	}
}

// PatchScatter is PatchRows' transpose: it adds the patch gradients
// dp [oh·ow, c·k·k] into the image gradient dx [c,h,w], or with overwrite
// set stores them there (and zeroes the pixels no patch covers).
func PatchScatter(dx, dp []float32, geo *Geom, overwrite bool) {
	k, kdim := geo.Stride, geo.ColRows
	if overwrite && (geo.OH*k != geo.H || geo.OW*k != geo.W) {
		clear(dx[:geo.ImageInSize]) // a leftover border gets no gradient
	}
	for ci := 0; ci < geo.C; ci++ {
		for oy := 0; oy < geo.OH; oy++ {
			for ki := 0; ki < k; ki++ {
				dst := dx[ci*geo.InPlane+(oy*k+ki)*geo.W:][:geo.OW*k]
				src := dp[oy*geo.OW*kdim+(ci*k+ki)*k:]
				for ox := 0; ox < geo.OW; ox++ {
					run := src[ox*kdim : ox*kdim+k]
					if overwrite {
						copy(dst[ox*k:ox*k+k], run)
					} else {
						AddTo(dst[ox*k:ox*k+k], run)
					}
				}
			}
		}
	}
}
