package bert

import (
	"fmt"
	"slices"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

// Layout maps BERT's Go names to Hugging Face's. Outside the encoder
// layers the names are the same; each layer is a transformer.EncoderLayer,
// whose PyTorch-style names are renamed here, and whose fused input
// projection (one product for queries, keys and values) is stored as
// Hugging Face's three separate ones. Checkpoints written before
// transformers 4.31 also hold the position_ids buffer, which is skipped;
// checkpoints of the base model lack the "bert." prefix of task models,
// and old TensorFlow conversions say gamma and beta (both handled by
// package hub).
var Layout = &hub.Layout{
	Names: []hub.Rename{
		{Model: "encoder.layer.*.self_attn.out_proj", Checkpoint: "encoder.layer.*.attention.output.dense"},
		{Model: "encoder.layer.*.norm1", Checkpoint: "encoder.layer.*.attention.output.LayerNorm"},
		{Model: "encoder.layer.*.linear1", Checkpoint: "encoder.layer.*.intermediate.dense"},
		{Model: "encoder.layer.*.linear2", Checkpoint: "encoder.layer.*.output.dense"},
		{Model: "encoder.layer.*.norm2", Checkpoint: "encoder.layer.*.output.LayerNorm"},
	},
	Fused: []hub.Fuse{
		{Model: "encoder.layer.*.self_attn.in_proj_weight", Parts: []string{
			"encoder.layer.*.attention.self.query.weight", "encoder.layer.*.attention.self.key.weight", "encoder.layer.*.attention.self.value.weight"}},
		{Model: "encoder.layer.*.self_attn.in_proj_bias", Parts: []string{
			"encoder.layer.*.attention.self.query.bias", "encoder.layer.*.attention.self.key.bias", "encoder.layer.*.attention.self.value.bias"}},
	},
	BasePrefix: "bert",
	Ignore:     []string{"*embeddings.position_ids", "*embeddings.token_type_ids"},
}

// Task is one of the BERT models: the encoder and its task heads.
type Task interface {
	*Model | *ForMaskedLM | *ForNextSentencePrediction | *ForPreTraining |
		*ForSequenceClassification | *ForMultipleChoice | *ForTokenClassification | *ForQuestionAnswering
}

// heads are the checkpoint names of every BERT head; a task model takes
// its own and leaves the others.
var heads = []string{"cls.predictions", "cls.seq_relationship", "classifier", "qa_outputs"}

// build returns a new model of kind M for c with zero weights, to be
// loaded, with the checkpoint names of its heads and whether it has a
// pooler.
func build[M Task](c Config) (m M, own []string, pooler bool) {
	var zero M
	switch any(zero).(type) {
	case *Model:
		return any(New(c, nil)).(M), nil, true
	case *ForMaskedLM:
		return any(NewForMaskedLM(c, nil)).(M), []string{"cls.predictions"}, false
	case *ForNextSentencePrediction:
		return any(NewForNextSentencePrediction(c, nil)).(M), []string{"cls.seq_relationship"}, true
	case *ForPreTraining:
		return any(NewForPreTraining(c, nil)).(M), []string{"cls.predictions", "cls.seq_relationship"}, true
	case *ForSequenceClassification:
		return any(NewForSequenceClassification(c, nil)).(M), []string{"classifier"}, true
	case *ForMultipleChoice:
		return any(NewForMultipleChoice(c, nil)).(M), []string{"classifier"}, true
	case *ForTokenClassification:
		return any(NewForTokenClassification(c, nil)).(M), []string{"classifier"}, false
	case *ForQuestionAnswering:
		return any(NewForQuestionAnswering(c, nil)).(M), []string{"qa_outputs"}, false
	}
	panic("bert: unreachable")
}

// Options says how FromPretrained and LoadDir build a model.
type Options struct {
	// Hub finds the model in the cache or on the hub (see hub.Options).
	Hub hub.Options
	// Seed draws the weights of a head the checkpoint lacks (a new
	// classifier on a pre-trained body), as New does, and the dropout
	// masks of training.
	Seed uint64
	// NumLabels, when positive, replaces the config's number of labels
	// (for a new classification head).
	NumLabels int
}

// FromPretrained loads a BERT model of kind M from a Hugging Face model
// directory or a hub name ("bert-base-uncased", "org/name", found in the
// local cache or downloaded into it):
//
//	m, dir, err := bert.FromPretrained[*bert.ForSequenceClassification]("bert-base-uncased", bert.Options{NumLabels: 3})
//	tok, err := dir.Tokenizer()
//
// The checkpoint may be of any BERT architecture: the body loads into any
// task model, heads M lacks are skipped, heads the checkpoint lacks are
// drawn from Options.Seed (LoadDir reports both). Every other mismatch is
// an error that lists every missing, unexpected and mis-shaped tensor.
func FromPretrained[M Task](nameOrPath string, o Options) (M, *hub.Dir, error) {
	d, err := hub.Open(nameOrPath, o.Hub)
	if err != nil {
		var zero M
		return zero, nil, err
	}
	m, _, err := LoadDir[M](d, o)
	return m, d, err
}

// LoadDir loads a model of kind M from an opened directory, as
// FromPretrained does, and reports the tensors the checkpoint lacked (new
// heads) and those left unused (other heads).
func LoadDir[M Task](d *hub.Dir, o Options) (M, *hub.Report, error) {
	var zero M
	if err := d.Expect("bert"); err != nil {
		return zero, nil, err
	}
	c := Base()
	c.ID2Label, c.Label2ID = nil, nil
	if err := d.DecodeConfig(&c); err != nil {
		return zero, nil, err
	}
	if o.NumLabels > 0 {
		c = c.WithLabels(o.NumLabels)
	}
	if err := c.Validate(); err != nil {
		return zero, nil, fmt.Errorf("%w (in %s)", err, d.Path)
	}
	m, own, pooler := build[M](c)
	var unused []string
	for _, h := range heads {
		if !slices.Contains(own, h) {
			unused = append(unused, h)
		}
	}
	fresh := own
	if pooler {
		// A masked-LM checkpoint has no pooler: transformers draws one.
		fresh = append(fresh, "pooler", "bert.pooler")
	} else {
		unused = append(unused, "bert.pooler")
	}
	rep, err := d.Load(m, Layout, hub.LoadOptions{New: fresh, Unused: unused})
	if err != nil {
		return zero, nil, err
	}
	// The model was built without drawing weights, which loading
	// replaces; the heads the checkpoint lacked are drawn now.
	g := tensor.NewGenerator(o.Seed)
	nn.SetGenerator(m, g)
	if len(rep.New) > 0 {
		fresh := map[*tensor.Tensor]bool{}
		byName := map[string]*tensor.Tensor{}
		for _, p := range nn.Tensors(m) {
			byName[p.Name] = p.Tensor
		}
		for _, n := range rep.New {
			fresh[byName[n]] = true
		}
		initWeights(m, c.InitializerRange, g, fresh)
	}
	return m, rep, nil
}

// config returns the model's configuration and architecture name.
func config(m any) (Config, string) {
	switch x := m.(type) {
	case *Model:
		return x.Config, "BertModel"
	case *ForMaskedLM:
		return x.Bert.Config, "BertForMaskedLM"
	case *ForNextSentencePrediction:
		return x.Bert.Config, "BertForNextSentencePrediction"
	case *ForPreTraining:
		return x.Bert.Config, "BertForPreTraining"
	case *ForSequenceClassification:
		return x.Bert.Config, "BertForSequenceClassification"
	case *ForMultipleChoice:
		return x.Bert.Config, "BertForMultipleChoice"
	case *ForTokenClassification:
		return x.Bert.Config, "BertForTokenClassification"
	case *ForQuestionAnswering:
		return x.Bert.Config, "BertForQuestionAnswering"
	}
	panic(fmt.Sprintf("bert: %T is not a BERT model", m))
}

// Save writes m to dir as transformers' save_pretrained does:
// config.json with the model's architecture, and model.safetensors under
// Hugging Face's names (the tied decoder left out), plus tokenizer.json
// when tok is not nil. The tests check that the names are those of the
// fixtures, which testdata/gen_bert.py writes as save_pretrained does.
func Save[M Task](dir string, m M, tok *tokenize.Tokenizer) error {
	c, arch := config(m)
	c.ModelType = "bert"
	c.Architectures = []string{arch}
	if c.ID2Label == nil {
		c = c.WithLabels(c.NumLabels())
	}
	return hub.Save(dir, m, Layout, c, hub.SaveOptions{Tokenizer: tok})
}
