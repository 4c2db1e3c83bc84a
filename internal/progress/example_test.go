package progress_test

import (
	"fmt"
	"os"

	"github.com/goformer/goformer/internal/progress"
)

// A loop reports its progress; on a pipe or a file (as here) it prints
// plain lines, and on a terminal it draws a bar with the rate and ETA.
func Example() {
	p := progress.New(os.Stdout, progress.Options{Total: 3, Unit: "steps", Desc: "train", Mode: progress.Lines})
	for i := 0; i < 3; i++ {
		p.SetStatus(fmt.Sprintf("loss %.1f", 3-float64(i)))
		p.Add(1) // the first report prints at once, then at most every 10 s
	}
	p.Finish() // always ends with a line at 100 %
}
