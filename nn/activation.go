package nn

import (
	"fmt"
	"strings"

	"github.com/goformer/goformer/tensor"
)

// Activation names an elementwise nonlinearity.
type Activation int

// The activations. The zero value is ReLU, PyTorch's default for
// nn.Transformer layers.
const (
	ReLU     Activation = iota // max(x, 0)
	GELU                       // x·Φ(x) with the exact error function (BERT, PyTorch "gelu")
	GELUTanh                   // the tanh approximation of GELU (GPT-2's "gelu_new")
	SiLU                       // x·sigmoid(x), also called swish (LLaMA's SwiGLU gate)
	Tanh                       // tanh x
	Sigmoid                    // 1/(1+e^-x)
	Identity                   // x
)

var activationNames = [...]string{"relu", "gelu", "gelu_tanh", "silu", "tanh", "sigmoid", "identity"}

// String returns the activation's name ("gelu").
func (a Activation) String() string {
	if a >= 0 && int(a) < len(activationNames) {
		return activationNames[a]
	}
	return fmt.Sprintf("Activation(%d)", int(a))
}

// ParseActivation returns the activation with the given name, accepting
// the names Hugging Face configurations use: "relu", "gelu", "gelu_new",
// "gelu_pytorch_tanh", "gelu_tanh", "silu", "swish", "tanh", "sigmoid",
// "identity", "linear".
func ParseActivation(name string) (Activation, error) {
	switch strings.ToLower(name) {
	case "relu":
		return ReLU, nil
	case "gelu", "gelu_python":
		return GELU, nil
	case "gelu_new", "gelu_pytorch_tanh", "gelu_tanh", "gelu_fast":
		return GELUTanh, nil
	case "silu", "swish":
		return SiLU, nil
	case "tanh":
		return Tanh, nil
	case "sigmoid":
		return Sigmoid, nil
	case "identity", "linear", "none":
		return Identity, nil
	}
	return 0, fmt.Errorf("nn: unknown activation %q", name)
}

// Apply returns the activation of x.
func (a Activation) Apply(x *tensor.Tensor) *tensor.Tensor {
	switch a {
	case ReLU:
		return x.ReLU()
	case GELU:
		return x.GELU()
	case GELUTanh:
		return x.GELUTanh()
	case SiLU:
		return x.SiLU()
	case Tanh:
		return x.Tanh()
	case Sigmoid:
		return x.Sigmoid()
	case Identity:
		return x
	}
	panic(fmt.Sprintf("nn: Apply: unknown activation %d", int(a)))
}

// unaryOps maps the activations that are one elementwise tensor op to it.
var unaryOps = map[Activation]tensor.UnaryOp{
	ReLU: tensor.OpReLU, GELU: tensor.OpGELU, GELUTanh: tensor.OpGELUTanh,
	SiLU: tensor.OpSiLU, Tanh: tensor.OpTanh, Sigmoid: tensor.OpSigmoid,
}
