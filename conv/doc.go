// Package conv holds the numeric kernels of the convolution algorithms that
// autograd's Conv2d chooses between: im2col lowering and its adjoint (Geom),
// the patch rows of the 1x1 and strided paths, the tap-indexed columns of
// small images (Taps), and Winograd F(4x4,3x3)'s transforms, in Go and
// AVX-512 assembly, and tile gather and scatter (WinoGeom). They work on
// plain float32 slices; the tape, its buffers and the GEMMs stay in autograd.
package conv
