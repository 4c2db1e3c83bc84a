package hub_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// A toy family laid out as GPT-2 is: a base model under "transformer",
// Conv1D weights stored [in, out], a causal-mask buffer in checkpoints.
type block struct {
	Attn *nn.Linear    `nn:"attn"`
	Norm *nn.LayerNorm `nn:"ln"`
}

type base struct {
	WTE    *tensor.Tensor `nn:"wte"`
	Blocks []*block       `nn:"h"`
}

type lm struct {
	Base *base      `nn:"transformer"`
	Head *nn.Linear `nn:"lm_head"`
}

type toyConfig struct {
	ModelType string `json:"model_type"`
	Vocab     int    `json:"vocab_size"`
	Dim       int    `json:"n_embd"`
	Layers    int    `json:"n_layer"`
}

var toyLayout = &hub.Layout{
	Names:      []hub.Rename{{Model: "h.*.attn", Checkpoint: "h.*.attn.c_attn"}},
	BasePrefix: "transformer",
	Transposed: []string{"*.attn.weight"},
	Ignore:     []string{"*.attn.bias_mask"},
}

func newBase(c toyConfig, g *tensor.Generator) *base {
	b := &base{WTE: tensor.Zeros(c.Vocab, c.Dim).SetRequiresGrad(true)}
	if g != nil {
		g.Normal(b.WTE, 0, 1)
	}
	for range c.Layers {
		l := &block{Attn: nn.NewLinear(c.Dim, 3*c.Dim, true, g), Norm: nn.NewLayerNorm(c.Dim, 1e-5)}
		if g != nil {
			g.Normal(l.Norm.Weight.Detach(), 1, 0.1)
		}
		b.Blocks = append(b.Blocks, l)
	}
	return b
}

func newLM(c toyConfig, g *tensor.Generator) *lm {
	m := &lm{Base: newBase(c, g), Head: &nn.Linear{}}
	m.Head.Weight = m.Base.WTE // tied
	return m
}

var toy = toyConfig{ModelType: "toy", Vocab: 11, Dim: 4, Layers: 2}

func sameTensors(t *testing.T, got, want any) {
	t.Helper()
	g, w := nn.StateDict(got), nn.StateDict(want)
	if len(g) != len(w) {
		t.Fatalf("%d tensors, want %d", len(g), len(w))
	}
	for name, wt := range w {
		if !reflect.DeepEqual(g[name].Float64s(), wt.Float64s()) {
			t.Fatalf("%s differs", name)
		}
	}
}

