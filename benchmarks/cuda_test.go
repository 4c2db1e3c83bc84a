package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"testing"
	"time"

	"github.com/goformer/goformer/cuda"
	"github.com/goformer/goformer/tensor"
)

// The GPU benchmarks run tensor ops on cuda.Device(0) and time them with
// CUDA events (GPU time, not host time); they skip without a GPU. Run them
// on a GPU machine with
//
//	go test -c -tags goformer_noemu -o .gpu/bench.test ./benchmarks
//	cd benchmarks && ../.gpu/bench.test -test.run '^$' -test.bench CUDA -test.benchtime 20x

// cudaGPU returns GPU 0 or skips the benchmark.
func cudaGPU(b *testing.B) *cuda.GPU {
	b.Helper()
	g, err := cuda.Open(0)
	if err != nil {
		b.Skipf("no GPU: %v", err)
	}
	return g
}

// cudaTime runs op b.N times between two events and returns the GPU time
// per run; one warm-up run comes first (module load, allocator warm-up).
func cudaTime(b *testing.B, g *cuda.GPU, op func()) time.Duration {
	b.Helper()
	op()
	if err := g.Synchronize(); err != nil {
		b.Fatal(err)
	}
	start, err := g.NewEvent()
	if err != nil {
		b.Fatal(err)
	}
	end, _ := g.NewEvent()
	defer start.Destroy()
	defer end.Destroy()
	b.ResetTimer()
	if err := start.Record(); err != nil {
		b.Fatal(err)
	}
	for range b.N {
		op()
	}
	if err := end.Record(); err != nil {
		b.Fatal(err)
	}
	d, err := end.Since(start)
	if err != nil {
		b.Fatal(err)
	}
	b.StopTimer()
	per := d / time.Duration(b.N)
	b.ReportMetric(float64(per.Nanoseconds()), "gpu-ns/op")
	return per
}

func cudaRand(dev tensor.Device, seed uint64, shape ...int) *tensor.Tensor {
	rng := rand.New(rand.NewPCG(seed, seed+1))
	return tensor.RandN(rng, shape...).To(dev)
}

// BenchmarkCUDASgemm: C = A·B in float32, square and transformer shapes
// (GPT-2 small: d=768, MLP 3072, 12 heads of 64, sequence 1024).
func BenchmarkCUDASgemm(b *testing.B) {
	shapes := []struct {
		name           string
		batch, m, n, k int
		transB         bool
	}{
		{"1024", 1, 1024, 1024, 1024, false},
		{"2048", 1, 2048, 2048, 2048, false},
		{"4096", 1, 4096, 4096, 4096, false},
		{"qkv_8192x2304x768", 1, 8192, 2304, 768, true},
		{"mlp_8192x3072x768", 1, 8192, 3072, 768, true},
		{"mlp_back_768x3072x8192", 1, 768, 3072, 8192, false},
		{"attention_96x1024x1024x64", 96, 1024, 1024, 64, true},
	}
	for _, s := range shapes {
		b.Run(s.name, func(b *testing.B) {
			g := cudaGPU(b)
			dev := cuda.Device(g.Ordinal())
			a := cudaRand(dev, 1, s.batch, s.m, s.k)
			var w *tensor.Tensor
			if s.transB {
				w = cudaRand(dev, 2, s.batch, s.n, s.k).Transpose(1, 2)
			} else {
				w = cudaRand(dev, 2, s.batch, s.k, s.n)
			}
			per := cudaTime(b, g, func() { a.MatMul(w) })
			flops := 2 * float64(s.batch) * float64(s.m) * float64(s.n) * float64(s.k)
			b.ReportMetric(flops/per.Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkCUDASoftmax: softmax over rows; GB/s counts one read and one
// write of the tensor.
func BenchmarkCUDASoftmax(b *testing.B) {
	for _, s := range [][2]int{{8192, 1024}, {1024, 50257}} {
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			g := cudaGPU(b)
			x := cudaRand(cuda.Device(g.Ordinal()), 3, s[0], s[1])
			per := cudaTime(b, g, func() { x.Softmax(-1) })
			b.ReportMetric(2*4*float64(s[0]*s[1])/per.Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkCUDALayerNorm: LayerNorm over rows of 768 (and the statistics);
// GB/s counts one read and one write of the tensor.
func BenchmarkCUDALayerNorm(b *testing.B) {
	for _, s := range [][2]int{{8192, 768}, {32768, 1024}} {
		b.Run(fmt.Sprintf("%dx%d", s[0], s[1]), func(b *testing.B) {
			g := cudaGPU(b)
			dev := cuda.Device(g.Ordinal())
			x := cudaRand(dev, 4, s[0], s[1])
			w, bias := cudaRand(dev, 5, s[1]), cudaRand(dev, 6, s[1])
			per := cudaTime(b, g, func() { tensor.LayerNorm(x, w, bias, 1e-5) })
			b.ReportMetric(2*4*float64(s[0]*s[1])/per.Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkCUDAElementwise: GELU (tanh) and a broadcast add; GB/s counts
// the bytes read and written.
func BenchmarkCUDAElementwise(b *testing.B) {
	const rows, cols = 8192, 3072
	b.Run("GELUTanh", func(b *testing.B) {
		g := cudaGPU(b)
		x := cudaRand(cuda.Device(g.Ordinal()), 7, rows, cols)
		per := cudaTime(b, g, func() { x.GELUTanh() })
		b.ReportMetric(2*4*float64(rows*cols)/per.Seconds()/1e9, "GB/s")
	})
	b.Run("AddBias", func(b *testing.B) {
		g := cudaGPU(b)
		dev := cuda.Device(g.Ordinal())
		x, bias := cudaRand(dev, 8, rows, cols), cudaRand(dev, 9, cols)
		per := cudaTime(b, g, func() { x.Add(bias) })
		b.ReportMetric(2*4*float64(rows*cols)/per.Seconds()/1e9, "GB/s")
	})
}
