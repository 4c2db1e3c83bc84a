package seq2seq_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// The fixtures come from testdata/gen_seq2seq.py: tiny random T5 v1.0 and
// v1.1 models written in plain torch with Hugging Face's names and
// formulas, and the original Transformer on torch's own layers, each with
// a padded batch, its encoder output, logits, loss, every parameter's
// gradient and a greedy decoding.
var fixtures = []string{"t5-v1.0", "t5-v1.1", "transformer-postln", "transformer-preln"}

const (
	logitTol = 1e-4
	gradTol  = 1e-3
)

// reference holds a fixture's expected values.
type reference map[string]*tensor.Tensor

func loadReference(t *testing.T, name string) reference {
	t.Helper()
	return nntest.ReadTensors(t, filepath.Join("testdata", name+".ref.safetensors"))
}

// checkName returns the checkpoint name of a parameter of m.
func checkName(t *testing.T, m seq2seq.Model, name string) string {
	t.Helper()
	if t5, ok := m.(*seq2seq.T5); ok {
		return seq2seq.T5Layout(t5.Config).CheckpointName(name)
	}
	return seq2seq.TransformerLayout.CheckpointName(name)
}

func TestMatchesReference(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m, err := seq2seq.LoadDir(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			ref := loadReference(t, name)
			sp := m.Special()
			if got := seq2seq.ShiftRight(ref["labels"], sp.DecoderStart, sp.Pad); !slices.Equal(got.Int32s(), ref["decoder_input_ids"].Int32s()) {
				t.Errorf("ShiftRight = %v, want %v", got.Int32s(), ref["decoder_input_ids"].Int32s())
			}
			out := seq2seq.Forward(m, seq2seq.Inputs{IDs: ref["input_ids"], Mask: ref["attention_mask"], Labels: ref["labels"]})
			for _, c := range []struct {
				what      string
				got, want *tensor.Tensor
			}{
				{"encoder output", out.Encoded, ref["encoder_out"]},
				{"logits", out.Logits, ref["logits"]},
				{"loss", out.Loss, ref["loss"]},
			} {
				if e := nntest.RelErr(c.got.Detach(), c.want); e > logitTol {
					t.Errorf("%s: relative error %.3g > %g", c.what, e, logitTol)
				} else {
					t.Logf("%s: relative error %.3g", c.what, e)
				}
			}
			out.Loss.Backward()
			worst, seen := 0.0, map[string]bool{}
			for _, p := range nn.Params(m) {
				hf := checkName(t, m, p.Name)
				want := ref["grad."+hf]
				if want == nil {
					t.Errorf("%s (%s): no reference gradient", p.Name, hf)
					continue
				}
				seen[hf] = true
				if p.Tensor.Grad() == nil {
					t.Errorf("%s: no gradient", hf)
					continue
				}
				e := nntest.RelErr(p.Tensor.Grad(), want)
				worst = max(worst, e)
				if e > gradTol {
					t.Errorf("gradient of %s: relative error %.3g > %g", hf, e, gradTol)
				}
			}
			for n := range ref {
				if hf, ok := strings.CutPrefix(n, "grad."); ok && !seen[hf] {
					t.Errorf("reference gradient %s matches no parameter", hf)
				}
			}
			t.Logf("gradients: largest relative error %.3g over %d parameters", worst, len(seen))
		})
	}
}

// greedyUncached decodes by running the decoder over the whole prefix at
// every step, without a cache.
func greedyUncached(m seq2seq.Model, ids, mask *tensor.Tensor, steps int) [][]int32 {
	memory := m.Encode(ids, mask)
	b := ids.Dim(0)
	out := make([][]int32, b)
	prefix := make([]int32, b)
	for i := range prefix {
		prefix[i] = int32(m.Special().DecoderStart)
	}
	n := 1
	for range steps {
		logits := m.Decode(tensor.FromSlice(prefix, b, n), nil, memory, mask, nil)
		next := logits.Select(1, n-1).ArgMax(-1).Int32s()
		grown := make([]int32, 0, b*(n+1))
		for i := range b {
			grown = append(grown, prefix[i*n:(i+1)*n]...)
			grown = append(grown, next[i])
			out[i] = append(out[i], next[i])
		}
		prefix, n = grown, n+1
	}
	return out
}

// greedyCached decodes one token per step through Bind's generate.Model.
func greedyCached(m seq2seq.Model, ids, mask *tensor.Tensor, steps int) [][]int32 {
	bound := seq2seq.Bind(m, ids, mask)
	b := ids.Dim(0)
	cache := bound.NewCache(b)
	next := make([]int32, b)
	for i := range next {
		next[i] = int32(m.Special().DecoderStart)
	}
	out := make([][]int32, b)
	for range steps {
		logits := bound.Step(tensor.FromSlice(next, b, 1), nil, cache)
		next = logits.ArgMax(-1).Int32s()
		for i := range b {
			out[i] = append(out[i], next[i])
		}
	}
	return out
}

func rows(t *tensor.Tensor) [][]int32 {
	b, n := t.Dim(0), t.Dim(1)
	v := t.Int32s()
	out := make([][]int32, b)
	for i := range b {
		out[i] = v[i*n : (i+1)*n]
	}
	return out
}

func TestGreedyMatchesReference(t *testing.T) {
	for _, name := range fixtures {
		t.Run(name, func(t *testing.T) {
			m, err := seq2seq.LoadDir(filepath.Join("testdata", name))
			if err != nil {
				t.Fatal(err)
			}
			nn.Freeze(m)
			ref := loadReference(t, name)
			want := rows(ref["greedy"])
			steps := ref["greedy"].Dim(1)
			ids, mask := ref["input_ids"], ref["attention_mask"]
			if got := greedyUncached(m, ids, mask, steps); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("uncached greedy = %v, want %v", got, want)
			}
			if got := greedyCached(m, ids, mask, steps); !slices.EqualFunc(got, want, slices.Equal) {
				t.Errorf("cached greedy = %v, want %v", got, want)
			}
		})
	}
}

func TestRelativePositionBucketMatchesReference(t *testing.T) {
	f, err := safetensors.Open("testdata/t5_buckets.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	relT, err := f.Tensor("relative_position")
	if err != nil {
		t.Fatal(err)
	}
	rel := relT.Int32s()
	n := 0
	for _, key := range f.Names() {
		var bi bool
		var nb, md int
		switch {
		case key == "relative_position":
			continue
		case strings.HasPrefix(key, "bidirectional."):
			bi = true
		case strings.HasPrefix(key, "causal."):
		default:
			t.Fatalf("unknown entry %s", key)
		}
		parts := strings.Split(key, ".")
		nb, md = atoi(t, parts[1]), atoi(t, parts[2])
		want, err := f.Tensor(key)
		if err != nil {
			t.Fatal(err)
		}
		for i, w := range want.Int32s() {
			if got := seq2seq.RelativePositionBucket(int(rel[i]), bi, nb, md); got != int(w) {
				t.Errorf("%s: bucket of %d = %d, want %d", key, rel[i], got, w)
			}
		}
		n++
	}
	if n != 6 {
		t.Errorf("%d bucket tables, want 6", n)
	}
}

func atoi(t *testing.T, s string) int {
	t.Helper()
	n := 0
	for _, r := range s {
		if r < '0' || r > '9' {
			t.Fatalf("bad number %q", s)
		}
		n = 10*n + int(r-'0')
	}
	return n
}
