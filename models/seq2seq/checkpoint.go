package seq2seq

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/internal/atomicfile"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// The files of a model directory, as Hugging Face names them.
const (
	ConfigFile  = "config.json"
	WeightsFile = "model.safetensors"
)

// ErrUnknownModelType is returned (wrapped) by LoadDir for a config.json
// whose model_type is not an encoder-decoder of this package.
var ErrUnknownModelType = errors.New("seq2seq: unknown model_type")

// LoadDir loads the model of a directory holding config.json and
// model.safetensors: a Hugging Face T5ForConditionalGeneration checkpoint
// (model_type "t5" or "mt5") or a Transformer saved by SaveDir (model_type
// "transformer"). Missing, unexpected and mis-shaped tensors are reported
// together in one *nn.LoadError, under the checkpoint's names.
func LoadDir(dir string) (Model, error) {
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("seq2seq: load %s: %w", dir, err)
	}
	var head struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(data, &head); err != nil {
		return nil, fmt.Errorf("seq2seq: load %s: %s: %w", dir, ConfigFile, err)
	}
	switch head.ModelType {
	case "t5", "mt5":
		return LoadT5(dir)
	case "transformer":
		return LoadTransformer(dir)
	}
	return nil, fmt.Errorf("%w %q in %s", ErrUnknownModelType, head.ModelType, filepath.Join(dir, ConfigFile))
}

// LoadT5 loads a T5 model from a Hugging Face directory (config.json and
// model.safetensors). Copies of the shared embeddings
// (encoder.embed_tokens.weight, decoder.embed_tokens.weight) and a tied
// lm_head.weight are accepted and skipped.
func LoadT5(dir string) (*T5, error) {
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("seq2seq: load %s: %w", dir, err)
	}
	c, err := parseT5Config(data)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: load %s: %w", dir, err)
	}
	m := NewT5(c, nil)
	names := T5Names(c)
	if err := loadWeights(dir, m, names, func(f *safetensors.File) func(string) string {
		_, hasShared := f.Info("shared.weight")
		return func(n string) string {
			for _, a := range t5Aliases {
				if n == a {
					if hasShared {
						return ""
					}
					return "shared.weight"
				}
			}
			if n == "lm_head.weight" && c.Tied() {
				return ""
			}
			return n
		}
	}); err != nil {
		return nil, err
	}
	return m, nil
}

// ReadTransformerConfig parses and validates a Transformer's config.json.
func ReadTransformerConfig(data []byte) (TransformerConfig, error) {
	c, err := parseTransformerConfig(data)
	if err != nil {
		return TransformerConfig{}, fmt.Errorf("seq2seq: %w", err)
	}
	return c, nil
}

func parseTransformerConfig(data []byte) (TransformerConfig, error) {
	var c TransformerConfig
	if err := json.Unmarshal(data, &c); err != nil {
		return TransformerConfig{}, fmt.Errorf("Transformer config: %w", err)
	}
	if err := c.validate(); err != nil {
		return TransformerConfig{}, err
	}
	return c.withDefaults(), nil
}

// LoadTransformer loads a Transformer saved by SaveDir.
func LoadTransformer(dir string) (*Transformer, error) {
	data, err := os.ReadFile(filepath.Join(dir, ConfigFile))
	if err != nil {
		return nil, fmt.Errorf("seq2seq: load %s: %w", dir, err)
	}
	c, err := parseTransformerConfig(data)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: load %s: %w", dir, err)
	}
	m := NewTransformer(c, nil)
	if err := loadWeights(dir, m, nil, nil); err != nil {
		return nil, err
	}
	return m, nil
}

// loadWeights loads m from dir's weights file, translating names with
// names (nil: none) after skipping what skip says to (nil: nothing).
func loadWeights(dir string, m any, names *Names, skip func(*safetensors.File) func(string) string) error {
	path := filepath.Join(dir, WeightsFile)
	f, err := safetensors.Open(path)
	if err != nil {
		return err // names the file
	}
	defer f.Close()
	o := nn.LoadOptions{Rename: func(n string) string {
		if t, ok := names.ToFile(n); ok {
			return t
		}
		return n
	}}
	if skip != nil {
		o.FromCheckpoint = skip(f)
	}
	err = nn.LoadFile(m, f, o)
	var le *nn.LoadError
	if errors.As(err, &le) {
		le.Path = path
		for i, n := range le.Missing {
			le.Missing[i] = o.Rename(n)
		}
		for i := range le.Mismatched {
			le.Mismatched[i].Name = o.Rename(le.Mismatched[i].Name)
		}
		return le
	}
	if err != nil {
		return fmt.Errorf("seq2seq: load %s: %w", path, err)
	}
	return nil
}

// SaveDir writes m to dir (created if needed) as config.json and
// model.safetensors, in the layout LoadDir reads: Hugging Face's for T5,
// so that transformers' from_pretrained loads it too. Each file is written
// atomically.
func SaveDir(dir string, m Model) error {
	var cfg any
	var names *Names
	switch m := m.(type) {
	case *T5:
		cfg, names = m.Config, T5Names(m.Config)
	case *Transformer:
		cfg = m.Config
	default:
		return fmt.Errorf("seq2seq: SaveDir: cannot save a %T", m)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("seq2seq: save %s: %w", dir, err)
	}
	out := map[string]*tensor.Tensor{}
	seen := map[*tensor.Tensor]bool{}
	for _, p := range nn.Tensors(m) {
		if p.Transient || seen[p.Tensor] {
			continue
		}
		seen[p.Tensor] = true
		name, ok := names.ToFile(p.Name)
		if !ok {
			return fmt.Errorf("seq2seq: save %s: no checkpoint name for tensor %s", dir, p.Name)
		}
		out[name] = p.Tensor.Detach()
	}
	if err := safetensors.WriteFile(filepath.Join(dir, WeightsFile), out, map[string]string{"format": "pt"}); err != nil {
		return fmt.Errorf("seq2seq: save %s: %w", dir, err)
	}
	data, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return fmt.Errorf("seq2seq: save %s: %w", dir, err)
	}
	if err := atomicfile.WriteFile(filepath.Join(dir, ConfigFile), append(data, '\n')); err != nil {
		return fmt.Errorf("seq2seq: save %s: %w", dir, err)
	}
	return nil
}
