package gpt_test

import (
	"encoding/json"
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

func readConfig(t *testing.T, dir string) gpt.Config {
	t.Helper()
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := gpt.ReadConfig(d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

type reference map[string]*tensor.Tensor

func readReference(t *testing.T, dir string) reference {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(dir, "reference.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := reference{}
	for _, n := range f.Names() {
		if r[n], err = f.Tensor(n); err != nil {
			t.Fatal(err)
		}
	}
	return r
}

// masked zeroes the positions of x [B, T, ...] where mask [B, T] is 0:
// padding, whose outputs the references compute at other positions.
func masked(x, mask *tensor.Tensor) *tensor.Tensor {
	m := mask.As(x.DType()).Detach()
	for m.Rank() < x.Rank() {
		m = m.Unsqueeze(-1)
	}
	return x.Detach().Mul(m)
}

// compareGrads checks every parameter's gradient against the reference's
// of the fixture dir, read as a checkpoint (through Layout) into a model
// of the same shape.
func compareGrads(t *testing.T, m any, ref any, dir string) {
	t.Helper()
	f, err := safetensors.Open(filepath.Join(dir, "grads.safetensors"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := hub.LoadFiles(ref, &gpt.Layout, []*safetensors.File{f}, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]*tensor.Tensor{}
	for _, p := range nn.Params(ref) {
		want[p.Name] = p.Tensor
	}
	worst := 0.0
	for _, p := range nn.Params(m) {
		if p.Tensor.Grad() == nil {
			t.Errorf("%s: no gradient", p.Name)
			continue
		}
		worst = max(worst, nntest.Close(t, "gradient of "+p.Name, p.Tensor.Grad(), want[p.Name], 1e-3))
	}
	t.Logf("largest gradient error %.2g", worst)
}

func TestGPT2MatchesHuggingFace(t *testing.T) {
	for _, name := range []string{"gpt2-tiny", "gpt2-variant"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			cfg := readConfig(t, dir)
			m, err := gpt.FromPretrained(dir, gpt.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ref := readReference(t, dir)
			mask := ref["in.mask"]
			out := m.Forward(lm.Inputs{IDs: ref["in.ids"], Mask: mask, Labels: ref["in.labels"], Hidden: true})
			e := nntest.Close(t, "logits", masked(out.Logits, mask), masked(ref["out.logits"], mask), 1e-4)
			if len(out.Hidden) != cfg.NLayer+1 {
				t.Fatalf("%d hidden states, want %d", len(out.Hidden), cfg.NLayer+1)
			}
			for i, h := range out.Hidden {
				nntest.Close(t, "hidden state", masked(h, mask), masked(ref["out.hidden."+itoa(i)], mask), 1e-4)
			}
			nntest.Close(t, "loss", out.Loss, ref["out.loss"], 1e-5)
			t.Logf("logits error %.2g", e)
			out.Loss.Backward()
			compareGrads(t, m, gpt.NewLMHeadModel(cfg, nil), dir)
		})
	}
}

func TestGPT2ClassifierMatchesHuggingFace(t *testing.T) {
	dir := filepath.Join("testdata", "gpt2-classifier")
	cfg := readConfig(t, dir)
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	m, rep, err := gpt.LoadForSequenceClassification(d, nil, gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.New)+len(rep.Unused) != 0 {
		t.Errorf("report %+v, want nothing new or unused", rep)
	}
	ref := readReference(t, dir)
	for _, mask := range []*tensor.Tensor{ref["in.mask"], nil} {
		nn.ZeroGrad(m)
		out := m.Forward(gpt.ClassifierInputs{IDs: ref["in.ids"], Mask: mask, Labels: ref["in.labels"]})
		nntest.Close(t, "logits", out.Logits, ref["out.logits"], 1e-4)
		nntest.Close(t, "loss", out.Loss, ref["out.loss"], 1e-5)
		if mask != nil {
			out.Loss.Backward()
			compareGrads(t, m, gpt.NewForSequenceClassification(cfg, nil), dir)
		}
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }
