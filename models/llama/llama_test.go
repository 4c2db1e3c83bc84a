package llama_test

import (
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

func readHF(t *testing.T, path string) map[string]*tensor.Tensor {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]*tensor.Tensor{}
	for _, n := range f.Names() {
		if out[n], err = f.Tensor(n); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func readConfig(t *testing.T, dir string) llama.Config {
	t.Helper()
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	c, err := llama.ReadConfig(d)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func readReference(t *testing.T, dir string) map[string]*tensor.Tensor {
	t.Helper()
	return readHF(t, filepath.Join(dir, "reference.safetensors"))
}

func masked(x, mask *tensor.Tensor) *tensor.Tensor {
	m := mask.As(x.DType()).Detach()
	for m.Rank() < x.Rank() {
		m = m.Unsqueeze(-1)
	}
	return x.Detach().Mul(m)
}

func TestLlamaFamilyMatchesHuggingFace(t *testing.T) {
	for _, name := range []string{"llama-gqa", "qwen2-tied", "smollm-bf16", "rope-linear", "rope-dynamic", "rope-llama3"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			cfg := readConfig(t, dir)
			m, err := llama.FromPretrained(dir, llama.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			ref := readReference(t, dir)
			mask := ref["in.mask"]
			out := m.Forward(lm.Inputs{IDs: ref["in.ids"], Mask: mask, Labels: ref["in.labels"], Hidden: true})
			e := nntest.Close(t, "logits", masked(out.Logits, mask), masked(ref["out.logits"], mask), 1e-4)
			if len(out.Hidden) != cfg.NumHiddenLayers+1 {
				t.Fatalf("%d hidden states, want %d", len(out.Hidden), cfg.NumHiddenLayers+1)
			}
			for i, h := range out.Hidden {
				nntest.Close(t, fmt.Sprintf("hidden state %d", i), masked(h, mask), masked(ref[fmt.Sprintf("out.hidden.%d", i)], mask), 1e-4)
			}
			nntest.Close(t, "loss", out.Loss, ref["out.loss"], 1e-5)
			t.Logf("logits error %.2g", e)
			gp := filepath.Join(dir, "grads.safetensors")
			if _, err := os.Stat(gp); err != nil {
				return
			}
			out.Loss.Backward()
			want := llama.NewForCausalLM(cfg, nil)
			f, err := safetensors.Open(gp)
			if err != nil {
				t.Fatal(err)
			}
			defer f.Close()
			if _, err := hub.LoadFiles(want, &llama.Layout, []*safetensors.File{f}, hub.LoadOptions{}); err != nil {
				t.Fatal(err)
			}
			wp := map[string]*tensor.Tensor{}
			for _, p := range nn.Params(want) {
				wp[p.Name] = p.Tensor
			}
			worst := 0.0
			for _, p := range nn.Params(m) {
				if p.Tensor.Grad() == nil {
					t.Errorf("%s: no gradient", p.Name)
					continue
				}
				worst = max(worst, nntest.Close(t, "gradient of "+p.Name, p.Tensor.Grad(), wp[p.Name], 1e-3))
			}
			t.Logf("largest gradient error %.2g", worst)
		})
	}
}
