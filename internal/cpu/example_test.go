package cpu_test

import (
	"fmt"

	"github.com/goformer/goformer/internal/cpu"
)

// The kernels bind to cpu.Active at start-up; GOFORMER_CPU=purego (or avx2)
// forces a lower level.
func Example() {
	fmt.Println(cpu.Supports(cpu.Active), cpu.Supports(cpu.Generic))
	c := cpu.Caches()
	fmt.Println(c.L1D > 0 && c.L2 >= c.L1D)
	// Output:
	// true true
	// true
}
