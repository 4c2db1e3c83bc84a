package seq2seq

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// TransformerConfig describes the original Transformer (Vaswani et al.
// 2017). Its JSON form is the config.json of a checkpoint directory
// (model_type "transformer"). Zero values of the optional fields give the
// paper's base model choices where they make sense.
type TransformerConfig struct {
	ModelType     string   `json:"model_type"`              // "transformer"
	VocabSize     int      `json:"vocab_size"`              // shared source and target vocabulary
	Dim           int      `json:"d_model"`                 // model width
	Heads         int      `json:"num_heads"`               // attention heads
	Hidden        int      `json:"d_ff"`                    // feed-forward width (0: 4·Dim)
	EncoderLayers int      `json:"num_encoder_layers"`      // encoder depth
	DecoderLayers int      `json:"num_decoder_layers"`      // decoder depth
	MaxLen        int      `json:"max_position_embeddings"` // longest sequence (0: 1024)
	Dropout       float64  `json:"dropout"`                 // everywhere, as the paper's P_drop
	Activation    string   `json:"activation_function"`     // feed-forward nonlinearity ("": relu)
	NormFirst     bool     `json:"norm_first"`              // pre-LN (with final norms) instead of post-LN
	Eps           float64  `json:"layer_norm_eps"`          // LayerNorm eps (0: 1e-5)
	PadTokenID    int      `json:"pad_token_id"`            // padding
	BOSTokenID    int      `json:"bos_token_id"`            // start of a sentence
	EOSTokenID    int      `json:"eos_token_id"`            // end of a sentence
	DecoderStart  int      `json:"decoder_start_token_id"`  // first decoder input
	Architectures []string `json:"architectures,omitempty"` // informative

	extra extras
}

// UnmarshalJSON reads a config.json over the values c already holds,
// keeping the fields it does not know.
func (c *TransformerConfig) UnmarshalJSON(data []byte) error {
	type plain TransformerConfig
	p := plain(*c)
	e, err := unmarshalKeeping(data, &p)
	if err != nil {
		return err
	}
	*c = TransformerConfig(p)
	c.extra = e
	return nil
}

// MarshalJSON writes the config with the fields it was read with, the
// known ones updated.
func (c TransformerConfig) MarshalJSON() ([]byte, error) {
	type plain TransformerConfig
	return marshalMerging(plain(c), c.extra, nil)
}

func (c TransformerConfig) withDefaults() TransformerConfig {
	if c.ModelType == "" {
		c.ModelType = "transformer"
	}
	if c.Hidden == 0 {
		c.Hidden = 4 * c.Dim
	}
	if c.MaxLen == 0 {
		c.MaxLen = 1024
	}
	if c.Activation == "" {
		c.Activation = "relu"
	}
	if c.Eps == 0 {
		c.Eps = 1e-5
	}
	return c
}

// Validate reports what makes the config unusable.
func (c TransformerConfig) Validate() error {
	if err := c.validate(); err != nil {
		return fmt.Errorf("seq2seq: %w", err)
	}
	return nil
}

func (c TransformerConfig) validate() error {
	c = c.withDefaults()
	switch {
	case c.ModelType != "transformer":
		return fmt.Errorf("Transformer config: model_type %q is not a transformer", c.ModelType)
	case c.VocabSize <= 0 || c.Dim <= 0 || c.Heads <= 0 || c.Hidden <= 0:
		return fmt.Errorf("Transformer config: vocab_size=%d, d_model=%d, num_heads=%d and d_ff=%d must be positive", c.VocabSize, c.Dim, c.Heads, c.Hidden)
	case c.Dim%c.Heads != 0 || c.Dim%2 != 0:
		return fmt.Errorf("Transformer config: d_model=%d must be even and a multiple of num_heads=%d", c.Dim, c.Heads)
	case c.EncoderLayers <= 0 || c.DecoderLayers <= 0:
		return fmt.Errorf("Transformer config: num_encoder_layers=%d and num_decoder_layers=%d must be positive", c.EncoderLayers, c.DecoderLayers)
	case c.MaxLen < 0 || c.Dropout < 0 || c.Dropout >= 1 || c.Eps < 0:
		return fmt.Errorf("Transformer config: max_position_embeddings=%d, dropout=%v or layer_norm_eps=%v out of range", c.MaxLen, c.Dropout, c.Eps)
	}
	for _, id := range []int{c.PadTokenID, c.BOSTokenID, c.EOSTokenID, c.DecoderStart} {
		if id < 0 || id >= c.VocabSize {
			return fmt.Errorf("Transformer config: special token id %d outside the vocabulary of %d", id, c.VocabSize)
		}
	}
	if _, err := nn.ParseActivation(c.Activation); err != nil {
		return fmt.Errorf("Transformer config: %w", err)
	}
	return nil
}

func (c TransformerConfig) layers() transformer.Config {
	act, _ := nn.ParseActivation(c.Activation)
	return transformer.Config{
		Dim: c.Dim, Heads: c.Heads, Hidden: c.Hidden, Act: act,
		Dropout: c.Dropout, NormFirst: c.NormFirst, Eps: c.Eps,
	}
}

