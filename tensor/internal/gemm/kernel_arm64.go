//go:build arm64 && !purego

package gemm

import "github.com/goformer/goformer/internal/cpu"

// arm64 micro-kernel: 8×8 with sixteen .4S accumulators and by-element
// FMLA, written by internal/_asm/neon.

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

// The few-row kernels (small.go), written by internal/_asm/neon.
//
//go:noescape
func sdotNEON_1x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func sdotNEON_2x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func sdotNEON_3x8(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func sdotNEON_4x6(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func sdotNEON_1x1(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func sdotNEON_2x1(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func sdotNEON_3x1(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

//go:noescape
func sdotNEON_4x1(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

var sDotsNEON = &dotSet{name: "neon-dot",
	nr:    [5]int{0, 8, 8, 8, 6},
	block: [5]dotFunc{nil, sdotNEON_1x8, sdotNEON_2x8, sdotNEON_3x8, sdotNEON_4x6},
	edge:  [5]dotFunc{nil, sdotNEON_1x1, sdotNEON_2x1, sdotNEON_3x1, sdotNEON_4x1}}

// dotsFor returns the few-row kernels of a level.
func dotsFor(l cpu.Level) *dotSet {
	if l == cpu.NEON {
		return sDotsNEON
	}
	return goDots()
}
