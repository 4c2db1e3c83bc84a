package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor/internal/parallel"
)

func BenchmarkSgemmSquare(b *testing.B) {
	for _, threads := range []int{1, 2} {
		for _, n := range []int{256, 512, 1024, 2048} {
			b.Run(fmt.Sprintf("t=%d/n=%d", threads, n), func(b *testing.B) {
				old := parallel.SetWorkers(threads)
				defer parallel.SetWorkers(old)
				benchSgemm(b, false, false, n, n, n)
			})
		}
	}
}

func benchSgemm(b *testing.B, ta, tb bool, m, n, k int) {
	rng := rand.New(rand.NewPCG(1, 1))
	a := to32(randSlice(rng, m*k))
	bb := to32(randSlice(rng, k*n))
	c := make([]float32, m*n)
	lda, ldb := k, n
	if ta {
		lda = m
	}
	if tb {
		ldb = k
	}
	Sgemm(ta, tb, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	b.ReportAllocs()
	b.ResetTimer()
	for range b.N {
		Sgemm(ta, tb, m, n, k, 1, a, lda, bb, ldb, 0, c, n)
	}
	b.ReportMetric(2*float64(m)*float64(n)*float64(k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
