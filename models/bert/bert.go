package bert

import (
	"fmt"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// Model is BERT's encoder, Hugging Face's BertModel: embeddings, a stack
// of post-LN transformer layers, and the pooler. Its tensors carry
// BertModel's names ("embeddings.word_embeddings.weight",
// "pooler.dense.bias"), except inside the layers, which are
// transformer.EncoderLayer values with one fused query-key-value
// projection, mapped by Layout ("encoder.layer.0.self_attn.out_proj" is
// stored as "encoder.layer.0.attention.output.dense", and
// "encoder.layer.0.self_attn.in_proj_weight" as the query, key and value
// weights of "encoder.layer.0.attention.self").
type Model struct {
	Config     Config      `nn:"-"`
	Embeddings *Embeddings `nn:"embeddings"`
	Encoder    *Encoder    `nn:"encoder"`
	// Pooler is nil in the models whose heads read every token (masked
	// LM, token classification, question answering), as in transformers.
	Pooler *Pooler `nn:"pooler"`
}

// Embeddings sums word, position and token-type embeddings and normalizes
// them.
type Embeddings struct {
	Word      *embed.Token   `nn:"word_embeddings"`
	Position  *embed.Learned `nn:"position_embeddings"`
	TokenType *embed.Token   `nn:"token_type_embeddings"`
	Norm      *nn.LayerNorm  `nn:"LayerNorm"`
	Dropout   *nn.Dropout    `nn:"dropout"`
}

// Encoder is the stack of layers.
type Encoder struct {
	Layers []*transformer.EncoderLayer `nn:"layer"`
}

// Pooler maps the first token's ([CLS]) last hidden state through a dense
// layer and tanh: the input of the sentence-level heads.
type Pooler struct {
	Dense *nn.Linear `nn:"dense"`
}

// Input is a batch for the encoder. Only IDs is required.
type Input struct {
	// IDs [B, T] are the token ids (Int32).
	IDs *tensor.Tensor
	// TypeIDs [B, T] are the segment ids (0 for the first sentence, 1 for
	// the second); nil means all 0.
	TypeIDs *tensor.Tensor
	// Mask [B, T] is Hugging Face's attention_mask: 1 for tokens, 0 for
	// padding; nil means no padding. Every sequence needs one token at
	// least (a row of padding alone gives zeros where transformers
	// averages the padding).
	Mask *tensor.Tensor
	// PositionIDs [B, T] override positions 0 ... T-1.
	PositionIDs *tensor.Tensor
	// AllHidden asks for Output.HiddenStates.
	AllHidden bool
}

// Output is what the encoder computes.
type Output struct {
	// Hidden [B, T, H] is the last layer's output.
	Hidden *tensor.Tensor
	// Pooled [B, H] is the pooler's output (nil without a pooler).
	Pooled *tensor.Tensor
	// HiddenStates, with Input.AllHidden, holds the embeddings' output
	// and every layer's: NumHiddenLayers+1 tensors [B, T, H].
	HiddenStates []*tensor.Tensor
}

// New returns a BERT encoder (with its pooler) for c, initialised as
// transformers initialises it — weights and embeddings from
// N(0, initializer_range), biases 0, LayerNorm weights 1, the padding
// row 0 — drawing from g, which dropout uses too. With a nil g the
// weights stay zero, for a model about to be loaded (give it a generator
// with nn.SetGenerator before training with dropout). An invalid config
// panics (see Config.Validate).
func New(c Config, g *tensor.Generator) *Model {
	return newModel("New", c, true, g)
}

func newModel(op string, c Config, pooler bool, g *tensor.Generator) *Model {
	if err := c.Validate(); err != nil {
		panic(fmt.Sprintf("bert: %s: %v", op, err))
	}
	if c.ModelType == "" {
		c.ModelType = "bert"
	}
	act, _ := c.activation()
	h := c.HiddenSize
	m := &Model{
		Config: c,
		Embeddings: &Embeddings{
			Word:      embed.NewToken(c.VocabSize, h, nil).WithPadding(c.PadTokenID),
			Position:  embed.NewLearned(c.MaxPositionEmbeddings, h, nil),
			TokenType: embed.NewToken(c.TypeVocabSize, h, nil),
			Norm:      nn.NewLayerNorm(h, c.LayerNormEps),
			Dropout:   nn.NewDropout(c.HiddenDropoutProb, g),
		},
		Encoder: &Encoder{},
	}
	lc := transformer.Config{
		Dim: h, Heads: c.NumAttentionHeads, Hidden: c.IntermediateSize, Act: act,
		Dropout: c.HiddenDropoutProb, Eps: c.LayerNormEps,
	}
	for range c.NumHiddenLayers {
		l := transformer.NewEncoderLayer(lc, nil)
		// BERT drops out the attention weights with its own probability
		// and has no dropout inside the feed-forward block.
		l.SelfAttn.Dropout, l.SelfAttn.Gen = c.AttentionProbsDropoutProb, g
		l.MLP.Dropout = nil
		l.Dropout1.Gen, l.Dropout2.Gen = g, g
		m.Encoder.Layers = append(m.Encoder.Layers, l)
	}
	if pooler {
		m.Pooler = &Pooler{Dense: nn.NewLinear(h, h, true, nil)}
	}
	initWeights(m, c.InitializerRange, g, nil)
	return m
}

// initWeights draws the weights of m's linear layers and embeddings from
// N(0, std) in the order of the module walk, as transformers'
// _init_weights does; biases, LayerNorms and the padding row of the word
// embeddings keep the 0s and 1s they are built with. A nil g leaves
// everything as it is; a non-nil only restricts the draws to its tensors.
func initWeights(m any, std float64, g *tensor.Generator, only map[*tensor.Tensor]bool) {
	if g == nil {
		return
	}
	done := map[*tensor.Tensor]bool{}
	normal := func(t *tensor.Tensor) bool {
		if t == nil || done[t] || (only != nil && !only[t]) {
			return false
		}
		done[t] = true
		g.Normal(t.Detach(), 0, std)
		return true
	}
	for _, mod := range nn.Modules(m) {
		switch x := mod.Module.(type) {
		case *nn.Linear:
			normal(x.Weight)
		case *embed.Token:
			if normal(x.Weight) && x.PaddingIdx >= 0 {
				x.Weight.Detach().Narrow(0, x.PaddingIdx, 1).Fill(0)
			}
		case *embed.Learned:
			normal(x.Weight)
		case *attention.MultiHead:
			normal(x.InProjWeight) // the query, key and value weights
		}
	}
}

// Forward runs the encoder over a batch.
func (m *Model) Forward(in Input) Output {
	b, t := checkIDs("Model.Forward", in.IDs)
	if t > m.Config.MaxPositionEmbeddings && in.PositionIDs == nil {
		panic(fmt.Sprintf("bert: Model.Forward: %d tokens exceed max_position_embeddings %d", t, m.Config.MaxPositionEmbeddings))
	}
	for _, x := range []struct {
		name string
		t    *tensor.Tensor
	}{{"TypeIDs", in.TypeIDs}, {"Mask", in.Mask}, {"PositionIDs", in.PositionIDs}} {
		if x.t != nil && (x.t.Rank() != 2 || x.t.Dim(0) != b || x.t.Dim(1) != t) {
			panic(fmt.Sprintf("bert: Model.Forward: %s of shape %v, want the ids' [%d %d]", x.name, x.t.Shape(), b, t))
		}
	}
	x := m.Embeddings.Forward(in.IDs, in.TypeIDs, in.PositionIDs)
	var mask attention.Mask
	if in.Mask != nil {
		mask.KeyMask = attention.Keep(in.Mask)
	}
	var out Output
	if in.AllHidden {
		out.HiddenStates = append(out.HiddenStates, x)
	}
	for _, l := range m.Encoder.Layers {
		x = l.Forward(x, mask)
		if in.AllHidden {
			out.HiddenStates = append(out.HiddenStates, x)
		}
	}
	out.Hidden = x
	if m.Pooler != nil {
		out.Pooled = m.Pooler.Forward(x)
	}
	return out
}

func checkIDs(op string, ids *tensor.Tensor) (b, t int) {
	if ids == nil || ids.Rank() != 2 || ids.DType() != tensor.Int32 {
		var s []int
		if ids != nil {
			s = ids.Shape()
		}
		panic(fmt.Sprintf("bert: %s: ids must be Int32 [B, T], got %v", op, s))
	}
	return ids.Dim(0), ids.Dim(1)
}

// Forward embeds ids [B, T] with their segment ids (nil: 0) and positions
// (nil: 0 ... T-1).
func (e *Embeddings) Forward(ids, typeIDs, positionIDs *tensor.Tensor) *tensor.Tensor {
	x := e.Word.Forward(ids)
	if typeIDs == nil {
		typeIDs = tensor.FullOn(ids.Device(), tensor.Int32, 0, ids.Shape()...)
	}
	x = x.Add(e.TokenType.Forward(typeIDs))
	if positionIDs != nil {
		x = x.Add(e.Position.Lookup(positionIDs))
	} else {
		x = x.Add(e.Position.Forward(0, ids.Dim(1)))
	}
	return e.Dropout.Forward(e.Norm.Forward(x))
}

// Forward pools hidden states [B, T, H] into [B, H]: tanh(dense(h[:, 0])).
func (p *Pooler) Forward(h *tensor.Tensor) *tensor.Tensor {
	return p.Dense.Forward(h.Select(1, 0)).Tanh()
}
