// Package bench measures mmpoison's kernels and training step against peers.
package bench

import (
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/mmpoison/mmpoison/internal/parallel"
	"github.com/mmpoison/mmpoison/simd"
)

// GemmOptions selects what RunGemm measures.
type GemmOptions struct {
	DType   string   // "fp32" (alias "float32") or "bf16"
	Impl    string   // SIMD level name ("generic", "avx2", "avx512", "amx"); "" keeps the active one
	Threads int      // worker threads; 0 keeps the current setting
	Shapes  [][3]int // M×K×N triples
	Runs    int      // timed runs per shape (median reported); 0 means 5
}

// GemmResult is one line of RunGemm's output.
type GemmResult struct {
	DType   string  `json:"dtype"`
	Impl    string  `json:"impl"`
	Threads int     `json:"threads"`
	M       int     `json:"m"`
	K       int     `json:"k"`
	N       int     `json:"n"`
	GFLOPS  float64 `json:"gflops"`
}

// DefaultGemmShapes are the shapes compared with OpenBLAS in bench/RESULTS.md.
var DefaultGemmShapes = [][3]int{{1024, 1024, 1024}, {2048, 2048, 2048}, {256, 512, 2048}}

type gemmFn func(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int)

func gemmFor(dtype string) (gemmFn, string, error) {
	switch strings.ToLower(dtype) {
	case "", "fp32", "float32", "f32":
		return simd.Sgemm, "fp32", nil
	case "bf16", "bfloat16":
		return simd.GemmBF16, "bf16", nil
	}
	return nil, "", fmt.Errorf("bench gemm: unknown dtype %q: want fp32 or bf16", dtype)
}

// RunGemm times C = A·B for each shape and writes the median GFLOP/s of
// opts.Runs runs, as text or (asJSON) one JSON object per line.
func RunGemm(opts GemmOptions, w io.Writer, asJSON bool) error {
	gemm, dtype, err := gemmFor(opts.DType)
	if err != nil {
		return err
	}
	if opts.Impl != "" {
		l, err := simd.ParseLevel(opts.Impl)
		if err != nil {
			return fmt.Errorf("bench gemm: %w", err)
		}
		old := simd.Active()
		if err := simd.SetLevel(l); err != nil {
			return fmt.Errorf("bench gemm: %w", err)
		}
		defer simd.SetLevel(old)
	}
	if opts.Threads < 0 {
		return fmt.Errorf("bench gemm: threads must be >= 0 (0 keeps the current %d), got %d", parallel.Threads(), opts.Threads)
	}
	if opts.Threads > 0 {
		defer parallel.SetThreads(parallel.SetThreads(opts.Threads))
	}
	runs := opts.Runs
	if runs <= 0 {
		runs = 5
	}
	shapes := opts.Shapes
	if len(shapes) == 0 {
		shapes = DefaultGemmShapes
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range shapes {
		m, k, n := s[0], s[1], s[2]
		if m <= 0 || k <= 0 || n <= 0 {
			return fmt.Errorf("bench gemm: shape %dx%dx%d must be positive", m, k, n)
		}
		res := GemmResult{DType: dtype, Impl: simd.Active().String(), Threads: parallel.Threads(), M: m, K: k, N: n,
			GFLOPS: timeGemm(gemm, rng, m, k, n, runs)}
		if err := writeGemmResult(w, res, asJSON); err != nil {
			return err
		}
	}
	return nil
}

// timeGemm returns the median GFLOP/s over runs timed batches of about 0.2 s each.
func timeGemm(gemm gemmFn, rng *rand.Rand, m, k, n, runs int) float64 {
	a, b, c := randomMatrix(rng, m*k), randomMatrix(rng, k*n), make([]float32, m*n)
	call := func() { gemm(false, false, m, n, k, 1, a, k, b, n, 0, c, n) }
	call() // warm caches and buffer pools
	t0 := time.Now()
	call()
	reps := max(1, int(0.2/max(time.Since(t0).Seconds(), 1e-9)))
	flop := 2 * float64(m) * float64(k) * float64(n)
	rates := make([]float64, runs)
	for r := range rates {
		t0 := time.Now()
		for i := 0; i < reps; i++ {
			call()
		}
		rates[r] = flop * float64(reps) / time.Since(t0).Seconds() / 1e9
	}
	sort.Float64s(rates)
	return rates[len(rates)/2]
}

func randomMatrix(rng *rand.Rand, n int) []float32 {
	x := make([]float32, n)
	for i := range x {
		x[i] = rng.Float32()*2 - 1
	}
	return x
}

func writeGemmResult(w io.Writer, r GemmResult, asJSON bool) error {
	if asJSON {
		line, err := json.Marshal(r)
		if err != nil {
			return err
		}
		_, err = fmt.Fprintf(w, "%s\n", line)
		return err
	}
	_, err := fmt.Fprintf(w, "gemm %s impl=%s threads=%d M=%d K=%d N=%d GFLOP/s median=%.1f\n",
		r.DType, r.Impl, r.Threads, r.M, r.K, r.N, r.GFLOPS)
	return err
}

// maxShapeBytes bounds the float32 matrices of one benchmarked shape.
const maxShapeBytes = 4 << 30

// ParseShapes reads "1024x1024x1024,256x512x2048" (M×K×N, comma separated).
func ParseShapes(s string) ([][3]int, error) {
	var out [][3]int
	for _, item := range strings.Split(s, ",") {
		item = strings.TrimSpace(item)
		if item == "" {
			continue
		}
		parts := strings.Split(strings.ToLower(item), "x")
		if len(parts) != 3 {
			return nil, fmt.Errorf("shape %q: want MxKxN, e.g. 1024x1024x1024", item)
		}
		var sh [3]int
		for i, p := range parts {
			v, err := strconv.Atoi(strings.TrimSpace(p))
			if err != nil || v <= 0 {
				return nil, fmt.Errorf("shape %q: %q is not a positive integer", item, p)
			}
			sh[i] = v
		}
		m, k, n := float64(sh[0]), float64(sh[1]), float64(sh[2])
		if bytes := 4 * (m*k + k*n + m*n); bytes > maxShapeBytes {
			return nil, fmt.Errorf("shape %q: its three matrices need %.3g GiB; the benchmark allows %d GiB", item, bytes/(1<<30), maxShapeBytes>>30)
		}
		out = append(out, sh)
	}
	if len(out) == 0 {
		return nil, fmt.Errorf("no shapes in %q: want e.g. 1024x1024x1024,256x512x2048", s)
	}
	return out, nil
}
