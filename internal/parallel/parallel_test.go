package parallel

import (
	"fmt"
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
)

// withThreads runs f with SetThreads(n) and restores the old setting.
func withThreads(t testing.TB, n int, f func()) {
	t.Helper()
	old := SetThreads(n)
	defer SetThreads(old)
	f()
}

// checkCover runs For(n, grain) and checks every index in [0, n) is visited
// exactly once, chunks are non-empty, at most Threads() of them, and all but
// the last at least grain long.
func checkCover(t *testing.T, n, grain int) {
	t.Helper()
	hits := make([]atomic.Int32, max(n, 0))
	var mu sync.Mutex
	var chunks [][2]int
	For(n, grain, func(lo, hi int) {
		mu.Lock()
		chunks = append(chunks, [2]int{lo, hi})
		mu.Unlock()
		for i := lo; i < hi; i++ {
			hits[i].Add(1)
		}
	})
	for i := range hits {
		if h := hits[i].Load(); h != 1 {
			t.Fatalf("n=%d grain=%d threads=%d: index %d visited %d times", n, grain, Threads(), i, h)
		}
	}
	if len(chunks) > Threads() {
		t.Errorf("n=%d grain=%d: %d chunks for %d threads", n, grain, len(chunks), Threads())
	}
	g := max(grain, 1)
	for _, c := range chunks {
		if c[0] >= c[1] || c[0] < 0 || c[1] > n {
			t.Errorf("n=%d grain=%d: bad chunk %v", n, grain, c)
		}
		if c[1]-c[0] < g && c[1] != n {
			t.Errorf("n=%d grain=%d: chunk %v shorter than grain and not last", n, grain, c)
		}
	}
}

func TestForCoversEachIndexOnce(t *testing.T) {
	for _, threads := range []int{1, 2, 3, 8} {
		withThreads(t, threads, func() {
			for _, n := range []int{0, 1, 2, 3, 7, 8, 9, 100, 1001} {
				for _, grain := range []int{-1, 0, 1, 2, 7, 64, 5000} {
					checkCover(t, n, grain)
				}
			}
		})
	}
}

// waitIdle waits until no worker is running chunks and no queued entry is
// left over from an earlier call (a worker may still be draining one of a
// call that its caller finished alone), so the pool is idle as tests assume.
func waitIdle(t *testing.T) {
	t.Helper()
	for i := 0; len(queue) > 0 || load.Load() != 0; i++ {
		if i > 1e6 {
			t.Fatalf("pool never went idle: %d queued, %d busy", len(queue), load.Load())
		}
		runtime.Gosched()
	}
}

// TestForSplitsWhenFree: with idle workers a large loop is split into
// exactly Threads() chunks.
func TestForSplitsWhenFree(t *testing.T) {
	withThreads(t, 4, func() {
		waitIdle(t)
		if c := Chunks(400, 130); c != 3 {
			t.Errorf("Chunks(400, 130) = %d, want 3", c)
		}
		if c := Chunks(10, 100); c != 1 {
			t.Errorf("Chunks(10, 100) = %d, want 1", c)
		}
		var calls atomic.Int32
		waitIdle(t)
		For(400, 1, func(lo, hi int) { calls.Add(1) })
		if calls.Load() != 4 {
			t.Errorf("For(400, 1) on 4 idle threads ran %d chunks, want 4", calls.Load())
		}
	})
}

func TestSetThreads(t *testing.T) {
	old := SetThreads(3)
	defer SetThreads(old)
	if got := Threads(); got != 3 {
		t.Fatalf("Threads() = %d after SetThreads(3)", got)
	}
	if prev := SetThreads(0); prev != 3 {
		t.Errorf("SetThreads(0) returned %d, want the old value 3", prev)
	}
	if got := Threads(); got != 1 {
		t.Errorf("SetThreads(0) left Threads() = %d, want 1", got)
	}
	var calls atomic.Int32
	For(1000, 1, func(lo, hi int) {
		calls.Add(1)
		if lo != 0 || hi != 1000 {
			t.Errorf("one thread: chunk [%d, %d), want [0, 1000)", lo, hi)
		}
	})
	if calls.Load() != 1 {
		t.Errorf("one thread: %d chunks, want 1", calls.Load())
	}
}

