// Package parallel runs loops over a fixed pool of worker goroutines.
//
// The pool has GOMAXPROCS workers (or the count set with SetThreads). Work is
// split into contiguous chunks so that each worker touches a cache-friendly
// block; no goroutine is started per element or per call.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

type task struct {
	fn   func(lo, hi int)
	lo   int
	hi   int
	done *sync.WaitGroup
}

var (
	mu      sync.Mutex
	threads int
	queue   chan task
	started int
)

func init() { SetThreads(runtime.GOMAXPROCS(0)) }

// SetThreads sets how many workers For may use (at least 1) and returns the old value.
func SetThreads(n int) int {
	if n < 1 {
		n = 1
	}
	mu.Lock()
	defer mu.Unlock()
	old := threads
	threads = n
	if queue == nil {
		queue = make(chan task, 256)
	}
	for started < n-1 { // the calling goroutine is the n-th worker
		started++
		go worker()
	}
	return old
}

// Threads reports the number of workers For uses.
func Threads() int {
	mu.Lock()
	defer mu.Unlock()
	return threads
}

func worker() {
	for t := range queue {
		t.fn(t.lo, t.hi)
		t.done.Done()
	}
}

var inFor atomic.Int32

// For calls fn on disjoint chunks [lo, hi) covering [0, n), each at least
// grain long (except possibly the last), using up to Threads() goroutines.
// The caller runs one chunk itself; For returns when every chunk is done.
// Nested calls from inside fn run serially, so kernels may call For freely.
func For(n, grain int, fn func(lo, hi int)) {
	if n <= 0 {
		return
	}
	if grain < 1 {
		grain = 1
	}
	t := Threads()
	chunks := (n + grain - 1) / grain
	if chunks > t {
		chunks = t
	}
	if chunks <= 1 || inFor.Load() > 0 {
		fn(0, n)
		return
	}
	inFor.Add(1)
	defer inFor.Add(-1)
	var wg sync.WaitGroup
	step := (n + chunks - 1) / chunks
	chunks = (n + step - 1) / step // rounding step up can leave fewer, never empty, chunks
	if chunks <= 1 {
		fn(0, n)
		return
	}
	wg.Add(chunks - 1)
	lo := step
	for c := 1; c < chunks; c++ {
		hi := lo + step
		if hi > n {
			hi = n
		}
		queue <- task{fn: fn, lo: lo, hi: hi, done: &wg}
		lo = hi
	}
	fn(0, min(step, n))
	wg.Wait()
}
