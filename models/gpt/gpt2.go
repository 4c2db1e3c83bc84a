package gpt

import (
	"encoding/json"
	"fmt"
	"math"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// Config is GPT-2's configuration. Its JSON form is Hugging Face's
// config.json for model_type "gpt2", read and written as is.
type Config struct {
	ModelType     string   `json:"model_type"`
	Architectures []string `json:"architectures,omitempty"`

	VocabSize  int `json:"vocab_size"`
	NPositions int `json:"n_positions"` // learned positions: the longest context
	NEmbd      int `json:"n_embd"`      // model width
	NLayer     int `json:"n_layer"`
	NHead      int `json:"n_head"`
	// NInner is the feed-forward width; nil (null) means 4·NEmbd.
	NInner *int `json:"n_inner"`
	// ActivationFunction is the feed-forward activation: "gelu_new" (the
	// tanh approximation) in every released GPT-2.
	ActivationFunction string  `json:"activation_function"`
	ResidPdrop         float64 `json:"resid_pdrop"`
	EmbdPdrop          float64 `json:"embd_pdrop"`
	AttnPdrop          float64 `json:"attn_pdrop"`
	LayerNormEpsilon   float64 `json:"layer_norm_epsilon"`
	InitializerRange   float64 `json:"initializer_range"`
	// ScaleAttnWeights divides the attention scores by √head size;
	// ScaleAttnByInverseLayerIdx divides them further by the layer's
	// number plus one.
	ScaleAttnWeights           bool `json:"scale_attn_weights"`
	ScaleAttnByInverseLayerIdx bool `json:"scale_attn_by_inverse_layer_idx"`
	// ReorderAndUpcastAttn computes the scores in float32 in
	// transformers; goformer computes them in float32 (or float64)
	// anyway, so it changes nothing here.
	ReorderAndUpcastAttn bool `json:"reorder_and_upcast_attn"`
	// TieWordEmbeddings makes the LM head the token embedding's transpose
	// (true in every released GPT-2).
	TieWordEmbeddings bool `json:"tie_word_embeddings"`

	BosTokenID int  `json:"bos_token_id"`
	EosTokenID int  `json:"eos_token_id"`
	PadTokenID *int `json:"pad_token_id,omitempty"`

	// The sequence-classification head: the labels' names by id (their
	// number is the head's width; 2 without any) and the problem type
	// ("regression", "single_label_classification",
	// "multi_label_classification"; empty: inferred as transformers does).
	ID2Label    map[string]string `json:"id2label,omitempty"`
	Label2ID    map[string]int    `json:"label2id,omitempty"`
	ProblemType string            `json:"problem_type,omitempty"`

	TorchDtype string `json:"torch_dtype,omitempty"`
}

// DefaultConfig returns the defaults of transformers' GPT2Config: GPT-2
// small (124M parameters).
func DefaultConfig() Config {
	return Config{
		ModelType: "gpt2", VocabSize: 50257, NPositions: 1024, NEmbd: 768, NLayer: 12, NHead: 12,
		ActivationFunction: "gelu_new", ResidPdrop: 0.1, EmbdPdrop: 0.1, AttnPdrop: 0.1,
		LayerNormEpsilon: 1e-5, InitializerRange: 0.02, ScaleAttnWeights: true,
		TieWordEmbeddings: true, BosTokenID: 50256, EosTokenID: 50256,
	}
}

// Size returns the configuration of a GPT-2 size: "gpt2" (or "small",
// 124M parameters), "gpt2-medium" ("medium", 355M), "gpt2-large"
// ("large", 774M), "gpt2-xl" ("xl", 1.5B), or "tiny" (2 layers of width
// 128 over the same vocabulary, for tests and experiments).
func Size(name string) (Config, error) {
	c := DefaultConfig()
	switch name {
	case "gpt2", "small":
	case "gpt2-medium", "medium":
		c.NEmbd, c.NLayer, c.NHead = 1024, 24, 16
	case "gpt2-large", "large":
		c.NEmbd, c.NLayer, c.NHead = 1280, 36, 20
	case "gpt2-xl", "xl":
		c.NEmbd, c.NLayer, c.NHead = 1600, 48, 25
	case "tiny":
		c.NEmbd, c.NLayer, c.NHead = 128, 2, 4
	default:
		return Config{}, fmt.Errorf("gpt: unknown size %q (want tiny, gpt2, gpt2-medium, gpt2-large or gpt2-xl)", name)
	}
	return c, nil
}

// ParseConfig reads a config.json: fields it lacks keep DefaultConfig's
// values, as transformers fills them.
func ParseConfig(data []byte) (Config, error) {
	c := DefaultConfig()
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("gpt: config: %w", err)
	}
	if c.ModelType != "gpt2" {
		return Config{}, fmt.Errorf("gpt: config: model_type %q, want \"gpt2\"", c.ModelType)
	}
	return c, c.Validate()
}

