package transformer_test

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
	"github.com/goformer/goformer/transformer"
)

func randn(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(rand.New(rand.NewPCG(seed, 3)), shape...)
}

func TestIncrementalDecodingEqualsTheFullPass(t *testing.T) {
	for _, cfg := range []transformer.Config{
		{Dim: 16, Heads: 4, NormFirst: true},
		{Dim: 16, Heads: 4, KVHeads: 2, Gated: true, Act: nn.SiLU, RMSNorm: true, NoBias: true, SeparateQKV: true, Rotary: true, NormFirst: true, MaxLen: 32},
		{Dim: 16, Heads: 2, Act: nn.GELU},
	} {
		dec := transformer.NewDecoder(cfg, 3, true, tensor.NewGenerator(1))
		x, mem := randn(1, 2, 7, 16), randn(2, 2, 5, 16)
		memMask := attention.Mask{KeyMask: attention.Keep(tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 1, 0, 0}, 2, 5))}
		full := dec.Forward(x, mem, attention.Mask{Causal: true}, memMask, nil)
		var cache transformer.Cache
		var parts []*tensor.Tensor
		parts = append(parts, dec.Forward(x.Narrow(1, 0, 3), mem, attention.Mask{Causal: true}, memMask, &cache))
		for i := 3; i < 7; i++ {
			parts = append(parts, dec.Forward(x.Narrow(1, i, 1), nil, attention.Mask{Causal: true}, memMask, &cache))
		}
		if e := nntest.RelErr(tensor.Concat(1, parts...), full); e > 1e-5 {
			t.Errorf("%+v: incremental decoding differs from the full pass by %g", cfg, e)
		}
		if cache.Len() != 7 {
			t.Errorf("cache holds %d tokens", cache.Len())
		}
	}
}

func TestEncoderGradientsMatchFiniteDifferences(t *testing.T) {
	for _, cfg := range []transformer.Config{
		{Dim: 8, Heads: 2, Hidden: 12, Act: nn.GELU},
		{Dim: 8, Heads: 2, KVHeads: 1, Hidden: 12, Act: nn.SiLU, Gated: true, RMSNorm: true, NormFirst: true, Rotary: true, MaxLen: 8},
	} {
		enc := nn.Cast(transformer.NewEncoder(cfg, 2, true, tensor.NewGenerator(3)), tensor.Float64)
		x := randn(4, 2, 4, 8).As(tensor.Float64).SetRequiresGrad(true)
		mask := attention.Mask{KeyMask: attention.Keep(tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 0, 0}, 2, 4)), Causal: cfg.NormFirst}
		inputs := []*tensor.Tensor{x}
		for _, p := range nn.Params(enc) {
			inputs = append(inputs, p.Tensor)
		}
		err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor { return enc.Forward(in[0], mask) },
			inputs, gradcheck.Options{MaxElements: 12})
		if err != nil {
			t.Fatalf("%+v: %v", cfg, err)
		}
	}
}

func TestDropoutIsReproducibleAndOnlyInTraining(t *testing.T) {
	build := func() *transformer.Encoder {
		return transformer.NewEncoder(transformer.Config{Dim: 8, Heads: 2, Dropout: 0.2}, 2, false, tensor.NewGenerator(9))
	}
	x := randn(1, 2, 5, 8)
	a, b := build(), build()
	if nntest.RelErr(a.Forward(x, attention.Mask{}), b.Forward(x, attention.Mask{})) != 0 {
		t.Fatal("two models from one seed differ in evaluation")
	}
	nn.Train(a)
	nn.Train(b)
	ya, yb := a.Forward(x, attention.Mask{}), b.Forward(x, attention.Mask{})
	if nntest.RelErr(ya, yb) != 0 {
		t.Fatal("training passes from one seed differ")
	}
	nn.Eval(a)
	if nntest.RelErr(ya, a.Forward(x, attention.Mask{})) == 0 {
		t.Fatal("training mode applied no dropout")
	}
}

func TestParameterNamesMirrorPyTorch(t *testing.T) {
	tr := transformer.New(transformer.Config{Dim: 8, Heads: 2}, 1, 1, nil)
	var names []string
	for _, p := range nn.Params(tr) {
		names = append(names, p.Name)
	}
	got := strings.Join(names, " ")
	for _, want := range []string{
		"encoder.layers.0.self_attn.in_proj_weight", "encoder.layers.0.linear1.weight", "encoder.layers.0.norm2.bias", "encoder.norm.weight",
		"decoder.layers.0.multihead_attn.out_proj.weight", "decoder.layers.0.norm3.weight", "decoder.norm.bias",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no parameter %s in %s", want, got)
		}
	}
	if len(names) != 14+20 { // 12 per encoder layer, 18 per decoder layer, two final norms
		t.Errorf("%d parameters", len(names))
	}
}

func TestBadInputsPanic(t *testing.T) {
	l := transformer.NewEncoderLayer(transformer.Config{Dim: 8, Heads: 2}, nil)
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "input of shape [2 5], want [B, T, 8]") {
			t.Fatalf("panic %v", r)
		}
	}()
	l.Forward(tensor.Ones(2, 5), attention.Mask{})
}

