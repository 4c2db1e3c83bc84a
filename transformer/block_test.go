package transformer_test

import (
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
	"github.com/goformer/goformer/transformer"
)

// The two kinds of decoder-only block the model families build.
var blockConfigs = map[string]transformer.Config{
	"gpt2":  {Dim: 16, Heads: 4, Act: nn.GELUTanh, NormFirst: true},
	"llama": {Dim: 16, Heads: 4, KVHeads: 2, Hidden: 24, Gated: true, Act: nn.SiLU, RMSNorm: true, NoBias: true, SeparateQKV: true, Rotary: true, MaxLen: 32},
	"qwen2": {Dim: 16, Heads: 4, KVHeads: 1, Hidden: 24, Gated: true, Act: nn.SiLU, RMSNorm: true, NoBias: true, QKVBias: true, SeparateQKV: true, Rotary: true, MaxLen: 32},
}

func TestStackDecodesIncrementallyAsTheFullPass(t *testing.T) {
	for name, cfg := range blockConfigs {
		s := transformer.NewStack(cfg, 3, tensor.NewGenerator(1))
		x := randn(1, 2, 9, 16)
		causal := attention.Mask{Causal: true}
		full := s.Forward(x, nil, causal, nil)
		var cache transformer.Cache
		var parts []*tensor.Tensor
		for _, r := range [][2]int{{0, 4}, {4, 5}, {5, 7}, {7, 8}, {8, 9}} {
			parts = append(parts, s.Forward(x.Narrow(1, r[0], r[1]-r[0]), nil, causal, &cache))
		}
		if e := nntest.RelErr(tensor.Concat(1, parts...), full); e > 1e-5 {
			t.Errorf("%s: incremental decoding differs from the full pass by %g", name, e)
		}
		if cache.Len() != 9 {
			t.Errorf("%s: cache holds %d tokens, want 9", name, cache.Len())
		}
	}
}

func TestALeftPaddedRowGivesWhatItGivesAlone(t *testing.T) {
	for name, cfg := range blockConfigs {
		s := transformer.NewStack(cfg, 2, tensor.NewGenerator(2))
		// Row 0 has 6 tokens, row 1 has 4 behind 2 pads.
		x := randn(3, 2, 6, 16)
		keys := tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1}, 2, 6)
		pos := tensor.FromSlice([]int32{0, 1, 2, 3, 4, 5, 0, 0, 0, 1, 2, 3}, 2, 6)
		mask := attention.Mask{Causal: true, KeyMask: attention.Keep(keys)}
		var cache transformer.Cache
		batch := s.Forward(x.Narrow(1, 0, 5), pos.Narrow(1, 0, 5), attention.Mask{Causal: true, KeyMask: attention.Keep(keys.Narrow(1, 0, 5))}, &cache)
		last := s.Forward(x.Narrow(1, 5, 1), pos.Narrow(1, 5, 1), mask, &cache)
		batch = tensor.Concat(1, batch, last)
		alone := s.Forward(x.Narrow(0, 1, 1).Narrow(1, 2, 4), nil, attention.Mask{Causal: true}, nil)
		if e := nntest.RelErr(batch.Narrow(0, 1, 1).Narrow(1, 2, 4), alone); e > 1e-5 {
			t.Errorf("%s: the left-padded row differs from the row alone by %g", name, e)
		}
		first := s.Forward(x.Narrow(0, 0, 1), nil, attention.Mask{Causal: true}, nil)
		if e := nntest.RelErr(batch.Narrow(0, 0, 1), first); e > 1e-5 {
			t.Errorf("%s: the unpadded row differs from the row alone by %g", name, e)
		}
	}
}

