// Package allocbytes measures how many bytes of heap a piece of code
// allocates per call, for tests that bound the steady-state allocation of
// a loop (testing.AllocsPerRun counts allocations, not bytes).
package allocbytes

import (
	"math"
	"runtime"
)

// PerCall runs f n times in each of rounds rounds and returns the fewest
// bytes allocated per call over the rounds: allocations of the runtime or
// of code running at the same time fall on some rounds, not all. It reads
// runtime.MemStats, which stops the world, twice per round.
func PerCall(rounds, n int, f func()) float64 {
	least := math.Inf(1)
	for range max(rounds, 1) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range n {
			f()
		}
		runtime.ReadMemStats(&after)
		least = min(least, float64(after.TotalAlloc-before.TotalAlloc)/float64(max(n, 1)))
	}
	return least
}
