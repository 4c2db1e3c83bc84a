package llama

import (
	"encoding/json"
	"fmt"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// Config is the configuration of a Llama-family model. Its JSON form is
// Hugging Face's config.json for model_type "llama" (Llama 2 and 3,
// TinyLlama, SmolLM) and "qwen2" (Qwen2, Qwen2.5: biases on the query,
// key and value projections), read and written as is.
type Config struct {
	ModelType     string   `json:"model_type"`
	Architectures []string `json:"architectures,omitempty"`

	VocabSize         int `json:"vocab_size"`
	HiddenSize        int `json:"hidden_size"`
	IntermediateSize  int `json:"intermediate_size"`
	NumHiddenLayers   int `json:"num_hidden_layers"`
	NumAttentionHeads int `json:"num_attention_heads"`
	// NumKeyValueHeads below NumAttentionHeads is grouped-query attention
	// (0 or absent: NumAttentionHeads).
	NumKeyValueHeads int `json:"num_key_value_heads,omitempty"`
	// HeadDim is the width of one head (0 or absent:
	// HiddenSize/NumAttentionHeads).
	HeadDim               int     `json:"head_dim,omitempty"`
	HiddenAct             string  `json:"hidden_act"`
	MaxPositionEmbeddings int     `json:"max_position_embeddings"`
	InitializerRange      float64 `json:"initializer_range"`
	RMSNormEps            float64 `json:"rms_norm_eps"`
	RopeTheta             float64 `json:"rope_theta"`
	// RopeScaling extends the context: nil (null) for none.
	RopeScaling       *RopeScaling `json:"rope_scaling"`
	AttentionBias     bool         `json:"attention_bias,omitempty"`
	AttentionDropout  float64      `json:"attention_dropout,omitempty"`
	MLPBias           bool         `json:"mlp_bias,omitempty"`
	TieWordEmbeddings bool         `json:"tie_word_embeddings"`
	// UseSlidingWindow (Qwen2) restricts attention to a window; it is
	// not supported, and false in the released Qwen2 models.
	UseSlidingWindow bool `json:"use_sliding_window,omitempty"`

	BosTokenID  lm.TokenIDs `json:"bos_token_id"`
	EosTokenID  lm.TokenIDs `json:"eos_token_id"`
	PadTokenID  *int        `json:"pad_token_id,omitempty"`
	TorchDtype  string      `json:"torch_dtype,omitempty"`
	PretrainTP  int         `json:"pretraining_tp,omitempty"`
	UseCache    *bool       `json:"use_cache,omitempty"`
	Transformer string      `json:"transformers_version,omitempty"`
}

// RopeScaling is config.json's rope_scaling: "linear", "dynamic" or
// "llama3" (see embed.RotaryScaling). Older files name the type "type",
// newer ones "rope_type".
type RopeScaling struct {
	Type     string  `json:"type,omitempty"`
	RopeType string  `json:"rope_type,omitempty"`
	Factor   float64 `json:"factor"`
	// Llama 3.1's parameters.
	OriginalMaxPositionEmbeddings int     `json:"original_max_position_embeddings,omitempty"`
	LowFreqFactor                 float64 `json:"low_freq_factor,omitempty"`
	HighFreqFactor                float64 `json:"high_freq_factor,omitempty"`
}

// rotary returns the scaling as package embed takes it.
func (c Config) rotary() embed.RotaryScaling {
	s := c.RopeScaling
	if s == nil {
		return embed.RotaryScaling{}
	}
	kind := s.RopeType
	if kind == "" {
		kind = s.Type
	}
	r := embed.RotaryScaling{Type: kind, Factor: s.Factor, LowFreqFactor: s.LowFreqFactor, HighFreqFactor: s.HighFreqFactor}
	switch kind {
	case "dynamic":
		r.OriginalMaxLen = c.MaxPositionEmbeddings
	case "llama3":
		r.OriginalMaxLen = s.OriginalMaxPositionEmbeddings
	}
	return r
}

// DefaultConfig returns the defaults of transformers' LlamaConfig (the
// sizes of Llama 2 7B).
func DefaultConfig() Config {
	return Config{
		ModelType: "llama", VocabSize: 32000, HiddenSize: 4096, IntermediateSize: 11008,
		NumHiddenLayers: 32, NumAttentionHeads: 32, HiddenAct: "silu", MaxPositionEmbeddings: 2048,
		InitializerRange: 0.02, RMSNormEps: 1e-6, RopeTheta: 10000, BosTokenID: lm.TokenIDs{1}, EosTokenID: lm.TokenIDs{2},
	}
}

// Size returns the configuration of a model shape: "smollm-135m"
// (SmolLM's 30 layers of width 576, 9 heads over 3 key/value heads),
// "tinyllama-1.1b", "llama-2-7b", or "tiny" (2 layers of width 64, for
// tests and experiments).
func Size(name string) (Config, error) {
	c := DefaultConfig()
	switch name {
	case "llama-2-7b":
		c.NumKeyValueHeads = 32
	case "tinyllama-1.1b":
		c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads = 2048, 5632, 22, 32, 4
		c.RMSNormEps, c.TieWordEmbeddings = 1e-5, false
	case "smollm-135m":
		c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads = 49152, 576, 1536, 30, 9, 3
		c.RMSNormEps, c.TieWordEmbeddings, c.BosTokenID, c.EosTokenID = 1e-5, true, lm.TokenIDs{0}, lm.TokenIDs{0}
	case "tiny":
		c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.NumKeyValueHeads = 64, 172, 2, 4, 2
	default:
		return Config{}, fmt.Errorf("llama: unknown size %q (want tiny, smollm-135m, tinyllama-1.1b or llama-2-7b)", name)
	}
	return c, nil
}

// ParseConfig reads a config.json of model_type "llama" or "qwen2":
// fields it lacks keep DefaultConfig's values, as transformers fills
// them.
func ParseConfig(data []byte) (Config, error) {
	c := DefaultConfig()
	var head struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return Config{}, fmt.Errorf("llama: config: %w", err)
	}
	if head.ModelType == "qwen2" {
		// Qwen2Config's defaults differ.
		c.VocabSize, c.IntermediateSize, c.NumKeyValueHeads, c.MaxPositionEmbeddings = 151936, 22016, 32, 32768
		c.RopeTheta, c.BosTokenID, c.EosTokenID = 10000, nil, nil
	}
	if err := json.Unmarshal(data, &c); err != nil {
		return Config{}, fmt.Errorf("llama: config: %w", err)
	}
	return c, c.Validate()
}

