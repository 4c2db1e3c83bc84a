package bert_test

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

func tiny() bert.Config {
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings = 50, 16, 2, 2, 24, 32
	return c
}

func names(t *testing.T, path string) []string {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	return f.Names()
}

func roundTrip[M bert.Task](t *testing.T, fixture string, run func(M) []*tensor.Tensor) {
	t.Helper()
	x := openFixture(t, fixture)
	m := load[M](t, x)
	dir := filepath.Join(t.TempDir(), "saved")
	if err := bert.Save(dir, m, nil); err != nil {
		t.Fatal(err)
	}
	// The file has exactly the names transformers writes (the fixture's,
	// less the buffer old versions kept).
	var want []string
	for _, n := range names(t, filepath.Join(x.dir, "model.safetensors")) {
		if !strings.HasSuffix(n, "position_ids") {
			want = append(want, n)
		}
	}
	if got := names(t, filepath.Join(dir, "model.safetensors")); !reflect.DeepEqual(got, want) {
		t.Fatalf("saved names\n%v\nwant\n%v", got, want)
	}
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.ModelType != "bert" || len(d.Architectures) != 1 {
		t.Fatalf("config: model_type %q, architectures %v", d.ModelType, d.Architectures)
	}
	back, rep, err := bert.LoadDir[M](d, bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.New)+len(rep.Unused) > 0 {
		t.Fatalf("report %+v", rep)
	}
	a, b := run(m), run(back)
	for i := range a {
		if !reflect.DeepEqual(a[i].Float32s(), b[i].Float32s()) {
			t.Fatalf("output %d differs after save and load", i)
		}
	}
}

func TestSaveThenLoadGivesIdenticalOutputs(t *testing.T) {
	in := func(name string) bert.Input { return openFixture(t, name).input() }
	t.Run("base", func(t *testing.T) {
		roundTrip(t, "base", func(m *bert.Model) []*tensor.Tensor {
			o := m.Forward(in("base"))
			return []*tensor.Tensor{o.Hidden, o.Pooled}
		})
	})
	t.Run("pretraining", func(t *testing.T) {
		roundTrip(t, "pretraining", func(m *bert.ForPreTraining) []*tensor.Tensor {
			a, b := m.Forward(in("pretraining"))
			return []*tensor.Tensor{a, b}
		})
	})
	t.Run("masked_lm", func(t *testing.T) {
		roundTrip(t, "masked_lm", func(m *bert.ForMaskedLM) []*tensor.Tensor { return []*tensor.Tensor{m.Forward(in("masked_lm"))} })
	})
	t.Run("nsp", func(t *testing.T) {
		roundTrip(t, "nsp", func(m *bert.ForNextSentencePrediction) []*tensor.Tensor {
			return []*tensor.Tensor{m.Forward(in("nsp"))}
		})
	})
	t.Run("seq_cls", func(t *testing.T) {
		roundTrip(t, "seq_cls", func(m *bert.ForSequenceClassification) []*tensor.Tensor {
			return []*tensor.Tensor{m.Forward(in("seq_cls"))}
		})
	})
	t.Run("multiple_choice", func(t *testing.T) {
		roundTrip(t, "multiple_choice", func(m *bert.ForMultipleChoice) []*tensor.Tensor {
			i := in("multiple_choice")
			i.AllHidden = false
			return []*tensor.Tensor{m.Forward(i)}
		})
	})
	t.Run("token_cls", func(t *testing.T) {
		roundTrip(t, "token_cls", func(m *bert.ForTokenClassification) []*tensor.Tensor {
			return []*tensor.Tensor{m.Forward(in("token_cls"))}
		})
	})
	t.Run("qa", func(t *testing.T) {
		roundTrip(t, "qa", func(m *bert.ForQuestionAnswering) []*tensor.Tensor {
			a, b := m.Forward(in("qa"))
			return []*tensor.Tensor{a, b}
		})
	})
}

