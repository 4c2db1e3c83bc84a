package attention

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

func TestMultiHeadParameterNames(t *testing.T) {
	fused := New(Config{Dim: 8, Heads: 2, FusedQKV: true}, tensor.NewGenerator(1))
	var names []string
	for _, p := range nn.Params(fused) {
		names = append(names, p.Name)
	}
	want := []string{"in_proj_weight", "in_proj_bias", "out_proj.weight", "out_proj.bias"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("fused names %v, want %v", names, want)
	}
	sep := New(Config{Dim: 8, Heads: 4, KVHeads: 2, NoBias: true, Rotary: true}, tensor.NewGenerator(1))
	names = nil
	for _, p := range nn.Tensors(sep) {
		names = append(names, p.Name)
	}
	want = []string{"q_proj.weight", "k_proj.weight", "v_proj.weight", "out_proj.weight", "rotary.cos", "rotary.sin"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("separate names %v, want %v", names, want)
	}
	if sep.Key.Weight.Dim(0) != 4 {
		t.Fatalf("grouped key projection %v, want 2 heads of 2", sep.Key.Weight.Shape())
	}
}

// separateFrom returns a MultiHead with separate projections holding the
// same weights as a fused one.
func separateFrom(f *MultiHead) *MultiHead {
	d := f.Out.Out()
	s := New(Config{Dim: d, Heads: f.Heads, KVHeads: f.KVHeads}, nil)
	w, b := f.InProjWeight.Detach(), f.InProjBias.Detach()
	qd, kvd := f.Heads*f.HeadDim, f.KVHeads*f.HeadDim
	s.Query.Weight.CopyFrom(w.Narrow(0, 0, qd))
	s.Key.Weight.CopyFrom(w.Narrow(0, qd, kvd))
	s.Value.Weight.CopyFrom(w.Narrow(0, qd+kvd, kvd))
	s.Query.Bias.CopyFrom(b.Narrow(0, 0, qd))
	s.Key.Bias.CopyFrom(b.Narrow(0, qd, kvd))
	s.Value.Bias.CopyFrom(b.Narrow(0, qd+kvd, kvd))
	s.Out.Weight.CopyFrom(f.Out.Weight)
	s.Out.Bias.CopyFrom(f.Out.Bias)
	return s
}

func TestFusedAndSeparateProjectionsAgree(t *testing.T) {
	g := tensor.NewGenerator(2)
	f := New(Config{Dim: 12, Heads: 3, FusedQKV: true}, g)
	g.Normal(f.InProjBias.Detach(), 0, 1)
	s := separateFrom(f)
	x, mem := randn(1, 2, 5, 12), randn(2, 2, 7, 12)
	for name, pair := range map[string][2]*tensor.Tensor{
		"self":  {f.Forward(x, Mask{Causal: true}, nil), s.Forward(x, Mask{Causal: true}, nil)},
		"cross": {f.Cross(x, mem, Mask{}, nil), s.Cross(x, mem, Mask{}, nil)},
	} {
		if e := relErr(pair[0].Float64s(), pair[1].Float64s()); e > 1e-6 {
			t.Errorf("%s: fused and separate differ by %g", name, e)
		}
	}
	out, w := f.Attend(x, mem, mem, Mask{}, true)
	if e := relErr(out.Float64s(), f.Cross(x, mem, Mask{}, nil).Float64s()); e > 1e-6 {
		t.Errorf("Attend differs from Cross by %g", e)
	}
	if !reflect.DeepEqual(w.Shape(), []int{2, 3, 5, 7}) {
		t.Errorf("weights shape %v", w.Shape())
	}
}

func TestIncrementalDecodingWithACacheEqualsTheFullPass(t *testing.T) {
	for _, cfg := range []Config{
		{Dim: 16, Heads: 4, FusedQKV: true},
		{Dim: 16, Heads: 4, KVHeads: 2, Rotary: true, MaxLen: 32},
		{Dim: 16, Heads: 4, KVHeads: 1, NoBias: true, Rotary: true, RotaryDim: 2, Interleaved: true, MaxLen: 32},
	} {
		a := New(cfg, tensor.NewGenerator(3))
		x := randn(4, 2, 9, 16)
		full := a.Forward(x, Mask{Causal: true}, nil).Float64s()
		var c Cache
		var steps []*tensor.Tensor
		// A prompt of 4 tokens, then one token at a time.
		steps = append(steps, a.Forward(x.Narrow(1, 0, 4), Mask{Causal: true}, &c))
		for i := 4; i < 9; i++ {
			steps = append(steps, a.Forward(x.Narrow(1, i, 1), Mask{Causal: true}, &c))
		}
		if c.Len() != 9 {
			t.Fatalf("cache holds %d tokens, want 9", c.Len())
		}
		inc := tensor.Concat(1, steps...).Float64s()
		if e := relErr(inc, full); e > 1e-6 {
			t.Fatalf("%+v: incremental and full differ by %g", cfg, e)
		}
		c.Reset()
		if c.Len() != 0 {
			t.Fatal("Reset left tokens")
		}
	}
}

