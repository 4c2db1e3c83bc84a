//go:build amd64 && !purego

package gemm

import "github.com/goformer/goformer/internal/cpu"

// amd64 micro-kernels. The AVX-512 float32 kernel is 8×32: 16 zmm
// accumulators; each step loads two zmm of B and broadcasts each of the
// eight elements of A into a register that feeds two FMAs. On Zen 5 it
// runs at the FMA peak from L1 like the larger tiles, streams its A panel
// (8 rows) from L2 with fewer misses than 12 or 14 rows, and splits the
// usual row counts (multiples of 64) evenly between workers; see the kernel
// lab in kernel_lab_test.go for the shapes measured against it.
var (
	sAVX512 = &kernel[float32]{name: "avx512-8x32", mr: 8, nr: 32, p: sgemmAVX512_8x32Pb, r: sgemmAVX512_8x32Rb,
		packBN: spackBNAVX512_32, packBT: spackBTAVX512_32, btStep: 16}
	sAVX2 = &kernel[float32]{name: "avx2-6x16", mr: 6, nr: 16, p: sgemmAVX2_6x16P, r: sgemmAVX2_6x16R,
		packBN: spackBNAVX2_16, packBT: spackBTAVX2_16, btStep: 8}
	dAVX512 = &kernel[float64]{name: "avx512-12x16", mr: 12, nr: 16, p: dgemmAVX512_12x16Pb, r: dgemmAVX512_12x16Rb,
		packBN: dpackBNAVX512_16}
	dAVX2 = &kernel[float64]{name: "avx2-6x8", mr: 6, nr: 8, p: dgemmAVX2_6x8P, r: dgemmAVX2_6x8R,
		packBN: dpackBNAVX2_8}
)

// kernelsFor returns the micro-kernels of a level.
func kernelsFor(l cpu.Level) (*kernel[float32], *kernel[float64]) {
	switch l {
	case cpu.AVX512:
		return sAVX512, dAVX512
	case cpu.AVX2:
		return sAVX2, dAVX2
	}
	return goKernel[float32](), goKernel[float64]()
}
