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