// goid parses this goroutine's id from its stack header (test-only; slow).
func goid() string {
	var buf [64]byte
	s := string(buf[:runtime.Stack(buf[:], false)])
	var id string
	fmt.Sscanf(s, "goroutine %s", &id)
	return id
}

// TestNestedRunsSerially: while every thread runs an outer chunk, a nested
// For runs whole, on the goroutine that called it.
func TestNestedRunsSerially(t *testing.T) {
	withThreads(t, 2, func() {
		var arrived, finished sync.WaitGroup
		arrived.Add(2)
		finished.Add(2)
		var outer atomic.Int32
		For(2, 1, func(lo, hi int) {
			outer.Add(1)
			arrived.Done()
			arrived.Wait() // both threads are now busy with outer chunks
			me := goid()
			var inner [][2]int
			var mu sync.Mutex
			For(64, 1, func(l, h int) {
				if g := goid(); g != me {
					t.Errorf("nested chunk ran on goroutine %s, caller is %s", g, me)
				}
				mu.Lock()
				inner = append(inner, [2]int{l, h})
				mu.Unlock()
			})
			finished.Done()
			finished.Wait() // keep this chunk busy until the other nested call is done too
			if len(inner) != 1 || inner[0] != [2]int{0, 64} {
				t.Errorf("nested For on a saturated pool ran chunks %v, want [[0 64]]", inner)
			}
		})
		if outer.Load() != 2 {
			t.Fatalf("outer For ran %d chunks, want 2", outer.Load())
		}
	})
}

// TestDeepNestingCovers nests three levels and checks exact coverage.
func TestDeepNestingCovers(t *testing.T) {
	withThreads(t, 3, func() {
		const a, b, c = 5, 7, 11
		var hits [a * b * c]atomic.Int32
		For(a, 1, func(l0, h0 int) {
			for i := l0; i < h0; i++ {
				For(b, 1, func(l1, h1 int) {
					for j := l1; j < h1; j++ {
						For(c, 1, func(l2, h2 int) {
							for k := l2; k < h2; k++ {
								hits[(i*b+j)*c+k].Add(1)
							}
						})
					}
				})
			}
		})
		for i := range hits {
			if h := hits[i].Load(); h != 1 {
				t.Fatalf("cell %d visited %d times", i, h)
			}
		}
	})
}

// TestConcurrentCallers runs many independent For calls at once (use -race).
func TestConcurrentCallers(t *testing.T) {
	withThreads(t, 4, func() {
		var wg sync.WaitGroup
		for g := 0; g < 16; g++ {
			wg.Add(1)
			go func(g int) {
				defer wg.Done()
				for rep := 0; rep < 20; rep++ {
					n := 50 + g*13 + rep
					sum := make([]int32, n)
					For(n, 1+g%5, func(lo, hi int) {
						for i := lo; i < hi; i++ {
							sum[i]++ // disjoint chunks: no race
						}
					})
					for i, s := range sum {
						if s != 1 {
							t.Errorf("goroutine %d rep %d: index %d visited %d times", g, rep, i, s)
							return
						}
					}
				}
			}(g)
		}
		wg.Wait()
	})
}

// BenchmarkForHandOff times one For over all threads with empty chunks: the
// fixed cost a caller pays to use the pool.
func BenchmarkForHandOff(b *testing.B) {
	for _, threads := range []int{1, 2} {
		b.Run(fmt.Sprintf("threads=%d", threads), func(b *testing.B) {
			withThreads(b, threads, func() {
				for i := 0; i < b.N; i++ {
					For(threads, 1, func(lo, hi int) {})
				}
			})
		})
	}
}

// TestCallerClaimsUnstartedChunks: with no helper turning up, the caller's
// own work loop claims and runs every chunk and marks the call done.
func TestCallerClaimsUnstartedChunks(t *testing.T) {
	var got [][2]int
	c := &call{fn: func(lo, hi int) { got = append(got, [2]int{lo, hi}) }, n: 10, step: 4, chunks: 3, done: make(chan struct{})}
	c.unfinished.Store(3)
	c.work()
	want := [][2]int{{0, 4}, {4, 8}, {8, 10}}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("chunks run %v, want %v", got, want)
	}
	select {
	case <-c.done:
	default:
		t.Error("call not marked done after its last chunk")
	}
	c.work() // a late helper finds nothing left and must not run a chunk twice
	if len(got) != 3 {
		t.Errorf("late helper ran chunks again: %v", got)
	}
}
