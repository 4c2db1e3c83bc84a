package tensor

import cpuinfo "github.com/goformer/goformer/internal/cpu"

// CPUKernels names the instruction set the CPU kernels use ("avx512",
// "avx2", "neon" or "purego"), chosen at start-up from the CPU and the
// GOFORMER_CPU environment variable, and says why it was chosen.
func CPUKernels() (level, note string) {
	return cpuinfo.Active.String(), cpuinfo.Note()
}