func TestCrossAttentionCacheReusesTheMemory(t *testing.T) {
	a := New(Config{Dim: 8, Heads: 2, KDim: 6, VDim: 6}, tensor.NewGenerator(5))
	x, mem := randn(1, 1, 3, 8), randn(2, 1, 4, 6)
	want := a.Cross(x, mem, Mask{}, nil).Float64s()
	var c Cache
	a.Cross(x.Narrow(1, 0, 1), mem, Mask{}, &c)
	got := a.Cross(x, nil, Mask{}, &c).Float64s()
	if e := relErr(got, want); e > 1e-6 || c.Len() != 4 {
		t.Fatalf("cached cross-attention differs by %g (cache %d)", e, c.Len())
	}
}

func TestCacheWithGradientsConcatenates(t *testing.T) {
	var c Cache
	k1 := randn(1, 1, 2, 3, 4).SetRequiresGrad(true)
	k2 := randn(2, 1, 2, 1, 4).SetRequiresGrad(true)
	c.Append(k1, k1)
	k, v := c.Append(k2, k2)
	if k.Dim(2) != 4 || v.Dim(2) != 4 {
		t.Fatalf("held %v", k.Shape())
	}
	k.Sum().Backward()
	if k1.Grad() == nil || k2.Grad() == nil {
		t.Fatal("gradients do not reach appended keys")
	}
	expectPanic(t, "do not continue the cache", func() { c.Append(randn(3, 1, 3, 1, 4), randn(3, 1, 3, 1, 4)) })
}

func TestMultiHeadDropoutOnlyInTraining(t *testing.T) {
	a := New(Config{Dim: 8, Heads: 2, Dropout: 0.5}, tensor.NewGenerator(6))
	x := randn(1, 1, 5, 8)
	e1, e2 := a.Forward(x, Mask{}, nil).Float64s(), a.Forward(x, Mask{}, nil).Float64s()
	if relErr(e1, e2) != 0 {
		t.Fatal("evaluation is not deterministic")
	}
	nn.Train(a)
	if relErr(a.Forward(x, Mask{}, nil).Float64s(), e1) == 0 {
		t.Fatal("training mode applied no dropout")
	}
}

func TestMultiHeadRejectsBadInputs(t *testing.T) {
	a := New(Config{Dim: 8, Heads: 2}, tensor.NewGenerator(1))
	expectPanic(t, "input of shape [2 8], want [B, T, 8]", func() { a.Forward(tensor.Ones(2, 8), Mask{}, nil) })
	expectPanic(t, "memory of shape [1 3 5], want [B, T, 8]", func() { a.Cross(tensor.Ones(1, 2, 8), tensor.Ones(1, 3, 5), Mask{}, nil) })
	expectPanic(t, "not a multiple of Heads=3", func() { New(Config{Dim: 8, Heads: 3}, nil) })
}

func TestPyTorchLayoutWithOtherKeyAndValueWidthsKeepsPyTorchNames(t *testing.T) {
	a := New(Config{Dim: 8, Heads: 2, KDim: 4, VDim: 6, FusedQKV: true}, tensor.NewGenerator(1))
	var names []string
	for _, p := range nn.Params(a) {
		names = append(names, p.Name+fmt.Sprint(p.Tensor.Shape()))
	}
	want := []string{"q_proj_weight[8 8]", "k_proj_weight[8 4]", "v_proj_weight[8 6]", "in_proj_bias[24]", "out_proj.weight[8 8]", "out_proj.bias[8]"}
	if !reflect.DeepEqual(names, want) {
		t.Fatalf("names %v, want %v", names, want)
	}
	out, _ := a.Attend(randn(2, 1, 3, 8), randn(3, 1, 5, 4), randn(4, 1, 5, 6), Mask{}, false)
	if !reflect.DeepEqual(out.Shape(), []int{1, 3, 8}) {
		t.Fatalf("output %v", out.Shape())
	}
}

func TestQKVBiasKeepsInputBiasesOnly(t *testing.T) {
	a := New(Config{Dim: 8, Heads: 2, NoBias: true, QKVBias: true}, tensor.NewGenerator(1))
	if a.Query.Bias == nil || a.Key.Bias == nil || a.Value.Bias == nil || a.Out.Bias != nil {
		t.Fatalf("biases q %v k %v v %v out %v", a.Query.Bias != nil, a.Key.Bias != nil, a.Value.Bias != nil, a.Out.Bias != nil)
	}
}