// Validate reports sizes that cannot make a model.
func (c Config) Validate() error {
	switch {
	case c.VocabSize <= 0 || c.NPositions <= 0 || c.NEmbd <= 0 || c.NLayer <= 0 || c.NHead <= 0:
		return fmt.Errorf("gpt: config: vocab_size %d, n_positions %d, n_embd %d, n_layer %d and n_head %d must be positive", c.VocabSize, c.NPositions, c.NEmbd, c.NLayer, c.NHead)
	case c.NEmbd%c.NHead != 0:
		return fmt.Errorf("gpt: config: n_embd %d is not a multiple of n_head %d", c.NEmbd, c.NHead)
	case c.NInner != nil && *c.NInner <= 0:
		return fmt.Errorf("gpt: config: n_inner %d must be positive", *c.NInner)
	case !(c.LayerNormEpsilon > 0):
		return fmt.Errorf("gpt: config: layer_norm_epsilon %v must be positive", c.LayerNormEpsilon)
	}
	for _, p := range []float64{c.ResidPdrop, c.EmbdPdrop, c.AttnPdrop} {
		if !(p >= 0 && p < 1) {
			return fmt.Errorf("gpt: config: dropout probability %v not in [0, 1)", p)
		}
	}
	if _, err := nn.ParseActivation(c.ActivationFunction); err != nil {
		return fmt.Errorf("gpt: config: activation_function: %w", err)
	}
	return nil
}

// NumLabels returns the width of the sequence-classification head: the
// number of labels in ID2Label, or 2 without any.
func (c Config) NumLabels() int {
	if len(c.ID2Label) > 0 {
		return len(c.ID2Label)
	}
	return 2
}

func (c Config) hidden() int {
	if c.NInner != nil {
		return *c.NInner
	}
	return 4 * c.NEmbd
}

// Model is GPT-2's base model, Hugging Face's GPT2Model: token and learned
// position embeddings, pre-LN blocks and a final LayerNorm. Its tensors
// are named as goformer's modules name them (layers.N.self_attn...);
// Layout maps them to Hugging Face's (h.N.attn.c_attn...).
type Model struct {
	Config Config         `nn:"-"`
	Wte    *embed.Token   `nn:"wte"`
	Wpe    *embed.Learned `nn:"wpe"`
	Drop   *nn.Dropout    `nn:"drop"`
	// Blocks are the layers and the final norm ln_f.
	Blocks *transformer.Stack `nn:",inline"`
}

// New returns a GPT-2 base model of configuration c, initialised from g
// as transformers initialises GPT-2 (normal weights of standard deviation
// initializer_range, the residual projections' scaled by 1/√(2·n_layer)),
// or zeros when g is nil, to be loaded. It panics on an invalid
// configuration (see Config.Validate).
func New(c Config, g *tensor.Generator) *Model {
	if err := c.Validate(); err != nil {
		panic(err.Error())
	}
	act, _ := nn.ParseActivation(c.ActivationFunction)
	tc := transformer.Config{
		Dim: c.NEmbd, Heads: c.NHead, Hidden: c.hidden(), Act: act, NormFirst: true,
		Eps: c.LayerNormEpsilon, AttnDropout: c.AttnPdrop, ResidDropout: c.ResidPdrop,
	}
	m := &Model{
		Config: c,
		Wte:    embed.NewToken(c.VocabSize, c.NEmbd, nil),
		Wpe:    embed.NewLearned(c.NPositions, c.NEmbd, nil),
		Drop:   nn.NewDropout(c.EmbdPdrop, g),
		Blocks: transformer.NewStack(tc, c.NLayer, nil),
	}
	headDim := float64(c.NEmbd / c.NHead)
	for i, b := range m.Blocks.Layers {
		b.SelfAttn.Scale = 1
		if c.ScaleAttnWeights {
			b.SelfAttn.Scale = 1 / math.Sqrt(headDim)
		}
		if c.ScaleAttnByInverseLayerIdx {
			b.SelfAttn.Scale /= float64(i + 1)
		}
		nn.SetGenerator(b, g)
	}
	if g != nil {
		std := c.InitializerRange
		for _, p := range nn.Params(m) {
			switch {
			case p.Tensor.Rank() != 2:
				// Biases stay zero, norms one and zero.
			case nn.MatchName("layers.*.self_attn.out_proj.weight", p.Name) || nn.MatchName("layers.*.linear2.weight", p.Name):
				g.Normal(p.Tensor.Detach(), 0, std/math.Sqrt(2*float64(c.NLayer)))
			default:
				g.Normal(p.Tensor.Detach(), 0, std)
			}
		}
	}
	return m
}

