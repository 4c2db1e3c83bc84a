package bert

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// Pooling says how Model.Embed makes one vector of a sequence's hidden
// states.
type Pooling int

// The poolings of sentence embeddings.
const (
	// Mean averages the hidden states of the tokens (not the padding), as
	// sentence-transformers models (all-MiniLM-L6-v2, ...) do.
	Mean Pooling = iota
	// CLS takes the hidden state of the first token, [CLS].
	CLS
	// Pooled takes the pooler's output (tanh of a dense layer over
	// [CLS]), as BERT's next-sentence head sees it.
	Pooled
)

// String returns "mean", "cls" or "pooled".
func (p Pooling) String() string {
	switch p {
	case Mean:
		return "mean"
	case CLS:
		return "cls"
	case Pooled:
		return "pooled"
	}
	return fmt.Sprintf("Pooling(%d)", int(p))
}

// ParsePooling returns the pooling named "mean", "cls" or "pooled".
func ParsePooling(s string) (Pooling, error) {
	for _, p := range []Pooling{Mean, CLS, Pooled} {
		if p.String() == s {
			return p, nil
		}
	}
	return 0, fmt.Errorf("bert: unknown pooling %q (want mean, cls or pooled)", s)
}

// EmbedOptions configures Model.Embed.
type EmbedOptions struct {
	Pooling Pooling
	// Normalize scales each embedding to unit length (for cosine
	// similarity by dot product), as sentence-transformers' Normalize.
	Normalize bool
}

// Embed returns one vector [B, H] per sequence of the batch: sentence
// embeddings. For inference, call it on nn.Detached(model), which records
// no gradient.
func (m *Model) Embed(in Input, o EmbedOptions) *tensor.Tensor {
	in.AllHidden = false
	out := m.Forward(in)
	var e *tensor.Tensor
	switch o.Pooling {
	case Mean:
		h := out.Hidden
		if in.Mask == nil {
			e = h.Mean(1)
			break
		}
		w := in.Mask.As(h.DType()).Unsqueeze(2) // [B, T, 1]
		n := w.Sum(1).Clamp(1e-9, 1e300)        // [B, 1]
		e = h.Mul(w).Sum(1).Div(n)
	case CLS:
		e = out.Hidden.Select(1, 0)
	case Pooled:
		if out.Pooled == nil {
			panic("bert: Embed: the model has no pooler")
		}
		e = out.Pooled
	default:
		panic(fmt.Sprintf("bert: Embed: unknown pooling %d", int(o.Pooling)))
	}
	if o.Normalize {
		norm := e.Square().Sum(1).Unsqueeze(1).Sqrt().Clamp(1e-12, 1e300)
		e = e.Div(norm)
	}
	return e
}
