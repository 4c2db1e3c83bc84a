package nn_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

func randn(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(rand.New(rand.NewPCG(seed, 99)), shape...)
}

func maxAbsDiff(a, b []float64) float64 {
	m := 0.0
	for i := range a {
		m = max(m, math.Abs(a[i]-b[i]))
	}
	return m
}

func expectPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s, _ := r.(string)
		if r == nil || !strings.Contains(s, want) {
			t.Fatalf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

func TestLinearComputesXWtPlusB(t *testing.T) {
	l := &nn.Linear{
		Weight: tensor.FromSlice([]float32{1, 2, 3, 4, 5, 6}, 2, 3),
		Bias:   tensor.FromSlice([]float32{10, 20}),
	}
	x := tensor.FromSlice([]float32{1, 0, -1, 2, 1, 0}, 2, 3)
	got := l.Forward(x).Float32s()
	want := []float32{1 - 3 + 10, 4 - 6 + 20, 2 + 2 + 10, 8 + 5 + 20}
	for i := range want {
		if got[i] != want[i] {
			t.Fatalf("Linear = %v, want %v", got, want)
		}
	}
	if l.In() != 3 || l.Out() != 2 {
		t.Fatalf("In, Out = %d, %d", l.In(), l.Out())
	}
	expectPanic(t, "does not end in the layer's 3 input features", func() { l.Forward(tensor.Ones(2, 4)) })
}

func TestNewLinearInitialisesWithinPyTorchBounds(t *testing.T) {
	l := nn.NewLinear(64, 32, true, tensor.NewGenerator(3))
	bound := 1 / math.Sqrt(64)
	for _, p := range []*tensor.Tensor{l.Weight, l.Bias} {
		vals := p.Float64s()
		lo, hi := 1.0, -1.0
		for _, v := range vals {
			lo, hi = min(lo, v), max(hi, v)
		}
		if lo < -bound || hi > bound || hi-lo < bound {
			t.Fatalf("values in [%v, %v], want spread over ±%v", lo, hi, bound)
		}
		if !p.RequiresGrad() {
			t.Fatal("new parameters must require gradients")
		}
	}
	z := nn.NewLinear(4, 4, false, nil)
	if z.Bias != nil || z.Weight.Float64s()[0] != 0 {
		t.Fatal("NewLinear with no bias or no generator")
	}
}

func TestNormsMatchTheirFormulas(t *testing.T) {
	x := randn(1, 3, 8).As(tensor.Float64)
	ln := nn.Cast(nn.NewLayerNorm(8, 1e-5), tensor.Float64)
	rms := nn.Cast(nn.NewRMSNorm(8, 1e-6), tensor.Float64)
	ln.Weight.CopyFrom(randn(2, 8))
	ln.Bias.CopyFrom(randn(3, 8))
	rms.Weight.CopyFrom(randn(4, 8))
	xs, w, b, rw := x.Float64s(), ln.Weight.Float64s(), ln.Bias.Float64s(), rms.Weight.Float64s()
	gl, gr := ln.Forward(x).Float64s(), rms.Forward(x).Float64s()
	for r := range 3 {
		row := xs[8*r : 8*r+8]
		mean, sq := 0.0, 0.0
		for _, v := range row {
			mean += v / 8
			sq += v * v / 8
		}
		v := 0.0
		for _, x := range row {
			v += (x - mean) * (x - mean) / 8
		}
		for j, x := range row {
			if want := (x-mean)/math.Sqrt(v+1e-5)*w[j] + b[j]; math.Abs(gl[8*r+j]-want) > 1e-12 {
				t.Fatalf("LayerNorm[%d,%d] = %v, want %v", r, j, gl[8*r+j], want)
			}
			if want := x / math.Sqrt(sq+1e-6) * rw[j]; math.Abs(gr[8*r+j]-want) > 1e-12 {
				t.Fatalf("RMSNorm[%d,%d] = %v, want %v", r, j, gr[8*r+j], want)
			}
		}
	}
	expectPanic(t, "does not end in the layer's 8 features", func() { ln.Forward(tensor.Ones(2, 3).As(tensor.Float64)) })
	expectPanic(t, "does not end in the layer's 8 features", func() { rms.Forward(tensor.Ones(2, 3).As(tensor.Float64)) })
}

func TestMLPVariants(t *testing.T) {
	g := tensor.NewGenerator(5)
	x := randn(6, 2, 3, 4)
	tests := []struct {
		name string
		cfg  nn.MLPConfig
		ref  func(m *nn.MLP) *tensor.Tensor
	}{
		{"plain ReLU", nn.MLPConfig{Dim: 4, Hidden: 6, Act: nn.ReLU}, func(m *nn.MLP) *tensor.Tensor {
			return tensor.Linear(tensor.Linear(x, m.Up.Weight, m.Up.Bias).ReLU(), m.Down.Weight, m.Down.Bias)
		}},
		{"SwiGLU without bias", nn.MLPConfig{Dim: 4, Hidden: 6, Act: nn.SiLU, Gated: true, NoBias: true}, func(m *nn.MLP) *tensor.Tensor {
			h := x.MatMul(m.Gate.Weight.T()).SiLU().Mul(x.MatMul(m.Up.Weight.T()))
			return h.MatMul(m.Down.Weight.T())
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := nn.NewMLP(tc.cfg, g)
			got, want := m.Forward(x).Float64s(), tc.ref(m).Float64s()
			if d := maxAbsDiff(got, want); d > 1e-6 {
				t.Fatalf("differs from its definition by %g", d)
			}
		})
	}
}

func TestActivationsParseHuggingFaceNames(t *testing.T) {
	for name, want := range map[string]nn.Activation{
		"relu": nn.ReLU, "gelu": nn.GELU, "gelu_new": nn.GELUTanh, "gelu_pytorch_tanh": nn.GELUTanh,
		"swish": nn.SiLU, "SiLU": nn.SiLU, "tanh": nn.Tanh, "linear": nn.Identity,
	} {
		got, err := nn.ParseActivation(name)
		if err != nil || got != want {
			t.Errorf("ParseActivation(%q) = %v, %v; want %v", name, got, err, want)
		}
		if _, err := nn.ParseActivation(got.String()); err != nil {
			t.Errorf("%v does not parse its own name: %v", got, err)
		}
	}
	if _, err := nn.ParseActivation("mish2"); err == nil {
		t.Error("an unknown activation parsed")
	}
}

func TestLayerGradientsMatchFiniteDifferences(t *testing.T) {
	g := tensor.NewGenerator(9)
	mlp := nn.Cast(nn.NewMLP(nn.MLPConfig{Dim: 5, Hidden: 7, Act: nn.GELU, Gated: true}, g), tensor.Float64)
	ln := nn.Cast(nn.NewLayerNorm(5, 1e-5), tensor.Float64)
	rms := nn.Cast(nn.NewRMSNorm(5, 1e-6), tensor.Float64)
	x := randn(10, 3, 5).As(tensor.Float64).SetRequiresGrad(true)
	layers := map[string]func(*tensor.Tensor) *tensor.Tensor{
		"MLP": mlp.Forward, "LayerNorm": ln.Forward, "RMSNorm": rms.Forward,
	}
	params := map[string]any{"MLP": mlp, "LayerNorm": ln, "RMSNorm": rms}
	for name, f := range layers {
		t.Run(name, func(t *testing.T) {
			inputs := []*tensor.Tensor{x}
			for _, p := range nn.Params(params[name]) {
				inputs = append(inputs, p.Tensor)
			}
			if err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor { return f(in[0]) }, inputs, gradcheck.Options{}); err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestDropoutValidatesItsProbability(t *testing.T) {
	expectPanic(t, "not in [0, 1]", func() { nn.NewDropout(1.5, tensor.NewGenerator(1)) })
	d0 := nn.NewDropout(0.1, nil)
	d0.SetTraining(true)
	expectPanic(t, "needs a generator", func() { d0.Forward(tensor.Ones(2)) })
	var d *nn.Dropout
	x := tensor.Ones(3)
	if d0.SetTraining(false); d0.Forward(x) != x {
		t.Fatal("an evaluating Dropout without a generator must pass its input through")
	}
	if d.Forward(x) != x || d.Active() {
		t.Fatal("a nil Dropout must pass its input through")
	}
}

func TestProjectGradientsOnStridedInputs(t *testing.T) {
	w := randn(1, 4, 3).As(tensor.Float64).SetRequiresGrad(true)
	b := randn(2, 4).As(tensor.Float64).SetRequiresGrad(true)
	// x [2, 5, 3] as a transposed view of [2, 3, 5].
	x := randn(3, 2, 3, 5).As(tensor.Float64).Transpose(1, 2).Detach().SetRequiresGrad(true)
	for _, withBias := range []bool{true, false} {
		inputs := []*tensor.Tensor{x, w}
		if withBias {
			inputs = append(inputs, b)
		}
		err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor {
			var bias *tensor.Tensor
			if withBias {
				bias = in[2]
			}
			return nn.Project(in[0], in[1], bias)
		}, inputs, gradcheck.Options{})
		if err != nil {
			t.Fatalf("bias=%v: %v", withBias, err)
		}
	}
	want := tensor.Linear(x, w, b).Float64s()
	if d := maxAbsDiff(nn.Project(x, w, b).Float64s(), want); d > 1e-12 {
		t.Fatalf("Project differs from tensor.Linear by %g", d)
	}
	expectPanic(t, "do not match", func() { nn.Project(x, w, tensor.Zeros(3).As(tensor.Float64)) })
}
