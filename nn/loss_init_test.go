package nn_test

import (
	"errors"
	"math"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

func TestMSEReductions(t *testing.T) {
	p := tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2)
	y := tensor.FromSlice([]float32{0, 2, 5, 4}, 2, 2)
	if got := nn.MSE(p, y, tensor.ReductionMean).Item(); got != 5.0/4 {
		t.Errorf("mean = %v, want 1.25", got)
	}
	if got := nn.MSE(p, y, tensor.ReductionSum).Item(); got != 5 {
		t.Errorf("sum = %v, want 5", got)
	}
	if got := nn.MSE(p, y, tensor.ReductionNone).Float32s(); got[0] != 1 || got[2] != 4 {
		t.Errorf("none = %v", got)
	}
	expectPanic(t, "prediction shape [2 2] and target shape [4] differ", func() { nn.MSE(p, tensor.Ones(4), tensor.ReductionMean) })
}

func TestBCEWithLogitsIsStableAndMatchesItsDefinition(t *testing.T) {
	x := []float64{-200, -3, -0.5, 0, 0.5, 3, 200}
	y := []float64{0, 1, 0.3, 1, 0, 0.5, 1}
	pw := 2.5
	logits, targets := tensor.FromSlice(x), tensor.FromSlice(y)
	plain := nn.BCEWithLogits(logits, targets, nn.BCEOptions{Reduction: tensor.ReductionNone}).Float64s()
	weighted := nn.BCEWithLogits(logits, targets, nn.BCEOptions{Reduction: tensor.ReductionNone, PosWeight: tensor.FromSlice([]float64{pw})}).Float64s()
	for i := range x {
		// log σ(x) and log(1-σ(x)) in a form exact at large |x|.
		logSig := -math.Log1p(math.Exp(-math.Abs(x[i]))) + math.Min(x[i], 0)
		log1mSig := logSig - x[i]
		want := -(y[i]*logSig + (1-y[i])*log1mSig)
		wantW := -(pw*y[i]*logSig + (1-y[i])*log1mSig)
		if math.Abs(plain[i]-want) > 1e-12*math.Max(1, math.Abs(want)) || math.IsNaN(plain[i]) {
			t.Errorf("x=%v y=%v: loss %v, want %v", x[i], y[i], plain[i], want)
		}
		if math.Abs(weighted[i]-wantW) > 1e-12*math.Max(1, math.Abs(wantW)) {
			t.Errorf("x=%v y=%v: weighted loss %v, want %v", x[i], y[i], weighted[i], wantW)
		}
	}
}

func TestLossGradientsMatchFiniteDifferences(t *testing.T) {
	x := randn(1, 3, 4).As(tensor.Float64).SetRequiresGrad(true)
	y := randn(2, 3, 4).As(tensor.Float64).Sigmoid()
	w := randn(3, 4).As(tensor.Float64).Abs()
	pw := randn(4, 4).As(tensor.Float64).Abs().AddScalar(0.5)
	for name, f := range map[string]func(*tensor.Tensor) *tensor.Tensor{
		"MSE": func(x *tensor.Tensor) *tensor.Tensor { return nn.MSE(x, y, tensor.ReductionMean) },
		"BCEWithLogits": func(x *tensor.Tensor) *tensor.Tensor {
			return nn.BCEWithLogits(x, y, nn.BCEOptions{Weight: w, PosWeight: pw, Reduction: tensor.ReductionSum})
		},
	} {
		if err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor { return f(in[0]) }, []*tensor.Tensor{x}, gradcheck.Options{}); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestCrossEntropyHonoursIgnoreIndexAndLabelSmoothing(t *testing.T) {
	logits := tensor.FromSlice([]float64{2, 0, 0, 0, 1, 0}, 2, 3)
	targets := tensor.FromSlice([]int32{0, -100})
	got := nn.CrossEntropy(logits, targets).Item()
	want := -(2 - math.Log(math.Exp(2)+2))
	if math.Abs(got-want) > 1e-12 {
		t.Fatalf("loss %v, want %v (the ignored row must not count)", got, want)
	}
	smooth := nn.CrossEntropy(logits, targets, tensor.LabelSmoothing(0.3)).Item()
	lse := math.Log(math.Exp(2) + 2)
	wantS := -(0.8*(2-lse) + 0.1*(0-lse) + 0.1*(0-lse))
	if math.Abs(smooth-wantS) > 1e-12 {
		t.Fatalf("smoothed loss %v, want %v", smooth, wantS)
	}
}

func moments(v []float64) (mean, std, lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		mean += x
		lo, hi = min(lo, x), max(hi, x)
	}
	mean /= float64(len(v))
	for _, x := range v {
		std += (x - mean) * (x - mean)
	}
	return mean, math.Sqrt(std / float64(len(v))), lo, hi
}