// Validate reports a configuration that cannot make a model, or one
// whose features are not supported.
func (c Config) Validate() error {
	switch {
	case c.ModelType != "llama" && c.ModelType != "qwen2":
		return fmt.Errorf("llama: config: model_type %q, want \"llama\" or \"qwen2\"", c.ModelType)
	case c.VocabSize <= 0 || c.HiddenSize <= 0 || c.IntermediateSize <= 0 || c.NumHiddenLayers <= 0 || c.NumAttentionHeads <= 0 || c.MaxPositionEmbeddings <= 0:
		return fmt.Errorf("llama: config: vocab_size %d, hidden_size %d, intermediate_size %d, num_hidden_layers %d, num_attention_heads %d and max_position_embeddings %d must be positive",
			c.VocabSize, c.HiddenSize, c.IntermediateSize, c.NumHiddenLayers, c.NumAttentionHeads, c.MaxPositionEmbeddings)
	case c.HeadDim == 0 && c.HiddenSize%c.NumAttentionHeads != 0:
		return fmt.Errorf("llama: config: hidden_size %d is not a multiple of num_attention_heads %d (and no head_dim)", c.HiddenSize, c.NumAttentionHeads)
	case c.HeadDim < 0 || c.headDim()%2 != 0:
		return fmt.Errorf("llama: config: head size %d must be positive and even", c.headDim())
	case c.NumKeyValueHeads < 0 || c.NumAttentionHeads%c.kvHeads() != 0:
		return fmt.Errorf("llama: config: num_attention_heads %d is not a multiple of num_key_value_heads %d", c.NumAttentionHeads, c.kvHeads())
	case !(c.RMSNormEps > 0) || !(c.RopeTheta > 1):
		return fmt.Errorf("llama: config: rms_norm_eps %v must be positive and rope_theta %v above 1", c.RMSNormEps, c.RopeTheta)
	case !(c.AttentionDropout >= 0 && c.AttentionDropout < 1):
		return fmt.Errorf("llama: config: attention_dropout %v not in [0, 1)", c.AttentionDropout)
	case c.UseSlidingWindow:
		return fmt.Errorf("llama: config: use_sliding_window is not supported")
	}
	if _, err := nn.ParseActivation(c.HiddenAct); err != nil {
		return fmt.Errorf("llama: config: hidden_act: %w", err)
	}
	if err := c.rotary().Validate(); err != nil {
		return fmt.Errorf("llama: config: rope_scaling: %w", err)
	}
	return nil
}

