package parallel

import (
	"runtime"
	"sync/atomic"
)

// spinChecks is how many times WaitAtLeast checks before it starts to
// yield: a few microseconds, the usual wait for a chunk another worker is
// finishing on a quiet machine.
const spinChecks = 2000

// WaitAtLeast returns once v holds at least want. It checks in a tight
// loop for a few microseconds, then yields the processor to the operating
// system between checks: when cores are shared with other processes, the
// worker being waited for may need this very CPU to finish (runtime.Gosched
// alone would keep it). Use it only to wait for work that another worker
// has claimed and is running.
func WaitAtLeast(v *atomic.Int32, want int32) {
	for i := 0; v.Load() < want; i++ {
		if i >= spinChecks {
			osYield()
			if i%64 == 0 {
				runtime.Gosched()
			}
		}
	}
}
