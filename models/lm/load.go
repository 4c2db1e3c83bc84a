package lm

import (
	"encoding/json"
	"fmt"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tensor"
)

// LoadOptions configures the loading of a family's checkpoints
// (gpt.FromPretrained, llama.Load ...).
type LoadOptions struct {
	// Hub says where a repository name is looked for (the local Hugging
	// Face cache) and how it is downloaded.
	Hub hub.Options
	// DType is the type the weights are held in: Float32 (the zero value)
	// converts float16 and bfloat16 checkpoints on load; Float16 or
	// BFloat16 keeps them as stored, half the memory, for a GPU or for
	// saving again (the CPU computes in float32 and float64: nn.Cast the
	// model before running it there).
	DType tensor.DType
}

// ReadConfig reads the configuration of a model directory whose
// config.json says one of types as its model_type, and checks it with
// parse (a family's ParseConfig). family names the family in the errors
// of the directory ("gpt: ..."); those of parse name it already, and get
// the directory's path.
func ReadConfig[C any](d *hub.Dir, family string, parse func([]byte) (C, error), types ...string) (C, error) {
	var zero C
	if err := d.Expect(types...); err != nil {
		return zero, fmt.Errorf("%s: %w", family, err)
	}
	var raw json.RawMessage
	if err := d.DecodeConfig(&raw); err != nil {
		return zero, fmt.Errorf("%s: %w", family, err)
	}
	c, err := parse(raw)
	if err != nil {
		return zero, fmt.Errorf("%w (%s)", err, d.Path)
	}
	return c, nil
}
