package nn

import (
	"fmt"
	"math"
	"path"

	"github.com/goformer/goformer/tensor"
)

// An Init fills a tensor in place with initial values drawn from g (which
// advances), as torch.nn.init's functions do. Draws are counter-based
// (see tensor.Generator), so a seed gives the same values on every device.
type Init func(t *tensor.Tensor, g *tensor.Generator)

// Constant fills with v.
func Constant(v float64) Init { return func(t *tensor.Tensor, _ *tensor.Generator) { t.Fill(v) } }

// Zeros fills with 0.
func Zeros() Init { return Constant(0) }

// Ones fills with 1.
func Ones() Init { return Constant(1) }

// Uniform draws uniformly from [lo, hi).
func Uniform(lo, hi float64) Init {
	return func(t *tensor.Tensor, g *tensor.Generator) { g.Uniform(t, lo, hi) }
}

// Normal draws from the normal distribution with the given mean and
// standard deviation (BERT and GPT-2 use Normal(0, 0.02)).
func Normal(mean, std float64) Init {
	return func(t *tensor.Tensor, g *tensor.Generator) { g.Normal(t, mean, std) }
}

// TruncatedNormal draws from the normal distribution with the given mean and
// standard deviation conditioned on lying in [lo, hi] (absolute bounds, as
// torch.nn.init.trunc_normal_; ViT uses std 0.02 in [-2, 2]). It samples by
// inverting the distribution function, so every draw lands in the interval.
func TruncatedNormal(mean, std, lo, hi float64) Init {
	if !(lo < hi) || std <= 0 {
		panic(fmt.Sprintf("nn: TruncatedNormal: need lo < hi and std > 0, got [%v, %v] and std %v", lo, hi, std))
	}
	return func(t *tensor.Tensor, g *tensor.Generator) {
		phi := func(x float64) float64 { return 0.5 * (1 + math.Erf(x/math.Sqrt2)) }
		pl, ph := phi((lo-mean)/std), phi((hi-mean)/std)
		u := tensor.Zeros(t.Shape()...).As(tensor.Float64)
		g.Uniform(u, 0, 1)
		vals := u.Float64s()
		for i, v := range vals {
			p := pl + v*(ph-pl)
			x := mean + std*math.Sqrt2*math.Erfinv(2*p-1)
			vals[i] = min(max(x, lo), hi)
		}
		t.CopyFrom(tensor.FromSlice(vals, t.Shape()...))
	}
}

// Fans returns the fan-in and fan-out of a weight of the given shape, as
// PyTorch computes them: for [out, in, k...] fan-in is in·Πk and fan-out
// out·Πk. Shapes of rank below 2 panic.
func Fans(shape []int) (fanIn, fanOut int) {
	if len(shape) < 2 {
		panic(fmt.Sprintf("nn: Fans: a weight of shape %v has fewer than two dimensions", shape))
	}
	recept := 1
	for _, d := range shape[2:] {
		recept *= d
	}
	return shape[1] * recept, shape[0] * recept
}

// Gain returns the recommended gain for a nonlinearity, as
// torch.nn.init.calculate_gain: 1 for "linear", "identity", "sigmoid" and
// the convolutions; 5/3 for "tanh"; √2 for "relu"; √(2/(1+slope²)) for
// "leaky_relu" with negative slope param (PyTorch's default slope is
// 0.01); 3/4 for "selu". Unknown names panic.
func Gain(nonlinearity string, param float64) float64 {
	switch nonlinearity {
	case "linear", "identity", "sigmoid", "conv1d", "conv2d", "conv3d",
		"conv_transpose1d", "conv_transpose2d", "conv_transpose3d":
		return 1
	case "tanh":
		return 5.0 / 3
	case "relu":
		return math.Sqrt2
	case "leaky_relu":
		return math.Sqrt(2 / (1 + param*param))
	case "selu":
		return 0.75
	}
	panic(fmt.Sprintf("nn: Gain: unknown nonlinearity %q", nonlinearity))
}

// XavierUniform draws from U(-a, a) with a = gain·√(6/(fanIn+fanOut))
// (Glorot & Bengio).
func XavierUniform(gain float64) Init {
	return func(t *tensor.Tensor, g *tensor.Generator) {
		in, out := Fans(t.Shape())
		a := gain * math.Sqrt(6/float64(in+out))
		g.Uniform(t, -a, a)
	}
}

// XavierNormal draws from N(0, σ²) with σ = gain·√(2/(fanIn+fanOut)).
func XavierNormal(gain float64) Init {
	return func(t *tensor.Tensor, g *tensor.Generator) {
		in, out := Fans(t.Shape())
		g.Normal(t, 0, gain*math.Sqrt(2/float64(in+out)))
	}
}

// FanMode selects which fan Kaiming initialisation preserves.
type FanMode int

// The fan modes.
const (
	FanIn  FanMode = iota // preserve the variance of the forward pass
	FanOut                // preserve the variance of the backward pass
)

func kaimingStd(shape []int, a float64, mode FanMode, nonlinearity string) float64 {
	in, out := Fans(shape)
	fan := in
	if mode == FanOut {
		fan = out
	}
	return Gain(nonlinearity, a) / math.Sqrt(float64(fan))
}

// KaimingUniform draws from U(-b, b) with b = gain·√(3/fan) (He et al.),
// the gain of nonlinearity with parameter a. PyTorch's nn.Linear default is
// KaimingUniform(√5, FanIn, "leaky_relu"), which gives b = 1/√fanIn.
func KaimingUniform(a float64, mode FanMode, nonlinearity string) Init {
	return func(t *tensor.Tensor, g *tensor.Generator) {
		b := math.Sqrt(3) * kaimingStd(t.Shape(), a, mode, nonlinearity)
		g.Uniform(t, -b, b)
	}
}

// KaimingNormal draws from N(0, σ²) with σ = gain/√fan.
func KaimingNormal(a float64, mode FanMode, nonlinearity string) Init {
	return func(t *tensor.Tensor, g *tensor.Generator) {
		g.Normal(t, 0, kaimingStd(t.Shape(), a, mode, nonlinearity))
	}
}

// InitMatching applies init to the parameters of m whose names match one
// of the patterns (as in FreezeMatching: "*.weight", "encoder.*.bias"),
// drawing from g in the order of Params, and returns how many it filled.
// A pattern that matches nothing returns an error wrapping ErrNoMatch.
func InitMatching(m any, init Init, g *tensor.Generator, patterns ...string) (int, error) {
	used := make([]bool, len(patterns))
	n := 0
	for i, pat := range patterns {
		if !validPattern(pat) {
			return 0, fmt.Errorf("nn: InitMatching: pattern %q: %w", patterns[i], path.ErrBadPattern)
		}
	}
	for _, p := range Params(m) {
		hit := false
		for i, pat := range patterns {
			if MatchName(pat, p.Name) {
				used[i], hit = true, true
			}
		}
		if hit {
			init(p.Tensor, g)
			n++
		}
	}
	for i, u := range used {
		if !u {
			return n, fmt.Errorf("nn: InitMatching: %q: %w", patterns[i], ErrNoMatch)
		}
	}
	return n, nil
}