func TestPackedSelfAttentionGradientsEqualThePlainPath(t *testing.T) {
	for _, cfg := range []Config{
		{Dim: 16, Heads: 4, KVHeads: 2, FusedQKV: true},
		{Dim: 16, Heads: 4, KVHeads: 1, FusedQKV: true, NoBias: true, Dropout: 0.25},
	} {
		grads := map[Path][]float64{}
		var outs [2][]float64
		for i, path := range []Path{Plain, Fused} {
			a := New(cfg, tensor.NewGenerator(7))
			a.Path = path
			nn.Train(a)
			x := randn(8, 2, 9, 16).SetRequiresGrad(true)
			y := a.Forward(x, Mask{Causal: true, KeyMask: Keep(tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 9))}, nil)
			y.Backward(tensor.WithGrad(randn(9, y.Shape()...)))
			outs[i] = y.Float64s()
			for _, p := range nn.Params(a) {
				grads[path] = append(grads[path], p.Tensor.Grad().Float64s()...)
			}
			grads[path] = append(grads[path], x.Grad().Float64s()...)
		}
		if e := relErr(outs[1], outs[0]); e > 1e-5 {
			t.Errorf("%+v: outputs differ by %g", cfg, e)
		}
		if e := relErr(grads[Fused], grads[Plain]); e > 1e-5 {
			t.Errorf("%+v: gradients differ by %g", cfg, e)
		}
	}
}

func TestKeepAndBlockedMasksAreOppositeConventions(t *testing.T) {
	q, k, v := randn(1, 2, 2, 3, 4), randn(2, 2, 2, 3, 4), randn(3, 2, 2, 3, 4)
	same := func(what string, a, b Mask) {
		t.Helper()
		for _, p := range []Path{Plain, Fused} {
			x := ScaledDotProduct(q, k, v, Options{Mask: a, Path: p})
			y := ScaledDotProduct(q, k, v, Options{Mask: b, Path: p})
			if e := relErr(x.Float64s(), y.Float64s()); e > 1e-6 {
				t.Errorf("%s (%v path): outputs differ by %g", what, p, e)
			}
		}
	}
	keep := tensor.FromSlice([]int32{1, 1, 0, 1, 0, 0}, 2, 3)    // Hugging Face: 1 = token
	padding := tensor.FromSlice([]int32{0, 0, 1, 0, 1, 1}, 2, 3) // PyTorch: 1 = padding
	same("a key mask", Mask{KeyMask: Keep(keep)}, Mask{KeyMask: Blocked(padding)})
	upper := tensor.FromSlice([]float32{0, 1, 1, 0, 0, 1, 0, 0, 0}, 3, 3) // PyTorch: true = may not attend
	same("a pair mask", Mask{Pairs: Blocked(upper)}, Mask{Causal: true})
	lower := tensor.FromSlice([]float32{1, 0, 0, 1, 1, 0, 1, 1, 1}, 3, 3)
	same("a pair mask", Mask{Pairs: Keep(lower)}, Mask{Causal: true})
	if Keep(nil) != nil || Blocked(nil) != nil {
		t.Error("a nil tensor must give no mask")
	}
	if s := Blocked(padding).String(); s != "Blocked[2 3]" {
		t.Errorf("String = %q", s)
	}
}

func TestMasksRejectValuesOtherThanZeroAndOne(t *testing.T) {
	additive := tensor.FromSlice([]float32{0, float32(math.Inf(-1)), 0}, 1, 3)
	for name, f := range map[string]func(){
		"Keep":    func() { Keep(additive) },
		"Blocked": func() { Blocked(tensor.FromSlice([]int32{0, 2}, 1, 2)) },
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), "holds 0 and 1 only") {
					t.Errorf("%s: recovered %v", name, r)
				}
			}()
			f()
		}()
	}
}

func TestFullyMaskedRowsGiveZerosOnBothPaths(t *testing.T) {
	// A left-padded row: the padding query sees no key at all.
	q, k, v := randn(1, 1, 1, 3, 4), randn(2, 1, 1, 3, 4), randn(3, 1, 1, 3, 4)
	m := Mask{Causal: true, KeyMask: Keep(tensor.FromSlice([]int32{0, 1, 1}, 1, 3))}
	for _, p := range []Path{Plain, Fused} {
		out := ScaledDotProduct(q, k, v, Options{Mask: m, Path: p}).Float64s()
		for i, x := range out[:4] {
			if x != 0 {
				t.Errorf("%v path: output %d of the fully masked row is %v, want 0", p, i, x)
			}
		}
		for i, x := range out[4:] {
			if x == 0 || math.IsNaN(x) {
				t.Errorf("%v path: output %d of a visible row is %v", p, i+4, x)
			}
		}
	}
}

func TestOnWeightsSeesEveryCall(t *testing.T) {
	a := New(Config{Dim: 8, Heads: 2, FusedQKV: true}, tensor.NewGenerator(1))
	x := randn(1, 1, 4, 8)
	want := a.Forward(x, Mask{Causal: true}, nil)
	var seen []*tensor.Tensor
	a.OnWeights = func(w *tensor.Tensor) { seen = append(seen, w) }
	got := a.Forward(x, Mask{Causal: true}, nil)
	if len(seen) != 1 || !reflect.DeepEqual(seen[0].Shape(), []int{1, 2, 4, 4}) {
		t.Fatalf("hook saw %d weights", len(seen))
	}
	if e := relErr(got.Float64s(), want.Float64s()); e > 1e-6 {
		t.Fatalf("the hooked call differs by %g", e)
	}
	if w := seen[0].Float64s(); w[1] != 0 || w[0] != 1 {
		t.Fatalf("first query's weights %v: it may only see the first key", w[:4])
	}
}
