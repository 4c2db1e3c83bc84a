package vec

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// rowShapes are the activation shapes of the CPU benchmark suite: 1024
// and 8192 tokens of a 768-wide model.
var rowShapes = [][2]int{{1024, 768}, {8192, 768}}

// benchRows runs fn on a rows×cols input and reports GB/s counting the
// bytes the kernel must read and write (bytesPerElem per element).
func benchRows(b *testing.B, bytesPerElem int, fn func(x, y []float32, cols int)) {
	for _, s := range rowShapes {
		rows, cols := s[0], s[1]
		b.Run(fmt.Sprintf("%dx%d", rows, cols), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 1))
			x := randRows(rng, rows*cols, 3)
			y := make([]float32, len(x))
			fn(x, y, cols)
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				fn(x, y, cols)
			}
			b.ReportMetric(float64(bytesPerElem*rows*cols)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
		})
	}
}

// BenchmarkSoftmax: one read and one write per element.
func BenchmarkSoftmax(b *testing.B) {
	benchRows(b, 8, func(x, y []float32, cols int) { Softmax(y, x, cols) })
}

// BenchmarkLayerNorm: forward with gamma and beta, saving mean and rstd.
func BenchmarkLayerNorm(b *testing.B) {
	gamma, beta := make([]float32, 768), make([]float32, 768)
	for i := range gamma {
		gamma[i], beta[i] = 1+float32(i)/768, float32(i)/768
	}
	var mean, rstd []float32
	benchRows(b, 8, func(x, y []float32, cols int) {
		rows := len(x) / cols
		if len(mean) != rows {
			mean, rstd = make([]float32, rows), make([]float32, rows)
		}
		LayerNorm(y, x, gamma, beta, cols, 1e-5, mean, rstd)
	})
}

// BenchmarkLayerNormBackward: reads dy and x, writes dx.
func BenchmarkLayerNormBackward(b *testing.B) {
	gamma := make([]float32, 768)
	for i := range gamma {
		gamma[i] = 1 + float32(i)/768
	}
	dg, db := make([]float32, 768), make([]float32, 768)
	var mean, rstd, dy []float32
	benchRows(b, 12, func(x, y []float32, cols int) {
		rows := len(x) / cols
		if len(mean) != rows {
			mean, rstd = make([]float32, rows), make([]float32, rows)
			dy = append([]float32(nil), x...)
			LayerNorm(y, x, gamma, nil, cols, 1e-5, mean, rstd)
		}
		LayerNormBackward(y, dg, db, dy, x, gamma, mean, rstd, cols)
	})
}

// BenchmarkGELU: the exact (erf) form, as PyTorch's default.
func BenchmarkGELU(b *testing.B) {
	benchRows(b, 8, func(x, y []float32, cols int) { GELU(y, x) })
}

// BenchmarkGELUTanh: the tanh approximation (GPT-2).
func BenchmarkGELUTanh(b *testing.B) {
	benchRows(b, 8, func(x, y []float32, cols int) { GELUTanh(y, x) })
}

// BenchmarkAdamW: a step over 8M parameters (reads p, g, m, v; writes p,
// m, v).
func BenchmarkAdamW(b *testing.B) {
	n := 8 << 20
	p, g, m, v := make([]float32, n), make([]float32, n), make([]float32, n), make([]float32, n)
	h := AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	h.Update(1, p, g, m, v)
	b.ReportAllocs()
	b.ResetTimer()
	for i := range b.N {
		h.Update(i+2, p, g, m, v)
	}
	b.ReportMetric(float64(28*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}
