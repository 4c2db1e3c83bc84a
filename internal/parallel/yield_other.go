//go:build !linux

package parallel

import "runtime"

// osYield yields; without sched_yield the Go scheduler's yield is the best
// available.
func osYield() { runtime.Gosched() }
