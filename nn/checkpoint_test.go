package nn_test

import (
	"errors"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

type small struct {
	Embed *tensor.Tensor `nn:"wte"`
	Head  *nn.Linear     `nn:"lm_head"`
	Norm  *nn.LayerNorm  `nn:"ln_f"`
	Pos   *tensor.Tensor `nn:"position_ids,buffer"`
}

func newSmall(seed uint64, tied bool) *small {
	g := tensor.NewGenerator(seed)
	m := &small{Head: nn.NewLinear(4, 6, false, g), Norm: nn.NewLayerNorm(4, 1e-5), Pos: tensor.FromSlice([]int32{0, 1, 2})}
	m.Embed = m.Head.Weight
	if !tied {
		m.Embed = tensor.Zeros(6, 4).SetRequiresGrad(true)
		nn.Normal(0, 1)(m.Embed, g)
	}
	nn.Normal(0, 1)(m.Norm.Bias, g)
	return m
}

func TestSaveThenLoadRestoresEveryTensor(t *testing.T) {
	for _, tied := range []bool{false, true} {
		src, dst := newSmall(1, tied), newSmall(2, tied)
		path := filepath.Join(t.TempDir(), "m.safetensors")
		if err := nn.Save(path, src, map[string]string{"format": "goformer"}); err != nil {
			t.Fatal(err)
		}
		if err := nn.Load(path, dst, nn.LoadOptions{}); err != nil {
			t.Fatalf("tied=%v: %v", tied, err)
		}
		for name, want := range nn.StateDict(src) {
			if got := nn.StateDict(dst)[name]; !reflect.DeepEqual(got.Float64s(), want.Float64s()) {
				t.Fatalf("tied=%v: %s differs after the round trip", tied, name)
			}
		}
		if tied && dst.Embed != dst.Head.Weight {
			t.Fatal("loading untied the weights")
		}
		f, _ := safetensors.Open(path)
		if n := f.Len(); (tied && n != 4) || (!tied && n != 5) {
			t.Fatalf("tied=%v: file holds %d tensors", tied, n)
		}
		f.Close()
	}
}

func TestLoadReportsEveryProblemAndChangesNothing(t *testing.T) {
	good := nn.StateDict(newSmall(1, false))
	tests := []struct {
		name string
		edit func(sd map[string]*tensor.Tensor)
		opts nn.LoadOptions
		is   []error
		msg  []string
	}{
		{"a missing tensor", func(sd map[string]*tensor.Tensor) { delete(sd, "ln_f.bias") }, nn.LoadOptions{},
			[]error{nn.ErrMissingKeys}, []string{"1 missing: ln_f.bias"}},
		{"an unexpected tensor", func(sd map[string]*tensor.Tensor) { sd["pooler.dense.weight"] = tensor.Ones(2) }, nn.LoadOptions{},
			[]error{nn.ErrUnexpectedKeys}, []string{"1 unexpected: pooler.dense.weight"}},
		{"a shape mismatch names both shapes", func(sd map[string]*tensor.Tensor) { sd["wte"] = tensor.Ones(7, 4) }, nn.LoadOptions{},
			[]error{nn.ErrShapeMismatch}, []string{"wte (model [6 4], checkpoint [7 4])"}},
		{"all three at once", func(sd map[string]*tensor.Tensor) {
			delete(sd, "ln_f.bias")
			sd["extra"] = tensor.Ones(1)
			sd["wte"] = tensor.Ones(4, 6)
		}, nn.LoadOptions{}, []error{nn.ErrMissingKeys, nn.ErrUnexpectedKeys, nn.ErrShapeMismatch}, []string{"missing", "unexpected", "other shapes"}},
		{"a mismatch is reported even when missing keys are allowed", func(sd map[string]*tensor.Tensor) {
			delete(sd, "ln_f.bias")
			sd["ln_f.weight"] = tensor.Ones(5)
		}, nn.LoadOptions{AllowMissing: true}, []error{nn.ErrShapeMismatch}, []string{"ln_f.weight"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			sd := map[string]*tensor.Tensor{}
			for k, v := range good {
				sd[k] = v
			}
			tc.edit(sd)
			dst := newSmall(2, false)
			before := dst.Norm.Weight.Float64s()
			beforeE := dst.Embed.Float64s()
			err := nn.LoadStateDict(dst, sd, tc.opts)
			var le *nn.LoadError
			if !errors.As(err, &le) {
				t.Fatalf("error %v, want a *LoadError", err)
			}
			for _, want := range tc.is {
				if !errors.Is(err, want) {
					t.Errorf("error %v does not match %v", err, want)
				}
			}
			for _, m := range tc.msg {
				if !strings.Contains(err.Error(), m) {
					t.Errorf("error %q does not mention %q", err, m)
				}
			}
			if !reflect.DeepEqual(dst.Norm.Weight.Float64s(), before) || !reflect.DeepEqual(dst.Embed.Float64s(), beforeE) {
				t.Error("a failed load changed the model")
			}
		})
	}
}

func TestLoadOptionsRelaxTheChecksAndRename(t *testing.T) {
	src := nn.StateDict(newSmall(1, false))
	prefixed := map[string]*tensor.Tensor{"model.extra": tensor.Ones(3)}
	for k, v := range src {
		if k != "ln_f.bias" {
			prefixed["model."+k] = v
		}
	}
	dst := newSmall(2, false)
	err := nn.LoadStateDict(dst, prefixed, nn.LoadOptions{
		AllowMissing: true, AllowUnexpected: true,
		Rename: func(s string) string { return "model." + s },
	})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dst.Embed.Float64s(), src["wte"].Float64s()) {
		t.Fatal("renamed tensor not loaded")
	}
	if reflect.DeepEqual(dst.Norm.Bias.Float64s(), src["ln_f.bias"].Float64s()) {
		t.Fatal("a tensor absent from the source changed")
	}
}

