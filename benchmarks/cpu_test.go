package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// The CPU benchmarks time what a user of the tensor API gets for the
// kernels of internal/vec and tensor/internal/gemm (SGEMM, softmax, layer norm, GELU), on
// float32 tensors with every worker (GOFORMER_THREADS=1 for one thread).
// The same names, at the kernel level without the tensor layer, are in
// tensor/internal/gemm and internal/vec; benchmarks/reference/
// cpu_numpy.py and cpu_torch.py time numpy/OpenBLAS and PyTorch on the same
// shapes, and cpu_compare.py runs all sides alternately (see
// benchmarks/results/cpu.md).

func cpuRandN(seed uint64, scale float64, shape ...int) *tensor.Tensor {
	t := tensor.RandN(rand.New(rand.NewPCG(seed, 11)), shape...)
	if scale != 1 {
		t = t.Mul(tensor.Scalar(scale))
	}
	return t
}

var cpuSgemmShapes = []struct {
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

// BenchmarkSgemm times a.MatMul(b) on float32 [m, k]·[k, n], in GFLOP/s.
// MatMul allocates its result; the kernel-level benchmark of the same name
// in tensor/internal/gemm writes into a preallocated C, like numpy's
// matmul(out=).
func BenchmarkSgemm(b *testing.B) {
	for _, s := range cpuSgemmShapes {
		b.Run(s.name, func(b *testing.B) {
			x, w := cpuRandN(1, 1, s.m, s.k), cpuRandN(2, 1, s.k, s.n)
			x.MatMul(w)
			b.ReportAllocs()
			for b.Loop() {
				x.MatMul(w)
			}
			b.ReportMetric(2*float64(s.m*s.n*s.k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// cpuRows runs fn on [rows, 768] activations, reporting GB/s for the 8
// bytes per element read and written.
func cpuRows(b *testing.B, fn func(x *tensor.Tensor)) {
	for _, rows := range []int{1024, 8192} {
		b.Run(fmt.Sprintf("%dx768", rows), func(b *testing.B) {
			x := cpuRandN(3, 3, rows, 768)
			fn(x)
			b.ReportAllocs()
			for b.Loop() {
				fn(x)
			}
			b.ReportMetric(float64(8*rows*768)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkSoftmax times x.Softmax(-1).
func BenchmarkSoftmax(b *testing.B) {
	cpuRows(b, func(x *tensor.Tensor) { x.Softmax(-1) })
}

// BenchmarkLayerNorm times tensor.LayerNorm with a weight and a bias.
func BenchmarkLayerNorm(b *testing.B) {
	w, bias := cpuRandN(4, 1, 768), cpuRandN(5, 1, 768)
	cpuRows(b, func(x *tensor.Tensor) { tensor.LayerNorm(x, w, bias, 1e-5) })
}

// BenchmarkGELU times x.GELU() (the exact, erf form).
func BenchmarkGELU(b *testing.B) {
	cpuRows(b, func(x *tensor.Tensor) { x.GELU() })
}
