// Package servetest writes small random models as Hugging Face
// directories, for the tests of package serve, its load generator and
// anyone trying `goformer serve` without downloading a checkpoint: a
// GPT-2 or Llama with a byte-level BPE tokenizer trained on a built-in
// text and a ChatML chat template, and a BERT with a WordPiece tokenizer
// for embeddings. Every weight is drawn from an explicit seed, so a
// directory is the same on every machine.
//
//	dir := t.TempDir()
//	if err := servetest.WriteGPT2(dir, servetest.GPT2Options{}); err != nil { ... }
//	lm, err := auto.LoadCausalLM(dir, auto.Options{})
package servetest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"unicode"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/tokenize/wordpiece"
)

// The special tokens of the byte-level tokenizer, with ids 0, 1, 2.
const (
	EndOfText = "<|endoftext|>"
	ImStart   = "<|im_start|>"
	ImEnd     = "<|im_end|>"
)

// corpus trains the byte-level tokenizer; it holds multi-byte characters
// so that some tokens end inside a character.
const corpus = `The quick brown fox jumps over the lazy dog. A language model
continues a prompt one token at a time; a server batches the requests of
many users so that each step of the model serves them all. Once upon a
time there was a small model that lived in a test. It answered every
question with words it had never learned, and nobody minded.
Café, naïve, façade, résumé, jalapeño, Zürich, Ångström, smörgåsbord.
日本語のテキスト、中文文本, 한국어 텍스트, Ελληνικά, русский текст.
Emoji too: 🙂 🚀 🌍 ✨ — and symbols ∑ ∫ √ ∞ ≠ ≤ ≥.
Hello world! How are you today? I am fine, thank you. What is the time?
`

// Tokenizer returns a byte-level BPE tokenizer of vocab tokens (at least
// 259: the three special tokens and the 256 bytes) trained on a built-in
// text, with EndOfText, ImStart and ImEnd as ids 0, 1 and 2. Beyond the
// merges the text supports, the vocabulary is filled with added tokens
// "<|wN|>", so that every id of a model of that vocabulary decodes.
func Tokenizer(vocab int) (*tokenize.Tokenizer, error) {
	if vocab < 259 {
		return nil, fmt.Errorf("servetest: a byte-level vocabulary needs at least 259 tokens, not %d", vocab)
	}
	tok := &tokenize.Tokenizer{
		PreTokenizer: tokenize.ByteLevel{Pattern: pattern.GPT2},
		Decoder:      tokenize.ByteLevelDecoder{},
	}
	err := tok.TrainBPE(strings.NewReader(strings.Repeat(corpus, 3)), bpe.TrainerConfig{
		VocabSize:       vocab,
		SpecialTokens:   []string{EndOfText, ImStart, ImEnd},
		InitialAlphabet: bpe.ByteLevelAlphabet(),
	})
	if err != nil {
		return nil, fmt.Errorf("servetest: train the tokenizer: %w", err)
	}
	for id := tok.VocabSize(); id < vocab; id++ {
		tok.AddTokens(tokenize.AddedToken{Content: fmt.Sprintf("<|w%d|>", id)})
	}
	return tok, nil
}

// GPT2Options size a random GPT-2; zero fields take the defaults noted.
type GPT2Options struct {
	Layers  int     // 2
	Dim     int     // 64
	Heads   int     // 4
	Context int     // n_positions, 128
	Vocab   int     // 320
	Init    float64 // the weights' standard deviation, 0.2
	Seed    uint64  // 1
}

func (o *GPT2Options) defaults() {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.Layers, 2)
	def(&o.Dim, 64)
	def(&o.Heads, 4)
	def(&o.Context, 128)
	def(&o.Vocab, 320)
	if o.Init == 0 {
		o.Init = 0.2
	}
	if o.Seed == 0 {
		o.Seed = 1
	}
}

// WriteGPT2 writes a random GPT-2 to dir (created if needed): config.json,
// model.safetensors, the tokenizer and a ChatML chat template. Its
// end-of-sequence token is EndOfText; chat replies also stop on ImEnd.
func WriteGPT2(dir string, o GPT2Options) error {
	o.defaults()
	tok, err := Tokenizer(o.Vocab)
	if err != nil {
		return err
	}
	c := gpt.DefaultConfig()
	c.NLayer, c.NEmbd, c.NHead, c.NPositions = o.Layers, o.Dim, o.Heads, o.Context
	c.VocabSize, c.InitializerRange = o.Vocab, o.Init
	c.BosTokenID, c.EosTokenID = 0, 0
	c.ResidPdrop, c.EmbdPdrop, c.AttnPdrop = 0, 0, 0
	m := gpt.NewLMHeadModel(c, tensor.NewGenerator(o.Seed))
	if err := m.Save(dir, hub.SaveOptions{Tokenizer: tok}); err != nil {
		return fmt.Errorf("servetest: %w", err)
	}
	return writeChatTemplate(dir)
}

