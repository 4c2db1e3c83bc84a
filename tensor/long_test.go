//go:build long

package tensor_test

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

// randShapePair returns two shapes that broadcast together: a random
// output shape with dims of either operand dropped to 1 or left out.
func randShapePair(rng *rand.Rand) ([]int, []int) {
	r := 1 + rng.IntN(4)
	out := make([]int, r)
	for i := range out {
		out[i] = 1 + rng.IntN(4)
	}
	cut := func() []int {
		lead := rng.IntN(r + 1)
		s := append([]int(nil), out[lead:]...)
		for i := range s {
			if rng.IntN(3) == 0 {
				s[i] = 1
			}
		}
		return s
	}
	return cut(), cut()
}

func TestLongRandomBroadcastGradients(t *testing.T) {
	ops := map[string]func(a, b *tensor.Tensor) *tensor.Tensor{
		"Add": (*tensor.Tensor).Add, "Sub": (*tensor.Tensor).Sub, "Mul": (*tensor.Tensor).Mul,
		"Div":     func(a, b *tensor.Tensor) *tensor.Tensor { return a.Div(b.Square().AddScalar(1)) },
		"Maximum": (*tensor.Tensor).Maximum,
		"Where": func(a, b *tensor.Tensor) *tensor.Tensor {
			return tensor.Where(a.Gt(b), a.Scale(0.1).Exp(), b.Scale(0.1).Tanh())
		},
	}
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 99))
		sa, sb := randShapePair(rng)
		for name, op := range ops {
			strided := rng.IntN(2) == 0
			a, b := leaf(rng, strided, distinct, sa...), leaf(rng, strided, distinct, sb...)
			err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor { return op(in[0], in[1]) }, []*tensor.Tensor{a, b}, gradcheck.Options{})
			if err != nil {
				t.Fatalf("seed %d: %s of %v and %v: %v", seed, name, sa, sb, err)
			}
		}
	}
}

func TestLongRandomReductionGradients(t *testing.T) {
	for seed := range uint64(300) {
		rng := rand.New(rand.NewPCG(seed, 7))
		r := 1 + rng.IntN(4)
		shape := make([]int, r)
		for i := range shape {
			shape[i] = 1 + rng.IntN(4)
		}
		var axes []int
		for i := range r {
			if rng.IntN(2) == 0 {
				axes = append(axes, i)
			}
		}
		keep := rng.IntN(2) == 0
		for _, op := range []tensor.ReduceOp{tensor.ReduceSum, tensor.ReduceMean, tensor.ReduceMax, tensor.ReduceVar, tensor.ReduceLogSumExp} {
			x := leaf(rng, rng.IntN(2) == 0, distinct, shape...)
			err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor {
				return in[0].Reduce(op, axes, keep, 0).Scale(0.05).Exp()
			}, []*tensor.Tensor{x}, gradcheck.Options{})
			if err != nil {
				t.Fatalf("seed %d: %s over %v of %v: %v", seed, op, axes, shape, err)
			}
		}
	}
}

func TestLongRandomMatMulShapes(t *testing.T) {
	for seed := range uint64(400) {
		rng := rand.New(rand.NewPCG(seed, 5))
		m, k, n := 1+rng.IntN(40), 1+rng.IntN(40), 1+rng.IntN(40)
		batchA, batchB := randShapePair(rng)
		if rng.IntN(3) == 0 {
			batchA = nil
		}
		sa := append(append([]int(nil), batchA...), m, k)
		sb := append(append([]int(nil), batchB...), k, n)
		a := tensor.FromSlice(randData(rng, prod(sa))).Reshape(sa...)
		b := tensor.FromSlice(randData(rng, prod(sb))).Reshape(sb...)
		if rng.IntN(2) == 0 { // a transposed operand
			b = tensor.FromSlice(b.T().Contiguous().Float64s()).Reshape(b.T().Shape()...).T()
		}
		got := a.MatMul(b)
		// Reference: broadcast both to the output batch and multiply
		// matrix by matrix.
		batch := got.Shape()[:got.Rank()-2]
		ae := a.Expand(append(append([]int(nil), batch...), m, k)...).Contiguous().Reshape(-1, m, k)
		be := b.Expand(append(append([]int(nil), batch...), k, n)...).Contiguous().Reshape(-1, k, n)
		g := got.Reshape(-1, m, n)
		for i := range ae.Dim(0) {
			want := naiveMatMul(ae.Select(0, i).Float64s(), be.Select(0, i).Float64s(), m, k, n)
			closeTo(t, fmt.Sprintf("seed %d: %v × %v, product %d", seed, sa, sb, i), g.Select(0, i).Float64s(), want, 1e-12)
		}
	}
}
