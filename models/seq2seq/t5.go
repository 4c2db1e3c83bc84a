package seq2seq

import (
	"fmt"
	"math"
	"strings"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// T5Config is the configuration of a T5 model with the fields and JSON
// names of Hugging Face's T5Config, so that a checkpoint's config.json
// reads as is (fields it lacks take Hugging Face's defaults, see
// DefaultT5Config; fields this struct does not know are kept and written
// back by MarshalJSON).
type T5Config struct {
	ModelType        string  `json:"model_type"` // "t5" or "mt5"
	VocabSize        int     `json:"vocab_size"`
	DModel           int     `json:"d_model"`            // model width
	DKV              int     `json:"d_kv"`               // features per head
	DFF              int     `json:"d_ff"`               // feed-forward width
	NumLayers        int     `json:"num_layers"`         // encoder depth
	NumDecoderLayers int     `json:"num_decoder_layers"` // decoder depth (0 or null: NumLayers)
	NumHeads         int     `json:"num_heads"`
	NumBuckets       int     `json:"relative_attention_num_buckets"`
	MaxDistance      int     `json:"relative_attention_max_distance"`
	DropoutRate      float64 `json:"dropout_rate"`
	LayerNormEps     float64 `json:"layer_norm_epsilon"`
	InitFactor       float64 `json:"initializer_factor"`
	// FeedForwardProj is "relu" (T5 v1.0), "gated-gelu" (v1.1, mT5:
	// GELU's tanh form, gelu_new) or "[gated-]ACT" with another
	// activation Hugging Face knows.
	FeedForwardProj string `json:"feed_forward_proj"`
	PadTokenID      int    `json:"pad_token_id"`
	EOSTokenID      int    `json:"eos_token_id"`
	// DecoderStartTokenID is the first decoder input (nil: PadTokenID,
	// which is what T5 checkpoints say).
	DecoderStartTokenID *int `json:"decoder_start_token_id"`
	// TieWordEmbeddings makes the LM head share the embeddings, with
	// the decoder's output scaled by DModel^-0.5 (nil: true, T5 v1.0;
	// v1.1 and mT5 say false).
	TieWordEmbeddings *bool    `json:"tie_word_embeddings"`
	Architectures     []string `json:"architectures,omitempty"`

	extra extras
}

// DefaultT5Config returns Hugging Face's T5Config defaults (t5-small's
// shape).
func DefaultT5Config() T5Config {
	return T5Config{
		ModelType: "t5", VocabSize: 32128, DModel: 512, DKV: 64, DFF: 2048,
		NumLayers: 6, NumHeads: 8, NumBuckets: 32, MaxDistance: 128,
		DropoutRate: 0.1, LayerNormEps: 1e-6, InitFactor: 1, FeedForwardProj: "relu",
		PadTokenID: 0, EOSTokenID: 1,
	}
}

// UnmarshalJSON reads a config.json over the values c already holds
// (decode into DefaultT5Config() to get Hugging Face's defaults), keeping
// the fields it does not know.
func (c *T5Config) UnmarshalJSON(data []byte) error {
	type plain T5Config
	p := plain(*c)
	e, err := unmarshalKeeping(data, &p)
	if err != nil {
		return err
	}
	*c = T5Config(p)
	c.extra = e
	return nil
}

// MarshalJSON writes the config with the fields it was read with, the
// known ones updated, the defaults spelled out (decoder_start_token_id,
// tie_word_embeddings, num_decoder_layers: transformers reads a null
// tie_word_embeddings as false), and Hugging Face's derived dense_act_fn
// and is_gated_act.
func (c T5Config) MarshalJSON() ([]byte, error) {
	type plain T5Config
	act, gated, _ := c.feedForward()
	return marshalMerging(plain(c), c.extra, map[string]any{
		"dense_act_fn": act, "is_gated_act": gated,
		"decoder_start_token_id": c.DecoderStart(), "tie_word_embeddings": c.Tied(),
		"num_decoder_layers": c.DecoderLayers(), "is_encoder_decoder": true,
	})
}

// feedForward returns the activation's Hugging Face name and whether the
// feed-forward block is gated, as T5Config.__init__ derives them.
func (c T5Config) feedForward() (act string, gated bool, err error) {
	parts := strings.Split(c.FeedForwardProj, "-")
	if len(parts) > 2 || len(parts) == 2 && parts[0] != "gated" {
		return "", false, fmt.Errorf("T5 config: feed_forward_proj %q is not ACT or gated-ACT", c.FeedForwardProj)
	}
	act, gated = parts[len(parts)-1], parts[0] == "gated"
	if c.FeedForwardProj == "gated-gelu" {
		act = "gelu_new" // as Hugging Face, for backward compatibility
	}
	return act, gated, nil
}

// Tied reports whether the LM head shares the embeddings.
func (c T5Config) Tied() bool { return c.TieWordEmbeddings == nil || *c.TieWordEmbeddings }

// DecoderLayers returns the decoder's depth.
func (c T5Config) DecoderLayers() int {
	if c.NumDecoderLayers == 0 {
		return c.NumLayers
	}
	return c.NumDecoderLayers
}

// DecoderStart returns the first decoder input.
func (c T5Config) DecoderStart() int {
	if c.DecoderStartTokenID == nil {
		return c.PadTokenID
	}
	return *c.DecoderStartTokenID
}

// Validate reports what makes the config unusable.
func (c T5Config) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("seq2seq: %w", err)
	}
	return nil
}

