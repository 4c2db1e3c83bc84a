package benchmarks

import (
	"fmt"
	"math/rand/v2"
	"syscall"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// The tensor benchmarks time the ops of package tensor on float32 CPU
// tensors at transformer-like sizes. benchmarks/reference/tensor_ops.py
// times the same ops in PyTorch; tensor_compare.sh alternates the two.
//
// Each loop releases the op's result (Tensor.Release), as PyTorch frees a
// result whose last reference goes: the next call reuses its buffer from
// the cache, warm. The training loops open a tensor.Scope per step, and
// ZeroGrad recycles the gradients.

func tensorRandN(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(rand.New(rand.NewPCG(seed, 7)), shape...)
}

// tensorCPU returns the CPU time (user and system, all threads) of the
// process so far, in milliseconds. On a shared machine it measures the
// work an op costs better than wall time does.
func tensorCPU() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e6
}

// tensorCPUReport reports the CPU milliseconds per op since start.
func tensorCPUReport(b *testing.B, start float64) {
	b.ReportMetric((tensorCPU()-start)/float64(b.N), "cpu-ms/op")
}

// tensorBytes reports GB/s for an op that touches n float32 values.
func tensorBytes(b *testing.B, n int) {
	b.ReportMetric(float64(4*n)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GB/s")
}

func BenchmarkTensorAdd(b *testing.B) {
	x, y := tensorRandN(1, 1<<20), tensorRandN(2, 1<<20)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		x.Add(y).Release()
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 3<<20)
}

func BenchmarkTensorBiasAdd(b *testing.B) {
	x, bias := tensorRandN(1, 512, 1024), tensorRandN(2, 1024)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		x.Add(bias).Release()
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 2*512*1024)
}

func BenchmarkTensorGELU(b *testing.B) {
	x := tensorRandN(1, 1<<20)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		x.GELU().Release()
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 2<<20)
}

func BenchmarkTensorSoftmax(b *testing.B) {
	x := tensorRandN(1, 1024, 1024)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		x.Softmax(-1).Release()
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 2<<20)
}

func BenchmarkTensorLayerNorm(b *testing.B) {
	x, w, bias := tensorRandN(1, 4096, 768), tensorRandN(2, 768), tensorRandN(3, 768)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		tensor.LayerNorm(x, w, bias, 1e-5).Release()
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 2*4096*768)
}

func BenchmarkTensorLayerNormBackward(b *testing.B) {
	x := tensorRandN(1, 4096, 768).SetRequiresGrad(true)
	w, bias := tensorRandN(2, 768).SetRequiresGrad(true), tensorRandN(3, 768).SetRequiresGrad(true)
	g := tensorRandN(4, 4096, 768)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		x.ZeroGrad()
		w.ZeroGrad()
		bias.ZeroGrad()
		tensor.LayerNorm(x, w, bias, 1e-5).Backward(tensor.WithGrad(g))
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 5*4096*768) // forward reads x, writes y; backward reads x, dy, writes dx
}

func BenchmarkTensorSumRows(b *testing.B) {
	x := tensorRandN(1, 4096, 768)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		x.Sum(0).Release()
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 4096*768)
}

func BenchmarkTensorMatMul(b *testing.B) {
	for _, s := range [][3]int{{512, 512, 512}, {1024, 768, 3072}} {
		m, k, n := s[0], s[1], s[2]
		b.Run(fmt.Sprintf("%dx%dx%d", m, k, n), func(b *testing.B) {
			x, w := tensorRandN(1, m, k), tensorRandN(2, k, n)
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				x.MatMul(w).Release()
			}
			tensorCPUReport(b, cpu0)
			b.ReportMetric(2*float64(m*n*k)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
		})
	}
}

// BenchmarkTensorAttentionScores times q·kᵀ for 8×12 heads of 128×64: a
// batched product with a transposed operand (no copy).
func BenchmarkTensorAttentionScores(b *testing.B) {
	q, k := tensorRandN(1, 8, 12, 128, 64), tensorRandN(2, 8, 12, 128, 64)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		q.MatMul(k.T()).Release()
	}
	tensorCPUReport(b, cpu0)
	b.ReportMetric(2*float64(8*12*128*128*64)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}

func BenchmarkTensorCrossEntropy(b *testing.B) {
	logits := tensorRandN(1, 1024, 8192).SetRequiresGrad(true)
	ids := make([]int32, 1024)
	for i := range ids {
		ids[i] = int32(i * 7 % 8192)
	}
	t := tensor.FromSlice(ids)
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		logits.ZeroGrad()
		tensor.CrossEntropy(logits, t).Backward()
	}
	tensorCPUReport(b, cpu0)
	tensorBytes(b, 3*1024*8192)
}

// BenchmarkTensorMLPStep times one training step of a 784-512-512-10
// perceptron with LayerNorm and GELU on a batch of 256: forward,
// cross-entropy, backward and AdamW on every parameter.
func BenchmarkTensorMLPStep(b *testing.B) {
	x := tensorRandN(1, 256, 784)
	ids := make([]int32, 256)
	for i := range ids {
		ids[i] = int32(i % 10)
	}
	y := tensor.FromSlice(ids)
	type param struct{ w, m, v *tensor.Tensor }
	mk := func(seed uint64, shape ...int) *param {
		w := tensorRandN(seed, shape...).Scale(0.05).SetRequiresGrad(true)
		return &param{w, tensor.ZerosLike(w), tensor.ZerosLike(w)}
	}
	w1, b1, ln, w2, b2, w3, b3 := mk(2, 784, 512), mk(3, 512), mk(4, 512), mk(5, 512, 512), mk(6, 512), mk(7, 512, 10), mk(8, 10)
	params := []*param{w1, b1, ln, w2, b2, w3, b3}
	step := 0
	b.ReportAllocs()
	cpu0 := tensorCPU()
	for b.Loop() {
		step++
		sc := tensor.NewScope()
		x := sc.Use(x)
		h := tensor.LayerNorm(x.MatMul(w1.w).Add(b1.w), ln.w, nil, 1e-5).GELU()
		h = h.MatMul(w2.w).Add(b2.w).GELU()
		loss := tensor.CrossEntropy(h.MatMul(w3.w).Add(b3.w), y)
		for _, p := range params {
			p.w.ZeroGrad()
		}
		loss.Backward()
		for _, p := range params {
			tensor.AdamWStep(p.w, p.w.Grad(), p.m, p.v, tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: step})
		}
		sc.Close()
	}
	tensorCPUReport(b, cpu0)
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "steps/s")
}
