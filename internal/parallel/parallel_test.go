package parallel

import (
	"sync/atomic"
	"testing"
)

func TestForCoversEveryIndexOnce(t *testing.T) {
	for _, n := range []int{0, 1, 2, 7, 100, 1000, 12345} {
		for _, grain := range []int{0, 1, 3, 64, 5000} {
			hits := make([]atomic.Int32, n)
			For(n, grain, func(lo, hi int) {
				if lo < 0 || hi > n || lo >= hi {
					t.Errorf("n=%d grain=%d: bad chunk [%d,%d)", n, grain, lo, hi)
					return
				}
				for i := lo; i < hi; i++ {
					hits[i].Add(1)
				}
			})
			for i := range hits {
				if h := hits[i].Load(); h != 1 {
					t.Fatalf("n=%d grain=%d: index %d ran %d times", n, grain, i, h)
				}
			}
		}
	}
}

func TestNestedForDoesNotDeadlock(t *testing.T) {
	old := SetWorkers(4)
	defer SetWorkers(old)
	var total atomic.Int64
	For(64, 1, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			For(100, 1, func(lo, hi int) { total.Add(int64(hi - lo)) })
		}
	})
	if got := total.Load(); got != 64*100 {
		t.Fatalf("total = %d, want %d", got, 64*100)
	}
}

func TestSetWorkersClampsToOne(t *testing.T) {
	old := SetWorkers(0)
	defer SetWorkers(old)
	if Workers() != 1 {
		t.Fatalf("Workers() = %d after SetWorkers(0), want 1", Workers())
	}
	calls := 0
	For(10, 1, func(lo, hi int) { calls++ })
	if calls != 1 {
		t.Fatalf("with one worker For made %d calls, want 1 inline call", calls)
	}
}

// countTask records which worker indices joined and claims items from a
// shared counter, as Tasks must.
type countTask struct {
	items  int64
	next   atomic.Int64
	done   atomic.Int64
	seen   [64]atomic.Int32
	nested bool
}

func (c *countTask) Run(worker int) {
	c.seen[worker].Add(1)
	for c.next.Add(1) <= c.items {
		if c.nested {
			inner := &countTask{items: 10}
			Run(Workers(), inner)
			if inner.done.Load() != 10 {
				panic("nested Run returned before its work was done")
			}
		}
		c.done.Add(1)
	}
}

func TestRunGivesDistinctWorkerIndices(t *testing.T) {
	old := SetWorkers(4)
	defer SetWorkers(old)
	for _, n := range []int{0, 1, 2, 4, 9} {
		c := &countTask{items: 1000}
		Run(n, c)
		if got := c.done.Load(); got != 1000 {
			t.Fatalf("Run(%d): %d items done, want 1000", n, got)
		}
		if c.seen[0].Load() != 1 {
			t.Fatalf("Run(%d): the caller ran %d times, want once as worker 0", n, c.seen[0].Load())
		}
		for w := range c.seen {
			if s := c.seen[w].Load(); s > 1 || (s == 1 && w >= max(min(n, 4), 1)) {
				t.Fatalf("Run(%d): worker %d ran %d times", n, w, s)
			}
		}
	}
}

func TestNestedRunDoesNotDeadlock(t *testing.T) {
	old := SetWorkers(3)
	defer SetWorkers(old)
	for range 50 {
		c := &countTask{items: 40, nested: true}
		Run(3, c)
		if got := c.done.Load(); got != 40 {
			t.Fatalf("%d items done, want 40", got)
		}
	}
}

type sumRange struct{ hits []atomic.Int32 }

func (s *sumRange) RunRange(lo, hi int) {
	for i := lo; i < hi; i++ {
		s.hits[i].Add(1)
	}
}

func TestForRangeDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	old := SetWorkers(2)
	defer SetWorkers(old)
	s := &sumRange{hits: make([]atomic.Int32, 4096)}
	ForRange(4096, 16, s) // start the pool
	allocs := testing.AllocsPerRun(200, func() { ForRange(4096, 16, s) })
	if allocs > 0 {
		t.Fatalf("ForRange allocated %.1f times per call", allocs)
	}
	for i := range s.hits {
		if h := s.hits[i].Load(); h != 202 {
			t.Fatalf("index %d ran %d times, want 202", i, h)
		}
	}
}

func TestWaitAtLeastReturnsOnceAnotherWorkerIsDone(t *testing.T) {
	var v atomic.Int32
	done := make(chan struct{})
	go func() {
		WaitAtLeast(&v, 3)
		close(done)
	}()
	for range 3 {
		v.Add(1)
	}
	<-done
	WaitAtLeast(&v, 2) // already reached: returns at once
}

type nopTask struct{ seen [8]atomic.Int32 }

func (n *nopTask) Run(worker int) { n.seen[worker].Add(1) }

// BenchmarkRunHandOff measures one Run on two workers with almost no work:
// the cost of handing work to the pool and waiting for it.
func BenchmarkRunHandOff(b *testing.B) {
	old := SetWorkers(2)
	defer SetWorkers(old)
	var t nopTask
	for b.Loop() {
		Run(2, &t)
	}
	b.ReportMetric(float64(t.seen[1].Load())/float64(b.N), "helper-joins/op")
}

type spinTask struct {
	items   int64
	claimed atomic.Int64
	by      [8]atomic.Int64
	sink    atomic.Int64
}

func (s *spinTask) Run(worker int) {
	for s.claimed.Add(1) <= s.items {
		x := int64(0)
		for i := range 2000 { // about a microsecond
			x += int64(i) * x
		}
		s.sink.Add(x)
		s.by[worker].Add(1)
	}
}

// BenchmarkRunShortJobs runs back-to-back jobs of about 64 µs of work and
// reports the share done by the pool goroutine: how fast it joins.
func BenchmarkRunShortJobs(b *testing.B) {
	old := SetWorkers(2)
	defer SetWorkers(old)
	var helper, total int64
	for b.Loop() {
		t := &spinTask{items: 64}
		Run(2, t)
		helper += t.by[1].Load()
		total += 64
	}
	b.ReportMetric(float64(helper)/float64(total), "helper-share")
}
