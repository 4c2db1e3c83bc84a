//go:build arm64 && !purego

package gemm

import "github.com/goformer/goformer/internal/cpu"

// arm64 micro-kernel: 8×8 with sixteen .4S accumulators and by-element
// FMLA, written by tensor/internal/_asm/neon.

//go:noescape
func sgemmNEON_8x8P(kc int, a, b, c *float32, ldc int, alpha, beta float32, flags int, rs int)

//go:noescape
func sgemmNEON_8x8R(kc int, a, b, c *float32, ldc int, alpha, beta float32, flags int, rs int)

//go:noescape
func spackBNNEON_8(dst, src *float32, kc, ld, panels int)

var sNEON = &kernel[float32]{name: "neon-8x8", mr: 8, nr: 8, p: sgemmNEON_8x8P, r: sgemmNEON_8x8R, packBN: spackBNNEON_8}

// kernelsFor returns the micro-kernels of a level. float64 uses the
// portable kernel on arm64.
func kernelsFor(l cpu.Level) (*kernel[float32], *kernel[float64]) {
	if l == cpu.NEON {
		return sNEON, goKernel[float64]()
	}
	return goKernel[float32](), goKernel[float64]()
}
