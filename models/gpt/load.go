package gpt

import (
	"fmt"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Layout is how Hugging Face's GPT-2 checkpoints store the tensors of this
// package's models: goformer's names on the left, transformers' on the
// right; Conv1D weights (c_attn, c_proj, c_fc) stored [in, out]; the
// attention-mask buffers of older files skipped; the base model under
// "transformer." in task checkpoints, and without it in GPT2Model
// checkpoints such as the original gpt2's.
var Layout = hub.Layout{
	Names: []hub.Rename{
		{Model: "layers.*.norm1", Checkpoint: "h.*.ln_1"},
		{Model: "layers.*.norm2", Checkpoint: "h.*.ln_2"},
		{Model: "layers.*.self_attn.in_proj_weight", Checkpoint: "h.*.attn.c_attn.weight"},
		{Model: "layers.*.self_attn.in_proj_bias", Checkpoint: "h.*.attn.c_attn.bias"},
		{Model: "layers.*.self_attn.out_proj", Checkpoint: "h.*.attn.c_proj"},
		{Model: "layers.*.linear1", Checkpoint: "h.*.mlp.c_fc"},
		{Model: "layers.*.linear2", Checkpoint: "h.*.mlp.c_proj"},
		{Model: "norm", Checkpoint: "ln_f"},
	},
	BasePrefix: "transformer",
	Transposed: []string{"*.self_attn.in_proj_weight", "*.self_attn.out_proj.weight", "*.linear1.weight", "*.linear2.weight"},
	Ignore:     []string{"*.attn.bias", "*.attn.masked_bias"},
}

// LoadOptions configures FromPretrained and the Load functions: where a
// repository is looked for, and the type the weights are held in.
type LoadOptions = lm.LoadOptions

// FromPretrained loads GPT-2 with its language-model head from a Hugging
// Face model directory, or from a repository name ("openai-community/gpt2")
// found in the local Hugging Face cache or downloaded into it (hub.Open).
// The tokenizer is in the same directory: hub.Open(...).Tokenizer().
func FromPretrained(nameOrPath string, o LoadOptions) (*LMHeadModel, error) {
	d, err := hub.Open(nameOrPath, o.Hub)
	if err != nil {
		return nil, err
	}
	return Load(d, o)
}

// ReadConfig reads and checks the configuration of a model directory.
func ReadConfig(d *hub.Dir) (Config, error) {
	return lm.ReadConfig(d, "gpt", ParseConfig, "gpt2")
}

// Load reads GPT-2 with its language-model head from an opened model
// directory: a GPT2LMHeadModel checkpoint, or a GPT2Model one (whose head
// is the tied token embedding). Missing, unexpected or mis-shaped tensors
// give one error listing them all.
func Load(d *hub.Dir, o LoadOptions) (*LMHeadModel, error) {
	c, err := ReadConfig(d)
	if err != nil {
		return nil, err
	}
	m := NewLMHeadModel(c, nil)
	if _, err := load(d, m, o, hub.LoadOptions{}); err != nil {
		return nil, err
	}
	return m, nil
}

// LoadForSequenceClassification reads GPT-2 with a classification head
// from an opened model directory. A checkpoint without the head (a
// pre-trained language model) loads too: the head is then drawn from g
// (as NewForSequenceClassification draws it) and listed in the report's
// New, and the language-model head it does not use in Unused.
func LoadForSequenceClassification(d *hub.Dir, g *tensor.Generator, o LoadOptions) (*ForSequenceClassification, *hub.Report, error) {
	c, err := ReadConfig(d)
	if err != nil {
		return nil, nil, err
	}
	m := NewForSequenceClassification(c, nil)
	if g != nil {
		g.Normal(m.Score.Weight.Detach(), 0, c.InitializerRange)
	}
	rep, err := load(d, m, o, hub.LoadOptions{New: []string{"score"}, Unused: []string{"lm_head"}})
	if err != nil {
		return nil, nil, err
	}
	return m, rep, nil
}

func load(d *hub.Dir, m any, o LoadOptions, lo hub.LoadOptions) (*hub.Report, error) {
	if o.DType != tensor.Float32 {
		nn.Cast(m, o.DType)
	}
	rep, err := d.Load(m, &Layout, lo)
	if err != nil {
		return nil, fmt.Errorf("gpt: %w", err)
	}
	return rep, nil
}

// savedConfig is c as a checkpoint of the given architecture and weights'
// dtype records it.
func savedConfig(c Config, arch string, m any) Config {
	c.Architectures = []string{arch}
	for _, p := range nn.Params(m) {
		c.TorchDtype = p.Tensor.DType().String()
		break
	}
	return c
}

// Save writes the model as a Hugging Face model directory: config.json
// (architectures GPT2LMHeadModel) and model.safetensors under the names
// and layouts of save_pretrained, the tied head left out — the tensors of
// the fixtures that testdata/gen_fixtures.py writes so, as the tests
// check. Load reads it back. o may add the tokenizer or shard the weights.
func (m *LMHeadModel) Save(dir string, o hub.SaveOptions) error {
	return hub.Save(dir, m, &Layout, savedConfig(m.Config(), "GPT2LMHeadModel", m), o)
}

// Save writes the model as a Hugging Face model directory of
// architecture GPT2ForSequenceClassification, with the tensors of the
// gpt2-classifier fixture, as LMHeadModel.Save does.
func (m *ForSequenceClassification) Save(dir string, o hub.SaveOptions) error {
	return hub.Save(dir, m, &Layout, savedConfig(m.Transformer.Config, "GPT2ForSequenceClassification", m), o)
}
