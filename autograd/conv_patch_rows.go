package autograd

// convPatchRows writes the patch matrix of one image x [c,h,w] of a patch
// geometry (kernel k = stride, no padding) into p [oh·ow, c·k·k]: row
// oy·ow+ox, column (ci·k+ki)·k+kj holds x[ci][oy·k+ki][ox·k+kj]. Each run of
// k columns is k contiguous input pixels, so this is a copy of runs; input
// rows and columns past the last whole patch are not read.
func convPatchRows(p, x []float32, geo *convGeom) {
	k, kdim := geo.stride, geo.colRows
	for ci := 0; ci < geo.c; ci++ {
		for oy := 0; oy < geo.oh; oy++ {
			for ki := 0; ki < k; ki++ {
				src := x[ci*geo.inPlane+(oy*k+ki)*geo.w:][:geo.ow*k]
				dst := p[oy*geo.ow*kdim+(ci*k+ki)*k:]
				convCopyRuns(dst, kdim, src, k, geo.ow)
			}
		}
	}
}

// convCopyRuns copies runs of k floats: src[ox·k : ox·k+k] to dst[ox·ld :
// ox·ld+k] for ox < count. The 8-float case (the ViT's 8x8 patches) moves
// two 16-byte arrays, which compile to vector moves; a whole 32-byte array
// or copy() would call memmove, which costs more than the move.
func convCopyRuns(dst []float32, ld int, src []float32, k, count int) {
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

// convPatchScatter is convPatchRows' transpose: it adds the patch gradients
// dp [oh·ow, c·k·k] into the image gradient dx [c,h,w], or with overwrite
// set stores them there (and zeroes the pixels no patch covers).
func convPatchScatter(dx, dp []float32, geo *convGeom, overwrite bool) {
	k, kdim := geo.stride, geo.colRows
	if overwrite && (geo.oh*k != geo.h || geo.ow*k != geo.w) {
		clear(dx[:geo.imageInSize]) // a leftover border gets no gradient
	}
	for ci := 0; ci < geo.c; ci++ {
		for oy := 0; oy < geo.oh; oy++ {
			for ki := 0; ki < k; ki++ {
				dst := dx[ci*geo.inPlane+(oy*k+ki)*geo.w:][:geo.ow*k]
				src := dp[oy*geo.ow*kdim+(ci*k+ki)*k:]
				for ox := 0; ox < geo.ow; ox++ {
					run := src[ox*kdim : ox*kdim+k]
					if overwrite {
						copy(dst[ox*k:ox*k+k], run)
					} else {
						convAddTo(dst[ox*k:ox*k+k], run)
					}
				}
			}
		}
	}
}
