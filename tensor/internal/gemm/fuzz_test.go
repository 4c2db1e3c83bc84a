package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// FuzzSgemm checks products of fuzzer-chosen small shapes, layouts, scalars
// and block sizes against the definition, and checks that invalid
// arguments panic in the caller instead of corrupting memory.
func FuzzSgemm(f *testing.F) {
	f.Add(uint8(3), uint8(5), uint8(7), uint8(0), uint8(1), uint8(2), int8(4), int8(-2), uint64(1))
	f.Add(uint8(13), uint8(33), uint8(17), uint8(3), uint8(0), uint8(0), int8(1), int8(0), uint64(2))
	f.Add(uint8(1), uint8(70), uint8(40), uint8(1), uint8(3), uint8(1), int8(-8), int8(8), uint64(3))
	f.Add(uint8(0), uint8(4), uint8(4), uint8(2), uint8(0), uint8(0), int8(1), int8(1), uint64(4))
	f.Fuzz(func(t *testing.T, mb, nb, kb, flags, pad, blk uint8, alpha8, beta8 int8, seed uint64) {
		m, n, k := int(mb%48), int(nb%80), int(kb%64)
		ta, tb := flags&1 != 0, flags&2 != 0
		alpha, beta := float64(alpha8)/4, float64(beta8)/4
		lda, ldb, ldc := k+int(pad%3), n+int(pad/3%3), n+int(pad/9%3)
		rowsA, rowsB := m, k
		if ta {
			lda, rowsA = m+int(pad%3), k
		}
		if tb {
			ldb, rowsB = k+int(pad/3%3), n
		}
		rng := rand.New(rand.NewPCG(seed, 5))
		a64, b64, c64 := randSlice(rng, rowsA*lda), randSlice(rng, rowsB*ldb), randSlice(rng, m*ldc)
		want := append([]float64(nil), c64...)
		naive(ta, tb, m, n, k, alpha, a64, lda, b64, ldb, beta, want, ldc)
		a, b, c := to32(a64), to32(b64), to32(c64)
		bl := []blocking{
			{kc: 8, mc: sKernel.mr, nc: sKernel.nr},
			{kc: 16, mc: 2 * sKernel.mr, nc: 2 * sKernel.nr, aInner: true},
			blockSizes(sKernel.mr, sKernel.nr, 4, defaultTestCaches()),
		}[int(blk)%3]
		var pool jobPool[float32]
		run(&pool, sKernel, bl, 1+int(blk)%3, ta, tb, m, n, k, float32(alpha), a, lda, b, ldb, float32(beta), c, ldc)
		for i := range m {
			for j := range n {
				w := want[i*ldc+j]
				if d := math.Abs(float64(c[i*ldc+j]) - w); !(d <= 1e-5*(1+math.Abs(w))*math.Sqrt(float64(k+1))*(1+math.Abs(alpha))) {
					t.Fatalf("m=%d n=%d k=%d trans=%v,%v alpha=%v beta=%v blocks=%+v: C[%d,%d]=%v want %v", m, n, k, ta, tb, alpha, beta, bl, i, j, c[i*ldc+j], w)
				}
			}
		}
		// A slice one element short must panic in Sgemm.
		if m > 0 && n > 0 && k > 0 {
			func() {
				defer func() {
					if recover() == nil {
						t.Fatalf("no panic for an A slice one element short (m=%d n=%d k=%d)", m, n, k)
					}
				}()
				Sgemm(ta, tb, m, n, k, 1, a[:len(a)-1-(lda-func() int {
					if ta {
						return m
					}
					return k
				}())], lda, b, ldb, 0, c, ldc)
			}()
		}
	})
}
