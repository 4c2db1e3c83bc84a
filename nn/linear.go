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
	if x.Rank() == 0 || x.Dim(-1) != l.In() {
		panic(fmt.Sprintf("nn: Linear: input shape %v does not end in the layer's %d input features (weight %v)", x.Shape(), l.In(), l.Weight.Shape()))
	}
	return Project(x, l.Weight, l.Bias)
}

// Project returns x·wᵀ + b for x [..., in], w [out, in] and b [out] (nil:
// none), as tensor.Linear does, but as one op: the bias is added in place
// to the product, and the backward pass computes the three gradients
// directly (dx = g·w, dw = gᵀ·x, db = Σ g) instead of copying the upstream
// gradient through a broadcast add. It is what Linear.Forward uses.
func Project(x, w, b *tensor.Tensor) *tensor.Tensor {
	if w.Rank() != 2 || x.Rank() == 0 || x.Dim(-1) != w.Dim(1) || (b != nil && (b.Rank() != 1 || b.Dim(0) != w.Dim(0))) {
		var bs []int
		if b != nil {
			bs = b.Shape()
		}
		panic(fmt.Sprintf("nn: Project: input %v, weight %v and bias %v do not match", x.Shape(), w.Shape(), bs))
	}
	if x.DType() != w.DType() || (b != nil && b.DType() != w.DType()) || x.Device() != w.Device() || (b != nil && b.Device() != w.Device()) {
		return tensor.Linear(x, w, b) // let tensor report the mismatch
	}
	in, out := w.Dim(1), w.Dim(0)
	shape := x.Shape()
	rows := x.Numel() / max(in, 1)
	if rows == 0 || in == 0 {
		return tensor.Linear(x, w, b)
	}
	xd, wd := x.Detach(), w.Detach()
	x2 := xd.Reshape(rows, in)
	y := tensor.Empty(x.Device(), x.DType(), rows, out)
	be, err := tensor.BackendFor(x.Device())
	if err != nil {
		panic(fmt.Sprintf("nn: Project: %v", err))
	}
	be.MatMul(y.View(), x2.View(), wd.T().View(), 1, 0)
	if b != nil {
		addRows(be, y, b.Detach(), rows, out)
	}
	outShape := append(shape[:len(shape)-1:len(shape)-1], out)
	y = y.Reshape(outShape...)
	inputs := []*tensor.Tensor{x, w}
	if b != nil {
		inputs = append(inputs, b)
	}
	needX, needW, needB := x.RequiresGrad(), w.RequiresGrad(), b != nil && b.RequiresGrad()
	if !needX && !needW && !needB {
		return y
	}
	return tensor.CustomOp("Project", y, func(g *tensor.Tensor) []*tensor.Tensor {
		g2 := g.Reshape(rows, out)
		grads := make([]*tensor.Tensor, len(inputs))
		if needX {
			grads[0] = g2.MatMul(wd).Reshape(shape...)
		}
		if needW {
			grads[1] = g2.T().MatMul(x2)
		}
		if needB {
			grads[2] = g2.Sum(0)
		}
		return grads
	}, inputs...)
}

// addRows adds b [out] to every row of the fresh y [rows, out] in place, as
// one broadcast add (the CPU backend runs a broadcast row through its
// vector kernel).
func addRows(be tensor.Backend, y, b *tensor.Tensor, rows, out int) {
	yv := y.View()
	be.Binary(tensor.OpAdd, yv, yv, b.Expand(rows, out).View())
}
