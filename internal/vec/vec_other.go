//go:build purego || !(amd64 || arm64)

package vec

import "github.com/goformer/goformer/internal/cpu"

func kernelsFor(cpu.Level) *kernels { return goKernels }
