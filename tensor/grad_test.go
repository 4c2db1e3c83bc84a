package tensor_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

// leaf returns a float64 leaf that requires a gradient, with values from
// gen. When strided is true the leaf is a non-contiguous view (the reverse
// permutation of a contiguous tensor), so ops see strided operands.
func leaf(rng *rand.Rand, strided bool, gen func(*rand.Rand) float64, shape ...int) *tensor.Tensor {
	n := 1
	for _, d := range shape {
		n *= d
	}
	data := make([]float64, n)
	for i := range data {
		data[i] = gen(rng)
	}
	if !strided || len(shape) < 2 {
		return tensor.FromSlice(data, shape...).SetRequiresGrad(true)
	}
	rev := make([]int, len(shape))
	perm := make([]int, len(shape))
	for i := range shape {
		rev[i] = shape[len(shape)-1-i]
		perm[i] = len(shape) - 1 - i
	}
	return tensor.FromSlice(data, rev...).Permute(perm...).Detach().SetRequiresGrad(true)
}

func normal(r *rand.Rand) float64   { return r.NormFloat64() }
func positive(r *rand.Rand) float64 { return 0.5 + 2*r.Float64() }

// awayFromZero avoids kinks of Abs and ReLU at 0.
func awayFromZero(r *rand.Rand) float64 {
	v := 0.2 + r.Float64()
	if r.IntN(2) == 0 {
		return -v
	}
	return v
}

// distinct returns values far apart, so that max/min have no near-ties.
func distinct(r *rand.Rand) float64 { return float64(r.IntN(1000)) / 50 }

type gradCase struct {
	name   string
	shapes [][]int
	gen    func(*rand.Rand) float64
	f      func(in []*tensor.Tensor) *tensor.Tensor
}

