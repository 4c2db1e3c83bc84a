//go:build amd64 && !purego

package gemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/internal/cpu"
	"github.com/goformer/goformer/internal/parallel"
)

// runXW computes x·Wᵀ as (W·xᵀ)ᵀ: it must match the definition, and
// the packed product run computes, bit for bit when alpha is 1.
func TestXWMatchesTheDefinitionAndRun(t *testing.T) {
	if !cpu.Supports(cpu.AVX512) {
		t.Skip("needs AVX-512")
	}
	k := sAVX512
	rng := rand.New(rand.NewPCG(31, 32))
	small := blocking{kc: 16, mc: 2 * k.mr, nc: 2 * k.nr}
	var pool jobPool[float32]
	for _, s := range [][3]int{{1, 1, 1}, {17, 8, 5}, {32, 8, 16}, {33, 9, 17}, {40, 100, 70}, {100, 61, 33}, {64, 300, 200}} {
		m, n, kk := s[0], s[1], s[2]
		for _, bl := range []blocking{small, blockSizes(k.mr, k.nr, 4, cpu.Caches())} {
			for _, w := range []int{1, 2, 3} {
				for _, ab := range [][2]float64{{1, 0}, {1, 0.5}, {-0.5, 1}, {2, -0.25}} {
					lda, ldb, ldc := kk+3, kk+2, n+2
					a64, b64, c64 := randSlice(rng, m*lda), randSlice(rng, n*ldb), randSlice(rng, m*ldc)
					want := append([]float64(nil), c64...)
					naive(false, true, m, n, kk, ab[0], a64, lda, b64, ldb, ab[1], want, ldc)
					a, b, c := to32(a64), to32(b64), to32(c64)
					if ab[1] == 0 {
						for i := range c {
							c[i] = float32(math.NaN())
						}
					}
					ref := append([]float32(nil), c...)
					runXW(k, bl, w, m, n, kk, float32(ab[0]), a, lda, b, ldb, float32(ab[1]), c, ldc)
					run(&pool, k, bl, w, false, true, m, n, kk, float32(ab[0]), a, lda, b, ldb, float32(ab[1]), ref, ldc)
					tol := 1e-5 * math.Sqrt(float64(kk+1))
					for i := range m {
						for j := range ldc {
							got := c[i*ldc+j]
							if j >= n {
								if ab[1] != 0 && got != float32(c64[i*ldc+j]) {
									t.Fatalf("m=%d n=%d k=%d: C[%d,%d] past the last column was written", m, n, kk, i, j)
								}
								continue
							}
							wv := want[i*ldc+j]
							if !(math.Abs(float64(got)-wv) <= tol*(1+math.Abs(wv))) {
								t.Fatalf("m=%d n=%d k=%d blocks=%+v workers=%d alpha,beta=%v: C[%d,%d]=%v want %v", m, n, kk, bl, w, ab, i, j, got, wv)
							}
							if ab[0] == 1 && math.Float32bits(got) != math.Float32bits(ref[i*ldc+j]) {
								t.Fatalf("m=%d n=%d k=%d blocks=%+v workers=%d alpha,beta=%v: C[%d,%d]=%v, run gives %v", m, n, kk, bl, w, ab, i, j, got, ref[i*ldc+j])
							}
						}
					}
				}
			}
		}
	}
}

// BenchmarkPrefillPaths compares, in one binary, the packed product and
// the swapped one (runXW) on the x·Wᵀ products of a GPT-2-small prefill of
// 32 to 512 tokens, including the LM head, by CPU time per call with the
// paths alternating (abCPU):
//
//	GOFORMER_THREADS=1 go test -run XXX -bench PrefillPaths -benchtime 1x ./tensor/internal/gemm/
func BenchmarkPrefillPaths(b *testing.B) {
	if !cpu.Supports(cpu.AVX512) {
		b.Skip("needs AVX-512")
	}
	for _, s := range [][3]int{{32, 2304, 768}, {128, 2304, 768}, {128, 768, 768}, {128, 3072, 768}, {128, 768, 3072}, {128, 50257, 768}, {256, 2304, 768}, {512, 2304, 768}, {512, 768, 3072}} {
		m, n, kk := s[0], s[1], s[2]
		rng := rand.New(rand.NewPCG(1, 1))
		x := to32(randSlice(rng, m*kk))
		w := to32(randSlice(rng, n*kk))
		c := make([]float32, m*n)
		b.Run(fmt.Sprintf("m=%d,n=%d,k=%d", m, n, kk), func(b *testing.B) {
			abCPU(b, []string{"packed", "xw"}, func(path string) {
				if path == "xw" {
					runXW(sAVX512, sBlock, parallel.Workers(), m, n, kk, 1, x, kk, w, kk, 0, c, n)
				} else {
					run(&sJobs, sAVX512, sBlock, parallel.Workers(), false, true, m, n, kk, 1, x, kk, w, kk, 0, c, n)
				}
			}, func(path string, sec float64) {
				b.ReportMetric(2*float64(m*n*kk)/sec/1e9, path+"-GFLOP/s")
			})
		})
	}
}