func TestStacksPreserveScale(t *testing.T) {
	// A sanity check on initialisation: a freshly initialised post-LN
	// encoder's outputs are normalised rows.
	enc := transformer.NewEncoder(transformer.Config{Dim: 32, Heads: 4}, 4, false, tensor.NewGenerator(4))
	y := enc.Forward(randn(5, 2, 10, 32), attention.Mask{}).Float64s()
	var s, s2 float64
	for _, v := range y {
		s += v
		s2 += v * v
	}
	n := float64(len(y))
	if m, sd := s/n, math.Sqrt(s2/n-(s/n)*(s/n)); math.Abs(m) > 1e-3 || math.Abs(sd-1) > 1e-2 {
		t.Fatalf("mean %v, std %v", m, sd)
	}
}

func TestConcurrentInferenceOnOneModel(t *testing.T) {
	enc := transformer.NewEncoder(transformer.Config{Dim: 16, Heads: 4, Act: nn.GELU, Dropout: 0.1}, 2, true, tensor.NewGenerator(1))
	nn.Freeze(enc)
	inputs := make([]*tensor.Tensor, 8)
	want := make([]*tensor.Tensor, len(inputs))
	for i := range inputs {
		inputs[i] = randn(uint64(10+i), 2, 3+i, 16)
		want[i] = enc.Forward(inputs[i], attention.Mask{Causal: i%2 == 0})
	}
	errs := make(chan error, len(inputs))
	for i := range inputs {
		go func() {
			got := enc.Forward(inputs[i], attention.Mask{Causal: i%2 == 0})
			if e := nntest.RelErr(got, want[i]); e != 0 {
				errs <- fmt.Errorf("input %d: concurrent result differs by %g", i, e)
				return
			}
			errs <- nil
		}()
	}
	for range inputs {
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
}

func TestInferenceWithoutGradientsEqualsTheRecordedPass(t *testing.T) {
	for _, cfg := range []transformer.Config{{Dim: 16, Heads: 4, Act: nn.GELU}, {Dim: 16, Heads: 2, NormFirst: true, Gated: true, Act: nn.SiLU}} {
		tr := transformer.New(cfg, 2, 2, tensor.NewGenerator(5))
		src, tgt := randn(1, 2, 6, 16), randn(2, 2, 4, 16)
		m := transformer.Masks{Target: attention.Mask{Causal: true}}
		recorded := tr.Forward(src, tgt, m)
		nn.Freeze(tr)
		inference := tr.Forward(src, tgt, m)
		if recorded.RequiresGrad() == inference.RequiresGrad() {
			t.Fatal("freezing did not turn off the graph")
		}
		if e := nntest.RelErr(inference, recorded); e > 1e-6 {
			t.Fatalf("%+v: inference differs from the recorded pass by %g", cfg, e)
		}
	}
}

func TestEmptySequencesPassThrough(t *testing.T) {
	tr := transformer.New(transformer.Config{Dim: 8, Heads: 2}, 1, 1, tensor.NewGenerator(1))
	for _, s := range [][2]int{{0, 3}, {4, 0}, {0, 0}} {
		src, tgt := randn(1, 2, s[0], 8), randn(2, 2, s[1], 8)
		out := tr.Forward(src, tgt, transformer.Masks{Target: attention.Mask{Causal: true}})
		if got := out.Shape(); got[0] != 2 || got[1] != s[1] || got[2] != 8 {
			t.Fatalf("source %d, target %d: output %v", s[0], s[1], got)
		}
		for _, v := range out.Float64s() {
			if math.IsNaN(v) {
				t.Fatalf("source %d, target %d: NaN in the output", s[0], s[1])
			}
		}
	}
}

func TestAModelBuiltForLoadingTrainsWithDropoutAfterSetGenerator(t *testing.T) {
	enc := transformer.NewEncoder(transformer.Config{Dim: 8, Heads: 2, Dropout: 0.1}, 2, true, nil)
	// Per layer: the attention module's generator, the feed-forward
	// dropout and the two residual dropouts.
	if n := nn.SetGenerator(enc, tensor.NewGenerator(1)); n != 2*4 {
		t.Fatalf("SetGenerator set %d generators, want 8", n)
	}
	nn.Train(enc)
	x := randn(1, 2, 3, 8).SetRequiresGrad(true)
	enc.Forward(x, attention.Mask{}).Sum().Backward()
	if x.Grad() == nil {
		t.Fatal("no gradient")
	}
}

func TestReorderedCachesDecodeLikeReorderedInputs(t *testing.T) {
	dec := transformer.NewDecoder(transformer.Config{Dim: 8, Heads: 2, NormFirst: true}, 2, true, tensor.NewGenerator(1))
	x, mem := randn(1, 2, 4, 8), randn(2, 2, 3, 8)
	// Decode 3 tokens for a batch of 2, then fork sequence 1 into two
	// beams and drop sequence 0: the cache becomes a batch of 2 copies of
	// sequence 1.
	var cache transformer.Cache
	dec.Forward(x.Narrow(1, 0, 3), mem, attention.Mask{Causal: true}, attention.Mask{}, &cache)
	idx := tensor.FromSlice([]int32{1, 1})
	cache.Reorder(idx)
	got := dec.Forward(x.Narrow(1, 3, 1).IndexSelect(0, idx), nil, attention.Mask{Causal: true}, attention.Mask{}, &cache)
	full := dec.Forward(x.IndexSelect(0, idx), mem.IndexSelect(0, idx), attention.Mask{Causal: true}, attention.Mask{}, nil)
	if e := nntest.RelErr(got, full.Narrow(1, 3, 1)); e > 1e-5 {
		t.Fatalf("decoding after Reorder differs by %g", e)
	}
}
