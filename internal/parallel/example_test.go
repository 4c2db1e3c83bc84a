package parallel_test

import (
	"fmt"
	"sync/atomic"

	"github.com/goformer/goformer/internal/parallel"
)

func ExampleFor() {
	squares := make([]int, 10)
	parallel.For(len(squares), 2, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			squares[i] = i * i
		}
	})
	fmt.Println(squares)
	// Output: [0 1 4 9 16 25 36 49 64 81]
}

// counter is a Task: each worker claims items from a shared counter, so
// one worker alone can finish the work.
type counter struct {
	next, done atomic.Int64
}

func (c *counter) Run(worker int) {
	for c.next.Add(1) <= 100 {
		c.done.Add(1)
	}
}

func ExampleRun() {
	var c counter
	parallel.Run(parallel.Workers(), &c)
	fmt.Println(c.done.Load())
	// Output: 100
}
