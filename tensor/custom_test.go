package tensor_test

import (
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

// customCubeMul computes x³·w as one custom op whose forward runs on
// detached operands, as a fused kernel outside the package would.
func customCubeMul(x, w *tensor.Tensor) *tensor.Tensor {
	xd, wd := x.Detach(), w.Detach()
	out := xd.Mul(xd).Mul(xd).Mul(wd)
	return tensor.CustomOp("CubeMul", out, func(g *tensor.Tensor) []*tensor.Tensor {
		dx := g.Mul(xd.Mul(xd).Scale(3)).Mul(wd)
		dw := g.Mul(xd.Mul(xd).Mul(xd)).Sum(0)
		return []*tensor.Tensor{dx, dw}
	}, x, w)
}

func TestCustomOpGradientMatchesFiniteDifferences(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	x := tensor.RandN(rng, 4, 3).As(tensor.Float64).SetRequiresGrad(true)
	w := tensor.RandN(rng, 3).As(tensor.Float64).SetRequiresGrad(true)
	if err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor {
		return customCubeMul(in[0], in[1]).Tanh()
	}, []*tensor.Tensor{x, w}, gradcheck.Options{}); err != nil {
		t.Fatal(err)
	}
}

func TestCustomOpRecordsNothingWithoutGradients(t *testing.T) {
	x := tensor.FromSlice([]float32{1, 2, 3})
	w := tensor.FromSlice([]float32{1, 1, 2})
	y := customCubeMul(x, w)
	if y.RequiresGrad() {
		t.Fatal("output of a custom op on constants requires a gradient")
	}
	if got, want := y.Float32s(), []float32{1, 8, 54}; !customEqualF32(got, want) {
		t.Fatalf("values %v, want %v", got, want)
	}
}

func TestCustomOpOnlyInputsThatNeedGradientsReceiveThem(t *testing.T) {
	x := tensor.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	w := tensor.FromSlice([]float64{3, 4})
	customCubeMul(x, w).Sum().Backward()
	if w.Grad() != nil {
		t.Fatal("a constant input received a gradient")
	}
	if got, want := x.Grad().Float64s(), []float64{9, 48}; got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("dx = %v, want %v", got, want)
	}
}

func TestCustomOpDetectsInputsModifiedInPlace(t *testing.T) {
	x := tensor.FromSlice([]float64{1, 2}).SetRequiresGrad(true)
	c := tensor.FromSlice([]float64{3, 4})
	y := customCubeMul(x, c)
	c.Fill(0)
	defer func() {
		r := recover()
		if r == nil || !strings.Contains(r.(string), "modified in place") {
			t.Fatalf("panic %v, want one about an input modified in place", r)
		}
	}()
	y.Sum().Backward()
}

func TestCustomOpRejectsMisuse(t *testing.T) {
	leaf := tensor.FromSlice([]float64{1}).SetRequiresGrad(true)
	computed := leaf.Scale(2)
	noop := func(g *tensor.Tensor) []*tensor.Tensor { return nil }
	tests := []struct {
		name string
		call func()
		want string
	}{
		{"a nil output", func() { tensor.CustomOp("Op", nil, noop, leaf) }, "nil output"},
		{"a nil backward", func() { tensor.CustomOp("Op", tensor.Zeros(1), nil, leaf) }, "nil backward"},
		{"an output already in a graph", func() { tensor.CustomOp("Op", computed, noop, leaf) }, "already takes part"},
		{"a leaf that requires a gradient as output", func() { tensor.CustomOp("Op", leaf, noop, computed) }, "already takes part"},
		{"a nil input", func() { tensor.CustomOp("Op", tensor.Zeros(1), noop, leaf, nil) }, "input 1 is nil"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if !strings.Contains(s, tc.want) {
					t.Fatalf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			tc.call()
		})
	}
}

func TestGeneratorReserveHandsOutDisjointBlocks(t *testing.T) {
	g := tensor.NewGenerator(7)
	a := g.Reserve(5)
	b := g.Reserve(1)
	c := g.Reserve(0)
	if a != 0 || b != 8 || c != 12 || g.Offset() != 12 {
		t.Fatalf("reservations %d, %d, %d and offset %d; want 0, 8, 12 and 12", a, b, c, g.Offset())
	}
	// A reservation advances the stream exactly as a draw of that size.
	h := tensor.NewGenerator(7)
	h.Uniform(tensor.Zeros(5), 0, 1)
	h.Uniform(tensor.Zeros(1), 0, 1)
	if h.Offset() != 12 {
		t.Fatalf("draws of 5 and 1 advance to %d, reservations to 12", h.Offset())
	}
}

func customEqualF32(a, b []float32) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
