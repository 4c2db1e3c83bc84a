package gpt

import (
	"fmt"

	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// ForSequenceClassification is GPT-2 with a classification (or
// regression) head on the last token of each sequence, Hugging Face's
// GPT2ForSequenceClassification: score is a linear layer without bias
// from n_embd to Config.NumLabels().
type ForSequenceClassification struct {
	Transformer *Model     `nn:"transformer"`
	Score       *nn.Linear `nn:"score"`
}

// NewForSequenceClassification returns the model initialised from g (nil:
// zeros, to be loaded; the score head of a pre-trained body keeps the
// values drawn from g when the checkpoint lacks it).
func NewForSequenceClassification(c Config, g *tensor.Generator) *ForSequenceClassification {
	m := &ForSequenceClassification{Transformer: New(c, g), Score: nn.NewLinear(c.NEmbd, c.NumLabels(), false, nil)}
	if g != nil {
		g.Normal(m.Score.Weight.Detach(), 0, c.InitializerRange)
	}
	return m
}

// ClassifierInputs is a batch for ForSequenceClassification.
type ClassifierInputs struct {
	// IDs [B, T] (Int32) and Mask [B, T] (1 token, 0 padding; nil: none)
	// as in lm.Inputs.
	IDs, Mask *tensor.Tensor
	// Labels, when set, are the targets of the loss: Int32 [B] classes
	// (single-label), float [B] values (regression, one label), or float
	// [B, labels] of 0 and 1 (multi-label).
	Labels *tensor.Tensor
}

// ClassifierOutput is the result of ForSequenceClassification.Forward.
type ClassifierOutput struct {
	// Logits [B, labels] are the scores of each sequence's last token.
	Logits *tensor.Tensor
	// Loss is the loss of Labels, when set: cross-entropy for
	// single-label classification, mean squared error for regression,
	// binary cross-entropy with logits for multi-label classification.
	Loss *tensor.Tensor
}

// Forward scores each sequence by its last token: the last position the
// mask marks as a token, or, without a mask, the last position whose id
// is not Config.PadTokenID (when set), or else the last position — so
// that left and right padding both work.
func (m *ForSequenceClassification) Forward(in ClassifierInputs) ClassifierOutput {
	h, _ := m.Transformer.Forward(lm.Inputs{IDs: in.IDs, Mask: in.Mask})
	logits := m.Score.Forward(h) // [B, T, labels]
	idx := m.lastTokens(in.IDs, in.Mask)
	b, t, c := logits.Dim(0), logits.Dim(1), logits.Dim(2)
	for i := range idx {
		idx[i] += int32(i * t)
	}
	pooled := logits.Reshape(b*t, c).IndexSelect(0, tensor.FromSlice(idx, b).To(logits.Device()))
	out := ClassifierOutput{Logits: pooled}
	if in.Labels != nil {
		out.Loss = m.loss(pooled, in.Labels)
	}
	return out
}

// lastTokens returns the index of each row's last token.
func (m *ForSequenceClassification) lastTokens(ids, mask *tensor.Tensor) []int32 {
	b, t := ids.Dim(0), ids.Dim(1)
	idx := make([]int32, b)
	var keep []int32
	switch pad := m.Transformer.Config.PadTokenID; {
	case mask != nil:
		keep = mask.Detach().To(tensor.CPU).Contiguous().Int32s()
	case pad != nil:
		keep = ids.Detach().To(tensor.CPU).Contiguous().Int32s()
		for i, id := range keep {
			keep[i] = 0
			if int(id) != *pad {
				keep[i] = 1
			}
		}
	default:
		for i := range idx {
			idx[i] = int32(t - 1)
		}
		return idx
	}
	for r := range b {
		for j := range t {
			if keep[r*t+j] != 0 {
				idx[r] = int32(j)
			}
		}
	}
	return idx
}

// loss picks the loss as transformers does: the configured problem type,
// or regression for one label, single-label classification for integer
// labels and multi-label classification otherwise.
func (m *ForSequenceClassification) loss(logits, labels *tensor.Tensor) *tensor.Tensor {
	c := m.Transformer.Config
	kind := c.ProblemType
	if kind == "" {
		switch {
		case c.NumLabels() == 1:
			kind = "regression"
		case labels.DType() == tensor.Int32:
			kind = "single_label_classification"
		default:
			kind = "multi_label_classification"
		}
	}
	b := logits.Dim(0)
	switch kind {
	case "regression":
		if labels.Numel() != logits.Numel() {
			panic(fmt.Sprintf("gpt: ForSequenceClassification: regression labels %v for logits %v", labels.Shape(), logits.Shape()))
		}
		return nn.MSE(logits.Reshape(-1), labels.As(logits.DType()).Reshape(-1), tensor.ReductionMean)
	case "single_label_classification":
		if labels.DType() != tensor.Int32 || labels.Numel() != b {
			panic(fmt.Sprintf("gpt: ForSequenceClassification: labels %s %v, want Int32 [%d]", labels.DType(), labels.Shape(), b))
		}
		return nn.CrossEntropy(logits, labels.Reshape(b))
	case "multi_label_classification":
		return nn.BCEWithLogits(logits, labels.As(logits.DType()).Reshape(logits.Shape()...), nn.BCEOptions{})
	}
	panic(fmt.Sprintf("gpt: ForSequenceClassification: unknown problem_type %q", kind))
}
