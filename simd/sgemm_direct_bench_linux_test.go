package simd

import (
	"fmt"
	"math/rand/v2"
	"runtime"
	"testing"
	"time"

	"golang.org/x/sys/unix"

	"github.com/mmpoison/mmpoison/internal/parallel"
)

// BenchmarkSgemmDirect compares packed operands, direct A, and direct A and
// B on the training step's shapes at the active level. On a shared machine sequential sub-benchmarks
// see different loads, so every round times the paths back to back (order
// rotating) and the best time of each is reported: contention only ever
// adds time, so the minimum is the steadiest estimate. Time is CPU time, not
// wall time, so the time slices other processes take do not count: that of
// the calling thread for one thread (the product then runs on it), that of
// the process for more (the work of all threads, so it hides load imbalance).
func BenchmarkSgemmDirect(b *testing.B) {
	for _, s := range []struct {
		transA, transB bool
		m, k, n        int
	}{
		{false, false, 8320, 256, 768},
		{false, false, 8320, 256, 256},
		{false, false, 8320, 1024, 256},
		{false, true, 8320, 256, 768},
		{true, false, 768, 8320, 256},
		{true, false, 256, 8320, 1024},
		{false, false, 1024, 1024, 1024},
		{true, false, 1024, 1024, 1024},
		{false, false, 256, 512, 2048},
		{false, false, 65, 65, 64}, // attention, one head: P·V
		{true, false, 65, 65, 64},  // and its gradient Pᵀ·dO
	} {
		for _, threads := range []int{1, 2} {
			name := fmt.Sprintf("tA=%v/tB=%v/m=%d/k=%d/n=%d/threads=%d", s.transA, s.transB, s.m, s.k, s.n, threads)
			b.Run(name, func(b *testing.B) {
				old := parallel.SetThreads(threads)
				defer parallel.SetThreads(old)
				benchDirectVsPacked(b, s.transA, s.transB, s.m, s.k, s.n)
			})
		}
	}
}

func benchDirectVsPacked(b *testing.B, transA, transB bool, m, k, n int) {
	rng := rand.New(rand.NewPCG(3, 4))
	x, y, c := randSlice(rng, m*k), randSlice(rng, k*n), make([]float32, m*n)
	lda, ldb := pick(transA, m, k), pick(transB, k, n)
	saved, savedB := directA, directBOn
	defer func() { directA, directBOn = saved, savedB }()
	clock := int32(unix.CLOCK_PROCESS_CPUTIME_ID)
	if parallel.Threads() == 1 {
		runtime.LockOSThread()
		defer runtime.UnlockOSThread()
		clock = unix.CLOCK_THREAD_CPUTIME_ID
	}
	now := func() time.Duration {
		var ts unix.Timespec
		if err := unix.ClockGettime(clock, &ts); err != nil {
			b.Fatal(err)
		}
		return time.Duration(ts.Nano())
	}
	run := func(mode int) time.Duration { // 0 packed, 1 direct A, 2 direct A and B
		directA.trans, directA.normal, directBOn = mode > 0, mode > 0, mode > 1
		t0 := now()
		Sgemm(transA, transB, m, n, k, 1, x, lda, y, ldb, 0, c, n)
		return now() - t0
	}
	best := [3]time.Duration{1 << 62, 1 << 62, 1 << 62}
	for mode := range best {
		run(mode) // warm the buffer pool
	}
	reps := max(1, int(2e8/(float64(m)*float64(n)*float64(k)))) // small products: time batches
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range best {
			mode := (i + j) % len(best)
			var d time.Duration
			for range reps {
				d += run(mode)
			}
			best[mode] = min(best[mode], d/time.Duration(reps))
		}
	}
	flop := 2 * float64(m) * float64(n) * float64(k)
	b.ReportMetric(flop/best[0].Seconds()/1e9, "1packed-GFLOP/cpu-s")
	b.ReportMetric(flop/best[1].Seconds()/1e9, "2directA-GFLOP/cpu-s")
	b.ReportMetric(flop/best[2].Seconds()/1e9, "3directAB-GFLOP/cpu-s")
}
