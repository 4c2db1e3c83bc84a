package tensor_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// TestLinearActEqualsTheComposedOps checks Linear and LinearAct in float32
// (the vector kernels' path) against MatMul, Add and the activation,
// forward and backward, with and without gradients.
func TestLinearActEqualsTheComposedOps(t *testing.T) {
	acts := []tensor.UnaryOp{tensor.OpGELU, tensor.OpGELUTanh, tensor.OpTanh, tensor.OpReLU, tensor.OpSiLU, tensor.OpSigmoid}
	for _, shape := range [][3]int{{5, 7, 3}, {64, 48, 96}, {1, 1, 1}, {0, 4, 3}} {
		rows, in, out := shape[0], shape[1], shape[2]
		for _, bias := range []bool{true, false} {
			for ai := -1; ai < len(acts); ai++ {
				name := fmt.Sprintf("%dx%dx%d/bias=%v/act=%d", rows, in, out, bias, ai)
				t.Run(name, func(t *testing.T) {
					x, w := memRandN(1, 2, rows, in), memRandN(2, out, in)
					var b *tensor.Tensor
					if bias {
						b = memRandN(3, out)
					}
					run := func(fused, grad bool) (y []float32, grads [][]float32) {
						xx, ww := x.Detach(), w.Detach()
						var bb *tensor.Tensor
						if b != nil {
							bb = b.Detach()
						}
						if grad {
							xx.SetRequiresGrad(true)
							ww.SetRequiresGrad(true)
							if bb != nil {
								bb.SetRequiresGrad(true)
							}
						}
						var r *tensor.Tensor
						switch {
						case fused && ai < 0:
							r = tensor.Linear(xx, ww, bb)
						case fused:
							r = tensor.LinearAct(xx, ww, bb, acts[ai])
						default:
							r = xx.MatMul(ww.T())
							if bb != nil {
								r = r.Add(bb)
							}
							if ai >= 0 {
								r = applyAct(r, acts[ai])
							}
						}
						y = r.Float32s()
						if grad && r.Numel() > 0 {
							r.Backward(tensor.WithGrad(memRandN(4, r.Shape()...)))
							grads = append(grads, xx.Grad().Float32s(), ww.Grad().Float32s())
							if bb != nil {
								grads = append(grads, bb.Grad().Float32s())
							}
						}
						return y, grads
					}
					for _, grad := range []bool{false, true} {
						yf, gf := run(true, grad)
						yc, gc := run(false, grad)
						if e := relDiff32(yf, yc); e > 2e-6 {
							t.Fatalf("grad=%v: outputs differ by %g", grad, e)
						}
						for i := range gf {
							if e := relDiff32(gf[i], gc[i]); e > 1e-5 {
								t.Fatalf("gradient %d differs by %g", i, e)
							}
						}
					}
				})
			}
		}
	}
}

func applyAct(x *tensor.Tensor, op tensor.UnaryOp) *tensor.Tensor {
	switch op {
	case tensor.OpGELU:
		return x.GELU()
	case tensor.OpGELUTanh:
		return x.GELUTanh()
	case tensor.OpTanh:
		return x.Tanh()
	case tensor.OpReLU:
		return x.ReLU()
	case tensor.OpSiLU:
		return x.SiLU()
	}
	return x.Sigmoid()
}

// relDiff32 is max|a-b| / max(max|b|, 1).
func relDiff32(a, b []float32) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(float64(a[i]-b[i])))
		den = math.Max(den, math.Abs(float64(b[i])))
	}
	return num / math.Max(den, 1)
}

func TestLinearBadShapesPanicNamingThem(t *testing.T) {
	x, w := tensor.Ones(2, 4), tensor.Ones(3, 4)
	mustPanic(t, func() { tensor.Linear(x, tensor.Ones(3, 5), nil) }, "Linear", "[2 4]", "[3 5]")
	mustPanic(t, func() { tensor.Linear(x, w, tensor.Ones(4)) }, "Linear", "bias [4]")
	mustPanic(t, func() { tensor.LinearAct(x, w, nil, tensor.OpExp) }, "LinearAct", "Exp is not an activation")
	mustPanic(t, func() { tensor.Linear(x.As(tensor.Float64), w, nil) }, "Linear", "float64")
}

