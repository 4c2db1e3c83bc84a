//go:build purego || !(amd64 || arm64)

package gemm

import "github.com/goformer/goformer/internal/cpu"

// kernelsFor returns the portable micro-kernels: this build has no others.
func kernelsFor(cpu.Level) (*kernel[float32], *kernel[float64]) {
	return goKernel[float32](), goKernel[float64]()
}

// dotsFor returns the portable few-row kernels.
func dotsFor(cpu.Level) *dotSet { return goDots() }
