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
	sAVX512 = &kernel[float32]{name: "avx512-8x32", mr: 8, nr: 32, p: sgemmAVX512_8x32Pb, r: sgemmAVX512_8x32Rb, rt: sgemmAVX512_8x32Rbt,
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

// The few-row kernels (small.go) of each level.
var (
	sDotsAVX512 = &dotSet{name: "avx512-dot",
		nr:    [5]int{0, 8, 8, 8, 6},
		block: [5]dotFunc{nil, sdotAVX512_1x8, sdotAVX512_2x8, sdotAVX512_3x8, sdotAVX512_4x6},
		edge:  [5]dotFunc{nil, sdotAVX512_1x1, sdotAVX512_2x1, sdotAVX512_3x1, sdotAVX512_4x1}}
	sDotsAVX2 = &dotSet{name: "avx2-dot",
		nr:    [5]int{0, 8, 4, 3, 2},
		block: [5]dotFunc{nil, sdotAVX2_1x8, sdotAVX2_2x4, sdotAVX2_3x3, sdotAVX2_4x2},
		edge:  [5]dotFunc{nil, sdotAVX2_1x1, sdotAVX2_2x1, sdotAVX2_3x1, sdotAVX2_4x1}}
)

// dotsFor returns the few-row kernels of a level.
func dotsFor(l cpu.Level) *dotSet {
	switch l {
	case cpu.AVX512:
		return sDotsAVX512
	case cpu.AVX2:
		return sDotsAVX2
	}
	return goDots()
}
