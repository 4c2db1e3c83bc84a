package tensor

import (
	"strings"
	"testing"
)

func TestCPUKernelsNameTheActiveLevel(t *testing.T) {
	level, note := CPUKernels()
	switch level {
	case "avx512", "avx2", "neon", "purego":
	default:
		t.Fatalf("level %q is not a GOFORMER_CPU name", level)
	}
	if !strings.Contains(note, level) {
		t.Errorf("note %q does not name the level %q", note, level)
	}
}
