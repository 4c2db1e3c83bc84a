package cuda

import (
	"os"
	"sync"
	"testing"

	"github.com/goformer/goformer/cuda/internal/emu"
)

// The tests run every kernel on each "test GPU": the CPU emulator (when
// built in, which needs cgo) and every real GPU the driver reports.
// GOFORMER_CUDA_TEST=gpu keeps only real GPUs (the GPU check script sets
// it, so that device time is not spent emulating); =emu keeps only the
// emulator.
var testMode = os.Getenv("GOFORMER_CUDA_TEST")

var emulated struct {
	once sync.Once
	gpu  *GPU
}

func emulatedGPU() *GPU {
	emulated.once.Do(func() { emulated.gpu = newEmulatedGPU() })
	return emulated.gpu
}

// testGPUs returns the GPUs to test on, skipping the test when there are
// none, with the reason.
func testGPUs(t *testing.T) []*GPU {
	t.Helper()
	var gpus []*GPU
	if testMode != "gpu" && emu.Available {
		gpus = append(gpus, emulatedGPU())
	}
	var reason string
	if testMode != "emu" {
		if g, err := Open(0); err == nil {
			gpus = append(gpus, g)
		} else {
			reason = err.Error()
		}
	}
	if len(gpus) == 0 {
		if reason == "" {
			reason = "GOFORMER_CUDA_TEST=" + testMode
		}
		emuState := "not built in (it needs cgo)"
		if emu.Available {
			emuState = "turned off by GOFORMER_CUDA_TEST=gpu"
		}
		t.Skipf("no GPU (%s), and the kernel emulator is %s", reason, emuState)
	}
	return gpus
}

// forEachGPU runs f as a subtest on every test GPU.
func forEachGPU(t *testing.T, f func(t *testing.T, g *GPU)) {
	t.Helper()
	for _, g := range testGPUs(t) {
		name := "gpu"
		if g.Emulated() {
			name = "emulator"
		}
		t.Run(name, func(t *testing.T) { f(t, g) })
	}
}
