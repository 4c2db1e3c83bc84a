package llama_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/models/lm/lmtest"
	"github.com/goformer/goformer/nn/nntest"
)

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

func TestLlamaFamilyMatchesTheTorchReference(t *testing.T) {
	for _, name := range []string{"llama-gqa", "qwen2-tied", "smollm-bf16", "rope-linear", "rope-dynamic", "rope-llama3"} {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join("testdata", name)
			cfg := readConfig(t, dir)
			m, err := llama.FromPretrained(dir, llama.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			out := lmtest.MatchesReference(t, m, nntest.ReadTensors(t, filepath.Join(dir, "reference.safetensors")), cfg.NumHiddenLayers)
			gp := filepath.Join(dir, "grads.safetensors")
			if _, err := os.Stat(gp); err != nil {
				return
			}
			out.Loss.Backward()
			lmtest.GradientsMatch(t, m, llama.NewForCausalLM(cfg, nil), &llama.Layout, gp)
		})
	}
}
