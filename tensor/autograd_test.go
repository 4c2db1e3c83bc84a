package tensor_test

import (
	"math"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/goformer/goformer/tensor"
)

func TestGradientsAccumulateUntilZeroGrad(t *testing.T) {
	w := tensor.FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	step := func() { w.Square().Sum().Backward() } // d/dw = 2w
	step()
	closeTo(t, "first backward", w.Grad().Float64s(), []float64{2, 4, 6}, 0)
	step()
	closeTo(t, "second backward", w.Grad().Float64s(), []float64{4, 8, 12}, 0)
	w.ZeroGrad()
	if w.Grad() != nil {
		t.Fatal("ZeroGrad left a gradient")
	}
	step()
	closeTo(t, "after ZeroGrad", w.Grad().Float64s(), []float64{2, 4, 6}, 0)
}

func TestSharedSubexpressionsSumTheirGradients(t *testing.T) {
	x := tensor.FromSlice([]float64{0.5, -1}).SetRequiresGrad(true)
	h := x.Tanh()
	y := h.Mul(h).Add(h.Exp()).Add(x) // a diamond through h, and x used twice
	y.Sum().Backward()
	xs := x.Float64s()
	want := make([]float64, 2)
	for i, v := range xs {
		th := tanh(v)
		want[i] = (2*th+exp(th))*(1-th*th) + 1
	}
	closeTo(t, "gradient", x.Grad().Float64s(), want, 1e-14)
}

func TestLeafGradientsAreOwnedByTheirLeaf(t *testing.T) {
	a := tensor.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	b := tensor.FromSlice([]float32{3, 4}).SetRequiresGrad(true)
	a.Add(b).Sum().Backward() // both gradients are the same upstream tensor
	a.Grad().ScaleInPlace(10)
	closeTo(t, "b's gradient after scaling a's", b.Grad().Float64s(), []float64{1, 1}, 0)
}

func TestBackwardFreesTheGraphUnlessRetained(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	y := x.Exp().Sum()
	y.Backward(tensor.RetainGraph())
	y.Backward()
	first := x.Grad().Float64s()
	closeTo(t, "two passes through a retained graph", first, []float64{2 * exp(1), 2 * exp(2)}, 1e-6)
	mustPanic(t, func() { y.Backward() }, "second time", "RetainGraph")
}

func TestBackwardOfANonScalarNeedsItsGradient(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3}).SetRequiresGrad(true)
	y := x.Scale(2)
	mustPanic(t, func() { y.Backward() }, "not a scalar", "WithGrad")
	mustPanic(t, func() { y.Backward(tensor.WithGrad(tensor.Ones(2))) }, "[2]", "[3]")
	y.Backward(tensor.WithGrad(tensor.FromSlice([]float32{1, 0, -1})))
	closeTo(t, "gradient", x.Grad().Float64s(), []float64{2, 0, -2}, 0)
}

func TestBackwardOnALeafAccumulatesIntoIt(t *testing.T) {
	x := tensor.Scalar(3).SetRequiresGrad(true)
	x.Backward()
	if x.Grad().Item() != 1 {
		t.Fatalf("d x/d x = %v", x.Grad().Item())
	}
}

func TestNothingRecordsWithoutAGradient(t *testing.T) {
	x := tensor.Ones(2, 3)
	y := x.MatMul(tensor.Ones(3, 4)).GELU().Softmax(-1)
	if !y.IsLeaf() || y.RequiresGrad() {
		t.Fatal("an op on tensors without gradients recorded a graph")
	}
	mustPanic(t, func() { y.Sum().Backward() }, "does not require a gradient")
}

func TestDetachCutsTheGraph(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	d := x.Exp().Detach()
	if d.RequiresGrad() || !d.IsLeaf() {
		t.Fatal("Detach kept the graph")
	}
	x.Mul(d).Sum().Backward()
	closeTo(t, "gradient through the detached factor", x.Grad().Float64s(), d.Float64s(), 0)
	mustPanic(t, func() { x.Exp().SetRequiresGrad(true) }, "not a leaf")
}

func TestInPlaceChangesToSavedTensorsAreCaught(t *testing.T) {
	w := tensor.FromSlice([]float32{1, 2}).SetRequiresGrad(true)
	x := tensor.FromSlice([]float32{3, 4})
	y := w.Mul(x).Sum() // saves x for w's gradient
	x.Fill(0)
	mustPanic(t, func() { y.Backward() }, "Mul", "modified in place")
	mustPanic(t, func() { w.Exp().Fill(1) }, "Fill", "Exp", "Detach")
	mustPanic(t, func() { tensor.Ones(1, 3).Expand(2, 3).Fill(1) }, "broadcast")
}