func TestLoadConvertsDTypes(t *testing.T) {
	src := nn.StateDict(newSmall(1, false))
	half := map[string]*tensor.Tensor{}
	for k, v := range src {
		if v.DType() == tensor.Float32 {
			half[k] = v.As(tensor.BFloat16)
		} else {
			half[k] = v
		}
	}
	dst := newSmall(2, false)
	if err := nn.LoadStateDict(dst, half, nn.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if got, want := dst.Embed.Float64s(), half["wte"].As(tensor.Float32).Float64s(); !reflect.DeepEqual(got, want) {
		t.Fatal("bfloat16 values not converted on load")
	}
	if dst.Embed.DType() != tensor.Float32 {
		t.Fatal("loading changed the parameter's dtype")
	}
	bad := map[string]*tensor.Tensor{}
	for k, v := range src {
		bad[k] = v
	}
	bad["position_ids"] = tensor.FromSlice([]float32{0, 1, 2})
	if err := nn.LoadStateDict(newSmall(3, false), bad, nn.LoadOptions{}); err == nil || !strings.Contains(err.Error(), "cannot load float32 values into a int32 tensor") {
		t.Fatalf("loading floats into an integer buffer: %v", err)
	}
}

func TestLoadReportsACorruptFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.safetensors")
	if err := nn.Save(path, newSmall(1, false), nil); err != nil {
		t.Fatal(err)
	}
	if err := truncate(path, 40); err != nil {
		t.Fatal(err)
	}
	err := nn.Load(path, newSmall(2, false), nn.LoadOptions{})
	if !errors.Is(err, safetensors.ErrFormat) || !strings.Contains(err.Error(), path) {
		t.Fatalf("error %v, want ErrFormat naming the file", err)
	}
}

func TestFromCheckpointTranslatesAndDropsNames(t *testing.T) {
	src := nn.StateDict(newSmall(1, false))
	old := map[string]*tensor.Tensor{
		"transformer.wte":              src["wte"],
		"transformer.lm_head.weight":   src["lm_head.weight"],
		"transformer.ln_f.gamma":       src["ln_f.weight"],
		"transformer.ln_f.beta":        src["ln_f.bias"],
		"transformer.position_ids":     src["position_ids"],
		"transformer.attn.masked_bias": tensor.Ones(1),
	}
	dst := newSmall(2, false)
	err := nn.LoadStateDict(dst, old, nn.LoadOptions{FromCheckpoint: func(n string) string {
		if strings.HasSuffix(n, "masked_bias") {
			return ""
		}
		n = strings.TrimPrefix(n, "transformer.")
		n = strings.Replace(n, ".gamma", ".weight", 1)
		return strings.Replace(n, ".beta", ".bias", 1)
	}})
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dst.Norm.Weight.Float64s(), src["ln_f.weight"].Float64s()) {
		t.Fatal("translated tensor not loaded")
	}
}