func gradCases() []gradCase {
	ids := func(v ...int32) *tensor.Tensor { return tensor.FromSlice(v) }
	mask := tensor.FromSlice([]int32{1, 0, 0, 1, 0, 1, 1, 0, 0, 0, 1, 0}, 3, 4)
	return []gradCase{
		{"Neg", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Neg() }},
		{"Exp", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Exp() }},
		{"Log", [][]int{{3, 4}}, positive, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Log() }},
		{"Sqrt", [][]int{{3, 4}}, positive, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sqrt() }},
		{"Rsqrt", [][]int{{3, 4}}, positive, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Rsqrt() }},
		{"Abs", [][]int{{3, 4}}, awayFromZero, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Abs() }},
		{"Tanh", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Tanh() }},
		{"Sigmoid", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sigmoid() }},
		{"ReLU", [][]int{{3, 4}}, awayFromZero, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].ReLU() }},
		{"GELU", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].GELU() }},
		{"GELUTanh", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].GELUTanh() }},
		{"SiLU", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].SiLU() }},
		{"Sin", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sin() }},
		{"Cos", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Cos() }},
		{"Square", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Square() }},
		{"Reciprocal", [][]int{{3, 4}}, positive, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Reciprocal() }},
		{"Pow with a fractional exponent", [][]int{{3, 4}}, positive, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Pow(1.7) }},
		{"Pow with exponent 3", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Pow(3) }},
		{"Clamp", [][]int{{3, 4}}, awayFromZero, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Clamp(-0.6, 0.7) }},
		{"Clamp with one side open", [][]int{{3, 4}}, awayFromZero, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Clamp(math.Inf(-1), 0.7) }},
		{"Scale", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Scale(-2.5) }},
		{"AddScalar", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].AddScalar(3) }},
		{"Affine", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Affine(0.5, 1) }},

		{"Add with equal shapes", [][]int{{3, 4}, {3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Add(in[1]) }},
		{"Add broadcasting a row and a column", [][]int{{3, 1}, {1, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Add(in[1]) }},
		{"Add broadcasting a bias over a batch", [][]int{{2, 3, 4}, {4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Add(in[1]) }},
		{"Sub broadcasting", [][]int{{2, 3, 4}, {3, 1}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sub(in[1]) }},
		{"Mul broadcasting", [][]int{{2, 3, 4}, {2, 1, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Mul(in[1]) }},
		{"Mul by itself", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Mul(in[0]) }},
		{"Div broadcasting", [][]int{{3, 4}, {4}}, positive, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Div(in[1]) }},
		{"Maximum broadcasting", [][]int{{3, 4}, {4}}, distinct, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Maximum(in[1]) }},
		{"Minimum broadcasting", [][]int{{3, 4}, {3, 1}}, distinct, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Minimum(in[1]) }},
		{"PowTensor broadcasting", [][]int{{3, 4}, {4}}, positive, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].PowTensor(in[1]) }},
		{"Where with a broadcast mask", [][]int{{3, 4}, {4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.Where(mask, in[0], in[1])
		}},
		{"MaskedFill", [][]int{{2, 3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MaskedFill(mask, -5) }},

		{"Sum over everything", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sum() }},
		{"Sum over the first axis", [][]int{{3, 4, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sum(0) }},
		{"Sum over two axes", [][]int{{3, 4, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sum(0, 2) }},
		{"Mean over the last axis", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Mean(-1) }},
		{"Mean keeping dims", [][]int{{3, 4, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return in[0].Reduce(tensor.ReduceMean, []int{1}, true, 0)
		}},
		{"Max over an axis", [][]int{{3, 4}}, distinct, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Max(1) }},
		{"Min over everything", [][]int{{3, 4}}, distinct, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Min() }},
		{"Var over an axis", [][]int{{3, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Var(1) }},
		{"biased Var over two axes", [][]int{{3, 4, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return in[0].Reduce(tensor.ReduceVar, []int{0, 2}, false, 0)
		}},
		{"LogSumExp over an axis", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].LogSumExp(0) }},

		{"MatMul of matrices", [][]int{{3, 4}, {4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"MatMul with a transposed operand", [][]int{{3, 4}, {5, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1].T()) }},
		{"MatMul with both transposed", [][]int{{4, 3}, {5, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].T().MatMul(in[1].T()) }},
		{"MatMul batched against a shared matrix", [][]int{{2, 3, 4}, {4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"MatMul of a shared matrix against a batch", [][]int{{3, 4}, {2, 4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"MatMul broadcasting batch dims", [][]int{{2, 1, 3, 4}, {5, 4, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"MatMul of a vector and a matrix", [][]int{{4}, {4, 3}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"MatMul of a matrix and a vector", [][]int{{3, 4}, {4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"MatMul of two vectors", [][]int{{4}, {4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"Linear", [][]int{{2, 3, 4}, {5, 4}, {5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Linear(in[0], in[1], in[2]) }},
		{"Linear without bias", [][]int{{3, 4}, {5, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Linear(in[0], in[1], nil) }},
		{"LinearAct GELU", [][]int{{2, 3, 4}, {5, 4}, {5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LinearAct(in[0], in[1], in[2], tensor.OpGELU)
		}},
		{"LinearAct GELUTanh without bias", [][]int{{3, 4}, {5, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LinearAct(in[0], in[1], nil, tensor.OpGELUTanh)
		}},
		{"AddLayerNorm, both results", [][]int{{2, 3, 4}, {2, 3, 4}, {4}, {4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			s, y := tensor.AddLayerNorm(in[0], in[1], in[2], in[3], 1e-5)
			return s.Mul(y)
		}},
		{"AttentionScores with grouped heads, masks and a bias", [][]int{{1, 4, 3, 2}, {1, 2, 5, 2}, {4, 1, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			keep := tensor.FromSlice([]int32{1, 1, 0, 1, 1}, 1, 5)
			s := tensor.AttentionScores(in[0], in[1], tensor.AttentionOptions{Causal: true, KeepKeys: keep, Bias: in[2]})
			return s.Clamp(-1e3, math.Inf(1)) // masked scores are -1e300
		}},
		{"AttentionWeights with a bias that needs a gradient", [][]int{{1, 2, 3, 2}, {1, 2, 4, 2}, {1, 2, 4, 3}, {3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			out, _ := tensor.AttentionWeights(in[0], in[1], in[2], tensor.AttentionOptions{Causal: true, Bias: in[3]})
			return out
		}},
		{"LinearAct SiLU", [][]int{{3, 4}, {5, 4}, {5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LinearAct(in[0], in[1], in[2], tensor.OpSiLU)
		}},

		{"Softmax over the last axis", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Softmax(-1) }},
		{"Softmax over the first axis", [][]int{{3, 4, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Softmax(0) }},
		{"LogSoftmax over a middle axis", [][]int{{3, 4, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].LogSoftmax(1) }},
		{"LayerNorm with weight and bias", [][]int{{2, 3, 5}, {5}, {5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LayerNorm(in[0], in[1], in[2], 1e-5)
		}},
		{"LayerNorm without parameters", [][]int{{4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LayerNorm(in[0], nil, nil, 1e-5)
		}},
		{"LayerNorm over two trailing dims", [][]int{{2, 3, 4}, {3, 4}, {3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LayerNorm(in[0], in[1], in[2], 1e-5)
		}},
		{"RMSNorm with weight", [][]int{{2, 3, 5}, {5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.RMSNorm(in[0], in[1], 1e-6)
		}},
		{"RMSNorm without weight", [][]int{{4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.RMSNorm(in[0], nil, 1e-6)
		}},

		{"IndexSelect with repeated indices", [][]int{{5, 3}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return in[0].IndexSelect(0, ids(4, 1, 1, 0, 4, 4))
		}},
		{"IndexSelect along the last axis", [][]int{{2, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return in[0].IndexSelect(1, ids(3, 3, 0))
		}},
		{"Embedding of a batch of ids", [][]int{{6, 3}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.Embedding(in[0], tensor.FromSlice([]int32{0, 5, 5, 2, 1, 0}, 2, 3))
		}},
		{"CrossEntropy", [][]int{{4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.CrossEntropy(in[0], ids(1, 0, 4, 2))
		}},
		{"CrossEntropy with ignore index and label smoothing", [][]int{{2, 3, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.CrossEntropy(in[0], tensor.FromSlice([]int32{1, -1, 4, 2, -1, 0}, 2, 3), tensor.IgnoreIndex(-1), tensor.LabelSmoothing(0.1))
		}},
		{"CrossEntropy summed", [][]int{{4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.CrossEntropy(in[0], ids(1, 0, 4, 2), tensor.Reduction(tensor.ReductionSum))
		}},
		{"CrossEntropy per row", [][]int{{4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.CrossEntropy(in[0], ids(1, 0, 4, 2), tensor.Reduction(tensor.ReductionNone), tensor.LabelSmoothing(0.2))
		}},
		{"Dropout", [][]int{{4, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return in[0].Dropout(0.3, tensor.NewGenerator(7))
		}},

		{"Reshape", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Reshape(2, -1).Exp() }},
		{"Flatten", [][]int{{2, 3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Flatten(1, 2).Exp() }},
		{"Permute", [][]int{{2, 3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Permute(2, 0, 1).Exp() }},
		{"Transpose", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Transpose(0, 1).Softmax(-1) }},
		{"Narrow", [][]int{{3, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Narrow(1, 1, 3).Exp() }},
		{"Slice with a step", [][]int{{3, 7}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Slice(1, 1, 7, 2).Exp() }},
		{"Select", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Select(1, -1).Exp() }},
		{"Squeeze and Unsqueeze", [][]int{{3, 1, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Squeeze(1).Unsqueeze(0).Exp() }},
		{"Expand", [][]int{{3, 1}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Expand(2, 3, 4).Exp() }},
		{"Contiguous", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].T().Contiguous() }},
		{"Clone", [][]int{{3, 4}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Clone() }},
		{"views of views", [][]int{{4, 6}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return in[0].T().Narrow(0, 1, 4).Reshape(2, 2, 4).Permute(2, 0, 1).Slice(0, 0, 4, 3).Exp()
		}},
		{"Concat", [][]int{{2, 3}, {4, 3}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Concat(0, in[0], in[1]).Exp() }},
		{"Stack", [][]int{{2, 3}, {2, 3}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Stack(1, in[0], in[1]).Exp() }},
		{"Split", [][]int{{5, 3}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			p := in[0].Split(0, 2, 3)
			return p[1].Sum(0).Mul(p[0].Sum(0))
		}},
		{"Chunk", [][]int{{3, 5}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			p := in[0].Chunk(1, 2)
			return p[0].Exp().Sum(1).Add(p[1].Sum(1))
		}},
		{"a two-layer perceptron", [][]int{{4, 3}, {3, 5}, {5}, {5, 2}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			h := tensor.LayerNorm(in[0].MatMul(in[1]).Add(in[2]), nil, nil, 1e-5).GELU()
			return tensor.CrossEntropy(h.MatMul(in[3]), ids(0, 1, 1, 0))
		}},
	}
}

func TestGradientsMatchFiniteDifferences(t *testing.T) {
	for _, c := range gradCases() {
		for _, strided := range []bool{false, true} {
			name := c.name
			if strided {
				name += " on strided inputs"
			}
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(11, uint64(len(c.name))))
				in := make([]*tensor.Tensor, len(c.shapes))
				for i, s := range c.shapes {
					in[i] = leaf(rng, strided, c.gen, s...)
				}
				if err := gradcheck.Check(c.f, in, gradcheck.Options{}); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}

// TestGradientsOfLargeInputsMatchFiniteDifferences runs ops on inputs big
// enough for their kernels to split work across the worker pool (and take
// the column and split-run reduction paths), checking a sample of elements.
func TestGradientsOfLargeInputsMatchFiniteDifferences(t *testing.T) {
	ids := make([]int32, 300)
	for i := range ids {
		ids[i] = int32(i * 37 % 200)
	}
	idx := tensor.FromSlice(ids)
	cases := []gradCase{
		{"Softmax", [][]int{{300, 200}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Softmax(-1) }},
		{"Softmax over the first axis", [][]int{{300, 200}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Softmax(0) }},
		{"LayerNorm", [][]int{{400, 100}, {100}, {100}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LayerNorm(in[0], in[1], in[2], 1e-5)
		}},
		{"RMSNorm", [][]int{{400, 100}, {100}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return tensor.RMSNorm(in[0], in[1], 1e-6) }},
		{"column Sum", [][]int{{300, 300}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sum(0) }},
		{"Sum of everything", [][]int{{400, 400}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Sum() }},
		{"Var of everything", [][]int{{400, 400}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Var() }},
		{"MatMul", [][]int{{150, 200}, {200, 170}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].MatMul(in[1]) }},
		{"bias GELU", [][]int{{300, 200}, {200}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Add(in[1]).GELU() }},
		{"LinearAct GELU", [][]int{{300, 40}, {200, 40}, {200}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.LinearAct(in[0], in[1], in[2], tensor.OpGELU)
		}},
		{"CrossEntropy", [][]int{{300, 200}}, normal, func(in []*tensor.Tensor) *tensor.Tensor {
			return tensor.CrossEntropy(in[0], idx, tensor.LabelSmoothing(0.1))
		}},
		{"Embedding", [][]int{{200, 300}}, normal, func(in []*tensor.Tensor) *tensor.Tensor { return tensor.Embedding(in[0], idx) }},
	}
	for _, c := range cases {
		for _, strided := range []bool{false, true} {
			name := c.name
			if strided {
				name += " on strided inputs"
			}
			t.Run(name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(12, uint64(len(c.name))))
				in := make([]*tensor.Tensor, len(c.shapes))
				for i, s := range c.shapes {
					in[i] = leaf(rng, strided, c.gen, s...)
				}
				if err := gradcheck.Check(c.f, in, gradcheck.Options{MaxElements: 12}); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
