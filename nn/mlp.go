package nn

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// MLP is the position-wise feed-forward block of a transformer:
//
//	Down(Dropout(Act(Up(x))))                 plain (BERT, GPT-2, nn.Transformer)
//	Down(Dropout(Act(Gate(x)) · Up(x)))       gated (SwiGLU with SiLU, GEGLU with GELU)
//
// Its parameter names follow PyTorch's nn.TransformerEncoderLayer: Up is
// "linear1", Down "linear2", and the gate "gate".
type MLP struct {
	Up      *Linear `nn:"linear1"`
	Gate    *Linear `nn:"gate"` // nil unless gated
	Down    *Linear `nn:"linear2"`
	Act     Activation
	Dropout *Dropout `nn:"dropout"`
}

// MLPConfig describes an MLP.
type MLPConfig struct {
	Dim     int        // input and output features
	Hidden  int        // inner features (often 4·Dim; 8/3·Dim for SwiGLU)
	Act     Activation // nonlinearity (of the gate when Gated)
	Gated   bool       // add a gate projection (SwiGLU, GEGLU)
	NoBias  bool       // linear layers without bias (LLaMA)
	Dropout float64    // dropout on the hidden activations during training
}

// NewMLP returns an MLP initialised from g as PyTorch initialises its
// linear layers (g nil: zeros, to be loaded), drawing masks from g too.
func NewMLP(c MLPConfig, g *tensor.Generator) *MLP {
	if c.Dim <= 0 || c.Hidden <= 0 {
		panic(fmt.Sprintf("nn: NewMLP: sizes Dim=%d, Hidden=%d must be positive", c.Dim, c.Hidden))
	}
	m := &MLP{Act: c.Act}
	m.Up = NewLinear(c.Dim, c.Hidden, !c.NoBias, g)
	if c.Gated {
		m.Gate = NewLinear(c.Dim, c.Hidden, !c.NoBias, g)
	}
	m.Down = NewLinear(c.Hidden, c.Dim, !c.NoBias, g)
	if c.Dropout > 0 {
		m.Dropout = NewDropout(c.Dropout, g)
	}
	return m
}

// Forward maps x [..., Dim] to [..., Dim].
func (m *MLP) Forward(x *tensor.Tensor) *tensor.Tensor {
	var h *tensor.Tensor
	if m.Gate != nil {
		h = m.Gate.ForwardAct(x, m.Act).Mul(m.Up.Forward(x))
	} else {
		h = m.Up.ForwardAct(x, m.Act)
	}
	return m.Down.Forward(m.Dropout.Forward(h))
}
