package llama

import (
	"fmt"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Layout is how Hugging Face's LlamaForCausalLM and Qwen2ForCausalLM
// checkpoints (SmolLM, TinyLlama, Llama 2 and 3, Qwen2) store the tensors
// of this package's models: goformer's names on the left, transformers'
// on the right; the rotary inverse frequencies of older files skipped;
// the base model under "model." in task checkpoints.
var Layout = hub.Layout{
	Names: []hub.Rename{
		{Model: "layers.*.norm1", Checkpoint: "layers.*.input_layernorm"},
		{Model: "layers.*.norm2", Checkpoint: "layers.*.post_attention_layernorm"},
		{Model: "layers.*.self_attn.out_proj", Checkpoint: "layers.*.self_attn.o_proj"},
		{Model: "layers.*.gate", Checkpoint: "layers.*.mlp.gate_proj"},
		{Model: "layers.*.linear1", Checkpoint: "layers.*.mlp.up_proj"},
		{Model: "layers.*.linear2", Checkpoint: "layers.*.mlp.down_proj"},
	},
	BasePrefix: "model",
	Ignore:     []string{"*.rotary_emb.inv_freq"},
}

// LoadOptions configures FromPretrained and Load: where a repository is
// looked for, and the type the weights are held in (BFloat16 keeps a
// bfloat16 checkpoint as stored).
type LoadOptions = lm.LoadOptions

// FromPretrained loads a Llama-family language model (model_type "llama"
// or "qwen2") from a Hugging Face model directory, or from a repository
// name ("HuggingFaceTB/SmolLM-135M") found in the local Hugging Face
// cache or downloaded into it (hub.Open). The tokenizer is in the same
// directory: hub.Open(...).Tokenizer().
func FromPretrained(nameOrPath string, o LoadOptions) (*ForCausalLM, error) {
	d, err := hub.Open(nameOrPath, o.Hub)
	if err != nil {
		return nil, err
	}
	return Load(d, o)
}

// ReadConfig reads and checks the configuration of a model directory.
func ReadConfig(d *hub.Dir) (Config, error) {
	return lm.ReadConfig(d, "llama", ParseConfig, "llama", "qwen2")
}

// Load reads a language model from an opened model directory. Missing,
// unexpected or mis-shaped tensors give one error listing them all.
func Load(d *hub.Dir, o LoadOptions) (*ForCausalLM, error) {
	c, err := ReadConfig(d)
	if err != nil {
		return nil, err
	}
	m := NewForCausalLM(c, nil)
	if o.DType != tensor.Float32 {
		nn.Cast(m, o.DType)
		// The rotary tables stay precise: they are computed, not stored.
		m.Model.setRotary(m.Model.newRotary())
	}
	if _, err := d.Load(m, &Layout, hub.LoadOptions{}); err != nil {
		return nil, fmt.Errorf("llama: %w", err)
	}
	return m, nil
}

// Save writes the model as a Hugging Face model directory: config.json
// (architectures LlamaForCausalLM or Qwen2ForCausalLM) and
// model.safetensors under save_pretrained's names, the tied head left out
// — the tensors of the fixtures that testdata/gen_fixtures.py writes so,
// as the tests check. Load reads it back. o may add the tokenizer or shard
// the weights.
func (m *ForCausalLM) Save(dir string, o hub.SaveOptions) error {
	c := m.Config()
	c.Architectures = []string{"LlamaForCausalLM"}
	if c.ModelType == "qwen2" {
		c.Architectures = []string{"Qwen2ForCausalLM"}
	}
	c.TorchDtype = m.LMHead.Weight.DType().String()
	return hub.Save(dir, m, &Layout, c, o)
}
