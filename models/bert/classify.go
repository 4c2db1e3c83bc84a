package bert

import (
	"fmt"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// ForSequenceClassification is BERT with a classification (or regression)
// head on the pooled output: BertForSequenceClassification.
type ForSequenceClassification struct {
	Bert       *Model      `nn:"bert"`
	Dropout    *nn.Dropout `nn:"dropout"`
	Classifier *nn.Linear  `nn:"classifier"`
}

// NewForSequenceClassification returns a classifier over c.NumLabels()
// classes (one: regression), initialised from g as New.
func NewForSequenceClassification(c Config, g *tensor.Generator) *ForSequenceClassification {
	m := &ForSequenceClassification{
		Bert:       newModel("NewForSequenceClassification", c, true, nil),
		Dropout:    nn.NewDropout(c.classifierDropout(), nil),
		Classifier: nn.NewLinear(c.HiddenSize, c.NumLabels(), true, nil),
	}
	finish(m, m.Bert, g)
	return m
}

// Forward returns the logits [B, NumLabels] (for regression, [B, 1]).
func (m *ForSequenceClassification) Forward(in Input) *tensor.Tensor {
	return m.Classifier.Forward(m.Dropout.Forward(m.Bert.Forward(in).Pooled))
}

// Loss is the loss of the config's problem type, inferred as transformers
// infers it when the config leaves it empty: with one label, the mean
// squared error against Float32 labels [B]; with Int32 labels [B], the
// cross-entropy; else the binary cross-entropy against Float32 labels
// [B, NumLabels] of 0s and 1s (multi-label).
func (m *ForSequenceClassification) Loss(logits, labels *tensor.Tensor) *tensor.Tensor {
	n := m.Classifier.Out()
	pt := m.Bert.Config.ProblemType
	if pt == "" {
		switch {
		case n == 1:
			pt = "regression"
		case labels.DType() == tensor.Int32:
			pt = "single_label_classification"
		default:
			pt = "multi_label_classification"
		}
	}
	switch pt {
	case "regression":
		if n == 1 {
			return nn.MSE(logits.Reshape(-1), labels.Reshape(-1).As(logits.DType()), tensor.ReductionMean)
		}
		return nn.MSE(logits, labels.As(logits.DType()), tensor.ReductionMean)
	case "single_label_classification":
		return nn.CrossEntropy(logits, labels)
	}
	return nn.BCEWithLogits(logits, labels.As(logits.DType()), nn.BCEOptions{})
}

// ForMultipleChoice is BERT scoring each of several candidate sequences
// per example: BertForMultipleChoice. Its inputs are [B, C, T] for C
// choices.
type ForMultipleChoice struct {
	Bert       *Model      `nn:"bert"`
	Dropout    *nn.Dropout `nn:"dropout"`
	Classifier *nn.Linear  `nn:"classifier"`
}

// NewForMultipleChoice returns a multiple-choice model for c, initialised
// from g as New.
func NewForMultipleChoice(c Config, g *tensor.Generator) *ForMultipleChoice {
	m := &ForMultipleChoice{
		Bert:       newModel("NewForMultipleChoice", c, true, nil),
		Dropout:    nn.NewDropout(c.classifierDropout(), nil),
		Classifier: nn.NewLinear(c.HiddenSize, 1, true, nil),
	}
	finish(m, m.Bert, g)
	return m
}

// Forward scores the choices: in's tensors are [B, C, T] (IDs, and
// TypeIDs and Mask when given); the result is [B, C].
func (m *ForMultipleChoice) Forward(in Input) *tensor.Tensor {
	if in.IDs == nil || in.IDs.Rank() != 3 {
		var s []int
		if in.IDs != nil {
			s = in.IDs.Shape()
		}
		panic(fmt.Sprintf("bert: ForMultipleChoice.Forward: ids of shape %v, want [B, C, T]", s))
	}
	b, c, t := in.IDs.Dim(0), in.IDs.Dim(1), in.IDs.Dim(2)
	flat := func(x *tensor.Tensor) *tensor.Tensor {
		if x == nil {
			return nil
		}
		return x.Reshape(b*c, t)
	}
	flatIn := Input{IDs: flat(in.IDs), TypeIDs: flat(in.TypeIDs), Mask: flat(in.Mask), PositionIDs: flat(in.PositionIDs)}
	pooled := m.Bert.Forward(flatIn).Pooled
	return m.Classifier.Forward(m.Dropout.Forward(pooled)).Reshape(b, c)
}

// Loss is the cross-entropy of the choice scores [B, C] against the right
// choices [B].
func (m *ForMultipleChoice) Loss(logits, labels *tensor.Tensor) *tensor.Tensor {
	return nn.CrossEntropy(logits, labels)
}

// ForTokenClassification is BERT labelling every token (named entities,
// parts of speech): BertForTokenClassification.
type ForTokenClassification struct {
	Bert       *Model      `nn:"bert"`
	Dropout    *nn.Dropout `nn:"dropout"`
	Classifier *nn.Linear  `nn:"classifier"`
}

// NewForTokenClassification returns a token classifier over
// c.NumLabels() classes, initialised from g as New.
func NewForTokenClassification(c Config, g *tensor.Generator) *ForTokenClassification {
	m := &ForTokenClassification{
		Bert:       newModel("NewForTokenClassification", c, false, nil),
		Dropout:    nn.NewDropout(c.classifierDropout(), nil),
		Classifier: nn.NewLinear(c.HiddenSize, c.NumLabels(), true, nil),
	}
	finish(m, m.Bert, g)
	return m
}

// Forward returns the logits [B, T, NumLabels].
func (m *ForTokenClassification) Forward(in Input) *tensor.Tensor {
	return m.Classifier.Forward(m.Dropout.Forward(m.Bert.Forward(in).Hidden))
}

// Loss is the cross-entropy of logits [B, T, L] against labels [B, T],
// averaged over the tokens whose label is not -100 (padding, sub-words).
func (m *ForTokenClassification) Loss(logits, labels *tensor.Tensor) *tensor.Tensor {
	return nn.CrossEntropy(logits, labels)
}

// ForQuestionAnswering is BERT finding an answer span in a passage:
// BertForQuestionAnswering, with start and end logits for every token.
type ForQuestionAnswering struct {
	Bert      *Model     `nn:"bert"`
	QAOutputs *nn.Linear `nn:"qa_outputs"`
}

// NewForQuestionAnswering returns a span extractor for c (its head has
// c.NumLabels() outputs, 2 as in every checkpoint), initialised from g as
// New.
func NewForQuestionAnswering(c Config, g *tensor.Generator) *ForQuestionAnswering {
	m := &ForQuestionAnswering{
		Bert:      newModel("NewForQuestionAnswering", c, false, nil),
		QAOutputs: nn.NewLinear(c.HiddenSize, c.NumLabels(), true, nil),
	}
	finish(m, m.Bert, g)
	return m
}

// Forward returns the start and end logits [B, T] of every token.
func (m *ForQuestionAnswering) Forward(in Input) (start, end *tensor.Tensor) {
	logits := m.QAOutputs.Forward(m.Bert.Forward(in).Hidden)
	return logits.Select(2, 0), logits.Select(2, 1)
}

// Loss is the mean of the start and end cross-entropies against the
// answer's positions [B] (Int32). As in transformers, positions are
// clamped to [0, T] and those equal to T (beyond the input: an answer
// truncated away) are ignored.
func (m *ForQuestionAnswering) Loss(start, end, startPos, endPos *tensor.Tensor) *tensor.Tensor {
	t := start.Dim(1)
	clamp := func(p *tensor.Tensor) *tensor.Tensor {
		v := p.Int32s()
		for i := range v {
			v[i] = min(max(v[i], 0), int32(t))
		}
		return tensor.FromSlice(v, p.Shape()...).To(p.Device())
	}
	ls := nn.CrossEntropy(start, clamp(startPos), tensor.IgnoreIndex(t))
	le := nn.CrossEntropy(end, clamp(endPos), tensor.IgnoreIndex(t))
	return ls.Add(le).Scale(0.5)
}