func TestStackHiddenStatesAreTheBlocksOutputs(t *testing.T) {
	s := transformer.NewStack(blockConfigs["gpt2"], 3, tensor.NewGenerator(3))
	x := randn(4, 1, 5, 16)
	mask := attention.Mask{Causal: true}
	out, hidden := s.Hidden(x, nil, mask, nil)
	if len(hidden) != 4 {
		t.Fatalf("%d hidden states, want 4", len(hidden))
	}
	if nntest.RelErr(hidden[0], x) != 0 || nntest.RelErr(hidden[3], out) != 0 {
		t.Error("the first hidden state must be the input and the last the output")
	}
	h := x
	for i, l := range s.Layers[:2] {
		h = l.Forward(h, nil, mask, nil)
		if e := nntest.RelErr(hidden[i+1], h); e > 1e-6 {
			t.Errorf("hidden state %d differs from block %d's output by %g", i+1, i, e)
		}
	}
	if e := nntest.RelErr(s.Forward(x, nil, mask, nil), out); e != 0 {
		t.Errorf("Hidden and Forward differ by %g", e)
	}
}

func TestStackCacheReordersForBeamSearch(t *testing.T) {
	s := transformer.NewStack(blockConfigs["llama"], 2, tensor.NewGenerator(4))
	x := randn(5, 2, 4, 16)
	next := randn(6, 3, 1, 16)
	causal := attention.Mask{Causal: true}
	var cache transformer.Cache
	s.Forward(x, nil, causal, &cache)
	order := tensor.FromSlice([]int32{1, 0, 1}, 3)
	cache.Reorder(order)
	got := s.Forward(next, nil, causal, &cache)
	for i, src := range []int{1, 0, 1} {
		want := s.Forward(tensor.Concat(1, x.Narrow(0, src, 1), next.Narrow(0, i, 1)), nil, causal, nil).Narrow(1, 4, 1)
		if e := nntest.RelErr(got.Narrow(0, i, 1), want); e > 1e-5 {
			t.Errorf("row %d (from %d) differs by %g", i, src, e)
		}
	}
}

func TestBlockGradientsMatchFiniteDifferences(t *testing.T) {
	for name, cfg := range blockConfigs {
		cfg.Dim, cfg.Heads, cfg.Hidden = 8, 2, 12
		if cfg.KVHeads != 0 {
			cfg.KVHeads = 1
		}
		b := nn.Cast(transformer.NewBlock(cfg, tensor.NewGenerator(5)), tensor.Float64)
		x := randn(6, 2, 3, 8).As(tensor.Float64).SetRequiresGrad(true)
		mask := attention.Mask{Causal: true, KeyMask: attention.Keep(tensor.FromSlice([]int32{1, 1, 1, 0, 1, 1}, 2, 3))}
		pos := tensor.FromSlice([]int32{0, 1, 2, 0, 0, 1}, 2, 3)
		inputs := []*tensor.Tensor{x}
		for _, p := range nn.Params(b) {
			inputs = append(inputs, p.Tensor)
		}
		err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor { return b.Forward(in[0], pos, mask, nil) },
			inputs, gradcheck.Options{MaxElements: 12})
		if err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}

func TestBlockDropoutsFollowTheConfig(t *testing.T) {
	b := transformer.NewBlock(transformer.Config{Dim: 8, Heads: 2, AttnDropout: 0.1, ResidDropout: 0.2}, nil)
	if b.SelfAttn.Dropout != 0.1 || b.Dropout1.P != 0.2 || b.Dropout2.P != 0.2 || b.MLP.Dropout != nil {
		t.Errorf("attention %v, residual %v/%v, hidden %v", b.SelfAttn.Dropout, b.Dropout1.P, b.Dropout2.P, b.MLP.Dropout)
	}
	b = transformer.NewBlock(transformer.Config{Dim: 8, Heads: 2, Dropout: 0.3}, nil)
	if b.SelfAttn.Dropout != 0.3 || b.Dropout1.P != 0.3 || b.MLP.Dropout == nil {
		t.Errorf("one dropout for all: attention %v, residual %v, hidden %v", b.SelfAttn.Dropout, b.Dropout1.P, b.MLP.Dropout)
	}
}

func TestStackRejectsACacheOfAnotherStack(t *testing.T) {
	s := transformer.NewStack(blockConfigs["gpt2"], 2, tensor.NewGenerator(1))
	cache := transformer.Cache{Layers: make([]transformer.LayerCache, 3)}
	defer func() {
		if r := recover(); r == nil {
			t.Fatal("no panic")
		}
	}()
	s.Forward(randn(1, 1, 2, 16), nil, attention.Mask{Causal: true}, &cache)
}
