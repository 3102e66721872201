package simd

import "fmt"

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in float32, row-major.
// op(A) is m×k (A is k×m when transA), op(B) is k×n (B is n×k when transB),
// C is m×n; lda, ldb and ldc are the row strides. beta == 0 overwrites C
// without reading it (so NaNs in C do not leak through). Slices too short for
// the shapes and strides given are a programming error and panic with a message.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkGemmArgs("Sgemm", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	countGemm(false, m, n, k)
	sgemmImpl(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

type gemmFunc func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

var sgemmImpl gemmFunc = sgemmRef

// smallGemmFlops is the m·n·k below which packing costs more than it saves.
const smallGemmFlops = 32 * 1024

func init() {
	onLevel(func(l Level) {
		kern := sgemmKernelGo
		switch {
		case l >= AVX512 && sgemmKernelAVX512 != nil: // AMX tiles are bf16 only; fp32 stays on AVX-512
			kern = sgemmKernelAVX512
		case l >= AVX2 && sgemmKernelAVX2 != nil:
			kern = sgemmKernelAVX2
		}
		sgemmImpl, sgemmBiasImpl = sgemmWith(kern), sgemmBiasWith(kern)
		setKernel("sgemm", kern.name)
	})
}

// sgemmWith returns a gemmFunc that handles degenerate and small shapes
// directly and sends the rest to the packed driver with kern.
func sgemmWith(kern *gemmKernel) gemmFunc {
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
		switch {
		case m == 0 || n == 0:
		case k == 0 || alpha == 0:
			scaleC(m, n, beta, c, ldc)
		case m*n*k < smallGemmFlops:
			sgemmSmall(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		default:
			sgemmBlocked(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, nil, c, ldc)
		}
	}
}

// SgemmBias computes C = alpha·op(A)·op(B) + bias in float32, bias (n
// values) added to every row: a linear layer's forward pass. It gives the
// same bits as filling C's rows with bias and calling Sgemm with beta 1,
// without writing C and reading it back first.
func SgemmBias(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
	checkGemmArgs("SgemmBias", transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	if len(bias) != n {
		panic(fmt.Sprintf("simd.SgemmBias: bias has %d values, want n = %d", len(bias), n))
	}
	countGemm(false, m, n, k)
	sgemmBiasImpl(transA, transB, m, n, k, alpha, a, lda, b, ldb, bias, c, ldc)
}

var sgemmBiasImpl = biasByFill(sgemmRef)

// sgemmBiasWith is sgemmWith's bias form: the packed driver fills each tile
// with the bias; small and degenerate shapes fill C first.
func sgemmBiasWith(kern *gemmKernel) gemmBiasFunc {
	plain := biasByFill(sgemmWith(kern))
	return func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, bias, c []float32, ldc int) {
		if m == 0 || n == 0 || k == 0 || alpha == 0 || m*n*k < smallGemmFlops {
			plain(transA, transB, m, n, k, alpha, a, lda, b, ldb, bias, c, ldc)
			return
		}
		sgemmBlocked(kern, transA, transB, m, n, k, alpha, a, lda, b, ldb, 0, bias, c, ldc)
	}
}

// scaleC sets C = beta·C, writing zeros without reading when beta == 0.
func scaleC(m, n int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
			continue
		}
		for j := range row {
			row[j] *= beta
		}
	}
}

// checkGemmArgs panics with a message naming the operand when a slice cannot
// hold the matrix its shape and stride describe.
func checkGemmArgs(op string, transA, transB bool, m, n, k, la, lda, lb, ldb, lc, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("simd.%s: negative size m=%d n=%d k=%d", op, m, n, k))
	}
	need := func(name string, rows, cols, ld, have int) {
		if rows == 0 || cols == 0 {
			return
		}
		if ld < cols {
			panic(fmt.Sprintf("simd.%s: %s is %d×%d but its stride is %d (must be >= %d)", op, name, rows, cols, ld, cols))
		}
		if want := (rows-1)*ld + cols; have < want {
			panic(fmt.Sprintf("simd.%s: %s is %d×%d with stride %d and needs %d elements, has %d", op, name, rows, cols, ld, want, have))
		}
	}
	ar, ac := m, k
	if transA {
		ar, ac = k, m
	}
	br, bc := k, n
	if transB {
		br, bc = n, k
	}
	if m > 0 && n > 0 { // A and B are not read otherwise
		need("A", ar, ac, lda, la)
		need("B", br, bc, ldb, lb)
	}
	need("C", m, n, ldc, lc)
}

// sgemmRef is the naive triple loop: the reference every path is tested against.
func sgemmRef(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	for i := 0; i < m; i++ {
		for j := 0; j < n; j++ {
			var s float32
			for p := 0; p < k; p++ {
				var av, bv float32
				if transA {
					av = a[p*lda+i]
				} else {
					av = a[i*lda+p]
				}
				if transB {
					bv = b[j*ldb+p]
				} else {
					bv = b[p*ldb+j]
				}
				s += av * bv
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}
