//go:build amd64 && !purego

package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/internal/cpu"
)

// The kernel lab: every generated float32 micro-kernel shape, run through
// the same driver, so that the production choice (sAVX512) can be
// re-checked on a new machine with
//
//	go test -run XXX -bench KernelLab ./tensor/internal/gemm/
var labKernels = []*kernel[float32]{
	sAVX512,
	{name: "avx512-12x32-embedded", mr: 12, nr: 32, p: sgemmAVX512_12x32P, r: sgemmAVX512_12x32R,
		packBN: spackBNAVX512_32, packBT: spackBTAVX512_32, btStep: 16},
	{name: "avx512-12x32", mr: 12, nr: 32, p: sgemmAVX512_12x32Pb, r: sgemmAVX512_12x32Rb,
		packBN: spackBNAVX512_32, packBT: spackBTAVX512_32, btStep: 16},
	{name: "avx512-14x32", mr: 14, nr: 32, p: sgemmAVX512_14x32Pb, r: sgemmAVX512_14x32Rb,
		packBN: spackBNAVX512_32, packBT: spackBTAVX512_32, btStep: 16},
	{name: "avx512-6x64", mr: 6, nr: 64, p: sgemmAVX512_6x64Pb, r: sgemmAVX512_6x64Rb},
	{name: "avx512-8x48", mr: 8, nr: 48, p: sgemmAVX512_8x48Pb, r: sgemmAVX512_8x48Rb},
	sAVX2,
}

func TestLabKernelsMatchDefinition(t *testing.T) {
	for _, k := range labKernels {
		if k.nr >= 32 && !cpu.Supports(cpu.AVX512) || !cpu.Supports(cpu.AVX2) {
			continue
		}
		t.Run(k.name, func(t *testing.T) { checkKernel(t, k) })
	}
}

func BenchmarkKernelLab(b *testing.B) {
	if !cpu.Supports(cpu.AVX512) {
		b.Skip("needs AVX-512")
	}
	for _, threads := range []int{1, 2} {
		for _, shape := range [][3]int{{1024, 1024, 1024}, {512, 768, 768}} {
			for _, k := range labKernels {
				for _, ta := range []bool{false, true} {
					m, n, kk := shape[0], shape[1], shape[2]
					b.Run(fmt.Sprintf("t=%d/%dx%dx%d/transA=%v/%s", threads, m, n, kk, ta, k.name), func(b *testing.B) {
						var pool jobPool[float32]
						bl := blockSizes(k.mr, k.nr, 4, cpu.Caches())
						rng := rand.New(rand.NewPCG(1, 1))
						a := to32(randSlice(rng, m*kk))
						bb := to32(randSlice(rng, kk*n))
						c := make([]float32, m*n)
						lda := kk
						if ta {
							lda = m
						}
						b.ResetTimer()
						for range b.N {
							run(&pool, k, bl, threads, ta, false, m, n, kk, 1, a, lda, bb, n, 0, c, n)
						}
						b.ReportMetric(2*float64(m*n*kk)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
					})
				}
			}
		}
	}
}
