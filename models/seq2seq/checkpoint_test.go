package seq2seq_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// copyDir copies a fixture directory into a temporary one.
func copyDir(t *testing.T, name string) string {
	t.Helper()
	dir := t.TempDir()
	for _, f := range []string{hub.ConfigFile, hub.WeightsFile} {
		data, err := os.ReadFile(filepath.Join("testdata", name, f))
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, f), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestSaveLoadRoundTrip(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m := loadFrozen(t, name)
			dir := filepath.Join(t.TempDir(), "saved")
			if err := seq2seq.SaveDir(dir, m, hub.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			// The same tensors under the same names as the checkpoint
			// (Hugging Face's for T5), bit for bit.
			orig := nntest.ReadTensors(t, filepath.Join("testdata", name, hub.WeightsFile))
			saved := nntest.ReadTensors(t, filepath.Join(dir, hub.WeightsFile))
			for n, want := range orig {
				got, ok := saved[n]
				if !ok {
					t.Errorf("saved checkpoint lacks %s", n)
					continue
				}
				if !slices.Equal(got.Float32s(), want.Float32s()) || !slices.Equal(got.Shape(), want.Shape()) {
					t.Errorf("%s differs after saving", n)
				}
			}
			for n := range saved {
				if _, ok := orig[n]; !ok {
					t.Errorf("saved checkpoint has an extra tensor %s", n)
				}
			}
			f, err := safetensors.Open(filepath.Join(dir, hub.WeightsFile))
			if err != nil {
				t.Fatal(err)
			}
			if f.Metadata()["format"] != "pt" {
				t.Errorf("metadata %v lacks format=pt, which transformers requires", f.Metadata())
			}
			f.Close()

			// The config keeps every field it was read with.
			var before, after map[string]any
			readJSON(t, filepath.Join("testdata", name, hub.ConfigFile), &before)
			readJSON(t, filepath.Join(dir, hub.ConfigFile), &after)
			for k, v := range before {
				if a, ok := after[k]; !ok || !jsonEqual(a, v) {
					t.Errorf("config field %s = %v after saving, want %v", k, after[k], v)
				}
			}

			// The reloaded model computes the same logits.
			back, err := seq2seq.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			nn.Freeze(back)
			ref := loadReference(t, name)
			in := seq2seq.Inputs{IDs: ref["input_ids"], Mask: ref["attention_mask"], Labels: ref["labels"]}
			a, b := seq2seq.Forward(m, in).Logits, seq2seq.Forward(back, in).Logits
			if !slices.Equal(a.Float32s(), b.Float32s()) {
				t.Error("logits differ after a save and load")
			}
		})
	}
}

func readJSON(t *testing.T, path string, v any) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(data, v); err != nil {
		t.Fatal(err)
	}
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return string(x) == string(y)
}

func TestNewModelSavesAndLoads(t *testing.T) {
	g := tensor.NewGenerator(7)
	tie := false
	for name, m := range map[string]seq2seq.Model{
		"transformer": seq2seq.NewTransformer(seq2seq.TransformerConfig{VocabSize: 20, Dim: 8, Heads: 2, EncoderLayers: 1, DecoderLayers: 2, DecoderStart: 1, EOSTokenID: 2}, g),
		"t5": seq2seq.NewT5(func() seq2seq.T5Config {
			c := seq2seq.DefaultT5Config()
			c.VocabSize, c.DModel, c.DKV, c.DFF, c.NumHeads, c.NumLayers, c.NumDecoderLayers = 20, 8, 4, 16, 2, 1, 2
			c.FeedForwardProj, c.TieWordEmbeddings = "gated-gelu", &tie
			return c
		}(), g),
	} {
		t.Run(name, func(t *testing.T) {
			dir := t.TempDir()
			if err := seq2seq.SaveDir(dir, m, hub.SaveOptions{}); err != nil {
				t.Fatal(err)
			}
			back, err := seq2seq.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			ps, qs := nn.Params(m), nn.Params(back)
			if len(ps) != len(qs) {
				t.Fatalf("%d parameters after a round trip, want %d", len(qs), len(ps))
			}
			for i, p := range ps {
				if p.Name != qs[i].Name || !slices.Equal(p.Tensor.Float32s(), qs[i].Tensor.Float32s()) {
					t.Errorf("parameter %s differs after a round trip", p.Name)
				}
			}
		})
	}
}