func (c T5Config) validate() error {
	switch {
	case c.ModelType != "t5" && c.ModelType != "mt5":
		return fmt.Errorf("T5 config: model_type %q is not t5 or mt5", c.ModelType)
	case c.VocabSize <= 0 || c.DModel <= 0 || c.DKV <= 0 || c.DFF <= 0 || c.NumHeads <= 0:
		return fmt.Errorf("T5 config: vocab_size=%d, d_model=%d, d_kv=%d, d_ff=%d and num_heads=%d must be positive", c.VocabSize, c.DModel, c.DKV, c.DFF, c.NumHeads)
	case c.NumLayers <= 0 || c.NumDecoderLayers < 0:
		return fmt.Errorf("T5 config: num_layers=%d must be positive and num_decoder_layers=%d not negative", c.NumLayers, c.NumDecoderLayers)
	case c.NumBuckets < 4 || c.MaxDistance <= c.NumBuckets/2:
		return fmt.Errorf("T5 config: relative_attention_num_buckets=%d must be at least 4 and below twice relative_attention_max_distance=%d", c.NumBuckets, c.MaxDistance)
	case c.DropoutRate < 0 || c.DropoutRate >= 1 || c.LayerNormEps < 0:
		return fmt.Errorf("T5 config: dropout_rate=%v or layer_norm_epsilon=%v out of range", c.DropoutRate, c.LayerNormEps)
	}
	for _, id := range []int{c.PadTokenID, c.EOSTokenID, c.DecoderStart()} {
		if id < 0 || id >= c.VocabSize {
			return fmt.Errorf("T5 config: special token id %d outside the vocabulary of %d", id, c.VocabSize)
		}
	}
	act, _, err := c.feedForward()
	if err != nil {
		return err
	}
	if _, err := nn.ParseActivation(act); err != nil {
		return fmt.Errorf("T5 config: feed_forward_proj %q: %w", c.FeedForwardProj, err)
	}
	return nil
}

// T5 is T5ForConditionalGeneration (Raffel et al. 2020) in Hugging Face's
// layout, v1.0 and v1.1 (and mT5): shared embeddings without scaling,
// pre-norm layers (transformer.EncoderLayer and DecoderLayer) with T5's
// RMSNorm, attention without biases and without the 1/√d scaling of the
// scores, a learned relative position bias (kept in the first block and
// shared by every layer: bidirectional buckets in the encoder, causal in
// the decoder), a ReLU (v1.0) or gated-GELU (v1.1) feed-forward block, and
// an LM head tied to the embeddings (rescaled by DModel^-0.5) or not.
//
// Its tensors carry goformer's layer names (encoder.layers.N.self_attn...);
// T5Names translates them to Hugging Face's
// (encoder.block.N.layer.0.SelfAttention.q.weight...), which LoadDir and
// SaveDir use.
type T5 struct {
	Config  T5Config     `nn:"-"`
	Shared  *embed.Token `nn:"shared"`
	Encoder *T5Encoder   `nn:"encoder"`
	Decoder *T5Decoder   `nn:"decoder"`
	// LMHead maps the decoder's output to logits; its Weight is
	// Shared.Weight when the config ties them.
	LMHead *nn.Linear `nn:"lm_head"`
}