// embed returns the blocks' input for ids [B, T] at positions [B, T], or
// offset, ... when positions is nil.
func (m *Model) embed(ids, positions *tensor.Tensor, offset int) *tensor.Tensor {
	x := m.Wte.Forward(ids)
	if positions == nil {
		x = x.Add(m.Wpe.Forward(offset, ids.Dim(1)))
	} else {
		for _, p := range positions.Detach().To(tensor.CPU).Contiguous().Int32s() {
			if int(p) >= m.Wpe.MaxLen() {
				panic(fmt.Sprintf("gpt: position %d beyond the model's %d (n_positions)", p, m.Wpe.MaxLen()))
			}
		}
		x = x.Add(m.Wpe.Lookup(positions))
	}
	return m.Drop.Forward(x)
}

// parts describes the model with a head for package lm.
func (m *Model) parts(head func(h *tensor.Tensor) *tensor.Tensor) lm.Parts {
	return lm.Parts{Embed: m.embed, Stack: m.Blocks, Head: head}
}

// Forward returns the last hidden state [B, T, n_embd] (after ln_f) of
// in.IDs, and the hidden states when in.Hidden is set (see lm.Output).
// Labels are ignored: the base model has no loss.
func (m *Model) Forward(in lm.Inputs) (last *tensor.Tensor, hidden []*tensor.Tensor) {
	return m.parts(nil).Base(in)
}

// LMHeadModel is GPT-2 with its language-model head, Hugging Face's
// GPT2LMHeadModel: the head's weight is the token embedding (tied) unless
// the configuration unties them.
type LMHeadModel struct {
	Transformer *Model     `nn:"transformer"`
	LMHead      *nn.Linear `nn:"lm_head"`
}

// NewLMHeadModel returns a GPT-2 language model initialised from g (nil:
// zeros, to be loaded).
func NewLMHeadModel(c Config, g *tensor.Generator) *LMHeadModel {
	m := &LMHeadModel{Transformer: New(c, g)}
	m.LMHead = lm.NewHead(m.Transformer.Wte, c.TieWordEmbeddings, c.InitializerRange, g)
	return m
}

// Config returns the model's configuration.
func (m *LMHeadModel) Config() Config { return m.Transformer.Config }

func (m *LMHeadModel) parts() lm.Parts { return m.Transformer.parts(m.LMHead.Forward) }

// Forward runs the model over a batch: logits [B, T, vocab], the shifted
// language-model loss when in.Labels is set, and the hidden states when
// in.Hidden is set.
func (m *LMHeadModel) Forward(in lm.Inputs) lm.Output { return m.parts().Forward(in) }

// NewCache returns an empty KV cache for Step.
func (m *LMHeadModel) NewCache(batch int) generate.Cache { return lm.NewCache() }

// Step runs the tokens ids [B, T] that follow those cache holds and
// returns the logits of the last position [B, vocab] (generate.Model).
// mask [B, cache.Len()+T] is the attention mask (1 token, 0 padding) of
// every position held after the step, or nil. Generate from nn.Detached(m)
// (what auto.LoadCausalLM returns): on a model whose weights require
// gradients each step records an autograd graph.
func (m *LMHeadModel) Step(ids, mask *tensor.Tensor, cache generate.Cache) *tensor.Tensor {
	return m.parts().Step(ids, mask, cache)
}

// VocabSize returns the number of tokens the model scores, for package
// generate's checks of prompts.
func (m *LMHeadModel) VocabSize() int { return m.Config().VocabSize }

// MaxLen returns the longest sequence the model takes (n_positions), for
// package generate's limits.
func (m *LMHeadModel) MaxLen() int { return m.Config().NPositions }

var _ generate.Model = (*LMHeadModel)(nil)
