package simd

import "testing"

func TestGemmFlopsCountsEveryCall(t *testing.T) {
	m, n, k := 3, 5, 7
	a, b, c := make([]float32, m*k), make([]float32, k*n), make([]float32, m*n)
	before := GemmFlops()
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	Sgemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	GemmBF16(false, false, m, n, k, 1, a, k, b, n, 0, c, n)
	after := GemmFlops()
	if got, want := after.FP32-before.FP32, int64(2*2*m*n*k); got != want {
		t.Errorf("two Sgemm calls of %d×%d×%d counted %d flops, want %d", m, n, k, got, want)
	}
	if got, want := after.BF16-before.BF16, int64(2*m*n*k); got != want {
		t.Errorf("one GemmBF16 call counted %d flops, want %d", got, want)
	}
}
