// Package parallel runs loops across goformer's shared pool of worker
// goroutines, one per CPU, so that kernels split large work over every core
// without starting a goroutine per call.
//
// For(n, grain, body) cuts [0, n) into chunks of at least grain iterations
// and runs body on them concurrently; the calling goroutine takes chunks
// too, so nested calls never deadlock. Small loops (n <= grain, or a pool of
// one worker) run inline with no synchronisation at all.
//
// Kernels that must not allocate use Run with a [Task] (a method on a
// pooled struct rather than a closure): Run calls the task on several
// goroutines at once, each with its own worker index, and the task claims
// its work items itself. ForRange is For for a [RangeTask].
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
	"time"
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

// A Task is work shared by several goroutines. Run calls Run(worker) once on
// each goroutine that joins, with distinct worker indices; index 0 is the
// caller of Run, which always joins. Pool goroutines that are busy may join
// late or not at all, so a Task must let any one goroutine finish all the
// work (claim work items from a shared atomic counter) and must never wait
// for another worker to start. It may wait for an item that another worker
// has claimed and is running.
type Task interface {
	Run(worker int)
}

// A RangeTask runs the iterations [lo, hi) of a loop; ForRange calls it on
// disjoint chunks from several goroutines at once.
type RangeTask interface {
	RunRange(lo, hi int)
}

// job is one call of Run as seen by the pool.
type job struct {
	task   Task
	ids    atomic.Int32 // next worker index to hand out
	n      int32        // worker indices available: [0, n)
	queued atomic.Int32 // copies of the job still in the queue

	mu      sync.Mutex
	cond    sync.Cond
	closed  bool         // no worker may join any more
	active  int          // pool goroutines inside task.Run
	running atomic.Int32 // active, readable without the lock
}

var jobs = sync.Pool{New: func() any {
	j := new(job)
	j.cond.L = &j.mu
	return j
}}

// join is called by a pool goroutine that took j from the queue: it runs
// the task unless the job has closed or every index is taken.
func (j *job) join() {
	j.mu.Lock()
	if j.closed {
		j.mu.Unlock()
		j.queued.Add(-1)
		return
	}
	id := j.ids.Add(1) - 1
	if id >= j.n {
		j.mu.Unlock()
		j.queued.Add(-1)
		return
	}
	j.active++
	j.running.Add(1)
	j.mu.Unlock()
	j.queued.Add(-1)

	j.task.Run(int(id))

	j.mu.Lock()
	j.active--
	j.running.Add(-1)
	if j.active == 0 && j.closed {
		j.cond.Signal()
	}
	j.mu.Unlock()
}

// helperPoll is how long a pool goroutine polls the queue after a job
// before it parks: waking a parked goroutine costs 20-30 µs here, a large
// part of a kernel that runs for 100 µs, and kernels come back to back.
const helperPoll = 50 * time.Microsecond

// helper is a pool goroutine.
func helper() {
	for {
		var j *job
		select {
		case j = <-queue:
		default:
			j = pollQueue()
		}
		j.join()
	}
}

// pollQueue polls the queue for helperPoll, yielding now and then, and then
// blocks on it.
func pollQueue() *job {
	deadline := time.Now().Add(helperPoll)
	for i := 0; ; i++ {
		select {
		case j := <-queue:
			return j
		default:
		}
		if i%32 == 31 {
			if time.Now().After(deadline) {
				return <-queue
			}
			if i%256 == 255 {
				osYield()
			}
		}
	}
}

func startPool() {
	// The queue is sized so that non-blocking sends almost always succeed;
	// when it is full the caller simply does more of the work itself.
	// One pool goroutine per CPU besides the caller's.
	n := max(runtime.NumCPU(), workers) - 1
	n = max(n, 1)
	queue = make(chan *job, 4*(n+1))
	for range n {
		go helper()
	}
}

// callerPolls bounds how long Run polls for the last pool goroutines to
// finish before it parks (waking a parked goroutine costs 20-30 µs here):
// about 50 µs, yielding the CPU to the operating system now and then.
const callerPolls = 1024