// TestSavedConfigSpellsOutDefaults checks that a config built in Go is
// saved with the values transformers needs, not nulls.
func TestSavedConfigSpellsOutDefaults(t *testing.T) {
	c := seq2seq.DefaultT5Config()
	c.VocabSize, c.DModel, c.DKV, c.DFF, c.NumHeads, c.NumLayers = 20, 8, 4, 16, 2, 1
	dir := t.TempDir()
	if err := seq2seq.SaveDir(dir, seq2seq.NewT5(c, nil), hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	readJSON(t, filepath.Join(dir, hub.ConfigFile), &got)
	for k, want := range map[string]any{
		"model_type": "t5", "tie_word_embeddings": true, "decoder_start_token_id": 0.0, "num_decoder_layers": 1.0,
		"dense_act_fn": "relu", "is_gated_act": false, "is_encoder_decoder": true, "d_model": 8.0,
	} {
		if got[k] != want {
			t.Errorf("%s = %v, want %v", k, got[k], want)
		}
	}
}

// TestShardedCheckpointsRoundTrip saves in shards with an index, as
// transformers' max_shard_size does, and loads them back.
func TestShardedCheckpointsRoundTrip(t *testing.T) {
	m := loadFrozen(t, "t5-v1.1")
	dir := t.TempDir()
	if err := seq2seq.SaveDir(dir, m, hub.SaveOptions{MaxShardSize: 8 << 10}); err != nil {
		t.Fatal(err)
	}
	shards, _ := filepath.Glob(filepath.Join(dir, "model-*-of-*.safetensors"))
	if len(shards) < 2 {
		t.Fatalf("%d shards", len(shards))
	}
	back, err := seq2seq.LoadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	nn.Freeze(back)
	ref := loadReference(t, "t5-v1.1")
	in := seq2seq.Inputs{IDs: ref["input_ids"], Mask: ref["attention_mask"], Labels: ref["labels"]}
	if !slices.Equal(seq2seq.Forward(m, in).Logits.Float32s(), seq2seq.Forward(back, in).Logits.Float32s()) {
		t.Error("logits differ after a sharded save and load")
	}
}

// TestLoadErrors checks that a bad directory gives a clear error.
func TestLoadErrors(t *testing.T) {
	edit := func(t *testing.T, dir string, change func(map[string]*tensor.Tensor)) {
		t.Helper()
		ts := nntest.ReadTensors(t, filepath.Join(dir, hub.WeightsFile))
		change(ts)
		if err := safetensors.WriteFile(filepath.Join(dir, hub.WeightsFile), ts, map[string]string{"format": "pt"}); err != nil {
			t.Fatal(err)
		}
	}
	editConfig := func(t *testing.T, dir string, change func(map[string]any)) {
		t.Helper()
		var c map[string]any
		readJSON(t, filepath.Join(dir, hub.ConfigFile), &c)
		change(c)
		data, _ := json.Marshal(c)
		if err := os.WriteFile(filepath.Join(dir, hub.ConfigFile), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	const q = "encoder.block.1.layer.0.SelfAttention.q.weight"
	for _, c := range []struct {
		name    string
		fixture string
		break_  func(t *testing.T, dir string)
		is      error
		says    []string
	}{
		{"a missing tensor", "t5-v1.0", func(t *testing.T, dir string) {
			edit(t, dir, func(ts map[string]*tensor.Tensor) { delete(ts, q) })
		}, nn.ErrMissingKeys, []string{"1 missing", q}},
		{"an untied head missing", "t5-v1.1", func(t *testing.T, dir string) {
			edit(t, dir, func(ts map[string]*tensor.Tensor) { delete(ts, "lm_head.weight") })
		}, nn.ErrMissingKeys, []string{"lm_head.weight"}},
		{"a tensor of another shape", "t5-v1.0", func(t *testing.T, dir string) {
			edit(t, dir, func(ts map[string]*tensor.Tensor) { ts[q] = tensor.Zeros(3, 4) })
		}, nn.ErrShapeMismatch, []string{q, "[3 4]"}},
		{"an unexpected tensor", "t5-v1.0", func(t *testing.T, dir string) {
			edit(t, dir, func(ts map[string]*tensor.Tensor) {
				ts["encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"] = tensor.Zeros(8, 3)
			})
		}, nn.ErrUnexpectedKeys, []string{"encoder.block.1.layer.0.SelfAttention.relative_attention_bias.weight"}},
		{"a v1.1 checkpoint read as v1.0", "t5-v1.1", func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["feed_forward_proj"] = "relu" })
		}, nn.ErrUnexpectedKeys, []string{"DenseReluDense.wi_0.weight", "DenseReluDense.wi.weight"}},
		{"a truncated weights file", "transformer-postln", func(t *testing.T, dir string) {
			p := filepath.Join(dir, hub.WeightsFile)
			data, _ := os.ReadFile(p)
			os.WriteFile(p, data[:len(data)-100], 0o644)
		}, safetensors.ErrFormat, nil},
		{"no weights file", "t5-v1.0", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, hub.WeightsFile))
		}, hub.ErrNotFound, []string{"model.safetensors"}},
		{"no config", "t5-v1.0", func(t *testing.T, dir string) {
			os.Remove(filepath.Join(dir, hub.ConfigFile))
		}, hub.ErrNotFound, []string{"config.json"}},
		{"an unknown model_type", "t5-v1.0", func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["model_type"] = "bart" })
		}, hub.ErrUnknownModelType, []string{`"bart"`}},
		{"a config that is not JSON", "t5-v1.0", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, hub.ConfigFile), []byte("{\"d_model\": 1"), 0o644)
		}, nil, []string{"config.json"}},
		{"a config that is null", "t5-v1.0", func(t *testing.T, dir string) {
			os.WriteFile(filepath.Join(dir, hub.ConfigFile), []byte(`null`), 0o644)
		}, hub.ErrUnknownModelType, nil},
		{"a negative width", "t5-v1.0", func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["d_model"] = -4 })
		}, nil, []string{"d_model=-4"}},
		{"an unknown activation", "t5-v1.0", func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["feed_forward_proj"] = "gated-swoosh" })
		}, nil, []string{"swoosh"}},
		{"a malformed feed_forward_proj", "t5-v1.0", func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["feed_forward_proj"] = "relu-gelu" })
		}, nil, []string{"relu-gelu"}},
		{"a start token outside the vocabulary", "transformer-preln", func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["decoder_start_token_id"] = 40 })
		}, nil, []string{"40"}},
		{"a width the heads do not divide", "transformer-preln", func(t *testing.T, dir string) {
			editConfig(t, dir, func(c map[string]any) { c["num_heads"] = 3 })
		}, nil, []string{"num_heads=3"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, c.fixture)
			c.break_(t, dir)
			m, err := seq2seq.LoadDir(dir)
			if err == nil {
				t.Fatalf("loaded %T", m)
			}
			t.Logf("error: %v", err)
			if c.is != nil && !errors.Is(err, c.is) {
				t.Errorf("error %v is not %v", err, c.is)
			}
			for _, s := range c.says {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("error %q does not mention %q", err, s)
				}
			}
		})
	}
}