// T5Encoder is T5's encoder stack: embeddings (shared with the model),
// dropout, the layers with one relative position bias, the final norm and
// dropout.
type T5Encoder struct {
	RelativeBias *RelativeBias        `nn:"relative_attention_bias"`
	Stack        *transformer.Encoder `nn:",inline"`
	Dropout      *nn.Dropout          `nn:"dropout"`
}

// T5Decoder is T5's decoder stack, with causal relative positions and
// cross-attention over the encoder's output.
type T5Decoder struct {
	RelativeBias *RelativeBias        `nn:"relative_attention_bias"`
	Stack        *transformer.Decoder `nn:",inline"`
	Dropout      *nn.Dropout          `nn:"dropout"`
}

// NewT5 returns a T5 model for c, initialised from g as Hugging Face's
// _init_weights does (normal draws scaled by initializer_factor, norms at
// one). With a nil g the parameters stay zero, to be loaded. An invalid
// config panics (see Validate).
func NewT5(c T5Config, g *tensor.Generator) *T5 {
	if err := c.Validate(); err != nil {
		panic(err.Error())
	}
	act, gated, _ := c.feedForward()
	a, _ := nn.ParseActivation(act)
	attn := func() *attention.MultiHead {
		m := attention.New(attention.Config{Dim: c.DModel, Heads: c.NumHeads, HeadDim: c.DKV, NoBias: true, Dropout: c.DropoutRate}, g)
		m.Scale = 1 // T5 folds the scaling into its initialisation
		return m
	}
	norm := func() transformer.Norm { return nn.NewRMSNorm(c.DModel, c.LayerNormEps) }
	mlp := func() *nn.MLP {
		return nn.NewMLP(nn.MLPConfig{Dim: c.DModel, Hidden: c.DFF, Act: a, Gated: gated, NoBias: true, Dropout: c.DropoutRate}, g)
	}
	drop := func() *nn.Dropout { return nn.NewDropout(c.DropoutRate, g) }
	enc := &transformer.Encoder{Norm: norm()}
	for range c.NumLayers {
		enc.Layers = append(enc.Layers, &transformer.EncoderLayer{
			SelfAttn: attn(), MLP: mlp(), Norm1: norm(), Norm2: norm(),
			Dropout1: drop(), Dropout2: drop(), NormFirst: true,
		})
	}
	dec := &transformer.Decoder{Norm: norm()}
	for range c.DecoderLayers() {
		dec.Layers = append(dec.Layers, &transformer.DecoderLayer{
			SelfAttn: attn(), CrossAttn: attn(), MLP: mlp(), Norm1: norm(), Norm2: norm(), Norm3: norm(),
			Dropout1: drop(), Dropout2: drop(), Dropout3: drop(), NormFirst: true,
		})
	}
	m := &T5{
		Config:  c,
		Shared:  embed.NewToken(c.VocabSize, c.DModel, nil),
		Encoder: &T5Encoder{RelativeBias: newRelativeBias(c, true), Stack: enc, Dropout: drop()},
		Decoder: &T5Decoder{RelativeBias: newRelativeBias(c, false), Stack: dec, Dropout: drop()},
	}
	if c.Tied() {
		m.LMHead = &nn.Linear{Weight: m.Shared.Weight}
	} else {
		m.LMHead = nn.NewLinear(c.DModel, c.VocabSize, false, nil)
	}
	if g != nil {
		m.init(g)
	}
	return m
}