// LlamaOptions size a random Llama; zero fields take the defaults noted.
type LlamaOptions struct {
	Layers  int     // 2
	Dim     int     // 64
	Heads   int     // 4
	KVHeads int     // 2 (grouped-query attention)
	Context int     // max_position_embeddings, 128
	Vocab   int     // 320
	Init    float64 // 0.2
	Seed    uint64  // 1
}

// WriteLlama writes a random Llama to dir, as WriteGPT2 does.
func WriteLlama(dir string, o LlamaOptions) error {
	g := GPT2Options{Layers: o.Layers, Dim: o.Dim, Heads: o.Heads, Context: o.Context, Vocab: o.Vocab, Init: o.Init, Seed: o.Seed}
	g.defaults()
	if o.KVHeads == 0 {
		o.KVHeads = 2
	}
	tok, err := Tokenizer(g.Vocab)
	if err != nil {
		return err
	}
	c, err := llama.Size("tiny")
	if err != nil {
		return err
	}
	c.NumHiddenLayers, c.HiddenSize, c.NumAttentionHeads, c.NumKeyValueHeads = g.Layers, g.Dim, g.Heads, o.KVHeads
	c.IntermediateSize, c.MaxPositionEmbeddings, c.VocabSize, c.InitializerRange = 2*g.Dim, g.Context, g.Vocab, g.Init
	c.BosTokenID, c.EosTokenID = lm.TokenIDs{0}, lm.TokenIDs{0}
	m := llama.NewForCausalLM(c, tensor.NewGenerator(g.Seed))
	if err := m.Save(dir, hub.SaveOptions{Tokenizer: tok}); err != nil {
		return fmt.Errorf("servetest: %w", err)
	}
	return writeChatTemplate(dir)
}

func writeChatTemplate(dir string) error {
	t, err := chat.Builtin("chatml")
	if err != nil {
		return err
	}
	b, _ := json.MarshalIndent(map[string]any{
		"chat_template": t.Source,
		"bos_token":     EndOfText,
		"eos_token":     ImEnd,
	}, "", "  ")
	return os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), b, 0o644)
}

// BERTOptions size a random BERT; zero fields take the defaults noted.
type BERTOptions struct {
	Layers  int    // 2
	Dim     int    // 32
	Heads   int    // 4
	Context int    // max_position_embeddings, 64
	Seed    uint64 // 1
}

// WriteBERT writes a random BERT (with its pooler) to dir and a WordPiece
// tokenizer over the lower-cased words and characters of a built-in text.
func WriteBERT(dir string, o BERTOptions) error {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&o.Layers, 2)
	def(&o.Dim, 32)
	def(&o.Heads, 4)
	def(&o.Context, 64)
	if o.Seed == 0 {
		o.Seed = 1
	}
	vocab := map[string]int{}
	add := func(w string) {
		if _, ok := vocab[w]; !ok {
			vocab[w] = len(vocab)
		}
	}
	for _, s := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} {
		add(s)
	}
	for _, r := range strings.ToLower(corpus) {
		if !unicode.IsSpace(r) {
			add(string(r))
			add("##" + string(r))
		}
	}
	for _, w := range strings.FieldsFunc(strings.ToLower(corpus), func(r rune) bool { return !unicode.IsLetter(r) }) {
		add(w)
	}
	wp, err := wordpiece.New(vocab, wordpiece.Options{})
	if err != nil {
		return fmt.Errorf("servetest: %w", err)
	}
	tok, err := tokenize.NewBERT(wp, true)
	if err != nil {
		return fmt.Errorf("servetest: %w", err)
	}
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads = len(vocab), o.Dim, o.Layers, o.Heads
	c.IntermediateSize, c.MaxPositionEmbeddings = 4*o.Dim, o.Context
	c.HiddenDropoutProb, c.AttentionProbsDropoutProb = 0, 0
	m := bert.New(c, tensor.NewGenerator(o.Seed))
	if err := bert.Save(dir, m, tok); err != nil {
		return fmt.Errorf("servetest: %w", err)
	}
	return nil
}