// Transformer is the original encoder-decoder Transformer: one embedding
// table shared by the source, the target and the output projection,
// scaled by √Dim on input, sinusoidal positions, and stacks of
// transformer.EncoderLayer and transformer.DecoderLayer (post-LN as in
// the paper, or pre-LN with a final norm after each stack). Its tensors
// are named as PyTorch's modules: shared.weight, encoder.layers.N...
// (nn.TransformerEncoderLayer's names), encoder.norm, decoder.layers.N...,
// decoder.norm.
type Transformer struct {
	Config    TransformerConfig    `nn:"-"`
	Shared    *embed.Token         `nn:"shared"`
	Positions *embed.Sinusoidal    `nn:"positions"`
	Encoder   *transformer.Encoder `nn:"encoder"`
	Decoder   *transformer.Decoder `nn:"decoder"`
	// Dropout applies to the sum of the embeddings and positions.
	Dropout *nn.Dropout `nn:"dropout"`
}

// NewTransformer returns a Transformer for c initialised from g: the
// layers as PyTorch initialises them, the shared embeddings from
// N(0, 1/Dim) so that scaled by √Dim they have unit variance. With a nil
// g the parameters stay zero, to be loaded. An invalid config panics; use
// Validate on configs read from files.
func NewTransformer(c TransformerConfig, g *tensor.Generator) *Transformer {
	if err := c.Validate(); err != nil {
		panic(err.Error())
	}
	c = c.withDefaults()
	lc := c.layers()
	m := &Transformer{
		Config:    c,
		Shared:    embed.NewToken(c.VocabSize, c.Dim, nil),
		Positions: embed.NewSinusoidal(c.MaxLen, c.Dim, false),
		Encoder:   transformer.NewEncoder(lc, c.EncoderLayers, c.NormFirst, g),
		Decoder:   transformer.NewDecoder(lc, c.DecoderLayers, c.NormFirst, g),
		Dropout:   nn.NewDropout(c.Dropout, g),
	}
	if g != nil {
		g.Normal(m.Shared.Weight.Detach(), 0, 1/math.Sqrt(float64(c.Dim)))
	}
	return m
}

// Special returns the special token ids of the config.
func (m *Transformer) Special() Special {
	return Special{Pad: m.Config.PadTokenID, EOS: m.Config.EOSTokenID, DecoderStart: m.Config.DecoderStart}
}

// VocabSize returns the vocabulary size of the config.
func (m *Transformer) VocabSize() int { return m.Config.VocabSize }

// MaxLen returns the number of positions of the sinusoidal table
// (max_position_embeddings).
func (m *Transformer) MaxLen() int { return m.Positions.Table.Dim(0) }

// embed returns Dropout(Shared(ids)·√Dim + positions), positions being
// offset, offset+1, ... or, with pos [B, T], the given ones.
func (m *Transformer) embed(ids, pos *tensor.Tensor, offset int) *tensor.Tensor {
	x := m.Shared.Forward(ids).Scale(math.Sqrt(float64(m.Config.Dim)))
	if n := m.Positions.Table.Dim(0); offset+ids.Dim(1) > n {
		panic(fmt.Sprintf("seq2seq: Transformer: %d positions exceed max_position_embeddings=%d", offset+ids.Dim(1), n))
	}
	var pe *tensor.Tensor
	if pos != nil {
		pe = tensor.Embedding(m.Positions.Table, pos.To(x.Device()))
	} else {
		pe = m.Positions.Forward(offset, ids.Dim(1))
	}
	if pe.DType() != x.DType() {
		pe = pe.As(x.DType())
	}
	return m.Dropout.Forward(x.Add(pe))
}

// Encode maps source ids [B, S] and their mask (nil: no padding) to the
// encoder's output [B, S, Dim].
func (m *Transformer) Encode(ids, mask *tensor.Tensor) *tensor.Tensor {
	checkIDs("Transformer.Encode", ids, mask, 0)
	return m.Encoder.Forward(m.embed(ids, nil, 0), attention.Mask{KeyMask: attention.Keep(mask)})
}

// Decode returns the logits [B, T, Vocab] of target ids [B, T] over the
// encoder's output (see Model.Decode). Positions count the real tokens of
// mask, so that a left-padded row is positioned as if it were alone.
func (m *Transformer) Decode(ids, mask, memory, memoryMask *tensor.Tensor, cache *transformer.Cache) *tensor.Tensor {
	past := cache.Len()
	checkIDs("Transformer.Decode", ids, mask, past)
	checkMemory("Transformer.Decode", memory, memoryMask, ids.Dim(0), m.Config.Dim)
	var pos *tensor.Tensor
	if mask != nil {
		pos = maskPositions(mask, ids.Dim(1))
	}
	x := m.embed(ids, pos, past)
	h := m.Decoder.Forward(x, memory, attention.Mask{Causal: true, KeyMask: attention.Keep(mask)}, attention.Mask{KeyMask: attention.Keep(memoryMask)}, cache)
	return nn.Project(h, m.Shared.Weight, nil)
}

// Forward runs a teacher-forced batch (see the package function Forward).
func (m *Transformer) Forward(in Inputs) Output { return Forward(m, in) }
