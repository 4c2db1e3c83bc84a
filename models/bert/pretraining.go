package bert

import (
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Heads holds BERT's pre-training heads under Hugging Face's "cls"
// names: the masked-LM head "cls.predictions" and the next-sentence head
// "cls.seq_relationship". A model has one or both.
type Heads struct {
	Predictions     *LMHead    `nn:"predictions"`
	SeqRelationship *nn.Linear `nn:"seq_relationship"`
}

// LMHead predicts tokens from hidden states: a dense layer, the
// activation and a LayerNorm, then the decoder — a Linear whose weight is
// the word embeddings (tied) and whose bias is Bias ("cls.predictions.
// bias", the name checkpoints keep).
type LMHead struct {
	Bias      *tensor.Tensor `nn:"bias"`
	Transform *HeadTransform `nn:"transform"`
	Decoder   *nn.Linear     `nn:"decoder"`
}

// HeadTransform is the LM head's dense layer, activation and LayerNorm.
type HeadTransform struct {
	Dense *nn.Linear    `nn:"dense"`
	Norm  *nn.LayerNorm `nn:"LayerNorm"`
	Act   nn.Activation `nn:"-"`
}

func newLMHead(c Config, word *tensor.Tensor) *LMHead {
	act, _ := c.activation()
	h := &LMHead{
		Bias:      tensor.Zeros(c.VocabSize).SetRequiresGrad(true),
		Transform: &HeadTransform{Dense: nn.NewLinear(c.HiddenSize, c.HiddenSize, true, nil), Norm: nn.NewLayerNorm(c.HiddenSize, c.LayerNormEps), Act: act},
		Decoder:   &nn.Linear{Weight: word},
	}
	if !c.tied() {
		h.Decoder.Weight = tensor.Zeros(c.VocabSize, c.HiddenSize).SetRequiresGrad(true)
	}
	h.Decoder.Bias = h.Bias
	return h
}

// Forward maps hidden states [..., H] to vocabulary logits [..., V].
func (h *LMHead) Forward(x *tensor.Tensor) *tensor.Tensor {
	t := h.Transform
	return h.Decoder.Forward(t.Norm.Forward(t.Act.Apply(t.Dense.Forward(x))))
}

// ForMaskedLM is BERT with the masked-LM head: BertForMaskedLM.
type ForMaskedLM struct {
	Bert *Model `nn:"bert"`
	Cls  *Heads `nn:"cls"`
}

// NewForMaskedLM returns a masked-LM model for c, initialised from g as
// New (nil: zeros, to be loaded).
func NewForMaskedLM(c Config, g *tensor.Generator) *ForMaskedLM {
	m := &ForMaskedLM{Bert: newModel("NewForMaskedLM", c, false, nil)}
	m.Cls = &Heads{Predictions: newLMHead(c, m.Bert.Embeddings.Word.Weight)}
	finish(m, m.Bert, g)
	return m
}

// Forward returns the vocabulary logits [B, T, V] of every position.
func (m *ForMaskedLM) Forward(in Input) *tensor.Tensor {
	return m.Cls.Predictions.Forward(m.Bert.Forward(in).Hidden)
}

// Loss is the cross-entropy of logits [B, T, V] against labels [B, T]
// (Int32), averaged over the positions whose label is not -100.
func (m *ForMaskedLM) Loss(logits, labels *tensor.Tensor) *tensor.Tensor {
	return nn.CrossEntropy(logits, labels)
}

// ForNextSentencePrediction is BERT with the next-sentence head:
// BertForNextSentencePrediction. Class 0 means "B follows A".
type ForNextSentencePrediction struct {
	Bert *Model `nn:"bert"`
	Cls  *Heads `nn:"cls"`
}

// NewForNextSentencePrediction returns a next-sentence model for c,
// initialised from g as New.
func NewForNextSentencePrediction(c Config, g *tensor.Generator) *ForNextSentencePrediction {
	m := &ForNextSentencePrediction{Bert: newModel("NewForNextSentencePrediction", c, true, nil)}
	m.Cls = &Heads{SeqRelationship: nn.NewLinear(c.HiddenSize, 2, true, nil)}
	finish(m, m.Bert, g)
	return m
}

// Forward returns the two-way logits [B, 2].
func (m *ForNextSentencePrediction) Forward(in Input) *tensor.Tensor {
	return m.Cls.SeqRelationship.Forward(m.Bert.Forward(in).Pooled)
}

// Loss is the cross-entropy of logits [B, 2] against labels [B].
func (m *ForNextSentencePrediction) Loss(logits, labels *tensor.Tensor) *tensor.Tensor {
	return nn.CrossEntropy(logits, labels)
}

// ForPreTraining is BERT with both pre-training heads:
// BertForPreTraining.
type ForPreTraining struct {
	Bert *Model `nn:"bert"`
	Cls  *Heads `nn:"cls"`
}

// NewForPreTraining returns a pre-training model for c, initialised from
// g as New.
func NewForPreTraining(c Config, g *tensor.Generator) *ForPreTraining {
	m := &ForPreTraining{Bert: newModel("NewForPreTraining", c, true, nil)}
	m.Cls = &Heads{
		Predictions:     newLMHead(c, m.Bert.Embeddings.Word.Weight),
		SeqRelationship: nn.NewLinear(c.HiddenSize, 2, true, nil),
	}
	finish(m, m.Bert, g)
	return m
}

// Forward returns the masked-LM logits [B, T, V] and the next-sentence
// logits [B, 2].
func (m *ForPreTraining) Forward(in Input) (mlm, nsp *tensor.Tensor) {
	out := m.Bert.Forward(in)
	return m.Cls.Predictions.Forward(out.Hidden), m.Cls.SeqRelationship.Forward(out.Pooled)
}

// Loss is the sum of the masked-LM loss (labels [B, T], -100 ignored) and
// the next-sentence loss (next [B]).
func (m *ForPreTraining) Loss(mlm, nsp, labels, next *tensor.Tensor) *tensor.Tensor {
	return nn.CrossEntropy(mlm, labels).Add(nn.CrossEntropy(nsp, next))
}

// finish gives a task model its generator and its initial weights: the
// body is built without a generator so that the whole model draws its
// weights in one walk, in the order of its tensors' names.
func finish(m any, body *Model, g *tensor.Generator) {
	if g == nil {
		return
	}
	nn.SetGenerator(m, g)
	initWeights(m, body.Config.InitializerRange, g, nil)
}
