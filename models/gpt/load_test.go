package gpt_test

import (
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/models/lm/lmtest"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

var probe = tensor.FromSlice([]int32{5, 9, 1, 33, 7, 2, 60, 11}, 2, 4)

func logits(m *gpt.LMHeadModel) *tensor.Tensor {
	return m.Forward(lm.Inputs{IDs: probe}).Logits
}

// copyDir writes a model directory holding src's config.json and the
// given weights.
func copyDir(t *testing.T, src string, weights map[string]*tensor.Tensor) string {
	t.Helper()
	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(src, "config.json"))
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, "model.safetensors"), weights, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSaveThenLoadGivesTheSameModel(t *testing.T) {
	m := tinyLM(t)
	dir := filepath.Join(t.TempDir(), "model")
	if err := m.Save(dir, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	w := nntest.ReadTensors(t, filepath.Join(dir, "model.safetensors"))
	if s := w["transformer.h.1.attn.c_attn.weight"]; s == nil || s.Dim(0) != 32 || s.Dim(1) != 96 {
		t.Errorf("c_attn is not stored as a Conv1D [in, out]: %v", s)
	}
	if _, tied := w["lm_head.weight"]; tied {
		t.Error("the tied head is saved twice")
	}
	back, err := gpt.FromPretrained(dir, gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e := nntest.RelErr(logits(back), logits(m)); e != 0 {
		t.Errorf("the loaded model's logits differ by %g", e)
	}
	if back.LMHead.Weight != back.Transformer.Wte.Weight {
		t.Error("the loaded head is not tied to the embedding")
	}
	if c := back.Config(); c.NEmbd != 32 || c.TorchDtype != "float32" || len(c.Architectures) != 1 || c.Architectures[0] != "GPT2LMHeadModel" {
		t.Errorf("config %+v", c)
	}
}

func TestABaseModelCheckpointWithMaskBuffersLoads(t *testing.T) {
	// The original gpt2 checkpoint has GPT2Model's names (no
	// "transformer." prefix) and the attention-mask buffers.
	src := filepath.Join("testdata", "gpt2-tiny")
	want, err := gpt.FromPretrained(src, gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	w := map[string]*tensor.Tensor{}
	for n, v := range nntest.ReadTensors(t, filepath.Join(src, "model.safetensors")) {
		w[strings.TrimPrefix(n, "transformer.")] = v
	}
	w["h.0.attn.bias"] = tensor.Ones(1, 1, 32, 32)
	w["h.1.attn.masked_bias"] = tensor.Full(-1e4)
	m, err := gpt.FromPretrained(copyDir(t, src, w), gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if e := nntest.RelErr(logits(m), logits(want)); e != 0 {
		t.Errorf("logits differ by %g", e)
	}
}

func TestHalfPrecisionCheckpointsConvertOrStayAsStored(t *testing.T) {
	m := tinyLM(t)
	half := nn.Cast(tinyLM(t), tensor.BFloat16)
	dir := filepath.Join(t.TempDir(), "bf16")
	if err := half.Save(dir, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	if c := readConfig(t, dir); c.TorchDtype != "bfloat16" {
		t.Errorf("torch_dtype %q", c.TorchDtype)
	}
	f32, err := gpt.FromPretrained(dir, gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	kept, err := gpt.FromPretrained(dir, gpt.LoadOptions{DType: tensor.BFloat16})
	if err != nil {
		t.Fatal(err)
	}
	if dt := f32.LMHead.Weight.DType(); dt != tensor.Float32 {
		t.Errorf("converted weights are %s", dt)
	}
	if dt := kept.Transformer.Blocks.Layers[0].SelfAttn.InProjWeight.DType(); dt != tensor.BFloat16 {
		t.Errorf("kept weights are %s", dt)
	}
	// The bf16 values, computed in float32, are close to the original
	// model's and equal to the kept model cast up.
	if e := nntest.RelErr(logits(f32), logits(m)); e > 0.05 || e == 0 {
		t.Errorf("bf16 weights move the logits by %g", e)
	}
	if e := nntest.RelErr(logits(nn.Cast(kept, tensor.Float32)), logits(f32)); e != 0 {
		t.Errorf("kept then cast differs from converted by %g", e)
	}
}

func TestBadCheckpointsGiveClearErrors(t *testing.T) {
	src := filepath.Join("testdata", "gpt2-tiny")
	weights := func() map[string]*tensor.Tensor {
		return nntest.ReadTensors(t, filepath.Join(src, "model.safetensors"))
	}
	for _, tc := range []struct {
		name string
		dir  func() string
		is   error
		says string
	}{
		{"a missing tensor", func() string {
			w := weights()
			delete(w, "transformer.h.1.mlp.c_fc.weight")
			return copyDir(t, src, w)
		}, nn.ErrMissingKeys, "transformer.layers.1.linear1.weight"},
		{"an unexpected tensor", func() string {
			w := weights()
			w["transformer.h.2.ln_1.weight"] = tensor.Ones(32)
			return copyDir(t, src, w)
		}, nn.ErrUnexpectedKeys, "transformer.h.2.ln_1.weight"},
		{"a tensor of another shape", func() string {
			w := weights()
			w["transformer.wpe.weight"] = tensor.Zeros(16, 32)
			return copyDir(t, src, w)
		}, nn.ErrShapeMismatch, "wpe"},
		{"a truncated file", func() string {
			dir := copyDir(t, src, weights())
			p := filepath.Join(dir, "model.safetensors")
			b, _ := os.ReadFile(p)
			os.WriteFile(p, b[:len(b)/2], 0o644)
			return dir
		}, safetensors.ErrFormat, "model.safetensors"},
		{"another model type", func() string {
			dir := copyDir(t, src, weights())
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "gpt_neox"}`), 0o644)
			return dir
		}, hub.ErrUnknownModelType, "gpt_neox"},
		{"an impossible config", func() string {
			dir := copyDir(t, src, weights())
			os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "gpt2", "n_embd": 30, "n_head": 4}`), 0o644)
			return dir
		}, nil, "n_embd 30 is not a multiple of n_head 4"},
		{"no directory", func() string { return filepath.Join(t.TempDir(), "absent") }, hub.ErrNotFound, "absent"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := gpt.FromPretrained(tc.dir(), gpt.LoadOptions{Hub: hub.Options{Offline: true}})
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

func TestAClassifierStartsFromALanguageModelCheckpoint(t *testing.T) {
	d, err := hub.OpenDir(filepath.Join("testdata", "gpt2-tiny"))
	if err != nil {
		t.Fatal(err)
	}
	m, rep, err := gpt.LoadForSequenceClassification(d, tensor.NewGenerator(1), gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.New) != 1 || rep.New[0] != "score.weight" {
		t.Errorf("new %v, want the score head", rep.New)
	}
	if m.Score.Weight.Detach().Abs().Sum().Item() == 0 {
		t.Error("the new head was not drawn")
	}
	out := m.Forward(gpt.ClassifierInputs{IDs: probe, Labels: tensor.FromSlice([]int32{0, 1}, 2)})
	if out.Logits.Dim(1) != 2 || out.Loss == nil {
		t.Errorf("logits %v, loss %v", out.Logits.Shape(), out.Loss)
	}
}

func TestAutoLoadsGPT2ForGenerationWithoutAGraph(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "tiny")
	c, _ := gpt.Size("tiny")
	if err := gpt.NewLMHeadModel(c, tensor.NewGenerator(1)).Save(dir, hub.SaveOptions{Tokenizer: tokenize.GPT2()}); err != nil {
		t.Fatal(err)
	}
	loaded, err := auto.LoadCausalLM(dir, auto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	ids, err := loaded.Encode("Hello there")
	if err != nil {
		t.Fatal(err)
	}
	row := make([]int32, len(ids))
	for i, id := range ids {
		row[i] = int32(id)
	}
	cache := loaded.Model.NewCache(1)
	out := loaded.Model.Step(tensor.FromSlice(row, 1, len(row)), nil, cache)
	if out.RequiresGrad() || out.Dim(1) != c.VocabSize || cache.Len() != len(row) {
		t.Errorf("logits %v (requiring a gradient: %v), cache %d", out.Shape(), out.RequiresGrad(), cache.Len())
	}
}

func TestSaveWritesTheFixturesTensors(t *testing.T) {
	lmDir := filepath.Join("testdata", "gpt2-tiny")
	m, err := gpt.FromPretrained(lmDir, gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lmtest.SavesAsTheFixture(t, lmDir, func(dir string) error { return m.Save(dir, hub.SaveOptions{}) })
	clsDir := filepath.Join("testdata", "gpt2-classifier")
	d, err := hub.OpenDir(clsDir)
	if err != nil {
		t.Fatal(err)
	}
	cls, _, err := gpt.LoadForSequenceClassification(d, nil, gpt.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	lmtest.SavesAsTheFixture(t, clsDir, func(dir string) error { return cls.Save(dir, hub.SaveOptions{}) })
}
