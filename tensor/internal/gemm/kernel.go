package gemm

import "unsafe"

// kernelFunc computes one mr×nr tile of C from packed panels:
//
//	C[i, j] = alpha·Σ_p A[i, p]·B[p, j] + beta·C[i, j]   (flags&1 != 0)
//	C[i, j] = alpha·Σ_p A[i, p]·B[p, j]                  (flags&1 == 0)
//
// for i < mr, j < nr, p < kc. B[p, j] is b[p·nr+j]. A[i, p] is a[p·mr+i]
// for a p-major kernel and a[i·rs+p] for a row kernel. C[i, j] is
// c[i·ldc+j].
type kernelFunc[T float32 | float64] func(kc int, a, b, c *T, ldc int, alpha, beta T, flags int, rs int)

// packFunc packs panels of B (or of A): see packB and packA for the
// layouts. It handles whole panels only; the driver pads the last one.
type packFunc[T float32 | float64] func(dst, src *T, kc, ld, panels int)

// kernel is one instruction set's micro-kernel and packing routines.
type kernel[T float32 | float64] struct {
	name   string
	mr, nr int
	p, r   kernelFunc[T] // A panel p-major (A transposed) or row by row (A not transposed)
	// rt is r storing the tile transposed (element (i, j) at c[j·ldc+i]),
	// or nil: with it, a product x·Wᵀ can run as Cᵀ = W·xᵀ, reading the
	// rows of W in place (see weights.go).
	rt kernelFunc[T]
	// Optional fast packers of whole nr-wide B panels from a row-major B
	// (packBN) and from a transposed B (packBT); nil means the Go code.
	// packBT handles kc rounded down to a multiple of btStep only.
	packBN, packBT packFunc[T]
	btStep         int
}

// kernelGo is the portable micro-kernel: a 4×4 register tile. A[i, p] is
// a[p·sp + i·si].
func kernelGo[T float32 | float64](kc int, a, b, c *T, ldc int, alpha, beta T, flags int, sp, si int) {
	const mr, nr = 4, 4
	var c00, c01, c02, c03, c10, c11, c12, c13, c20, c21, c22, c23, c30, c31, c32, c33 T
	if kc > 0 {
		as := unsafe.Slice(a, (kc-1)*sp+(mr-1)*si+1)
		bs := unsafe.Slice(b, kc*nr)
		for p := range kc {
			bp := bs[p*nr : p*nr+nr : p*nr+nr]
			b0, b1, b2, b3 := bp[0], bp[1], bp[2], bp[3]
			o := p * sp
			a0, a1, a2, a3 := as[o], as[o+si], as[o+2*si], as[o+3*si]
			c00 += a0 * b0
			c01 += a0 * b1
			c02 += a0 * b2
			c03 += a0 * b3
			c10 += a1 * b0
			c11 += a1 * b1
			c12 += a1 * b2
			c13 += a1 * b3
			c20 += a2 * b0
			c21 += a2 * b1
			c22 += a2 * b2
			c23 += a2 * b3
			c30 += a3 * b0
			c31 += a3 * b1
			c32 += a3 * b2
			c33 += a3 * b3
		}
	}
	cs := unsafe.Slice(c, 3*ldc+nr)
	rows := [mr][nr]T{{c00, c01, c02, c03}, {c10, c11, c12, c13}, {c20, c21, c22, c23}, {c30, c31, c32, c33}}
	for i := range mr {
		row := cs[i*ldc : i*ldc+nr : i*ldc+nr]
		for j := range nr {
			if flags&1 != 0 {
				row[j] = alpha*rows[i][j] + beta*row[j]
			} else {
				row[j] = alpha * rows[i][j]
			}
		}
	}
}

func kernelGoP[T float32 | float64](kc int, a, b, c *T, ldc int, alpha, beta T, flags int, rs int) {
	kernelGo(kc, a, b, c, ldc, alpha, beta, flags, 4, 1)
}

func kernelGoR[T float32 | float64](kc int, a, b, c *T, ldc int, alpha, beta T, flags int, rs int) {
	kernelGo(kc, a, b, c, ldc, alpha, beta, flags, 1, rs)
}

func goKernel[T float32 | float64]() *kernel[T] {
	return &kernel[T]{name: "go-4x4", mr: 4, nr: 4, p: kernelGoP[T], r: kernelGoR[T]}
}
