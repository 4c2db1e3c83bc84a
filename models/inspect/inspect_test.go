package inspect

import (
	"bytes"
	"errors"
	"image/png"
	"math"
	"os"
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

func tinyBERT(t *testing.T) *bert.Model {
	t.Helper()
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings = 50, 16, 2, 2, 32, 16
	return bert.New(c, tensor.NewGenerator(7))
}

// TestAttentionEqualsTheWeightsComputedByHand recomputes layer 0's
// weights from its projection and the embeddings' output, with the
// padding key masked, and compares every head.
func TestAttentionEqualsTheWeightsComputedByHand(t *testing.T) {
	m := tinyBERT(t)
	ids := tensor.FromSlice([]int32{2, 9, 17, 4, 0, 5, 6, 7, 8, 1}, 2, 5)
	mask := tensor.FromSlice([]int32{1, 1, 1, 1, 0, 1, 1, 1, 1, 1}, 2, 5)
	maps, err := Attention(m, func(v *bert.Model) error {
		v.Forward(bert.Input{IDs: ids, Mask: mask})
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// 2 layers × 1 call × 2 sequences × 2 heads, in that order.
	if len(maps) != 8 {
		t.Fatalf("%d maps, want 8", len(maps))
	}
	for i, mp := range maps {
		layer, seq, head := i/4, i/2%2, i%2
		if mp.Layer != layer || mp.Seq != seq || mp.Head != head || mp.Call != 0 || mp.Queries != 5 || mp.Keys != 5 {
			t.Fatalf("map %d is layer %d seq %d head %d call %d (%d×%d), want layer %d seq %d head %d call 0 (5×5)",
				i, mp.Layer, mp.Seq, mp.Head, mp.Call, mp.Queries, mp.Keys, layer, seq, head)
		}
		if want := []string{"encoder.layer.0.self_attn", "encoder.layer.1.self_attn"}[layer]; mp.Module != want {
			t.Fatalf("map %d of module %q, want %q", i, mp.Module, want)
		}
	}

	x := nn.Detached(m).Embeddings.Forward(ids, nil, nil).Float64s() // [2, 5, 16]
	a := m.Encoder.Layers[0].SelfAttn
	w, b := a.InProjWeight.Detach().Float64s(), a.InProjBias.Detach().Float64s() // [48, 16], [48]
	const d, dh = 16, 8
	proj := func(s, tok, row int) float64 {
		v := b[row]
		for k := range d {
			v += w[row*d+k] * x[(s*5+tok)*d+k]
		}
		return v
	}
	keep := mask.Int32s()
	for s := range 2 {
		for h := range 2 {
			got := maps[s*2+h]
			for i := range 5 {
				scores := make([]float64, 5)
				hi := math.Inf(-1)
				for j := range 5 {
					if keep[s*5+j] == 0 {
						scores[j] = math.Inf(-1)
						continue
					}
					for e := range dh {
						scores[j] += proj(s, i, h*dh+e) * proj(s, j, d+h*dh+e)
					}
					scores[j] /= math.Sqrt(dh)
					hi = math.Max(hi, scores[j])
				}
				sum := 0.0
				for j := range scores {
					scores[j] = math.Exp(scores[j] - hi)
					sum += scores[j]
				}
				for j := range scores {
					if want := scores[j] / sum; math.Abs(float64(got.At(i, j))-want) > 1e-5 {
						t.Fatalf("seq %d head %d: weight (%d, %d) = %v, want %v", s, h, i, j, got.At(i, j), want)
					}
				}
			}
		}
	}
	if a.OnWeights != nil {
		t.Fatal("Attention left a hook on the model's own attention module")
	}
}

func TestAttentionRecordsEachDecodingStepOfAGPT(t *testing.T) {
	c, _ := gpt.Size("tiny")
	c.VocabSize, c.NPositions, c.NEmbd, c.NLayer, c.NHead = 30, 16, 16, 2, 2
	m := gpt.NewLMHeadModel(c, tensor.NewGenerator(3))
	maps, err := Attention(m, func(v *gpt.LMHeadModel) error {
		cache := v.NewCache(1)
		v.Step(tensor.FromSlice([]int32{1, 2, 3}, 1, 3), nil, cache)
		v.Step(tensor.FromSlice([]int32{4}, 1, 1), nil, cache)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(maps) != 2*2*2 { // layers × steps × heads
		t.Fatalf("%d maps, want 8", len(maps))
	}
	for _, mp := range maps {
		wantQ, wantK := 3, 3
		if mp.Call == 1 {
			wantQ, wantK = 1, 4
		}
		if mp.Queries != wantQ || mp.Keys != wantK {
			t.Fatalf("%s call %d: %d×%d, want %d×%d", mp.Name(), mp.Call, mp.Queries, mp.Keys, wantQ, wantK)
		}
		for i := range mp.Queries {
			sum := 0.0
			for j := range mp.Keys {
				sum += float64(mp.At(i, j))
				if mp.Call == 0 && j > i && mp.At(i, j) != 0 {
					t.Fatalf("%s: query %d sees the later key %d (%v)", mp.Name(), i, j, mp.At(i, j))
				}
			}
			if math.Abs(sum-1) > 1e-5 {
				t.Fatalf("%s: row %d sums to %v", mp.Name(), i, sum)
			}
		}
	}
	if got := maps[len(maps)-1].Name(); got != "layer01_head1_call1" {
		t.Fatalf("last map named %q", got)
	}
}

func TestAttentionErrors(t *testing.T) {
	m := tinyBERT(t)
	boom := errors.New("boom")
	if _, err := Attention(m, func(*bert.Model) error { return boom }); err != boom {
		t.Errorf("run's error: got %v", err)
	}
	if _, err := Attention(m, func(*bert.Model) error { return nil }); !errors.Is(err, ErrNoAttention) {
		t.Errorf("no forward pass: got %v, want ErrNoAttention", err)
	}
	if _, err := Attention(nn.NewLinear(2, 2, true, nil), func(*nn.Linear) error { return nil }); !errors.Is(err, ErrNoAttention) {
		t.Errorf("a model without attention: got %v, want ErrNoAttention", err)
	}
}

func TestHeatMapWritesAPNGGrowingWithTheTokens(t *testing.T) {
	m := tinyBERT(t)
	ids := tensor.FromSlice([]int32{2, 9, 17, 4, 3}, 1, 5)
	maps, err := Attention(m, func(v *bert.Model) error { v.Forward(bert.Input{IDs: ids}); return nil })
	if err != nil {
		t.Fatal(err)
	}
	toks := []string{"[CLS]", "the", "cat", "sat", "[SEP]"}
	var small bytes.Buffer
	if err := HeatMap(&small, maps[0], HeatMapOptions{Queries: toks, Keys: toks}); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&small)
	if err != nil {
		t.Fatal(err)
	}
	big := Map{Module: "x", Queries: 40, Keys: 40, Weights: make([]float32, 1600)}
	var large bytes.Buffer
	if err := HeatMap(&large, big, HeatMapOptions{}); err != nil {
		t.Fatal(err)
	}
	img2, err := png.Decode(&large)
	if err != nil {
		t.Fatal(err)
	}
	if b1, b2 := img.Bounds(), img2.Bounds(); b2.Dx() <= b1.Dx() || b2.Dy() <= b1.Dy() {
		t.Fatalf("40 tokens give %v, 5 tokens %v: the image does not grow", b2, b1)
	}

	for name, tc := range map[string]struct {
		m Map
		o HeatMapOptions
	}{
		"too few query labels":      {maps[0], HeatMapOptions{Queries: toks[:4]}},
		"too many key labels":       {maps[0], HeatMapOptions{Keys: append(toks, "x")}},
		"an empty map":              {Map{}, HeatMapOptions{}},
		"weights of the wrong size": {Map{Queries: 2, Keys: 2, Weights: make([]float32, 3)}, HeatMapOptions{}},
	} {
		if err := HeatMap(&bytes.Buffer{}, tc.m, tc.o); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestSaveHeatMapsNamesOneFilePerLayerAndHead(t *testing.T) {
	m := tinyBERT(t)
	ids := tensor.FromSlice([]int32{2, 9, 3}, 1, 3)
	maps, err := Attention(m, func(v *bert.Model) error { v.Forward(bert.Input{IDs: ids}); return nil })
	if err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "maps")
	paths, err := SaveHeatMaps(dir, maps, HeatMapOptions{Queries: []string{"a", "b", "c"}, Keys: []string{"a", "b", "c"}})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"layer00_head0.png", "layer00_head1.png", "layer01_head0.png", "layer01_head1.png"}
	if len(paths) != len(want) {
		t.Fatalf("wrote %v", paths)
	}
	for i, p := range paths {
		if filepath.Base(p) != want[i] {
			t.Errorf("file %d is %s, want %s", i, filepath.Base(p), want[i])
		}
		f, err := os.Open(p)
		if err != nil {
			t.Fatal(err)
		}
		_, err = png.Decode(f)
		f.Close()
		if err != nil {
			t.Errorf("%s: %v", p, err)
		}
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != len(want) {
		t.Errorf("the folder holds %d files, want %d (no temporary files left)", len(entries), len(want))
	}
}
