// Package parallel runs loops over a fixed pool of worker goroutines.
//
// The pool has GOMAXPROCS-1 workers (or Threads()-1 as set with SetThreads);
// the calling goroutine is the last worker. Work is split into contiguous
// chunks so that each worker touches a cache-friendly block; no goroutine is
// started per element or per call.
//
// Nesting and concurrent callers: For only splits work for workers that are
// free, so a call made while the pool is saturated (as from inside another
// For's chunk while all threads are busy) runs serially on its own goroutine,
// while calls from independent goroutines share whatever workers are free.
// Chunks are claimed dynamically, so the caller does any chunk a worker has
// not started yet, and a caller waiting for others' chunks helps with queued
// work meanwhile: no pattern of nested or concurrent calls can deadlock.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
)

// call is one For invocation that asked the pool for help. Its chunks are
// claimed one at a time by whoever gets there first (the caller or a woken
// worker), so a worker that is slow to start costs nothing: the caller just
// claims the remaining chunks itself.
type call struct {
	fn         func(lo, hi int)
	n, step    int
	chunks     int32
	next       atomic.Int32 // next unclaimed chunk
	unfinished atomic.Int32
	done       chan struct{}
}

// work runs chunks of c until none is left to claim.
func (c *call) work() {
	for {
		i := c.next.Add(1) - 1
		if i >= c.chunks {
			return
		}
		lo := int(i) * c.step
		c.fn(lo, min(lo+c.step, c.n))
		if c.unfinished.Add(-1) == 0 {
			close(c.done)
		}
	}
}

// help is a worker's (or a waiting caller's) share of a call that woke it;
// while it runs, the helper counts as busy.
func help(c *call) {
	load.Add(1)
	c.work()
	load.Add(-1)
}

var (
	mu      sync.Mutex
	threads atomic.Int32
	started int
	queue   = make(chan *call, 1024) // one entry per helper a call asks for
	load    atomic.Int32             // helpers running chunks now
)

func init() { SetThreads(runtime.GOMAXPROCS(0)) }

// SetThreads sets how many goroutines For may use (at least 1, the caller
// included) and returns the old value.
func SetThreads(n int) int {
	n = max(n, 1)
	mu.Lock()
	defer mu.Unlock()
	old := int(threads.Swap(int32(n)))
	for started < n-1 { // the calling goroutine is the n-th worker
		started++
		go worker()
	}
	return old
}

// Threads reports the number of goroutines For may use.
func Threads() int { return int(threads.Load()) }

func worker() {
	for c := range queue {
		help(c)
	}
}

// freeWorkers is how many pool workers are not running chunks.
func freeWorkers() int { return Threads() - 1 - int(load.Load()) }

// Chunks reports how many chunks For(n, grain, ...) would use if called now:
// 1 when it would run serially. Callers that size work per chunk use it.
func Chunks(n, grain int) int {
	if n <= 0 {
		return 0
	}
	grain = max(grain, 1)
	chunks := min(n/grain, 1+max(freeWorkers(), 0)) // floor: every chunk but the last >= grain
	if chunks <= 1 {
		return 1
	}
	step := (n + chunks - 1) / chunks
	return (n + step - 1) / step // rounding step up can leave fewer, never empty, chunks
}

// For calls fn on disjoint chunks [lo, hi) covering [0, n), each at least
// grain long (except possibly the last), using the caller and up to
// Threads()-1 free workers. The caller works on chunks too; For returns when
// every chunk is done. When no worker is free (as for nested calls from
// inside fn while every thread is busy) it calls fn(0, n) directly, so
// kernels may call For freely.
func For(n, grain int, fn func(lo, hi int)) {
	chunks := Chunks(n, grain)
	if chunks == 0 {
		return
	}
	if chunks == 1 {
		fn(0, n)
		return
	}
	step := (n + chunks - 1) / chunks
	c := &call{fn: fn, n: n, step: step, chunks: int32(chunks), done: make(chan struct{})}
	c.unfinished.Store(int32(chunks))
	for h := 1; h < chunks; h++ {
		select {
		case queue <- c:
		default: // queue full: never block, so no cycle of senders can deadlock
		}
	}
	c.work()
	for { // help others' calls (queued entries) until our last chunk is done
		select {
		case <-c.done:
			return
		case other := <-queue:
			help(other)
		}
	}
}