// Run calls t.Run on up to n goroutines at once (never more than
// Workers()): the caller with worker index 0 and idle pool goroutines with
// 1, 2, .... It returns when every call that started has returned, and no
// call starts after Run returns. With n <= 1 or a pool of one worker it is
// simply t.Run(0). Run itself does not allocate in steady state.
func Run(n int, t Task) {
	n = min(n, workers)
	if n <= 1 {
		t.Run(0)
		return
	}
	start.Do(startPool)
	j := jobs.Get().(*job)
	j.task, j.n, j.closed, j.active = t, int32(n), false, 0
	j.ids.Store(1)
	for range n - 1 {
		j.queued.Add(1)
		select {
		case queue <- j:
		default:
			j.queued.Add(-1)
		}
	}
	t.Run(0)

	j.mu.Lock()
	j.closed = true
	j.mu.Unlock()
	// Copies of j may still wait in the queue while every pool goroutine is
	// busy (nested loops): take them out here, and help with whatever other
	// work is found there, so that the queue cannot hold us up.
	for j.queued.Load() > 0 {
		select {
		case other := <-queue:
			other.join()
		default:
			runtime.Gosched()
		}
	}
	// What remains are pool goroutines inside t.Run; they need nothing from
	// this goroutine to finish. They usually finish within microseconds of
	// the caller: poll for a moment before parking.
	for i := 0; i < callerPolls && j.running.Load() > 0; i++ {
		if i%16 == 15 {
			osYield()
		}
	}
	j.mu.Lock()
	for j.active > 0 {
		j.cond.Wait()
	}
	j.mu.Unlock()
	j.task = nil
	jobs.Put(j)
}

// rangeJob runs a loop's chunks for For and ForRange.
type rangeJob struct {
	body   RangeTask
	n      int
	chunk  int
	chunks int64
	next   atomic.Int64
}

func (r *rangeJob) Run(int) {
	for {
		i := r.next.Add(1) - 1
		if i >= r.chunks {
			return
		}
		lo := int(i) * r.chunk
		r.body.RunRange(lo, min(lo+r.chunk, r.n))
	}
}

var rangeJobs = sync.Pool{New: func() any { return new(rangeJob) }}

// ForRange runs t.RunRange over [0, n) split into contiguous chunks of at
// least grain iterations (grain < 1 counts as 1). Chunks run concurrently
// on the shared pool; ForRange returns when all have finished. It does not
// allocate in steady state.
func ForRange(n, grain int, t RangeTask) {
	if n <= 0 {
		return
	}
	grain = max(grain, 1)
	w := workers
	if w <= 1 || n <= grain {
		t.RunRange(0, n)
		return
	}
	// Up to 4 chunks per worker balance uneven chunk costs.
	chunks := min((n+grain-1)/grain, 4*w)
	chunk := (n + chunks - 1) / chunks
	chunks = (n + chunk - 1) / chunk

	r := rangeJobs.Get().(*rangeJob)
	r.body, r.n, r.chunk, r.chunks = t, n, chunk, int64(chunks)
	r.next.Store(0)
	Run(min(w, chunks), r)
	r.body = nil
	rangeJobs.Put(r)
}

// rangeFunc adapts a plain function to RangeTask. A func value fits in an
// interface without allocation.
type rangeFunc func(lo, hi int)

func (f rangeFunc) RunRange(lo, hi int) { f(lo, hi) }

// For runs body over [0, n) split into contiguous chunks of at least grain
// iterations (grain < 1 counts as 1). Chunks run concurrently on the shared
// pool; For returns when all have finished. body must be safe to call from
// several goroutines at once on disjoint ranges. For itself does not
// allocate, but a closure that captures variables usually does: kernels on
// hot paths use ForRange or Run with a method value of a reused struct.
func For(n, grain int, body func(lo, hi int)) {
	ForRange(n, grain, rangeFunc(body))
}
