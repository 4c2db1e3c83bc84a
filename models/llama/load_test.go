package llama_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/models/lm/lmtest"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

var probe = tensor.FromSlice([]int32{5, 9, 1, 33, 7, 2, 60, 11}, 2, 4)

func logits(m *llama.ForCausalLM) *tensor.Tensor { return m.Forward(lm.Inputs{IDs: probe}).Logits }

func copyDir(t *testing.T, src string, config []byte, weights map[string]*tensor.Tensor) string {
	t.Helper()
	dir := t.TempDir()
	if config == nil {
		var err error
		if config, err = os.ReadFile(filepath.Join(src, "config.json")); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), config, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), weights, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSaveThenLoadGivesTheSameModel(t *testing.T) {
	for name, m := range tinyModels(t) {
		t.Run(name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), name)
			if err := m.Save(dir, hub.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			w := nntest.ReadTensors(t, filepath.Join(dir, "model.safetensors"))
			if _, ok := w["model.layers.1.mlp.gate_proj.weight"]; !ok {
				t.Errorf("names are not transformers': %v", len(w))
			}
			_, hasHead := w["lm_head.weight"]
			if hasHead == m.Config().TieWordEmbeddings {
				t.Errorf("lm_head saved: %v, tied: %v", hasHead, m.Config().TieWordEmbeddings)
			}
			if _, ok := w["model.layers.0.self_attn.q_proj.bias"]; ok != (name == "qwen2") {
				t.Errorf("q_proj bias saved: %v", ok)
			}
			back, err := llama.FromPretrained(dir, llama.LoadOptions{})
			if err != nil {
				t.Fatal(err)
			}
			if e := nntest.RelErr(logits(back), logits(m)); e != 0 {
				t.Errorf("the loaded model's logits differ by %g", e)
			}
			if c := back.Config(); c.RopeScaling != nil != (m.Config().RopeScaling != nil) || c.NumKeyValueHeads != m.Config().NumKeyValueHeads {
				t.Errorf("config %+v", c)
			}
		})
	}
}

func TestAnOldCheckpointWithRotaryBuffersLoads(t *testing.T) {
	src := filepath.Join("testdata", "llama-gqa")
	want, err := llama.FromPretrained(src, llama.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := nntest.ReadTensors(t, filepath.Join(src, "model.safetensors"))
	w["model.layers.0.self_attn.rotary_emb.inv_freq"] = tensor.Ones(4)
	m, err := llama.FromPretrained(copyDir(t, src, nil, w), llama.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e := nntest.RelErr(logits(m), logits(want)); e != 0 {
		t.Errorf("logits differ by %g", e)
	}
}

func TestABFloat16CheckpointConvertsOrStaysAsStored(t *testing.T) {
	dir := filepath.Join("testdata", "smollm-bf16")
	kept, err := llama.FromPretrained(dir, llama.LoadOptions{DType: tensor.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	f32, err := llama.FromPretrained(dir, llama.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if dt := kept.Model.EmbedTokens.Weight.DType(); dt != tensor.BFloat16 {
		t.Errorf("kept weights are %s", dt)
	}
	if e := nntest.RelErr(logits(nn.Cast(kept, tensor.Float32)), logits(f32)); e != 0 {
		t.Errorf("kept then cast differs from converted by %g", e)
	}
	// Saved again in bfloat16, the file holds the same bits.
	out := filepath.Join(t.TempDir(), "again")
	if err := nn.Cast(kept, tensor.BFloat16).Save(out, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	a, b := nntest.ReadTensors(t, filepath.Join(dir, "model.safetensors")), nntest.ReadTensors(t, filepath.Join(out, "model.safetensors"))
	for n, x := range a {
		if y := b[n]; y == nil || y.DType() != tensor.BFloat16 || nntest.RelErr(y, x) != 0 {
			t.Errorf("%s: not saved back as stored", n)
		}
	}
}

func TestBadCheckpointsGiveClearErrors(t *testing.T) {
	src := filepath.Join("testdata", "llama-gqa")
	cfg, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	with := func(old, new string) []byte {
		if !strings.Contains(string(cfg), old) {
			t.Fatalf("config lacks %q", old)
		}
		return []byte(strings.Replace(string(cfg), old, new, 1))
	}
	weights := func() map[string]*tensor.Tensor {
		return nntest.ReadTensors(t, filepath.Join(src, "model.safetensors"))
	}
	for _, tc := range []struct {
		name   string
		config []byte
		drop   string
		is     error
		says   string
	}{
		{"an untied model without its head", nil, "lm_head.weight", nn.ErrMissingKeys, "lm_head.weight"},
		{"key/value heads that do not match the weights", with(`"num_key_value_heads": 2`, `"num_key_value_heads": 4`), "", nn.ErrShapeMismatch, "k_proj"},
		{"another model type", with(`"model_type": "llama"`, `"model_type": "mistral"`), "", hub.ErrUnknownModelType, "mistral"},
		{"a sliding window", with(`"model_type": "llama"`, `"model_type": "qwen2", "use_sliding_window": true`), "", nil, "use_sliding_window is not supported"},
		{"an unknown RoPE scaling", with(`"rope_scaling": null`, `"rope_scaling": {"rope_type": "longrope", "factor": 2}`), "", nil, `unknown rotary scaling "longrope"`},
		{"a llama3 scaling without its bounds", with(`"rope_scaling": null`, `"rope_scaling": {"rope_type": "llama3", "factor": 8}`), "", nil, "original context length 0"},
		{"heads that do not divide the width", with(`"num_attention_heads": 4`, `"num_attention_heads": 5`), "", nil, "not a multiple"},
		{"a config that is not JSON", []byte(`{"model_type": "llama",`), "", nil, "config"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := weights()
			delete(w, tc.drop)
			_, err := llama.FromPretrained(copyDir(t, src, tc.config, w), llama.LoadOptions{})
			if err == nil {
				t.Fatal("no error")
			}
			if tc.is != nil && !errors.Is(err, tc.is) {
				t.Errorf("error %v is not %v", err, tc.is)
			}
			if !strings.Contains(err.Error(), tc.says) {
				t.Errorf("error %q does not name %q", err, tc.says)
			}
		})
	}
}

func TestConfigReadsListsOfEndTokens(t *testing.T) {
	c, err := llama.ParseConfig([]byte(`{"model_type": "llama", "eos_token_id": [128001, 128008], "bos_token_id": 128000}`))
	if err != nil {
		t.Fatal(err)
	}
	if len(c.EosTokenID) != 2 || c.EosTokenID[1] != 128008 || len(c.BosTokenID) != 1 || c.BosTokenID[0] != 128000 {
		t.Errorf("eos %v, bos %v", c.EosTokenID, c.BosTokenID)
	}
}

func TestSaveWritesTheFixturesTensors(t *testing.T) {
	for _, tc := range []struct {
		name string
		dt   tensor.DType // bfloat16 is kept as stored, to be saved so
	}{{"llama-gqa", tensor.Float32}, {"qwen2-tied", tensor.Float32}, {"smollm-bf16", tensor.BFloat16}} {
		t.Run(tc.name, func(t *testing.T) {
			src := filepath.Join("testdata", tc.name)
			m, err := llama.FromPretrained(src, llama.LoadOptions{DType: tc.dt})
			if err != nil {
				t.Fatal(err)
			}
			lmtest.SavesAsTheFixture(t, src, func(dir string) error { return m.Save(dir, hub.SaveOptions{}) })
		})
	}
}
