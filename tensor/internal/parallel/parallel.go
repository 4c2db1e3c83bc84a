// Package parallel runs loops across goformer's shared pool of worker
// goroutines, one per CPU, so that kernels split large work over every core
// without starting a goroutine per call.
//
// For(n, grain, body) cuts [0, n) into chunks of at least grain iterations
// and runs body on them concurrently; the calling goroutine takes chunks
// too, so nested calls never deadlock. Small loops (n <= grain, or a pool of
// one worker) run inline with no synchronisation at all.
//
// The pool size is runtime.GOMAXPROCS(0) at start-up, or the value of the
// GOFORMER_THREADS environment variable when it is a positive integer.
package parallel

import (
	"os"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
)

var (
	workers = initialWorkers()
	queue   chan *job
	start   sync.Once
)

func initialWorkers() int {
	if s := os.Getenv("GOFORMER_THREADS"); s != "" {
		if n, err := strconv.Atoi(s); err == nil && n > 0 {
			return n
		}
	}
	return runtime.GOMAXPROCS(0)
}

// Workers reports how many goroutines (the caller included) share a loop.
func Workers() int { return workers }

// SetWorkers changes the number of goroutines that share a loop and returns
// the previous value. It is meant for benchmarks that compare thread counts;
// n < 1 is treated as 1. It must not be called while loops are running.
func SetWorkers(n int) int {
	if n < 1 {
		n = 1
	}
	old := workers
	workers = n
	return old
}

type job struct {
	body   func(lo, hi int)
	n      int
	chunk  int
	chunks int64
	next   atomic.Int64
	done   sync.WaitGroup // one count per chunk
	users  atomic.Int32   // helper goroutines that may still hold the job
}

var jobs = sync.Pool{New: func() any { return new(job) }}

// run claims and runs chunks until none are left.
func (j *job) run() {
	for {
		i := j.next.Add(1) - 1
		if i >= j.chunks {
			return
		}
		lo := int(i) * j.chunk
		hi := min(lo+j.chunk, j.n)
		j.body(lo, hi)
		j.done.Done()
	}
}

func helper() {
	for j := range queue {
		j.run()
		j.users.Add(-1)
	}
}

func startPool() {
	// The queue is sized so that non-blocking sends almost always succeed;
	// when it is full the caller simply runs more chunks itself.
	n := max(runtime.NumCPU(), workers, 1)
	queue = make(chan *job, 4*n)
	for range n {
		go helper()
	}
}

// For runs body over [0, n) split into contiguous chunks of at least grain
// iterations (grain < 1 counts as 1). Chunks run concurrently on the shared
// pool; For returns when all have finished. body must be safe to call from
// several goroutines at once on disjoint ranges.
func For(n, grain int, body func(lo, hi int)) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	w := workers
	if w <= 1 || n <= grain {
		body(0, n)
		return
	}
	start.Do(startPool)
	// Up to 4 chunks per worker balance uneven chunk costs.
	chunks := min((n+grain-1)/grain, 4*w)
	chunk := (n + chunks - 1) / chunks
	chunks = (n + chunk - 1) / chunk

	j := jobs.Get().(*job)
	j.body, j.n, j.chunk, j.chunks = body, n, chunk, int64(chunks)
	j.next.Store(0)
	j.done.Add(chunks)
	for range min(w-1, chunks-1) {
		j.users.Add(1)
		select {
		case queue <- j:
		default:
			j.users.Add(-1)
		}
	}
	j.run()
	j.done.Wait()
	// Every chunk has run, but copies of j may still wait in the queue while
	// every helper is busy (nested loops). Drain the queue here, running
	// whatever is found, until no helper holds j; then j can be reused.
	for j.users.Load() > 0 {
		select {
		case other := <-queue:
			other.run()
			other.users.Add(-1)
		default:
			runtime.Gosched()
		}
	}
	j.body = nil
	jobs.Put(j)
}