func TestEmbeddingPaddedDropsThePaddingRowsGradient(t *testing.T) {
	w := memRandN(1, 6, 3)
	ids := tensor.FromSlice([]int32{1, 2, 2, 5, 1, 0}, 2, 3)
	g := memRandN(2, 2, 3, 3)
	a, b := w.Detach().SetRequiresGrad(true), w.Detach().SetRequiresGrad(true)
	ya, yb := tensor.EmbeddingPadded(a, ids, 2), tensor.Embedding(b, ids)
	if !equalBits(ya.Float32s(), yb.Float32s()) {
		t.Fatal("EmbeddingPadded looks up other rows than Embedding")
	}
	ya.Backward(tensor.WithGrad(g))
	yb.Backward(tensor.WithGrad(g))
	ga, gb := a.Grad().Float32s(), b.Grad().Float32s()
	for i := range ga {
		want := gb[i]
		if i/3 == 2 {
			want = 0
		}
		if ga[i] != want {
			t.Fatalf("gradient %v, want Embedding's %v with row 2 zeroed", ga, gb)
		}
	}
	mustPanic(t, func() { tensor.EmbeddingPadded(w, ids, 6) }, "EmbeddingPadded", "padding id 6")
}

func TestAddLayerNormEqualsAddThenLayerNorm(t *testing.T) {
	for _, shape := range [][]int{{4, 7}, {3, 33, 768}, {0, 5}} {
		for _, affine := range []bool{true, false} {
			x, r := memRandN(1, shape...), memRandN(2, shape...)
			d := shape[len(shape)-1]
			var w, b *tensor.Tensor
			if affine {
				w, b = memRandN(3, d), memRandN(4, d)
			}
			s, y := tensor.AddLayerNorm(x, r, w, b, 1e-5)
			ws := x.Add(r)
			wy := tensor.LayerNorm(ws, w, b, 1e-5)
			if !equalBits(s.Float32s(), ws.Float32s()) {
				t.Fatalf("%v: the sums differ", shape)
			}
			if e := relDiff32(y.Float32s(), wy.Float32s()); e > 1e-6 {
				t.Fatalf("%v: the norms differ by %g", shape, e)
			}
		}
	}
	mustPanic(t, func() { tensor.AddLayerNorm(tensor.Ones(2, 3), tensor.Ones(3, 2), nil, nil, 1e-5) }, "AddLayerNorm", "[2 3]", "[3 2]")
}

// TestFusedCrossEntropyEqualsTheFloat64Path compares the float32
// cross-entropy, whose gradient is computed in the forward pass, with the
// float64 one for every reduction, ignored rows, label smoothing, an
// upstream gradient other than 1 and a second backward pass.
func TestFusedCrossEntropyEqualsTheFloat64Path(t *testing.T) {
	const n, c = 37, 3001
	x := memRandN(1, n, c).Scale(3)
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(i * 977 % c)
	}
	ids[4], ids[20] = -100, -100
	tg := tensor.FromSlice(ids)
	for _, red := range []tensor.LossReduction{tensor.ReductionMean, tensor.ReductionSum, tensor.ReductionNone} {
		for _, eps := range []float64{0, 0.1} {
			name := fmt.Sprintf("reduction=%d/eps=%v", red, eps)
			run := func(dt tensor.DType, retain bool) ([]float64, []float64) {
				xx := x.Detach().As(dt).SetRequiresGrad(true)
				loss := tensor.CrossEntropy(xx, tg, tensor.Reduction(red), tensor.LabelSmoothing(eps))
				up := tensor.FullLike(loss, 1.5)
				if retain {
					loss.Backward(tensor.WithGrad(up), tensor.RetainGraph())
				}
				loss.Backward(tensor.WithGrad(up))
				return loss.Float64s(), xx.Grad().Float64s()
			}
			for _, retain := range []bool{false, true} {
				l32, g32 := run(tensor.Float32, retain)
				l64, g64 := run(tensor.Float64, retain)
				if e := relErr64(l32, l64); e > 1e-5 {
					t.Fatalf("%s: losses differ by %g", name, e)
				}
				if e := relErr64(g32, g64); e > 1e-5 {
					t.Fatalf("%s retain=%v: gradients differ by %g", name, retain, e)
				}
			}
			// Without a gradient: the same loss.
			l := tensor.CrossEntropy(x, tg, tensor.Reduction(red), tensor.LabelSmoothing(eps)).Float64s()
			if e := relErr64(l, tensor.CrossEntropy(x.As(tensor.Float64), tg, tensor.Reduction(red), tensor.LabelSmoothing(eps)).Float64s()); e > 1e-5 {
				t.Fatalf("%s: the loss without a gradient differs by %g", name, e)
			}
		}
	}
}

func relErr64(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / math.Max(den, 1e-30)
}