// init draws the parameters as Hugging Face's T5PreTrainedModel does.
func (m *T5) init(g *tensor.Generator) {
	c := m.Config
	f := c.InitFactor
	d, kv, h := float64(c.DModel), float64(c.DKV), float64(c.NumHeads)
	normal := func(t *tensor.Tensor, std float64) { g.Normal(t.Detach(), 0, std) }
	normal(m.Shared.Weight, f)
	if !c.Tied() {
		normal(m.LMHead.Weight, f)
	}
	normal(m.Encoder.RelativeBias.Weight, f/math.Sqrt(d))
	normal(m.Decoder.RelativeBias.Weight, f/math.Sqrt(d))
	attn := func(a *attention.MultiHead) {
		normal(a.Query.Weight, f/math.Sqrt(d*kv))
		normal(a.Key.Weight, f/math.Sqrt(d))
		normal(a.Value.Weight, f/math.Sqrt(d))
		normal(a.Out.Weight, f/math.Sqrt(h*kv))
	}
	mlp := func(p *nn.MLP) {
		normal(p.Up.Weight, f/math.Sqrt(d))
		if p.Gate != nil {
			normal(p.Gate.Weight, f/math.Sqrt(d))
		}
		normal(p.Down.Weight, f/math.Sqrt(float64(c.DFF)))
	}
	for _, l := range m.Encoder.Stack.Layers {
		attn(l.SelfAttn)
		mlp(l.MLP)
	}
	for _, l := range m.Decoder.Stack.Layers {
		attn(l.SelfAttn)
		attn(l.CrossAttn)
		mlp(l.MLP)
	}
}

// Special returns the special token ids of the config.
func (m *T5) Special() Special {
	return Special{Pad: m.Config.PadTokenID, EOS: m.Config.EOSTokenID, DecoderStart: m.Config.DecoderStart()}
}

// VocabSize returns the vocabulary size of the config.
func (m *T5) VocabSize() int { return m.Config.VocabSize }

// MaxLen returns 0: relative positions put no limit on the length.
func (m *T5) MaxLen() int { return 0 }

// Encode maps source ids [B, S] and their mask (nil: no padding) to the
// encoder's output [B, S, DModel], after the final norm.
func (m *T5) Encode(ids, mask *tensor.Tensor) *tensor.Tensor {
	checkIDs("T5.Encode", ids, mask, 0)
	e := m.Encoder
	x := e.Dropout.Forward(m.Shared.Forward(ids))
	s := ids.Dim(1)
	bias := e.RelativeBias.Forward(0, s, s, x.DType(), x.Device())
	return e.Dropout.Forward(e.Stack.Forward(x, attention.Mask{KeyMask: attention.Keep(mask), Bias: bias}))
}

// Decode returns the logits [B, T, Vocab] of decoder ids [B, T] over the
// encoder's output (see Model.Decode). Relative positions are those of
// the sequence as given, padding included, as in Hugging Face.
func (m *T5) Decode(ids, mask, memory, memoryMask *tensor.Tensor, cache *transformer.Cache) *tensor.Tensor {
	past := cache.Len()
	checkIDs("T5.Decode", ids, mask, past)
	checkMemory("T5.Decode", memory, memoryMask, ids.Dim(0), m.Config.DModel)
	d := m.Decoder
	x := d.Dropout.Forward(m.Shared.Forward(ids))
	t := ids.Dim(1)
	bias := d.RelativeBias.Forward(past, t, past+t, x.DType(), x.Device())
	h := d.Stack.Forward(x, memory, attention.Mask{Causal: true, KeyMask: attention.Keep(mask), Bias: bias}, attention.Mask{KeyMask: attention.Keep(memoryMask)}, cache)
	h = d.Dropout.Forward(h)
	if m.Config.Tied() {
		h = h.Scale(1 / math.Sqrt(float64(m.Config.DModel)))
	}
	return m.LMHead.Forward(h)
}

// Forward runs a teacher-forced batch (see the package function Forward):
// as T5ForConditionalGeneration with labels, the decoder inputs default
// to the labels shifted right.
func (m *T5) Forward(in Inputs) Output { return Forward(m, in) }
