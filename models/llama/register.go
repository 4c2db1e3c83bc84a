package llama

import (
	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
)

// Importing the package lets auto.LoadCausalLM read model_types "llama"
// and "qwen2".
func init() {
	load := func(d *hub.Dir, o auto.Options) (generate.Model, error) {
		m, err := Load(d, LoadOptions{Hub: o.Hub})
		if err != nil {
			return nil, err
		}
		return nn.Detached(m), nil
	}
	auto.Register("llama", load)
	auto.Register("qwen2", load)
}
