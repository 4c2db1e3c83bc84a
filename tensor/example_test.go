package tensor_test

import (
	"fmt"
	"math/rand/v2"

	"github.com/goformer/goformer/tensor"
)

func ExampleFromSlice() {
	x := tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3)
	fmt.Println(x.Shape(), x.DType())
	fmt.Println(x.T())
	// Output:
	// [2 3] float32
	// [[1 4]
	//  [2 5]
	//  [3 6]]
}

func ExampleTensor_MatMul() {
	// A batch of two 2×3 matrices times one shared 3×2 matrix: the batch
	// dimension broadcasts.
	a := tensor.Arange(0, 12, 1).Reshape(2, 2, 3)
	b := tensor.Ones(3, 2)
	fmt.Printf("%v\n", a.MatMul(b))
	// Output:
	// [[[3 3]
	//   [12 12]]
	//  [[21 21]
	//   [30 30]]]
}

func ExampleTensor_Backward() {
	// d/dw of Σ (x·w)² for x = [1 2], w = [3 4]ᵀ: 2(x·w)x = 22·[1 2].
	x := tensor.FromSlice([]float32{1, 2}, 1, 2)
	w := tensor.FromSlice([]float32{3, 4}, 2, 1).SetRequiresGrad(true)
	loss := x.MatMul(w).Square().Sum()
	loss.Backward()
	fmt.Println(loss.Item(), w.Grad().Float32s())
	// Output: 121 [22 44]
}

func ExampleCrossEntropy() {
	logits := tensor.FromSlice([]float32{2, 0, 0, 0, 3, 0}, 2, 3).SetRequiresGrad(true)
	targets := tensor.FromSlice([]int32{0, -100}) // the second row is ignored
	loss := tensor.CrossEntropy(logits, targets)
	loss.Backward()
	fmt.Printf("%.4f\n", loss.Item())
	fmt.Printf("%.4f\n", logits.Grad())
	// Output:
	// 0.2395
	// [[-0.2130 0.1065 0.1065]
	//  [0.0000 0.0000 0.0000]]
}

func ExampleTensor_Softmax() {
	scores := tensor.FromSlice([]float32{1, 2, 3, 1, 2, 3}, 2, 3)
	causal := tensor.FromSlice([]int32{0, 0, 1, 0, 0, 0}, 2, 3)
	p := scores.MaskedFill(causal, float64(-1e30)).Softmax(-1)
	fmt.Printf("%.3f\n", p)
	// Output:
	// [[0.269 0.731 0.000]
	//  [0.090 0.245 0.665]]
}

func ExampleAdamWStep() {
	// Fit w to minimise (w-3)² with AdamW.
	w := tensor.Zeros(1).SetRequiresGrad(true)
	m, v := tensor.ZerosLike(w), tensor.ZerosLike(w)
	for step := 1; step <= 200; step++ {
		w.ZeroGrad()
		w.AddScalar(-3).Square().Sum().Backward()
		tensor.AdamWStep(w, w.Grad(), m, v, tensor.AdamWParams{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: step})
	}
	fmt.Printf("%.2f\n", w.Item())
	// Output: 3.00
}

func ExampleTensor_Dropout() {
	g := tensor.NewGenerator(42)
	x := tensor.Ones(8)
	fmt.Println(x.Dropout(0.5, g).Float32s())
	fmt.Println(g.Offset())
	// Output:
	// [2 0 0 0 2 0 2 0]
	// 8
}

func ExampleRandN() {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.RandN(rng, 1000)
	fmt.Printf("mean %.1f, variance %.1f\n", x.Mean().Item(), x.Var().Item())
	// Output: mean 0.0, variance 1.0
}

// A Scope gathers what one step computes, so that Close recycles its
// buffers for the next step; Keep saves what must outlive it.
func ExampleScope() {
	w := tensor.Full(0.5, 3, 2)
	var outputs []*tensor.Tensor
	for step := range 3 {
		sc := tensor.NewScope()
		x := sc.Use(tensor.Full(float64(step), 1, 3))
		h := x.MatMul(w).GELU() // allocated in the scope
		outputs = append(outputs, sc.Keep(h.Sum()))
		sc.Close() // h's buffer goes back to the cache; the kept sum stays
		fmt.Println(h.IsReleased())
	}
	for _, o := range outputs {
		fmt.Printf("%.4f\n", o.Item())
	}
	// Output:
	// true
	// true
	// true
	// 0.0000
	// 2.7996
	// 5.9919
}

// Attention reads heads as strided views: here the keys and values are the
// first four positions of a KV cache with room for eight.
func ExampleAttention() {
	q := tensor.Ones(1, 2, 1, 4)                                    // [B, H, Tq, D]: one new token, two heads
	cache := tensor.Arange(0, 64, 1).Reshape(1, 1, 8, 8).Scale(0.1) // [B, Hk, capacity, 2·D]
	k := cache.Narrow(2, 0, 4).Narrow(3, 0, 4)                      // [1, 1, 4, 4]: grouped-query attention
	v := cache.Narrow(2, 0, 4).Narrow(3, 4, 4)
	y := tensor.Attention(q, k, v, tensor.AttentionOptions{Causal: true})
	fmt.Println(y.Shape())
	// Output:
	// [1 2 1 4]
}