func TestCheckpointsOfOtherArchitecturesLoad(t *testing.T) {
	// A base checkpoint (no "bert." prefix) under a new classifier: the
	// head is drawn from the seed, the body loaded.
	x := openFixture(t, "base")
	m, rep, err := bert.LoadDir[*bert.ForSequenceClassification](x.dirHandle(), bert.Options{NumLabels: 4, Seed: 3})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.New, []string{"classifier.weight", "classifier.bias"}) || len(rep.Unused) != 0 {
		t.Fatalf("report %+v", rep)
	}
	if m.Classifier.Out() != 4 || m.Bert.Config.NumLabels() != 4 {
		t.Fatal("NumLabels not applied")
	}
	if s := stddev(m.Classifier.Weight); s < 0.01 || s > 0.03 {
		t.Fatalf("new head drawn with std %v, want about 0.02", s)
	}
	base := load[*bert.Model](t, x)
	in := x.input()
	if !reflect.DeepEqual(m.Bert.Forward(in).Pooled.Float32s(), base.Forward(in).Pooled.Float32s()) {
		t.Fatal("the body differs from the base model's")
	}

	// A pre-training checkpoint (prefixed, two heads, the old position_ids
	// buffer) into the base model: the heads are left aside.
	p := openFixture(t, "pretraining")
	_, rep, err = bert.LoadDir[*bert.Model](p.dirHandle(), bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"cls.predictions.bias", "cls.predictions.transform.LayerNorm.bias", "cls.predictions.transform.LayerNorm.weight",
		"cls.predictions.transform.dense.bias", "cls.predictions.transform.dense.weight", "cls.seq_relationship.bias", "cls.seq_relationship.weight"}
	if !reflect.DeepEqual(rep.Unused, want) || len(rep.New) != 0 {
		t.Fatalf("report %+v", rep)
	}
	// ... and into a masked LM, which drops the pooler and the NSP head.
	_, rep, err = bert.LoadDir[*bert.ForMaskedLM](p.dirHandle(), bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.Unused) != 4 || len(rep.New) != 0 {
		t.Fatalf("report %+v", rep)
	}
	// A masked-LM checkpoint (no pooler) into a classifier: the pooler is
	// new, as in transformers.
	_, rep, err = bert.LoadDir[*bert.ForSequenceClassification](openFixture(t, "masked_lm").dirHandle(), bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(rep.New)
	if !reflect.DeepEqual(rep.New, []string{"bert.pooler.dense.bias", "bert.pooler.dense.weight", "classifier.bias", "classifier.weight"}) {
		t.Fatalf("report %+v", rep)
	}
}

func stddev(t *tensor.Tensor) float64 {
	v := t.Float64s()
	var s, s2 float64
	for _, x := range v {
		s += x
		s2 += x * x
	}
	n := float64(len(v))
	return math.Sqrt(s2/n - (s/n)*(s/n))
}

// copyFixture copies a fixture's folder, renaming its tensors with f
// (dropping those it maps to "").
func copyFixture(t *testing.T, name string, f func(string) string) string {
	t.Helper()
	src := filepath.Join("testdata", name)
	dir := t.TempDir()
	b, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "config.json"), b, 0o644)
	st, err := safetensors.Open(filepath.Join(src, "model.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	sd := map[string]*tensor.Tensor{}
	for _, n := range st.Names() {
		if m := f(n); m != "" {
			sd[m], _ = st.Tensor(n)
		}
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), sd, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestTiedDuplicatesOfOlderCheckpointsLoad(t *testing.T) {
	// Checkpoints written before safetensors dropped tied tensors hold
	// the decoder's weight and bias beside the embeddings and the bias.
	src := filepath.Join("testdata", "masked_lm", "model.safetensors")
	f, err := safetensors.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	we, _ := f.Tensor("bert.embeddings.word_embeddings.weight")
	bias, _ := f.Tensor("cls.predictions.bias")
	f.Close()
	dir := copyFixture(t, "masked_lm", func(n string) string { return n })
	st, _ := safetensors.Open(filepath.Join(dir, "model.safetensors"))
	sd := map[string]*tensor.Tensor{}
	for _, n := range st.Names() {
		sd[n], _ = st.Tensor(n)
	}
	st.Close()
	sd["cls.predictions.decoder.weight"], sd["cls.predictions.decoder.bias"] = we, bias
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), sd, nil); err != nil {
		t.Fatal(err)
	}
	d, _ := hub.OpenDir(dir)
	m, rep, err := bert.LoadDir[*bert.ForMaskedLM](d, bert.Options{})
	if err != nil || len(rep.New)+len(rep.Unused) > 0 {
		t.Fatalf("%v %+v", err, rep)
	}
	x := openFixture(t, "masked_lm")
	x.close("logits", nn.Detached(m).Forward(x.input()), "out.logits", outTol)
}

