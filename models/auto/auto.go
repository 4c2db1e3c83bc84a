// Package auto loads any causal language model directory by its
// config.json's model_type — its weights through the family that reads
// it, its tokenizer, chat template and generation defaults — ready for
// generation, as the command line, the server and applications need it.
//
//	lm, err := auto.LoadCausalLM("HuggingFaceTB/SmolLM2-135M-Instruct", auto.Options{})
//	ids, err := lm.ChatPrompt([]chat.Message{{Role: "user", Content: "Hi!"}})
//	opts := lm.Defaults()                  // generation_config.json, stop tokens
//	opts.MaxNewTokens = 64
//	out, err := generate.Generate(ctx, lm.Model, [][]int{ids}, opts)
//	text, err := lm.Text(out[0][0])
//
// or in one call, lm.Reply(ctx, msgs, opts) (lm.Complete for plain text).
//
// The families register themselves here by model_type (see Register and
// ModelTypes); a program can register its own.
package auto

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"sync"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tokenize"
)

// Loader builds a family's causal language model from an opened model
// directory, its weights loaded, for inference: the model it returns must
// record no autograd graph (return nn.Detached of the module).
type Loader func(d *hub.Dir, o Options) (generate.Model, error)

var (
	mu      sync.RWMutex
	loaders = map[string]Loader{}
)

// Register makes model_type load with l; registering a type twice
// panics.
func Register(modelType string, l Loader) {
	mu.Lock()
	defer mu.Unlock()
	if _, dup := loaders[modelType]; dup {
		panic("auto: model_type registered twice: " + modelType)
	}
	loaders[modelType] = l
}

// ModelTypes returns the model_types LoadCausalLM reads.
func ModelTypes() []string {
	mu.RLock()
	defer mu.RUnlock()
	var out []string
	for k := range loaders {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// Options configure LoadCausalLM.
type Options struct {
	// Hub says where to find (or download) a model given by name.
	Hub hub.Options
}

// CausalLM is a loaded causal language model with everything generation
// needs.
type CausalLM struct {
	// Model is the network, ready for generate.Generate.
	Model generate.Model
	// Tokenizer encodes prompts and decodes generations.
	Tokenizer *tokenize.Tokenizer
	// Chat is the model's chat template, nil for a model without one.
	Chat *chat.Template
	// Generation holds the model's generation defaults.
	Generation GenerationConfig
	// Dir is the model's directory.
	Dir *hub.Dir
}

// GenerationConfig is what generation_config.json (falling back on
// config.json) says about generating with the model, under Hugging
// Face's names.
type GenerationConfig struct {
	BOS               *int      `json:"bos_token_id"`
	EOS               tokenList `json:"eos_token_id"`
	Pad               *int      `json:"pad_token_id"`
	MaxNewTokens      int       `json:"max_new_tokens"`
	DoSample          bool      `json:"do_sample"`
	Temperature       *float64  `json:"temperature"`
	TopK              *int      `json:"top_k"`
	TopP              *float64  `json:"top_p"`
	RepetitionPenalty float64   `json:"repetition_penalty"`
	NoRepeatNGramSize int       `json:"no_repeat_ngram_size"`
	NumBeams          int       `json:"num_beams"`
	LengthPenalty     *float64  `json:"length_penalty"`
}

// tokenList reads a token id given as a number or a list of numbers.
type tokenList []int

func (t *tokenList) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*t = nil
		return nil
	}
	var one int
	if err := json.Unmarshal(b, &one); err == nil {
		*t = tokenList{one}
		return nil
	}
	var many []int
	if err := json.Unmarshal(b, &many); err != nil {
		return fmt.Errorf("a token id or a list of them: %w", err)
	}
	*t = many
	return nil
}

// ErrUnknownModelType is hub's: a model_type no family is registered for.
var ErrUnknownModelType = hub.ErrUnknownModelType

// LoadCausalLM opens a model directory or hub repository ("org/name"),
// loads its weights with the family registered for its model_type, and
// reads its tokenizer, chat template (if any) and generation defaults.
func LoadCausalLM(nameOrPath string, o Options) (*CausalLM, error) {
	d, err := hub.Open(nameOrPath, o.Hub)
	if err != nil {
		return nil, err
	}
	mu.RLock()
	load, ok := loaders[d.ModelType]
	mu.RUnlock()
	if !ok {
		return nil, fmt.Errorf("auto: %w", d.Expect(ModelTypes()...))
	}
	model, err := load(d, o)
	if err != nil {
		return nil, fmt.Errorf("auto: load %s: %w", d.Path, err)
	}
	tok, err := d.Tokenizer()
	if err != nil {
		return nil, fmt.Errorf("auto: %w", err)
	}
	lm := &CausalLM{Model: model, Tokenizer: tok, Dir: d}
	if lm.Chat, err = chat.Load(d.Path); err != nil && !errors.Is(err, chat.ErrNoTemplate) {
		return nil, fmt.Errorf("auto: %w", err)
	}
	if err := d.DecodeConfig(&lm.Generation); err != nil {
		return nil, fmt.Errorf("auto: %w", err)
	}
	if b, err := os.ReadFile(filepath.Join(d.Path, "generation_config.json")); err == nil {
		if err := json.Unmarshal(b, &lm.Generation); err != nil {
			return nil, fmt.Errorf("auto: %s: %w", filepath.Join(d.Path, "generation_config.json"), err)
		}
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("auto: %w", err)
	}
	return lm, nil
}