func TestInitialisersHaveTheirDistributions(t *testing.T) {
	shape := []int{256, 512} // fan-in 512, fan-out 256
	in, out := 512.0, 256.0
	tests := []struct {
		name     string
		init     nn.Init
		mean     float64
		std      float64
		lo, hi   float64 // bounds every value must respect (±Inf for none)
		boundTol float64 // how close the extremes must come to the bounds
	}{
		{"normal", nn.Normal(0.5, 0.02), 0.5, 0.02, math.Inf(-1), math.Inf(1), 0},
		{"uniform", nn.Uniform(-1, 3), 1, 4 / math.Sqrt(12), -1, 3, 0.01},
		{"xavier uniform", nn.XavierUniform(1), 0, math.Sqrt(2 / (in + out)), -math.Sqrt(6 / (in + out)), math.Sqrt(6 / (in + out)), 0.01},
		{"xavier normal", nn.XavierNormal(2), 0, 2 * math.Sqrt(2/(in+out)), math.Inf(-1), math.Inf(1), 0},
		{"kaiming uniform", nn.KaimingUniform(0, nn.FanIn, "relu"), 0, math.Sqrt(2 / in), -math.Sqrt(6 / in), math.Sqrt(6 / in), 0.01},
		{"kaiming normal fan-out", nn.KaimingNormal(0, nn.FanOut, "relu"), 0, math.Sqrt(2 / out), math.Inf(-1), math.Inf(1), 0},
		{"PyTorch linear default", nn.KaimingUniform(math.Sqrt(5), nn.FanIn, "leaky_relu"), 0, 1 / math.Sqrt(in) / math.Sqrt(3), -1 / math.Sqrt(in), 1 / math.Sqrt(in), 0.01},
		// The standard deviation of N(0, 1) truncated to [-2, 2] is 0.8796.
		{"truncated normal", nn.TruncatedNormal(0, 1, -2, 2), 0, 0.8796, -2, 2, 0.01},
		{"constant", nn.Constant(0.25), 0.25, 0, 0.25, 0.25, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			x := tensor.Zeros(shape...)
			tc.init(x, tensor.NewGenerator(42))
			mean, std, lo, hi := moments(x.Float64s())
			n := float64(x.Numel())
			if math.Abs(mean-tc.mean) > 5*tc.std/math.Sqrt(n)+1e-7 {
				t.Errorf("mean %v, want %v", mean, tc.mean)
			}
			if math.Abs(std-tc.std) > 0.01*tc.std+1e-7 {
				t.Errorf("std %v, want %v", std, tc.std)
			}
			if lo < tc.lo-1e-6 || hi > tc.hi+1e-6 {
				t.Errorf("values in [%v, %v] outside [%v, %v]", lo, hi, tc.lo, tc.hi)
			}
			if tc.boundTol > 0 && (lo > tc.lo+tc.boundTol*(tc.hi-tc.lo) || hi < tc.hi-tc.boundTol*(tc.hi-tc.lo)) {
				t.Errorf("values in [%v, %v] do not fill [%v, %v]", lo, hi, tc.lo, tc.hi)
			}
		})
	}
}

func TestInitialisersAreReproducibleFromTheSeed(t *testing.T) {
	a, b := tensor.Zeros(3, 4), tensor.Zeros(3, 4)
	nn.TruncatedNormal(0, 0.02, -0.04, 0.04)(a, tensor.NewGenerator(7))
	nn.TruncatedNormal(0, 0.02, -0.04, 0.04)(b, tensor.NewGenerator(7))
	if maxAbsDiff(a.Float64s(), b.Float64s()) != 0 {
		t.Fatal("one seed gave two tensors")
	}
}

func TestFansAndGains(t *testing.T) {
	in, out := nn.Fans([]int{8, 3, 5, 5})
	if in != 75 || out != 200 {
		t.Fatalf("Fans = %d, %d; want 75, 200", in, out)
	}
	expectPanic(t, "fewer than two dimensions", func() { nn.Fans([]int{5}) })
	if g := nn.Gain("leaky_relu", 0.01); math.Abs(g-math.Sqrt(2/(1+1e-4))) > 1e-15 {
		t.Fatalf("leaky_relu gain %v", g)
	}
	if nn.Gain("tanh", 0) != 5.0/3 {
		t.Fatal("tanh gain")
	}
	expectPanic(t, "unknown nonlinearity", func() { nn.Gain("bogus", 0) })
}

func TestInitMatchingFillsOnlyMatchingParameters(t *testing.T) {
	m := newModel()
	n, err := nn.InitMatching(m, nn.Constant(3), tensor.NewGenerator(1), "*.bias")
	if err != nil || n != 10 {
		t.Fatalf("InitMatching = %d, %v; want 10, nil", n, err)
	}
	if m.Layers[1].Norm.Bias.Float64s()[0] != 3 || m.Layers[1].Norm.Weight.Float64s()[0] != 1 {
		t.Fatal("InitMatching filled the wrong tensors")
	}
	if _, err := nn.InitMatching(m, nn.Zeros(), nil, "nothing.*"); !errors.Is(err, nn.ErrNoMatch) {
		t.Fatalf("error %v, want ErrNoMatch", err)
	}
}
