package seq2seq_test

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
)

// Toy vocabulary: padding, start, end, then symbols.
const (
	toyPad, toyStart, toyEOS = 0, 1, 2
	toySymbols               = 10
	toyVocab                 = 3 + toySymbols
)

// reverseBatch returns n random sequences of 3 to maxLen symbols as
// right-padded sources with their mask, and their reversals (then EOS) as
// labels padded with IgnoreIndex.
func reverseBatch(rng *rand.Rand, n, maxLen int) (src, mask, labels *tensor.Tensor, seqs [][]int32) {
	s, t := maxLen+1, maxLen+1
	ids := make([]int32, n*s)
	m := make([]int32, n*s)
	lab := make([]int32, n*t)
	for i := range lab {
		lab[i] = seq2seq.IgnoreIndex
	}
	for i := range n {
		l := 3 + rng.IntN(maxLen-2)
		seq := make([]int32, l)
		for j := range seq {
			seq[j] = int32(3 + rng.IntN(toySymbols))
			ids[i*s+j], m[i*s+j] = seq[j], 1
			lab[i*t+l-1-j] = seq[j]
		}
		ids[i*s+l], m[i*s+l] = toyEOS, 1
		lab[i*t+l] = toyEOS
		seqs = append(seqs, seq)
	}
	return tensor.FromSlice(ids, n, s), tensor.FromSlice(m, n, s), tensor.FromSlice(lab, n, t), seqs
}

// newAdamW returns AdamW over the model's trainable parameters with a
// learning rate lr scaled by schedule (nil: constant).
func newAdamW(model any, lr float64, schedule func(step int) float64) *optim.Optimizer {
	o := optim.New(optim.AdamW{Beta2: 0.98, Eps: 1e-9}, optim.DefaultGroups(nn.Trainable(model), lr, 0.01)...)
	if schedule != nil {
		o.Schedule = optim.ScheduleFunc(schedule)
	}
	return o
}

// trainStep runs one teacher-forced step and returns the loss.
func trainStep(t *testing.T, m seq2seq.Model, o *optim.Optimizer, in seq2seq.Inputs) float64 {
	t.Helper()
	out := seq2seq.Forward(m, in)
	out.Loss.Backward()
	o.Step()
	o.ZeroGrad()
	l := out.Loss.Item()
	if math.IsNaN(l) || math.IsInf(l, 0) {
		t.Fatalf("step %d: loss %v", o.Steps(), l)
	}
	return l
}

// greedyUntilEOS decodes a batch with the cache until every row has
// produced EOS (or maxLen tokens), and returns each row up to its EOS.
func greedyUntilEOS(m seq2seq.Model, src, mask *tensor.Tensor, maxLen int) [][]int32 {
	b := src.Dim(0)
	bound := seq2seq.Bind(m, src, mask)
	cache := bound.NewCache(b)
	next := slices.Repeat([]int32{int32(m.Special().DecoderStart)}, b)
	out := make([][]int32, b)
	done := make([]bool, b)
	for range maxLen {
		next = bound.Step(tensor.FromSlice(next, b, 1), nil, cache).ArgMax(-1).Int32s()
		all := true
		for i, tok := range next {
			if tok == int32(m.Special().EOS) {
				done[i] = true
			}
			if !done[i] {
				out[i] = append(out[i], tok)
				all = false
			}
		}
		if all {
			break
		}
	}
	return out
}

// TestTransformerLearnsToReverse trains a small Transformer with teacher
// forcing to reverse sequences of symbols, then decodes unseen sequences
// with the cache and counts the exact reversals.
func TestTransformerLearnsToReverse(t *testing.T) {
	const maxLen, steps = 6, 300
	m := seq2seq.NewTransformer(seq2seq.TransformerConfig{
		VocabSize: toyVocab, Dim: 32, Heads: 4, Hidden: 64, EncoderLayers: 2, DecoderLayers: 2,
		MaxLen: 16, Dropout: 0, NormFirst: true,
		PadTokenID: toyPad, BOSTokenID: toyStart, EOSTokenID: toyEOS, DecoderStart: toyStart,
	}, tensor.NewGenerator(1))
	o := newAdamW(m, 5e-3, func(step int) float64 {
		return min(1, float64(step+1)/20) * (0.55 + 0.45*math.Cos(math.Pi*float64(step)/steps))
	})
	rng := rand.New(rand.NewPCG(1, 2))
	nn.Train(m)
	var first, last float64
	for step := range steps {
		src, mask, labels, _ := reverseBatch(rng, 32, maxLen)
		l := trainStep(t, m, o, seq2seq.Inputs{IDs: src, Mask: mask, Labels: labels})
		if step == 0 {
			first = l
		}
		last = l
	}
	nn.Eval(m)
	nn.Freeze(m)
	src, mask, _, seqs := reverseBatch(rand.New(rand.NewPCG(9, 9)), 64, maxLen)
	got := greedyUntilEOS(m, src, mask, maxLen+2)
	right := 0
	for i, s := range seqs {
		want := slices.Clone(s)
		slices.Reverse(want)
		if slices.Equal(got[i], want) {
			right++
		}
	}
	t.Logf("cross-entropy %.3f → %.3f (chance %.3f); %d of %d unseen sequences reversed exactly", first, last, math.Log(toyVocab), right, len(seqs))
	if last > 0.2 || right < len(seqs)*9/10 {
		t.Fatalf("the model did not learn to reverse: loss %.3f → %.3f, %d of %d reversed", first, last, right, len(seqs))
	}
}

