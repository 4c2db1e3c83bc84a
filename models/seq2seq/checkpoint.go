package seq2seq

import (
	"errors"
	"fmt"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
)

// FromPretrained loads an encoder-decoder from a Hugging Face model
// directory or a repository name ("google-t5/t5-small"), found in the
// local Hugging Face cache or downloaded into it as hub.Open does: a
// T5ForConditionalGeneration checkpoint (model_type "t5" or "mt5") or a
// Transformer saved by SaveDir (model_type "transformer").
func FromPretrained(nameOrPath string, o hub.Options) (Model, error) {
	d, err := hub.Open(nameOrPath, o)
	if err != nil {
		return nil, err
	}
	return Load(d)
}

// LoadDir loads the model of a local directory (config.json and
// model.safetensors, or shards with their index), as FromPretrained
// without the cache.
func LoadDir(dir string) (Model, error) {
	d, err := hub.OpenDir(dir)
	if err != nil {
		return nil, err
	}
	return Load(d)
}

// Load builds the model that an opened directory's config.json describes
// and loads its weights. Missing, unexpected and mis-shaped tensors are
// reported together in one error wrapping an *nn.LoadError, under the
// checkpoint's names; the tied copies of the embeddings that T5
// checkpoints may hold are skipped.
func Load(d *hub.Dir) (Model, error) {
	if err := d.Expect("t5", "mt5", "transformer"); err != nil {
		return nil, err
	}
	var (
		m      Model
		layout *hub.Layout
	)
	if d.ModelType == "transformer" {
		var c TransformerConfig
		if err := d.DecodeConfig(&c); err != nil {
			return nil, err
		}
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("seq2seq: load %s: %w", d.Path, err)
		}
		m, layout = NewTransformer(c, nil), TransformerLayout
	} else {
		c := DefaultT5Config()
		if err := d.DecodeConfig(&c); err != nil {
			return nil, err
		}
		if err := c.validate(); err != nil {
			return nil, fmt.Errorf("seq2seq: load %s: %w", d.Path, err)
		}
		m, layout = NewT5(c, nil), T5Layout(c)
	}
	if _, err := d.Load(m, layout, hub.LoadOptions{}); err != nil {
		var le *nn.LoadError
		if errors.As(err, &le) {
			// Every name in the checkpoint's terms, as the unexpected
			// ones already are.
			for i, n := range le.Missing {
				le.Missing[i] = layout.CheckpointName(n)
			}
			for i := range le.Mismatched {
				le.Mismatched[i].Name = layout.CheckpointName(le.Mismatched[i].Name)
			}
			return nil, fmt.Errorf("seq2seq: %w", le)
		}
		return nil, err
	}
	return m, nil
}

// SaveDir writes m to dir (created if needed) as a Hugging Face model
// directory: config.json and model.safetensors (T5 under Hugging Face's
// names, so that transformers' from_pretrained loads it), with o's
// tokenizer and sharding. Each file is written atomically.
func SaveDir(dir string, m Model, o hub.SaveOptions) error {
	switch m := m.(type) {
	case *T5:
		return hub.Save(dir, m, T5Layout(m.Config), m.Config, o)
	case *Transformer:
		return hub.Save(dir, m, TransformerLayout, m.Config, o)
	}
	return fmt.Errorf("seq2seq: SaveDir: cannot save a %T", m)
}