func (c Config) headDim() int {
	if c.HeadDim != 0 {
		return c.HeadDim
	}
	return c.HiddenSize / c.NumAttentionHeads
}

func (c Config) kvHeads() int {
	if c.NumKeyValueHeads != 0 {
		return c.NumKeyValueHeads
	}
	return c.NumAttentionHeads
}

// Model is the base model, Hugging Face's LlamaModel (Qwen2Model): token
// embeddings, pre-norm blocks of grouped-query attention with rotary
// positions and a SwiGLU feed-forward, and a final RMSNorm. Its tensors
// are named as goformer's modules name them (layers.N.norm1...); Layout
// maps them to Hugging Face's (layers.N.input_layernorm...).
type Model struct {
	Config      Config       `nn:"-"`
	EmbedTokens *embed.Token `nn:"embed_tokens"`
	// Blocks are the layers and the final norm.
	Blocks *transformer.Stack `nn:",inline"`
	// Rotary is the rotary embedding every layer's attention shares.
	Rotary *embed.Rotary `nn:"-"`
}

// New returns a base model of configuration c, initialised from g as
// transformers initialises Llama (normal weights of standard deviation
// initializer_range, zero biases, unit norms), or zeros when g is nil, to
// be loaded. It panics on an invalid configuration (see Config.Validate).
func New(c Config, g *tensor.Generator) *Model {
	if err := c.Validate(); err != nil {
		panic(err.Error())
	}
	act, _ := nn.ParseActivation(c.HiddenAct)
	qwen := c.ModelType == "qwen2"
	tc := transformer.Config{
		Dim: c.HiddenSize, Heads: c.NumAttentionHeads, KVHeads: c.kvHeads(), HeadDim: c.headDim(),
		Hidden: c.IntermediateSize, Act: act, Gated: true, RMSNorm: true, Eps: c.RMSNormEps,
		NoBias: true, QKVBias: qwen || c.AttentionBias, SeparateQKV: true, AttnDropout: c.AttentionDropout,
	}
	m := &Model{
		Config:      c,
		EmbedTokens: embed.NewToken(c.VocabSize, c.HiddenSize, nil),
		Blocks:      transformer.NewStack(tc, c.NumHiddenLayers, nil),
	}
	m.setRotary(m.newRotary())
	if p := c.PadTokenID; p != nil && *p >= 0 && *p < c.VocabSize {
		m.EmbedTokens.WithPadding(*p)
	}
	bias := func(l *nn.Linear) {
		l.Bias = tensor.Zeros(l.Out()).SetRequiresGrad(true)
	}
	for _, b := range m.Blocks.Layers {
		if c.AttentionBias {
			bias(b.SelfAttn.Out)
		}
		if c.MLPBias {
			bias(b.MLP.Gate)
			bias(b.MLP.Up)
			bias(b.MLP.Down)
		}
		nn.SetGenerator(b, g)
	}
	if g != nil {
		initWeights(m, c, g)
		if p := m.EmbedTokens.PaddingIdx; p >= 0 {
			m.EmbedTokens.Weight.Detach().Narrow(0, p, 1).Fill(0)
		}
	}
	return m
}