// TestT5TrainsWithDropout trains a small T5 v1.1 (gated GELU, untied
// head, relative positions) from scratch with dropout on, to reverse
// sequences: the loss on unseen sequences must fall well below chance.
func TestT5TrainsWithDropout(t *testing.T) {
	const maxLen, steps = 5, 200
	c := seq2seq.DefaultT5Config()
	untied := false
	c.VocabSize, c.DModel, c.DKV, c.DFF, c.NumHeads, c.NumLayers = toyVocab, 32, 8, 64, 4, 2
	c.NumBuckets, c.MaxDistance, c.FeedForwardProj, c.TieWordEmbeddings = 32, 64, "gated-gelu", &untied
	c.PadTokenID, c.EOSTokenID = toyPad, toyEOS
	start := toyStart
	c.DecoderStartTokenID = &start
	c.InitFactor = 0.2 // smaller initial logits than T5's N(0, 1) head: faster to train here
	m := seq2seq.NewT5(c, tensor.NewGenerator(3))
	o := newAdamW(m, 1e-2, nil)
	rng := rand.New(rand.NewPCG(3, 4))
	nn.Train(m)
	var first, last float64
	for step := range steps {
		src, mask, labels, _ := reverseBatch(rng, 32, maxLen)
		l := trainStep(t, m, o, seq2seq.Inputs{IDs: src, Mask: mask, Labels: labels})
		if step == 0 {
			first = l
		}
		last = l
	}
	// The loss on unseen sequences, without dropout.
	eval := nn.Detached(m)
	nn.Eval(eval)
	src, mask, labels, _ := reverseBatch(rand.New(rand.NewPCG(9, 9)), 64, maxLen)
	held := seq2seq.Forward(eval, seq2seq.Inputs{IDs: src, Mask: mask, Labels: labels}).Loss.Item()
	t.Logf("cross-entropy %.3f → %.3f in training, %.3f on unseen sequences (chance %.3f)", first, last, held, math.Log(toyVocab))
	if held > 0.5 {
		t.Fatalf("cross-entropy %.3f on unseen sequences: T5 did not learn", held)
	}
}

func TestCollate(t *testing.T) {
	in, err := seq2seq.Collate([][]int{{5, 6, 2}, {7, 2}}, [][]int{{8, 2}, {9, 10, 11, 2}}, 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		what      string
		got, want []int32
	}{
		{"ids", in.IDs.Int32s(), []int32{5, 6, 2, 7, 2, 0}},
		{"mask", in.Mask.Int32s(), []int32{1, 1, 1, 1, 1, 0}},
		{"labels", in.Labels.Int32s(), []int32{8, 2, -100, -100, 9, 10, 11, 2}},
	} {
		if !slices.Equal(c.got, c.want) {
			t.Errorf("%s = %v, want %v", c.what, c.got, c.want)
		}
	}
	if in, err := seq2seq.Collate([][]int{{4, 2}}, nil, 0); err != nil || in.Labels != nil {
		t.Errorf("sources alone: %v, %v", in, err)
	}
	for name, c := range map[string]struct{ src, tgt [][]int }{
		"no sources":           {nil, nil},
		"an empty source":      {[][]int{{4}, {}}, nil},
		"fewer targets":        {[][]int{{4}, {5}}, [][]int{{6}}},
		"a negative id":        {[][]int{{4, -3}}, nil},
		"an id beyond int32":   {[][]int{{4, 1 << 40}}, nil},
		"a negative target id": {[][]int{{4}}, [][]int{{-1}}},
	} {
		if _, err := seq2seq.Collate(c.src, c.tgt, 0); err == nil {
			t.Errorf("%s: no error", name)
		} else {
			t.Logf("%s: %v", name, err)
		}
	}
}
