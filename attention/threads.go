package attention

import (
	"os"
	"runtime"
	"strconv"
)

// threads is the number of goroutines a kernel of this package splits its
// work over: GOMAXPROCS, or GOFORMER_THREADS when it is a smaller positive
// integer (the variable that sizes package tensor's worker pool).
func threads() int {
	n := runtime.GOMAXPROCS(0)
	if v, err := strconv.Atoi(os.Getenv("GOFORMER_THREADS")); err == nil && v > 0 {
		n = min(n, v)
	}
	return n
}
