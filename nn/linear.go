package nn

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/tensor"
)

// Linear is a fully connected layer, y = x·Wᵀ + b, with PyTorch's layout:
// Weight [out, in] and Bias [out] (nil for a layer without bias).
type Linear struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
}

// NewLinear returns a float32 Linear layer from in to out features,
// initialised as PyTorch's nn.Linear (weight and bias uniform in
// ±1/√in) from g, and requiring gradients. With a nil g the parameters stay
// zero, for layers about to be loaded from a checkpoint.
func NewLinear(in, out int, bias bool, g *tensor.Generator) *Linear {
	if in <= 0 || out <= 0 {
		panic(fmt.Sprintf("nn: NewLinear: sizes in=%d, out=%d must be positive", in, out))
	}
	l := &Linear{Weight: tensor.Zeros(out, in)}
	if bias {
		l.Bias = tensor.Zeros(out)
	}
	if g != nil {
		KaimingUniform(math.Sqrt(5), FanIn, "leaky_relu")(l.Weight, g)
		if bias {
			b := 1 / math.Sqrt(float64(in))
			g.Uniform(l.Bias, -b, b)
		}
	}
	l.Weight.SetRequiresGrad(true)
	if bias {
		l.Bias.SetRequiresGrad(true)
	}
	return l
}

// In returns the number of input features.
func (l *Linear) In() int { return l.Weight.Dim(1) }

// Out returns the number of output features.
func (l *Linear) Out() int { return l.Weight.Dim(0) }

// Forward maps x [..., in] to [..., out].
func (l *Linear) Forward(x *tensor.Tensor) *tensor.Tensor {
	l.check(x)
	return tensor.Linear(x, l.Weight, l.Bias)
}

// ForwardAct maps x [..., in] to act(x·Wᵀ + b), with the bias and the
// activation applied in one pass over the product (tensor.LinearAct) when
// act is one elementwise op.
func (l *Linear) ForwardAct(x *tensor.Tensor, act Activation) *tensor.Tensor {
	l.check(x)
	if op, ok := unaryOps[act]; ok {
		return tensor.LinearAct(x, l.Weight, l.Bias, op)
	}
	return act.Apply(tensor.Linear(x, l.Weight, l.Bias))
}

func (l *Linear) check(x *tensor.Tensor) {
	if x.Rank() == 0 || x.Dim(-1) != l.In() {
		panic(fmt.Sprintf("nn: Linear: input shape %v does not end in the layer's %d input features (weight %v)", x.Shape(), l.In(), l.Weight.Shape()))
	}
}

// Project returns x·wᵀ + b for x [..., in], w [out, in] and b [out] (nil:
// none): tensor.Linear, one op with a direct backward pass. It is what
// Linear.Forward computes, for callers holding the weights themselves
// (attention's packed projections, tied output layers).
func Project(x, w, b *tensor.Tensor) *tensor.Tensor { return tensor.Linear(x, w, b) }
