package gemm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// sgemmShapes are the products of the CPU benchmark suite: square sizes
// and the matrix products of a BERT-base/GPT-2-small layer on 512 tokens
// (QKV projection, output projection, MLP up and down).
var sgemmShapes = []struct {
	name    string
	m, n, k int
}{
	{"n=256", 256, 256, 256},
	{"n=512", 512, 512, 512},
	{"n=1024", 1024, 1024, 1024},
	{"n=2048", 2048, 2048, 2048},
	{"m=512,k=768,n=768", 512, 768, 768},
	{"m=512,k=768,n=3072", 512, 3072, 768},
	{"m=512,k=3072,n=768", 512, 768, 3072},
	{"m=512,k=768,n=2304", 512, 2304, 768},
}

// BenchmarkSgemm measures C = A·B (row-major, no transposes, beta = 0) in
// GFLOP/s with every worker (GOFORMER_THREADS=1 for one thread). The same
// names are printed by benchmarks/reference/cpu_numpy.py.
func BenchmarkSgemm(b *testing.B) {
	for _, s := range sgemmShapes {
		b.Run(s.name, func(b *testing.B) { benchSgemm(b, false, false, s.m, s.n, s.k) })
	}
}

// BenchmarkSgemmTrans measures the transposed cases at one transformer
// shape: A·Bᵀ is a Linear layer with PyTorch-layout weights, Aᵀ·B its
// weight gradient.
func BenchmarkSgemmTrans(b *testing.B) {
	for _, tr := range [][2]bool{{false, true}, {true, false}, {true, true}} {
		b.Run(fmt.Sprintf("transA=%v,transB=%v", tr[0], tr[1]), func(b *testing.B) {
			benchSgemm(b, tr[0], tr[1], 512, 768, 768)
		})
	}
}

// BenchmarkSgemmBatch measures attention-sized batched products: 96
// products (batch 8 × 12 heads) of 128×64 by 64×128 (scores, B transposed)
// and 128×128 by 128×64 (context).
func BenchmarkSgemmBatch(b *testing.B) {
	for _, s := range []struct {
		name    string
		tb      bool
		m, n, k int
	}{{"scores", true, 128, 128, 64}, {"context", false, 128, 64, 128}} {
		b.Run(s.name, func(b *testing.B) {
			const count = 96
			rng := rand.New(rand.NewPCG(2, 2))
			a := to32(randSlice(rng, count*s.m*s.k))
			bb := to32(randSlice(rng, count*s.k*s.n))
			c := make([]float32, count*s.m*s.n)
			bt := Batch{Count: count, AOffsets: make([]int, count), BOffsets: make([]int, count), COffsets: make([]int, count)}
			for i := range count {
				bt.AOffsets[i], bt.BOffsets[i], bt.COffsets[i] = i*s.m*s.k, i*s.k*s.n, i*s.m*s.n
			}
			ldb := s.n
			if s.tb {
				ldb = s.k
			}
			SgemmBatch(false, s.tb, s.m, s.n, s.k, 1, a, s.k, bb, ldb, 0, c, s.n, bt)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				SgemmBatch(false, s.tb, s.m, s.n, s.k, 1, a, s.k, bb, ldb, 0, c, s.n, bt)
			}
			b.ReportMetric(2*float64(count*s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
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
