// Package hugepages allocates large float32 buffers that the kernel may back
// with 2 MiB pages.
//
// A training step of a paper-size model first touches several GiB: weights,
// gradients, optimiser moments and the tape's arena. In 4 KiB pages that is
// over a million page faults, most of the first step's time spent in the
// kernel, and a TLB that misses on every large GEMM operand. Where
// transparent huge pages are set to "madvise" (the common default), the Go
// heap gets small pages unless asked, so the buffers here ask.
package hugepages

// Threshold is the smallest buffer, in floats, worth advising: a buffer
// that cannot hold one aligned 2 MiB page gains nothing.
const Threshold = 2 * pageFloats

const pageFloats = 2 << 20 / 4 // floats in a 2 MiB page

// Floats returns a zeroed buffer of n floats. From Threshold up its aligned
// interior is advised for huge pages before it is first written, so the
// first touch maps 2 MiB at a time; below, or where the system has no such
// advice, it is a plain make.
func Floats(n int) []float32 {
	buf := make([]float32, n)
	if n >= Threshold {
		advise(buf)
	}
	return buf
}
