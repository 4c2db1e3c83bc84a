package bert_test

import (
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// fixture is one folder written by testdata/gen_bert.py.
type fixture struct {
	dir string
	f   *safetensors.File
	t   *testing.T
}

func openFixture(t *testing.T, name string) *fixture {
	t.Helper()
	dir := filepath.Join("testdata", name)
	f, err := safetensors.Open(filepath.Join(dir, "expected.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	return &fixture{dir: dir, f: f, t: t}
}

func (x *fixture) get(name string) *tensor.Tensor {
	x.t.Helper()
	v, err := x.f.Tensor(name)
	if err != nil {
		x.t.Fatal(err)
	}
	return v
}

func (x *fixture) has(name string) bool { _, ok := x.f.Info(name); return ok }

func (x *fixture) input() bert.Input {
	return bert.Input{IDs: x.get("in.input_ids"), TypeIDs: x.get("in.token_type_ids"), Mask: x.get("in.attention_mask"), AllHidden: true}
}

func (x *fixture) dirHandle() *hub.Dir {
	d, err := hub.OpenDir(x.dir)
	if err != nil {
		x.t.Fatal(err)
	}
	return d
}

func (x *fixture) close(what string, got *tensor.Tensor, want string, tol float64) {
	x.t.Helper()
	x.closeScaled(what, got, want, tol, 0)
}

// closeScaled compares with max|got - want| ≤ tol·max(max|want|, floor):
// a floor keeps gradients that are analytically zero (the key biases,
// whose shift every softmax cancels) or nearly so from being judged on
// their rounding noise alone.
func (x *fixture) closeScaled(what string, got *tensor.Tensor, want string, tol, floor float64) {
	x.t.Helper()
	w := x.get(want)
	if !got.SameShape(w) {
		x.t.Fatalf("%s: shape %v, want %v", what, got.Shape(), w.Shape())
	}
	g, wv := got.Float64s(), w.Float64s()
	for _, v := range g {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			x.t.Fatalf("%s: %v", what, v)
		}
	}
	var d, m float64
	for i := range wv {
		d = math.Max(d, math.Abs(g[i]-wv[i]))
		m = math.Max(m, math.Abs(wv[i]))
	}
	if e := d / math.Max(m, floor); e > tol || (m == 0 && floor == 0 && d > 0) {
		x.t.Errorf("%s: relative error %.3g > %g (max |ref| %.3g, floor %.3g)", what, e, tol, m, floor)
	}
}

const (
	outTol  = 1e-4
	gradTol = 1e-3
)

// checkGrads compares the gradient of every parameter of m, by its
// checkpoint name, with the reference's, relative to the larger of the
// tensor's largest reference gradient and 1e-2 of the model's largest.
func (x *fixture) checkGrads(m any) {
	x.t.Helper()
	var scale float64
	for _, k := range x.f.Names() {
		if strings.HasPrefix(k, "grad.") {
			for _, v := range x.get(k).Float64s() {
				scale = math.Max(scale, math.Abs(v))
			}
		}
	}
	n := 0
	for _, p := range nn.Params(m) {
		if p.Tensor.Grad() != nil && strings.Contains(p.Name, "self_attn.in_proj_") {
			// The fused projection's gradient is the query's, the
			// key's and the value's, one after the other.
			g := p.Tensor.Grad()
			rows := g.Dim(0) / 3
			suffix := "weight"
			if strings.HasSuffix(p.Name, "bias") {
				suffix = "bias"
			}
			for i, part := range []string{"query", "key", "value"} {
				name := "grad." + strings.Replace(p.Name, "self_attn.in_proj_"+suffix, "attention.self."+part+"."+suffix, 1)
				x.closeScaled(name, g.Narrow(0, i*rows, rows), name, gradTol, 1e-2*scale)
				n++
			}
			continue
		}
		name := "grad." + bert.Layout.CheckpointName(p.Name)
		if !x.has(name) {
			x.t.Errorf("no reference gradient for %s (%s)", p.Name, name)
			continue
		}
		if p.Tensor.Grad() == nil {
			x.t.Errorf("%s: no gradient", p.Name)
			continue
		}
		x.closeScaled(name, p.Tensor.Grad(), name, gradTol, 1e-2*scale)
		n++
	}
	want := 0
	for _, k := range x.f.Names() {
		if strings.HasPrefix(k, "grad.") {
			want++
		}
	}
	if n != want {
		x.t.Errorf("checked %d gradients of %d", n, want)
	}
}

func (x *fixture) checkHidden(b *bert.Model, in bert.Input) {
	x.t.Helper()
	out := nn.Detached(b).Forward(in)
	for i, h := range out.HiddenStates {
		x.close("hidden state", h, "out.hidden_states."+itoa(i), outTol)
	}
	if out.Pooled != nil {
		x.close("pooled", out.Pooled, "out.pooled", outTol)
	}
}

func itoa(i int) string { return string(rune('0' + i)) }

func load[M bert.Task](t *testing.T, x *fixture) M {
	t.Helper()
	m, rep, err := bert.LoadDir[M](x.dirHandle(), bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.New)+len(rep.Unused) > 0 {
		t.Fatalf("loading its own checkpoint: %+v", rep)
	}
	return m
}

func TestBaseModelMatchesTheTorchReference(t *testing.T) {
	x := openFixture(t, "base")
	m := load[*bert.Model](t, x)
	in := x.input()
	out := m.Forward(in)
	if len(out.HiddenStates) != 3 {
		t.Fatalf("%d hidden states", len(out.HiddenStates))
	}
	for i, h := range out.HiddenStates {
		x.close("hidden state", h, "out.hidden_states."+itoa(i), outTol)
	}
	x.close("pooled", out.Pooled, "out.pooled", outTol)
	loss := out.Hidden.Mul(x.get("in.arg0")).Sum().Add(out.Pooled.Mul(x.get("in.arg1")).Sum())
	x.close("loss", loss, "out.loss", outTol)
	loss.Backward()
	x.checkGrads(m)

	d := nn.Detached(m)
	x.close("mean embedding", d.Embed(in, bert.EmbedOptions{Pooling: bert.Mean}), "out.embed.mean", outTol)
	x.close("CLS embedding", d.Embed(in, bert.EmbedOptions{Pooling: bert.CLS}), "out.embed.cls", outTol)
	unit := d.Embed(in, bert.EmbedOptions{Pooling: bert.Mean, Normalize: true})
	for i := range 2 {
		if n := unit.Select(0, i).Square().Sum().Item(); math.Abs(n-1) > 1e-5 {
			t.Errorf("normalized embedding %d has squared norm %v", i, n)
		}
	}
}

// logitsModel is a task model with one logits tensor, whose loss takes
// one labels tensor.
type logitsModel interface {
	bert.Task
	Forward(in bert.Input) *tensor.Tensor
	Loss(logits, labels *tensor.Tensor) *tensor.Tensor
}

// checkLogits checks m's logits for the fixture's input, their loss
// against the labels "in.arg0", and the gradients of that loss.
func checkLogits[M logitsModel](x *fixture, m M) {
	logits := m.Forward(x.input())
	x.close("logits", logits, "out.logits", outTol)
	loss := m.Loss(logits, x.get("in.arg0"))
	x.close("loss", loss, "out.loss", outTol)
	loss.Backward()
	x.checkGrads(m)
}

func TestMaskedLMMatchesTheTorchReference(t *testing.T) {
	x := openFixture(t, "masked_lm")
	m := load[*bert.ForMaskedLM](t, x)
	if m.Bert.Pooler != nil {
		t.Fatal("BertForMaskedLM has no pooler")
	}
	checkLogits(x, m)
	x.checkHidden(m.Bert, x.input())
}

func TestNextSentencePredictionMatchesTheTorchReference(t *testing.T) {
	x := openFixture(t, "nsp")
	checkLogits(x, load[*bert.ForNextSentencePrediction](t, x))
}

func TestPreTrainingMatchesTheTorchReference(t *testing.T) {
	x := openFixture(t, "pretraining") // its checkpoint holds the old position_ids buffer
	m := load[*bert.ForPreTraining](t, x)
	in := x.input()
	mlm, nsp := m.Forward(in)
	x.close("prediction logits", mlm, "out.prediction_logits", outTol)
	x.close("seq relationship logits", nsp, "out.seq_relationship_logits", outTol)
	loss := m.Loss(mlm, nsp, x.get("in.arg0"), x.get("in.arg1"))
	x.close("loss", loss, "out.loss", outTol)
	loss.Backward()
	x.checkGrads(m)
	x.checkHidden(m.Bert, in)
}

func TestSequenceClassificationMatchesTheTorchReference(t *testing.T) {
	for _, name := range []string{"seq_cls", "seq_regression", "seq_multilabel"} {
		t.Run(name, func(t *testing.T) {
			x := openFixture(t, name)
			checkLogits(x, load[*bert.ForSequenceClassification](t, x))
		})
	}
}

func TestMultipleChoiceMatchesTheTorchReference(t *testing.T) {
	x := openFixture(t, "multiple_choice")
	checkLogits(x, load[*bert.ForMultipleChoice](t, x))
}

func TestTokenClassificationMatchesTheTorchReference(t *testing.T) {
	x := openFixture(t, "token_cls")
	checkLogits(x, load[*bert.ForTokenClassification](t, x))
}

func TestQuestionAnsweringMatchesTheTorchReference(t *testing.T) {
	x := openFixture(t, "qa")
	m := load[*bert.ForQuestionAnswering](t, x)
	start, end := m.Forward(x.input())
	x.close("start logits", start, "out.start_logits", outTol)
	x.close("end logits", end, "out.end_logits", outTol)
	loss := m.Loss(start, end, x.get("in.arg0"), x.get("in.arg1"))
	x.close("loss", loss, "out.loss", outTol)
	loss.Backward()
	x.checkGrads(m)
}