// initWeights draws every matrix from N(0, initializer_range).
func initWeights(m any, c Config, g *tensor.Generator) {
	for _, p := range nn.Params(m) {
		if p.Tensor.Rank() == 2 {
			g.Normal(p.Tensor.Detach(), 0, c.InitializerRange)
		}
	}
}

// rotaryTable bounds the positions whose angles are tabulated: later ones
// (up to max_position_embeddings and beyond) are computed per call, so
// that a long-context model does not hold hundreds of megabytes of
// tables.
const rotaryTable = 8192

func (m *Model) newRotary() *embed.Rotary {
	c := m.Config
	return embed.NewScaledRotary(c.headDim(), min(c.MaxPositionEmbeddings, rotaryTable), c.RopeTheta, c.rotary())
}

// setRotary makes r the rotary embedding of every layer.
func (m *Model) setRotary(r *embed.Rotary) {
	m.Rotary = r
	for _, b := range m.Blocks.Layers {
		b.SelfAttn.Rotary = r
	}
}

func (m *Model) embed(ids, _ *tensor.Tensor, _ int) *tensor.Tensor { return m.EmbedTokens.Forward(ids) }

func (m *Model) parts(head func(h *tensor.Tensor) *tensor.Tensor) lm.Parts {
	return lm.Parts{Embed: m.embed, Stack: m.Blocks, Head: head}
}

// Forward returns the last hidden state [B, T, hidden_size] (after the
// final norm) of in.IDs, and the hidden states when in.Hidden is set
// (see lm.Output). Labels are ignored: the base model has no loss.
func (m *Model) Forward(in lm.Inputs) (last *tensor.Tensor, hidden []*tensor.Tensor) {
	return m.parts(nil).Base(in)
}

// ForCausalLM is a Llama-family language model, Hugging Face's
// LlamaForCausalLM (Qwen2ForCausalLM): the base model and lm_head, whose
// weight is the token embedding when the configuration ties them.
type ForCausalLM struct {
	Model  *Model     `nn:"model"`
	LMHead *nn.Linear `nn:"lm_head"`
}

// NewForCausalLM returns a language model initialised from g (nil: zeros,
// to be loaded).
func NewForCausalLM(c Config, g *tensor.Generator) *ForCausalLM {
	m := &ForCausalLM{Model: New(c, g)}
	m.LMHead = lm.NewHead(m.Model.EmbedTokens, c.TieWordEmbeddings, c.InitializerRange, g)
	return m
}

// Config returns the model's configuration.
func (m *ForCausalLM) Config() Config { return m.Model.Config }

func (m *ForCausalLM) parts() lm.Parts { return m.Model.parts(m.LMHead.Forward) }

// Forward runs the model over a batch: logits [B, T, vocab], the shifted
// language-model loss when in.Labels is set, and the hidden states when
// in.Hidden is set.
func (m *ForCausalLM) Forward(in lm.Inputs) lm.Output { return m.parts().Forward(in) }

// NewCache returns an empty KV cache for Step.
func (m *ForCausalLM) NewCache(batch int) generate.Cache { return lm.NewCache() }

// Step runs the tokens ids [B, T] that follow those cache holds and
// returns the logits of the last position [B, vocab] (generate.Model).
// mask [B, cache.Len()+T] is the attention mask (1 token, 0 padding) of
// every position held after the step, or nil. Generate from nn.Detached(m)
// (what auto.LoadCausalLM returns): on a model whose weights require
// gradients each step records an autograd graph.
func (m *ForCausalLM) Step(ids, mask *tensor.Tensor, cache generate.Cache) *tensor.Tensor {
	return m.parts().Step(ids, mask, cache)
}

// VocabSize returns the number of tokens the model scores, for package
// generate's checks of prompts.
func (m *ForCausalLM) VocabSize() int { return m.Config().VocabSize }

// MaxLen returns the longest sequence the model was made for
// (max_position_embeddings), for package generate's limits; 0 (none) with
// a dynamic RoPE scaling, which exists to go beyond it.
func (m *ForCausalLM) MaxLen() int {
	if m.Model.Rotary.Scaling.Type == "dynamic" {
		return 0
	}
	return m.Config().MaxPositionEmbeddings
}

var _ generate.Model = (*ForCausalLM)(nil)
