package bert

import (
	"fmt"
	"strconv"

	"github.com/goformer/goformer/nn"
)

// Config is BERT's configuration, with the field names of Hugging Face's
// BertConfig so that a model's config.json decodes into it as is (start
// from Base, whose values are BertConfig's defaults, for the fields a
// file leaves out) and Save writes one in the same form.
type Config struct {
	ModelType                 string   `json:"model_type"` // "bert"
	Architectures             []string `json:"architectures,omitempty"`
	VocabSize                 int      `json:"vocab_size"`
	HiddenSize                int      `json:"hidden_size"`
	NumHiddenLayers           int      `json:"num_hidden_layers"`
	NumAttentionHeads         int      `json:"num_attention_heads"`
	IntermediateSize          int      `json:"intermediate_size"`
	HiddenAct                 string   `json:"hidden_act"` // "gelu" (erf), "gelu_new", "relu", ...
	HiddenDropoutProb         float64  `json:"hidden_dropout_prob"`
	AttentionProbsDropoutProb float64  `json:"attention_probs_dropout_prob"`
	MaxPositionEmbeddings     int      `json:"max_position_embeddings"`
	TypeVocabSize             int      `json:"type_vocab_size"`
	InitializerRange          float64  `json:"initializer_range"`
	LayerNormEps              float64  `json:"layer_norm_eps"`
	PadTokenID                int      `json:"pad_token_id"`
	// PositionEmbeddingType must be "absolute" (or empty); the relative
	// variants are not implemented.
	PositionEmbeddingType string `json:"position_embedding_type,omitempty"`
	// ClassifierDropout is the dropout before a classification head; nil
	// uses HiddenDropoutProb.
	ClassifierDropout *float64 `json:"classifier_dropout"`
	// ID2Label and Label2ID name the classes of a classification head;
	// their size is the number of labels (see NumLabels).
	ID2Label map[string]string `json:"id2label,omitempty"`
	Label2ID map[string]int    `json:"label2id,omitempty"`
	// ProblemType selects the loss of sequence classification:
	// "regression", "single_label_classification",
	// "multi_label_classification", or empty to infer it as
	// transformers does (one label: regression; integer labels: single
	// label; else multi-label).
	ProblemType string `json:"problem_type,omitempty"`
	// TieWordEmbeddings ties the masked-LM decoder to the word embeddings
	// (nil: true).
	TieWordEmbeddings *bool `json:"tie_word_embeddings,omitempty"`
	// IsDecoder and AddCrossAttention must be false: BERT as a decoder is
	// not implemented.
	IsDecoder         bool `json:"is_decoder,omitempty"`
	AddCrossAttention bool `json:"add_cross_attention,omitempty"`
}

// Base returns the configuration of bert-base-uncased, which is also
// BertConfig's default for every field.
func Base() Config {
	return Config{
		ModelType: "bert", VocabSize: 30522, HiddenSize: 768, NumHiddenLayers: 12,
		NumAttentionHeads: 12, IntermediateSize: 3072, HiddenAct: "gelu",
		HiddenDropoutProb: 0.1, AttentionProbsDropoutProb: 0.1, MaxPositionEmbeddings: 512,
		TypeVocabSize: 2, InitializerRange: 0.02, LayerNormEps: 1e-12, PositionEmbeddingType: "absolute",
	}
}

// Large returns the configuration of bert-large-uncased.
func Large() Config {
	c := Base()
	c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = 1024, 24, 16, 4096
	return c
}

// NumLabels returns the number of classes of a classification head: the
// size of ID2Label, or 2 when it is empty (transformers' default).
func (c Config) NumLabels() int {
	if len(c.ID2Label) > 0 {
		return len(c.ID2Label)
	}
	return 2
}

// WithLabels returns c with n classes named LABEL_0 ... LABEL_{n-1}, as
// transformers names them when given num_labels.
func (c Config) WithLabels(n int) Config {
	c.ID2Label, c.Label2ID = map[string]string{}, map[string]int{}
	for i := range n {
		name := "LABEL_" + strconv.Itoa(i)
		c.ID2Label[strconv.Itoa(i)] = name
		c.Label2ID[name] = i
	}
	return c
}

func (c Config) activation() (nn.Activation, error) {
	return nn.ParseActivation(c.HiddenAct)
}

func (c Config) tied() bool { return c.TieWordEmbeddings == nil || *c.TieWordEmbeddings }

func (c Config) classifierDropout() float64 {
	if c.ClassifierDropout != nil {
		return *c.ClassifierDropout
	}
	return c.HiddenDropoutProb
}

// Validate reports a configuration this package cannot build: sizes that
// are not positive or do not divide, an unknown activation, a position
// embedding other than "absolute", a decoder.
func (c Config) Validate() error {
	switch {
	case c.ModelType != "" && c.ModelType != "bert":
		return fmt.Errorf("bert: model_type %q is not bert", c.ModelType)
	case c.VocabSize <= 0 || c.HiddenSize <= 0 || c.NumHiddenLayers < 0 || c.NumAttentionHeads <= 0 ||
		c.IntermediateSize <= 0 || c.MaxPositionEmbeddings <= 0 || c.TypeVocabSize <= 0:
		return fmt.Errorf("bert: config sizes must be positive: vocab_size %d, hidden_size %d, num_hidden_layers %d, num_attention_heads %d, intermediate_size %d, max_position_embeddings %d, type_vocab_size %d",
			c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings, c.TypeVocabSize)
	case c.HiddenSize%c.NumAttentionHeads != 0:
		return fmt.Errorf("bert: hidden_size %d is not a multiple of num_attention_heads %d", c.HiddenSize, c.NumAttentionHeads)
	case c.PositionEmbeddingType != "" && c.PositionEmbeddingType != "absolute":
		return fmt.Errorf("bert: position_embedding_type %q is not supported (only absolute)", c.PositionEmbeddingType)
	case c.IsDecoder || c.AddCrossAttention:
		return fmt.Errorf("bert: BERT as a decoder (is_decoder, add_cross_attention) is not supported")
	case c.PadTokenID < 0 || c.PadTokenID >= c.VocabSize:
		return fmt.Errorf("bert: pad_token_id %d outside the vocabulary of %d", c.PadTokenID, c.VocabSize)
	case c.LayerNormEps <= 0:
		return fmt.Errorf("bert: layer_norm_eps %v must be positive", c.LayerNormEps)
	}
	if _, err := c.activation(); err != nil {
		return fmt.Errorf("bert: hidden_act: %w", err)
	}
	switch c.ProblemType {
	case "", "regression", "single_label_classification", "multi_label_classification":
	default:
		return fmt.Errorf("bert: unknown problem_type %q", c.ProblemType)
	}
	return nil
}