// TestLoadAcceptsTiedCopies loads a checkpoint that also holds the tied
// copies of the embeddings, as older Hugging Face versions wrote them.
func TestLoadAcceptsTiedCopies(t *testing.T) {
	ref := loadReference(t, "t5-v1.0")
	in := seq2seq.Inputs{IDs: ref["input_ids"], Mask: ref["attention_mask"]}
	in.DecoderIDs = ref["decoder_input_ids"]
	for _, c := range []struct {
		name   string
		change func(ts map[string]*tensor.Tensor)
	}{
		{"with copies", func(ts map[string]*tensor.Tensor) {
			for _, n := range []string{"encoder.embed_tokens.weight", "decoder.embed_tokens.weight", "lm_head.weight"} {
				ts[n] = ts["shared.weight"]
			}
		}},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, "t5-v1.0")
			ts := nntest.ReadTensors(t, filepath.Join(dir, hub.WeightsFile))
			c.change(ts)
			if err := safetensors.WriteFile(filepath.Join(dir, hub.WeightsFile), ts, nil); err != nil {
				t.Fatal(err)
			}
			m, err := seq2seq.LoadDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			if e := nntest.RelErr(seq2seq.Forward(m, in).Logits.Detach(), ref["logits"]); e > logitTol {
				t.Errorf("logits differ by %.3g", e)
			}
		})
	}
}

// TestT5ConfigReadsHuggingFaceDefaults decodes config.json files that
// omit fields, as transformers' T5Config does.
func TestT5ConfigReadsHuggingFaceDefaults(t *testing.T) {
	for _, c := range []struct {
		json                 string
		act                  string
		gated, tied          bool
		decoderLayers, start int
	}{
		{`{"model_type": "t5"}`, "relu", false, true, 6, 0},
		{`{"model_type": "t5", "feed_forward_proj": "gated-gelu", "tie_word_embeddings": false, "num_layers": 8}`, "gelu_new", true, false, 8, 0},
		{`{"model_type": "mt5", "feed_forward_proj": "gated-silu", "num_decoder_layers": 3, "decoder_start_token_id": 5, "pad_token_id": 4}`, "silu", true, true, 3, 5},
		{`{"model_type": "t5", "feed_forward_proj": "gelu", "num_decoder_layers": null, "pad_token_id": 7}`, "gelu", false, true, 6, 7},
	} {
		cfg := seq2seq.DefaultT5Config()
		if err := json.Unmarshal([]byte(c.json), &cfg); err != nil {
			t.Fatal(err)
		}
		if err := cfg.Validate(); err != nil {
			t.Fatalf("%s: %v", c.json, err)
		}
		if cfg.DModel != 512 || cfg.DKV != 64 || cfg.NumBuckets != 32 || cfg.MaxDistance != 128 || cfg.LayerNormEps != 1e-6 || cfg.VocabSize != 32128 {
			t.Errorf("%s: defaults not t5-small's: %+v", c.json, cfg)
		}
		if cfg.Tied() != c.tied || cfg.DecoderLayers() != c.decoderLayers || cfg.DecoderStart() != c.start {
			t.Errorf("%s: tied %v, decoder layers %d, start %d", c.json, cfg.Tied(), cfg.DecoderLayers(), cfg.DecoderStart())
		}
		out, err := json.Marshal(cfg)
		if err != nil {
			t.Fatal(err)
		}
		var back map[string]any
		json.Unmarshal(out, &back)
		if back["dense_act_fn"] != c.act || back["is_gated_act"] != c.gated {
			t.Errorf("%s: dense_act_fn %v, is_gated_act %v; want %s, %v", c.json, back["dense_act_fn"], back["is_gated_act"], c.act, c.gated)
		}
	}
}