// StopTokens returns the tokens that end a generation: the end-of-sequence
// ids of the configuration, and the chat template's end-of-turn markers
// that are single tokens of the vocabulary.
func (lm *CausalLM) StopTokens() []int {
	stops := slices.Clone([]int(lm.Generation.EOS))
	if lm.Chat != nil {
		for _, s := range lm.Chat.Stop {
			if id, ok := lm.Tokenizer.TokenToID(s); ok && !slices.Contains(stops, id) {
				stops = append(stops, id)
			}
		}
	}
	return stops
}

// Defaults returns generation options from the model's configuration:
// its stop tokens, its pad token, its tokenizer as Decoder, and the
// sampling or beam settings of generation_config.json (greedy when it has
// none).
func (lm *CausalLM) Defaults() generate.Options {
	g := lm.Generation
	o := generate.Options{
		MaxNewTokens:      g.MaxNewTokens,
		StopTokens:        lm.StopTokens(),
		Decoder:           lm.Tokenizer,
		RepetitionPenalty: g.RepetitionPenalty,
		NoRepeatNGram:     g.NoRepeatNGramSize,
	}
	if g.Pad != nil {
		o.PadToken = *g.Pad
	} else if len(g.EOS) > 0 {
		o.PadToken = g.EOS[0]
	}
	if g.DoSample {
		o.Temperature, o.TopK, o.TopP = 1, 50, 1 // Hugging Face's defaults
		if g.Temperature != nil && *g.Temperature > 0 {
			o.Temperature = *g.Temperature
		}
		if g.TopK != nil {
			o.TopK = *g.TopK
		}
		if g.TopP != nil {
			o.TopP = *g.TopP
		}
	} else if g.NumBeams > 1 {
		o.Beams = g.NumBeams
		if g.LengthPenalty != nil {
			o.LengthPenalty = *g.LengthPenalty
			if o.LengthPenalty == 0 {
				o.LengthPenalty = generate.NoLengthPenalty
			}
		}
	}
	return o
}

// Encode returns the ids of a plain prompt, with the special tokens the
// tokenizer adds (Llama's BOS, for one).
func (lm *CausalLM) Encode(prompt string) ([]int, error) {
	ids, err := lm.Tokenizer.EncodeIDs(prompt)
	if err != nil {
		return nil, fmt.Errorf("auto: encode the prompt: %w", err)
	}
	return ids, nil
}

// ErrNoChatTemplate is returned by ChatPrompt for a model without a chat
// template.
var ErrNoChatTemplate = errors.New("auto: the model has no chat template")

// ChatPrompt renders a conversation with the model's chat template,
// opening the assistant's turn, and encodes it without adding special
// tokens (the template writes them), as apply_chat_template does.
func (lm *CausalLM) ChatPrompt(msgs []chat.Message) ([]int, error) {
	if lm.Chat == nil {
		return nil, ErrNoChatTemplate
	}
	text, err := lm.Chat.Render(msgs, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		return nil, err
	}
	enc, err := lm.Tokenizer.EncodeWith(text, nil, tokenize.EncodeOptions{NoSpecialTokens: true})
	if err != nil {
		return nil, fmt.Errorf("auto: encode the chat prompt: %w", err)
	}
	return enc.IDs, nil
}

// Text decodes a generated sequence: special tokens dropped, and cut
// before a stop string when one ended it.
func (lm *CausalLM) Text(s generate.Sequence) (string, error) {
	text, err := lm.Tokenizer.Decode(s.Tokens, true)
	if err != nil {
		return "", fmt.Errorf("auto: decode: %w", err)
	}
	if s.Finish == generate.FinishStopString {
		text, _ = generate.CutStop(text, []string{s.Stop})
	}
	return text, nil
}

// Complete continues prompt with options o (start from Defaults) and
// returns the text of the best sequence.
func (lm *CausalLM) Complete(ctx context.Context, prompt string, o generate.Options) (string, error) {
	ids, err := lm.Encode(prompt)
	if err != nil {
		return "", err
	}
	return lm.first(ctx, ids, o)
}

// Reply renders the conversation with the chat template and returns the
// text of the assistant's answer, generated with options o (start from
// Defaults, whose stop tokens end the turn).
func (lm *CausalLM) Reply(ctx context.Context, msgs []chat.Message, o generate.Options) (string, error) {
	ids, err := lm.ChatPrompt(msgs)
	if err != nil {
		return "", err
	}
	return lm.first(ctx, ids, o)
}

func (lm *CausalLM) first(ctx context.Context, ids []int, o generate.Options) (string, error) {
	out, err := generate.Generate(ctx, lm.Model, [][]int{ids}, o)
	if err != nil {
		return "", err
	}
	return lm.Text(out[0][0])
}
