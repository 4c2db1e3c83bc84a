package nn

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// LayerNorm normalizes the last dimension to zero mean and unit variance,
// then scales by Weight and shifts by Bias, as PyTorch's nn.LayerNorm over
// one dimension: y = (x-μ)/√(σ²+Eps)·Weight + Bias, σ² the biased variance.
// Weight and Bias are [D]; either may be nil (no affine part, or no bias).
type LayerNorm struct {
	Weight *tensor.Tensor
	Bias   *tensor.Tensor
	Eps    float64
}

// NewLayerNorm returns a LayerNorm over d features with weight 1, bias 0
// and the given eps (PyTorch's default is 1e-5, BERT's 1e-12).
func NewLayerNorm(d int, eps float64) *LayerNorm {
	if d <= 0 {
		panic(fmt.Sprintf("nn: NewLayerNorm: size %d must be positive", d))
	}
	return &LayerNorm{
		Weight: tensor.Ones(d).SetRequiresGrad(true),
		Bias:   tensor.Zeros(d).SetRequiresGrad(true),
		Eps:    eps,
	}
}

// Forward normalizes x [..., D].
func (n *LayerNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if n.Weight != nil && (x.Rank() == 0 || x.Dim(-1) != n.Weight.Dim(0)) {
		panic(fmt.Sprintf("nn: LayerNorm: input shape %v does not end in the layer's %d features", x.Shape(), n.Weight.Dim(0)))
	}
	return tensor.LayerNorm(x, n.Weight, n.Bias, n.Eps)
}

// RMSNorm scales the last dimension by the reciprocal of its root mean
// square and by Weight, as T5's and LLaMA's RMSNorm:
// y = x/√(mean(x²)+Eps)·Weight. Weight [D] may be nil.
type RMSNorm struct {
	Weight *tensor.Tensor
	Eps    float64
}

// NewRMSNorm returns an RMSNorm over d features with weight 1 and the given
// eps (T5 uses 1e-6, LLaMA 1e-5 or 1e-6).
func NewRMSNorm(d int, eps float64) *RMSNorm {
	if d <= 0 {
		panic(fmt.Sprintf("nn: NewRMSNorm: size %d must be positive", d))
	}
	return &RMSNorm{Weight: tensor.Ones(d).SetRequiresGrad(true), Eps: eps}
}

// Forward normalizes x [..., D].
func (n *RMSNorm) Forward(x *tensor.Tensor) *tensor.Tensor {
	if n.Weight != nil && (x.Rank() == 0 || x.Dim(-1) != n.Weight.Dim(0)) {
		panic(fmt.Sprintf("nn: RMSNorm: input shape %v does not end in the layer's %d features", x.Shape(), n.Weight.Dim(0)))
	}
	return tensor.RMSNorm(x, n.Weight, n.Eps)
}
