package gpt_test

import (
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm/lmtest"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
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

func readReference(t *testing.T, dir string) map[string]*tensor.Tensor {
	t.Helper()
	return nntest.ReadTensors(t, filepath.Join(dir, "reference.safetensors"))
}

func TestGPT2MatchesTheTorchReference(t *testing.T) {
	for _, name := range []string{"gpt2-tiny", "gpt2-variant"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			cfg := readConfig(t, dir)
			m, err := gpt.FromPretrained(dir, gpt.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out := lmtest.MatchesReference(t, m, readReference(t, dir), cfg.NLayer)
			out.Loss.Backward()
			lmtest.GradientsMatch(t, m, gpt.NewLMHeadModel(cfg, nil), &gpt.Layout, filepath.Join(dir, "grads.safetensors"))
		})
	}
}

func TestGPT2ClassifierMatchesTheTorchReference(t *testing.T) {
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
			lmtest.GradientsMatch(t, m, gpt.NewForSequenceClassification(cfg, nil), &gpt.Layout, filepath.Join(dir, "grads.safetensors"))
		}
	}
}
