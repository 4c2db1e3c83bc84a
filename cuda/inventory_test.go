package cuda

import (
	"testing"
	"time"
)

// TestEveryKernelLoadsOnTheGPU compiles every module for the device (the
// driver's JIT) and logs each kernel's registers and spills: the first
// thing to read in a GPU check's log. It needs a GPU.
func TestEveryKernelLoadsOnTheGPU(t *testing.T) {
	if testMode == "emu" {
		t.Skip("GOFORMER_CUDA_TEST=emu")
	}
	g, err := Open(0)
	if err != nil {
		t.Skipf("no GPU: %v", err)
	}
	v, _ := DriverVersion()
	t.Logf("%v; driver CUDA %d.%d", g.Properties(), v/1000, v%1000/10)
	start := time.Now()
	infos, err := g.Kernels()
	t.Logf("loaded %d kernels in %v", len(infos), time.Since(start).Round(time.Millisecond))
	for _, k := range infos {
		t.Logf("%-28s %-6s sm_%d regs %3d spill %4d B shared %6d B max threads %d",
			k.Name, k.Arch, k.BinaryVersion, k.Registers, k.LocalBytes, k.SharedBytes, k.MaxThreads)
		if k.MaxThreads < 256 {
			t.Errorf("%s can launch only %d threads a block; the launch code uses 256", k.Name, k.MaxThreads)
		}
	}
	if err != nil {
		t.Fatal(err)
	}
}