func TestGradientsFlowOnlyToInputsThatWantThem(t *testing.T) {
	w := tensor.Ones(3, 2).SetRequiresGrad(true)
	x := tensor.Ones(4, 3)
	x.MatMul(w).Sum().Backward()
	if x.Grad() != nil {
		t.Fatal("an input without SetRequiresGrad got a gradient")
	}
	closeTo(t, "gradient of w", w.Grad().Float64s(), []float64{4, 4, 4, 4, 4, 4}, 0)
}

func TestDropoutMasksAreReproducibleAndScaled(t *testing.T) {
	x := tensor.Ones(100, 100).SetRequiresGrad(true)
	a := x.Dropout(0.25, tensor.NewGenerator(42))
	b := x.Dropout(0.25, tensor.NewGenerator(42))
	closeTo(t, "same seed", a.Float64s(), b.Float64s(), 0)
	g := tensor.NewGenerator(42)
	c := x.Dropout(0.25, g)
	d := x.Dropout(0.25, g)
	if g.Offset() != 20000 {
		t.Fatalf("generator offset %d after two draws of 10000", g.Offset())
	}
	same, zeros := 0, 0
	cv, dv := c.Float64s(), d.Float64s()
	for i := range cv {
		if cv[i] == dv[i] {
			same++
		}
		switch cv[i] {
		case 0:
			zeros++
		case float64(float32(1 / 0.75)):
		default:
			t.Fatalf("kept element %v, want 0 or 4/3", cv[i])
		}
	}
	if zeros < 2300 || zeros > 2700 {
		t.Fatalf("%d of 10000 dropped at p=0.25", zeros)
	}
	if same > 7000 {
		t.Fatal("consecutive draws from one generator repeat the mask")
	}
	c.Sum().Backward()
	closeTo(t, "gradient is the mask", x.Grad().Float64s(), cv, 0)
	if x.Dropout(0, g) != x {
		t.Fatal("Dropout(0) is not the identity")
	}
	if got := x.Dropout(1, g).Sum().Item(); got != 0 {
		t.Fatalf("Dropout(1) kept %v", got)
	}
}

func TestGeneratorFillsHaveTheirMoments(t *testing.T) {
	g := tensor.NewGenerator(5)
	x := tensor.Zeros(200, 500)
	g.Normal(x, 1, 2)
	if m, s := x.Mean().Item(), x.Var().Item(); abs(m-1) > 0.03 || abs(s-4) > 0.1 {
		t.Fatalf("normal(1, 2): mean %v, variance %v", m, s)
	}
	g.Uniform(x, -1, 3)
	if m, lo, hi := x.Mean().Item(), x.Min().Item(), x.Max().Item(); abs(m-1) > 0.03 || lo < -1 || hi >= 3 {
		t.Fatalf("uniform(-1, 3): mean %v, range %v..%v", m, lo, hi)
	}
}

func TestAdamWStepMovesAgainstTheGradient(t *testing.T) {
	p := tensor.FromSlice([]float32{1, -1})
	g := tensor.FromSlice([]float32{0.5, -0.5})
	m, v := tensor.ZerosLike(p), tensor.ZerosLike(p)
	tensor.AdamWStep(p, g, m, v, tensor.AdamWParams{LR: 0.1, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, Step: 1})
	// The first bias-corrected step is lr·sign(g).
	closeTo(t, "parameters", p.Float64s(), []float64{0.9, -0.9}, 1e-6)
	mustPanic(t, func() { tensor.AdamWStep(p, g, m, v, tensor.AdamWParams{Step: 0}) }, "step 0")
	mustPanic(t, func() { tensor.AdamWStep(p, tensor.Ones(3), m, v, tensor.AdamWParams{Step: 1}) }, "[2]", "[3]")
}

func TestConcurrentInferenceAndTrainingShareWeights(t *testing.T) {
	rng := rand.New(rand.NewPCG(8, 8))
	w := tensor.RandN(rng, 16, 8).SetRequiresGrad(true)
	frozen := tensor.RandN(rng, 8, 4)
	x := tensor.RandN(rng, 32, 16)
	want := x.MatMul(w.Detach()).Tanh().MatMul(frozen).Float64s()
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 20 {
				if i%2 == 0 {
					got := x.MatMul(w.Detach()).Tanh().MatMul(frozen).Float64s()
					for j := range want {
						if got[j] != want[j] {
							t.Errorf("concurrent inference differs at %d", j)
							return
						}
					}
				} else {
					x.MatMul(w).Tanh().MatMul(frozen).Sum().Backward()
				}
			}
		}()
	}
	wg.Wait()
	// 4 goroutines × 20 backward passes, each adding the same gradient.
	w2 := w.Detach().SetRequiresGrad(true)
	x.MatMul(w2).Tanh().MatMul(frozen).Sum().Backward()
	closeTo(t, "accumulated gradient", w.Grad().Float64s(), w2.Grad().Scale(80).Float64s(), 1e-4)
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}

func exp(x float64) float64  { return math.Exp(x) }
func tanh(x float64) float64 { return math.Tanh(x) }