func TestOldGammaBetaNamesLoad(t *testing.T) {
	dir := copyFixture(t, "base", func(n string) string {
		n = strings.Replace(n, "LayerNorm.weight", "LayerNorm.gamma", 1)
		return strings.Replace(n, "LayerNorm.bias", "LayerNorm.beta", 1)
	})
	d, _ := hub.OpenDir(dir)
	m, _, err := bert.LoadDir[*bert.Model](d, bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	x := openFixture(t, "base")
	x.close("pooled", nn.Detached(m).Forward(x.input()).Pooled, "out.pooled", outTol)
}

func TestBrokenCheckpointsGiveOneClearError(t *testing.T) {
	t.Run("missing, unexpected and mis-shaped tensors", func(t *testing.T) {
		dir := copyFixture(t, "seq_cls", func(n string) string {
			switch n {
			case "bert.encoder.layer.1.output.dense.bias":
				return ""
			case "bert.embeddings.LayerNorm.bias":
				return "bert.embeddings.LayerNorm.bias_typo"
			}
			return n
		})
		// One layer more in the config than in the file.
		b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(strings.Replace(string(b), `"intermediate_size": 24`, `"intermediate_size": 25`, 1)), 0o644)
		d, _ := hub.OpenDir(dir)
		_, _, err := bert.LoadDir[*bert.ForSequenceClassification](d, bert.Options{})
		for _, e := range []error{nn.ErrMissingKeys, nn.ErrUnexpectedKeys, nn.ErrShapeMismatch} {
			if !errors.Is(err, e) {
				t.Errorf("error %v does not match %v", err, e)
			}
		}
		for _, s := range []string{"bert.encoder.layer.1.linear2.bias", "bert.embeddings.LayerNorm.bias_typo", "bert.encoder.layer.0.linear1.weight (model [25 16], checkpoint [24 16])"} {
			if err == nil || !strings.Contains(err.Error(), s) {
				t.Errorf("error %v does not name %s", err, s)
			}
		}
	})
	t.Run("a truncated file", func(t *testing.T) {
		dir := copyFixture(t, "base", func(n string) string { return n })
		p := filepath.Join(dir, "model.safetensors")
		st, _ := os.Stat(p)
		os.Truncate(p, st.Size()/2)
		d, _ := hub.OpenDir(dir)
		if _, _, err := bert.LoadDir[*bert.Model](d, bert.Options{}); !errors.Is(err, safetensors.ErrFormat) {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("another model type", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "gpt2", "n_embd": 16}`), 0o644)
		d, _ := hub.OpenDir(dir)
		if _, _, err := bert.LoadDir[*bert.Model](d, bert.Options{}); !errors.Is(err, hub.ErrUnknownModelType) || !strings.Contains(err.Error(), "gpt2") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a config BERT cannot build", func(t *testing.T) {
		for _, edit := range []string{`"hidden_act": "nope"`, `"num_attention_heads": 3`, `"position_embedding_type": "relative_key"`, `"vocab_size": 0`, `"is_decoder": true`} {
			dir := copyFixture(t, "base", func(n string) string { return n })
			p := filepath.Join(dir, "config.json")
			b, _ := os.ReadFile(p)
			// The edit comes last: for a key the file has, it wins.
			i := strings.LastIndex(string(b), "}")
			s := string(b[:i]) + "," + edit + "}"
			os.WriteFile(p, []byte(s), 0o644)
			d, _ := hub.OpenDir(dir)
			if _, _, err := bert.LoadDir[*bert.Model](d, bert.Options{}); err == nil {
				t.Errorf("%s: loaded", edit)
			}
		}
	})
	t.Run("no model", func(t *testing.T) {
		if _, _, err := bert.FromPretrained[*bert.Model](filepath.Join(t.TempDir(), "none"), bert.Options{Hub: hub.Options{Offline: true, CacheDir: t.TempDir()}}); !errors.Is(err, hub.ErrNotFound) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestNewModelsAreInitialisedAsTransformersDoes(t *testing.T) {
	c := tiny()
	c.HiddenSize, c.NumAttentionHeads, c.IntermediateSize, c.VocabSize = 64, 4, 128, 300
	m := bert.NewForPreTraining(c, tensor.NewGenerator(7))
	again := bert.NewForPreTraining(c, tensor.NewGenerator(7))
	for _, p := range nn.Params(m) {
		v := p.Tensor.Float64s()
		switch {
		case strings.HasSuffix(p.Name, "norm1.weight") || strings.HasSuffix(p.Name, "norm2.weight") || strings.HasSuffix(p.Name, "LayerNorm.weight"):
			for _, x := range v {
				if x != 1 {
					t.Fatalf("%s holds %v, want 1", p.Name, x)
				}
			}
		case strings.HasSuffix(p.Name, "bias"):
			for _, x := range v {
				if x != 0 {
					t.Fatalf("%s holds %v, want 0", p.Name, x)
				}
			}
		default:
			if len(v) >= 1000 {
				if s := stddev(p.Tensor); math.Abs(s-0.02) > 0.003 {
					t.Errorf("%s: std %v, want 0.02", p.Name, s)
				}
			}
		}
	}
	pad := m.Bert.Embeddings.Word.Weight.Narrow(0, 0, 1).Float64s()
	for _, x := range pad {
		if x != 0 {
			t.Fatal("the padding row is not zero")
		}
	}
	if m.Cls.Predictions.Decoder.Weight != m.Bert.Embeddings.Word.Weight || m.Cls.Predictions.Decoder.Bias != m.Cls.Predictions.Bias {
		t.Fatal("the decoder is not tied")
	}
	for i, p := range nn.Params(m) {
		if !reflect.DeepEqual(p.Tensor.Float64s(), nn.Params(again)[i].Tensor.Float64s()) {
			t.Fatalf("%s differs between two models of one seed", p.Name)
		}
	}
}

func TestModelSizesFromConfigs(t *testing.T) {
	// BertModel's parameter count, from its config alone:
	// embeddings (V+P+T)·H + 2H, per layer 4H²+4H + 2·H·I+I+H + 4H, pooler H²+H.
	count := func(c bert.Config) int {
		h, i := c.HiddenSize, c.IntermediateSize
		return (c.VocabSize+c.MaxPositionEmbeddings+c.TypeVocabSize)*h + 2*h +
			c.NumHiddenLayers*(4*h*h+4*h+2*h*i+i+h+4*h) + h*h + h
	}
	if n := count(bert.Base()); n != 109482240 {
		t.Fatalf("bert-base: %d parameters, want transformers' 109482240", n)
	}
	if n := count(bert.Large()); n != 335141888 {
		t.Fatalf("bert-large: %d parameters, want transformers' 335141888", n)
	}
	for _, c := range []bert.Config{tiny(), func() bert.Config {
		c := tiny()
		c.NumHiddenLayers = 4
		c.HiddenSize = 32
		c.NumAttentionHeads = 8
		return c
	}()} {
		if got := nn.NumParams(bert.New(c, nil)); got != count(c) {
			t.Errorf("%d parameters, want %d", got, count(c))
		}
	}
	defer func() {
		if recover() == nil {
			t.Error("an invalid config did not panic")
		}
	}()
	c := tiny()
	c.NumAttentionHeads = 5
	bert.New(c, nil)
}

func TestTrainingModeUsesDropoutFromTheSeed(t *testing.T) {
	c := tiny()
	x := openFixture(t, "base")
	in := x.input()
	a, b := bert.New(c, tensor.NewGenerator(1)), bert.New(c, tensor.NewGenerator(1))
	nn.Train(a)
	nn.Train(b)
	ya, yb := a.Forward(in).Hidden, b.Forward(in).Hidden
	if !reflect.DeepEqual(ya.Float32s(), yb.Float32s()) {
		t.Fatal("two runs of one seed differ")
	}
	nn.Eval(a)
	if reflect.DeepEqual(a.Forward(in).Hidden.Float32s(), ya.Float32s()) {
		t.Fatal("dropout changed nothing in training mode")
	}
}