func save(t *testing.T, m any, o hub.SaveOptions) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "model")
	if err := hub.Save(dir, m, toyLayout, toy, o); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestSaveWritesTheHuggingFaceLayoutAndLoadReadsItBack(t *testing.T) {
	src := newLM(toy, tensor.NewGenerator(1))
	dir := save(t, src, hub.SaveOptions{})
	f, err := safetensors.Open(filepath.Join(dir, hub.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"transformer.h.0.attn.c_attn.bias", "transformer.h.0.attn.c_attn.weight", "transformer.h.0.ln.bias", "transformer.h.0.ln.weight",
		"transformer.h.1.attn.c_attn.bias", "transformer.h.1.attn.c_attn.weight", "transformer.h.1.ln.bias", "transformer.h.1.ln.weight", "transformer.wte"}
	if got := f.Names(); !reflect.DeepEqual(got, want) {
		t.Fatalf("names %v,\nwant %v (the tied head written once)", got, want)
	}
	if in, _ := f.Info("transformer.h.0.attn.c_attn.weight"); !reflect.DeepEqual(in.Shape, []int{4, 12}) {
		t.Fatalf("Conv1D weight stored as %v, want [4 12]", in.Shape)
	}
	if f.Metadata()["format"] != "pt" {
		t.Fatal("no format metadata: transformers refuses such files")
	}
	f.Close()

	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if d.ModelType != "toy" {
		t.Fatalf("model_type %q", d.ModelType)
	}
	var c toyConfig
	if err := d.DecodeConfig(&c); err != nil || c != toy {
		t.Fatalf("config %+v, %v", c, err)
	}
	dst := newLM(c, nil)
	rep, err := d.Load(dst, toyLayout, hub.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if len(rep.New)+len(rep.Unused) != 0 {
		t.Fatalf("report %+v", rep)
	}
	sameTensors(t, dst, src)
	if dst.Head.Weight != dst.Base.WTE {
		t.Fatal("loading untied the head")
	}
}

func TestABaseModelLoadsFromATaskCheckpointAndBack(t *testing.T) {
	src := newLM(toy, tensor.NewGenerator(2))
	src.Head.Weight = tensor.Zeros(toy.Vocab, toy.Dim).SetRequiresGrad(true) // untied: a head of its own
	src.Head.Weight.Detach().Fill(0.5)
	dir := save(t, src, hub.SaveOptions{})
	d, _ := hub.OpenDir(dir)

	b := newBase(toy, nil)
	rep, err := d.Load(b, toyLayout, hub.LoadOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.Unused, []string{"lm_head.weight"}) {
		t.Fatalf("unused %v, want the head", rep.Unused)
	}
	sameTensors(t, b, src.Base)

	// A base checkpoint (no prefix) into a task model: the head is new.
	dir2 := filepath.Join(t.TempDir(), "base")
	if err := hub.Save(dir2, b, toyLayout, toy, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	d2, _ := hub.OpenDir(dir2)
	task := newLM(toy, tensor.NewGenerator(3))
	task.Head.Weight = tensor.Zeros(toy.Vocab, toy.Dim).SetRequiresGrad(true)
	if _, err := d2.Load(task, toyLayout, hub.LoadOptions{}); !errors.Is(err, nn.ErrMissingKeys) || !strings.Contains(err.Error(), "lm_head.weight") {
		t.Fatalf("a head absent from the checkpoint: %v, want it listed as missing", err)
	}
	rep, err = d2.Load(task, toyLayout, hub.LoadOptions{New: []string{"lm_head"}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(rep.New, []string{"lm_head.weight"}) {
		t.Fatalf("new %v", rep.New)
	}
	sameTensors(t, task.Base, src.Base)
}

// writeCheckpoint writes a config and raw tensors under their stored
// names.
func writeCheckpoint(t *testing.T, sd map[string]*tensor.Tensor, config string) string {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, hub.ConfigFile), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(filepath.Join(dir, hub.WeightsFile), sd, map[string]string{"format": "pt"}); err != nil {
		t.Fatal(err)
	}
	return dir
}

// stored returns m's tensors as a checkpoint of the toy layout stores them.
func stored(t *testing.T, m any) map[string]*tensor.Tensor {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "x")
	if err := hub.Save(dir, m, toyLayout, toy, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	return nntest.ReadTensors(t, filepath.Join(dir, hub.WeightsFile))
}

func TestOldNamesBuffersAndHalfPrecisionLoad(t *testing.T) {
	src := newBase(toy, tensor.NewGenerator(4))
	sd := stored(t, src)
	sd["h.0.ln.gamma"] = sd["h.0.ln.weight"]
	sd["h.0.ln.beta"] = sd["h.0.ln.bias"]
	delete(sd, "h.0.ln.weight")
	delete(sd, "h.0.ln.bias")
	sd["h.1.attn.bias_mask"] = tensor.Ones(1, 1, 3, 3)
	sd["wte"] = sd["wte"].As(tensor.BFloat16)
	d, err := hub.OpenDir(writeCheckpoint(t, sd, `{"model_type": "toy"}`))
	if err != nil {
		t.Fatal(err)
	}
	dst := newBase(toy, nil)
	if _, err := d.Load(dst, toyLayout, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dst.Blocks[0].Norm.Weight.Float64s(), src.Blocks[0].Norm.Weight.Float64s()) {
		t.Fatal("gamma not loaded as weight")
	}
	if got, want := dst.WTE.Float64s(), sd["wte"].Float64s(); !reflect.DeepEqual(got, want) || dst.WTE.DType() != tensor.Float32 {
		t.Fatal("bf16 weights not converted to the model's float32")
	}
}

func TestLoadErrorsListEveryProblemAtOnce(t *testing.T) {
	sd := stored(t, newBase(toy, tensor.NewGenerator(5)))
	delete(sd, "h.1.ln.bias")                          // missing
	sd["h.0.attn.c_attn.weight"] = tensor.Zeros(12, 4) // not transposed: wrong shape
	sd["h.7.ln.weight"] = tensor.Zeros(4)              // unexpected
	d, _ := hub.OpenDir(writeCheckpoint(t, sd, `{"model_type": "toy"}`))
	_, err := d.Load(newBase(toy, nil), toyLayout, hub.LoadOptions{})
	for _, want := range []error{nn.ErrMissingKeys, nn.ErrUnexpectedKeys, nn.ErrShapeMismatch} {
		if !errors.Is(err, want) {
			t.Errorf("error %v does not match %v", err, want)
		}
	}
	for _, s := range []string{"h.1.ln.bias", "h.7.ln.weight", "h.0.attn.weight (model [12 4], checkpoint [4 12])"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v does not name %s", err, s)
		}
	}
}

func TestBrokenDirectoriesGiveClearErrors(t *testing.T) {
	good := save(t, newBase(toy, tensor.NewGenerator(6)), hub.SaveOptions{})
	copyDir := func(t *testing.T) string {
		dir := t.TempDir()
		for _, n := range []string{hub.ConfigFile, hub.WeightsFile} {
			b, err := os.ReadFile(filepath.Join(good, n))
			if err != nil {
				t.Fatal(err)
			}
			os.WriteFile(filepath.Join(dir, n), b, 0o644)
		}
		return dir
	}
	tests := []struct {
		name  string
		edit  func(dir string)
		is    error
		words string
	}{
		{"a truncated safetensors file", func(dir string) {
			p := filepath.Join(dir, hub.WeightsFile)
			st, _ := os.Stat(p)
			os.Truncate(p, st.Size()-7)
		}, safetensors.ErrFormat, "model.safetensors"},
		{"no weights", func(dir string) { os.Remove(filepath.Join(dir, hub.WeightsFile)) }, hub.ErrNotFound, "no model.safetensors"},
		{"only a PyTorch pickle", func(dir string) {
			os.Remove(filepath.Join(dir, hub.WeightsFile))
			os.WriteFile(filepath.Join(dir, "pytorch_model.bin"), []byte("x"), 0o644)
		}, hub.ErrNotFound, "convert it to safetensors"},
		{"an index naming a missing shard", func(dir string) {
			os.Remove(filepath.Join(dir, hub.WeightsFile))
			os.WriteFile(filepath.Join(dir, hub.WeightsIndex), []byte(`{"weight_map": {"wte": "model-00001-of-00002.safetensors"}}`), 0o644)
		}, hub.ErrNotFound, "model-00001-of-00002.safetensors"},
		{"an index naming a tensor its shard lacks", func(dir string) {
			os.Rename(filepath.Join(dir, hub.WeightsFile), filepath.Join(dir, "a.safetensors"))
			os.WriteFile(filepath.Join(dir, hub.WeightsIndex), []byte(`{"weight_map": {"wte": "a.safetensors", "nope": "a.safetensors"}}`), 0o644)
		}, safetensors.ErrFormat, "nope (a.safetensors)"},
		{"an index escaping the directory", func(dir string) {
			os.Remove(filepath.Join(dir, hub.WeightsFile))
			os.WriteFile(filepath.Join(dir, hub.WeightsIndex), []byte(`{"weight_map": {"wte": "../x.safetensors"}}`), 0o644)
		}, nil, "not a file of the directory"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			dir := copyDir(t)
			tc.edit(dir)
			d, err := hub.OpenDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			_, err = d.Load(newBase(toy, nil), toyLayout, hub.LoadOptions{})
			if err == nil || (tc.is != nil && !errors.Is(err, tc.is)) || !strings.Contains(err.Error(), tc.words) {
				t.Fatalf("error %v, want %v mentioning %q", err, tc.is, tc.words)
			}
		})
	}
	t.Run("no config.json", func(t *testing.T) {
		if _, err := hub.OpenDir(t.TempDir()); !errors.Is(err, hub.ErrNotFound) || !strings.Contains(err.Error(), "config.json") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a config that is not JSON", func(t *testing.T) {
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, hub.ConfigFile), []byte("{"), 0o644)
		if _, err := hub.OpenDir(dir); err == nil || !strings.Contains(err.Error(), "config.json") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("an unknown model_type", func(t *testing.T) {
		d, _ := hub.OpenDir(good)
		if err := d.Expect("bert", "roberta"); !errors.Is(err, hub.ErrUnknownModelType) || !strings.Contains(err.Error(), `"toy"`) || !strings.Contains(err.Error(), "bert or roberta") {
			t.Fatalf("error %v", err)
		}
		if err := d.Expect("toy"); err != nil {
			t.Fatal(err)
		}
		dir := t.TempDir()
		os.WriteFile(filepath.Join(dir, hub.ConfigFile), []byte(`{"hidden_size": 4}`), 0o644)
		d, _ = hub.OpenDir(dir)
		if err := d.Expect("bert"); !errors.Is(err, hub.ErrUnknownModelType) || !strings.Contains(err.Error(), "no model_type") {
			t.Fatalf("error %v", err)
		}
	})
	t.Run("a config without model_type is not saved", func(t *testing.T) {
		err := hub.Save(t.TempDir(), newBase(toy, nil), toyLayout, struct{ X int }{1}, hub.SaveOptions{})
		if !errors.Is(err, hub.ErrUnknownModelType) {
			t.Fatalf("error %v", err)
		}
	})
}

func TestShardedCheckpointsSaveAndLoad(t *testing.T) {
	src := newLM(toy, tensor.NewGenerator(7))
	dir := filepath.Join(t.TempDir(), "m")
	if err := hub.Save(dir, src, toyLayout, toy, hub.SaveOptions{MaxShardSize: 200}); err != nil {
		t.Fatal(err)
	}
	var idx struct {
		Metadata struct {
			TotalSize int64 `json:"total_size"`
		} `json:"metadata"`
		WeightMap map[string]string `json:"weight_map"`
	}
	b, err := os.ReadFile(filepath.Join(dir, hub.WeightsIndex))
	if err != nil {
		t.Fatal(err)
	}
	json.Unmarshal(b, &idx)
	shards := map[string]bool{}
	for _, s := range idx.WeightMap {
		shards[s] = true
	}
	if len(shards) < 2 || len(idx.WeightMap) != 9 || idx.Metadata.TotalSize != 4*(11*4+2*(12*4+12+4+4)) {
		t.Fatalf("index %+v", idx)
	}
	if _, err := os.Stat(filepath.Join(dir, hub.WeightsFile)); err == nil {
		t.Fatal("model.safetensors beside the shards")
	}
	d, _ := hub.OpenDir(dir)
	dst := newLM(toy, nil)
	if _, err := d.Load(dst, toyLayout, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTensors(t, dst, src)
	// Saving again in one file removes the shards and their index.
	if err := hub.Save(dir, src, toyLayout, toy, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		names = append(names, e.Name())
	}
	sort.Strings(names)
	if !reflect.DeepEqual(names, []string{"config.json", "model.safetensors"}) {
		t.Fatalf("directory holds %v", names)
	}
}

func TestLayoutsWithUnevenStarsAreRefused(t *testing.T) {
	l := &hub.Layout{Names: []hub.Rename{{Model: "h.*.a", Checkpoint: "h.b"}}}
	if err := hub.Save(t.TempDir(), newBase(toy, nil), l, toy, hub.SaveOptions{}); err == nil || !strings.Contains(err.Error(), "different numbers") {
		t.Fatalf("error %v", err)
	}
}

func TestCheckpointNameAppliesTheTable(t *testing.T) {
	for name, want := range map[string]string{
		"h.3.attn.weight":           "h.3.attn.c_attn.weight",
		"transformer.h.0.attn.bias": "transformer.h.0.attn.c_attn.bias",
		"h.1.norm.weight":           "h.1.norm.weight",
		"wte":                       "wte",
	} {
		if got := toyLayout.CheckpointName(name); got != want {
			t.Errorf("CheckpointName(%q) = %q, want %q", name, got, want)
		}
	}
}

// A fused projection stored as three tensors, grouped-query style: the
// query part is twice as long as the key and value parts.
type fusedBlock struct {
	InProj *tensor.Tensor `nn:"in_proj_weight"`
}

type fusedModel struct {
	Blocks []*fusedBlock `nn:"model.h"`
}

var fusedLayout = &hub.Layout{
	BasePrefix: "model",
	Fused: []hub.Fuse{{
		Model: "h.*.in_proj_weight",
		Parts: []string{"h.*.attn.q.weight", "h.*.attn.k.weight", "h.*.attn.v.weight"},
		Sizes: func(rows int) []int { return []int{rows / 2, rows / 4, rows / 4} },
	}},
}

func newFused(seed uint64) *fusedModel {
	m := &fusedModel{}
	for range 2 {
		w := tensor.Zeros(8, 3)
		tensor.NewGenerator(seed).Normal(w, 0, 1)
		seed++
		m.Blocks = append(m.Blocks, &fusedBlock{InProj: w})
	}
	return m
}

func TestFusedTensorsAreSplitOnSaveAndJoinedOnLoad(t *testing.T) {
	src := newFused(1)
	dir := filepath.Join(t.TempDir(), "m")
	if err := hub.Save(dir, src, fusedLayout, toy, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(filepath.Join(dir, hub.WeightsFile))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.Names(); len(got) != 6 || got[0] != "model.h.0.attn.k.weight" {
		t.Fatalf("stored %v", got)
	}
	k, _ := f.Tensor("model.h.1.attn.k.weight")
	if !reflect.DeepEqual(k.Float64s(), src.Blocks[1].InProj.Narrow(0, 4, 2).Float64s()) {
		t.Fatal("the key part holds other rows")
	}
	f.Close()
	d, _ := hub.OpenDir(dir)
	dst := newFused(9)
	if _, err := d.Load(dst, fusedLayout, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	sameTensors(t, dst, src)

	// A missing part, and a part of another shape: one error for both.
	sd := nntest.ReadTensors(t, filepath.Join(dir, hub.WeightsFile))
	delete(sd, "model.h.0.attn.v.weight")
	sd["model.h.1.attn.v.weight"] = tensor.Zeros(3, 3)
	d, _ = hub.OpenDir(writeCheckpoint(t, sd, `{"model_type": "toy"}`))
	_, err = d.Load(newFused(9), fusedLayout, hub.LoadOptions{})
	for _, s := range []string{"missing: model.h.0.in_proj_weight", "unexpected: model.h.0.attn.k.weight, model.h.0.attn.q.weight", "model.h.1.in_proj_weight (model [8 3], checkpoint [9 3])"} {
		if err == nil || !strings.Contains(err.Error(), s) {
			t.Errorf("error %v does not say %q", err, s)
		}
	}
	// Sizes that do not add up are refused on save.
	bad := &hub.Layout{Fused: []hub.Fuse{{Model: "h.*.in_proj_weight", Parts: []string{"h.*.a", "h.*.b", "h.*.c"}}}}
	if err := hub.Save(t.TempDir(), &fusedModel{Blocks: []*fusedBlock{{InProj: tensor.Zeros(8, 3)}}}, bad, toy, hub.SaveOptions{}); err == nil || !strings.Contains(err.Error(), "do not split") {
		t.Fatalf("uneven split: %v", err)
	}
}
