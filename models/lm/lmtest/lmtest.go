// Package lmtest checks what every decoder-only language model of
// goformer must do: match its reference's fixtures (logits, hidden
// states, loss, gradients), decode with a KV cache exactly as without
// one, give a left-padded row what it gives alone, and follow its cache's
// reordering for beam search. Model families call it from their tests.
package lmtest

import (
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// Model is a decoder-only language model of a family.
type Model interface {
	generate.Model
	Forward(in lm.Inputs) lm.Output
}

// tol bounds the relative difference of logits computed two ways in
// float32.
const tol = 1e-4

func randomIDs(rng *rand.Rand, vocab, n int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(rng.IntN(vocab))
	}
	return ids
}

func argmax(row []float32) int32 {
	best := 0
	for i, v := range row {
		if v > row[best] {
			best = i
		}
	}
	return int32(best)
}

// CachedDecodingEqualsFullPasses decodes greedily for steps tokens after a
// prompt of promptLen random tokens, once with the KV cache (Step) and
// once running Forward over the whole sequence at every step, and checks
// that the tokens are the same and the logits close.
func CachedDecodingEqualsFullPasses(t *testing.T, m Model, vocab, promptLen, steps int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	seq := randomIDs(rng, vocab, promptLen)
	cache := m.NewCache(1)
	next := tensor.FromSlice(append([]int32(nil), seq...), 1, promptLen)
	for step := range steps {
		cached := m.Step(next, nil, cache)
		full := m.Forward(lm.Inputs{IDs: tensor.FromSlice(seq, 1, len(seq))}).Logits.Select(1, len(seq)-1)
		if e := nntest.RelErr(cached, full); e > tol {
			t.Fatalf("step %d: cached and full logits differ by %g", step, e)
		}
		a, b := argmax(cached.Float32s()), argmax(full.Float32s())
		if a != b {
			t.Fatalf("step %d: cached decoding picks %d, the full pass %d", step, a, b)
		}
		if cache.Len() != len(seq) {
			t.Fatalf("step %d: cache holds %d positions, want %d", step, cache.Len(), len(seq))
		}
		seq = append(seq, a)
		next = tensor.FromSlice([]int32{a}, 1, 1)
	}
}

// LeftPaddedBatchEqualsRowsAlone decodes a batch of prompts of different
// lengths, left-padded with pad, for steps greedy steps (the last
// position's logits of every row at every step), and checks each row
// against the same row decoded alone.
func LeftPaddedBatchEqualsRowsAlone(t *testing.T, m Model, vocab int, pad int32, lengths []int, steps int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(3, 4))
	width := 0
	for _, n := range lengths {
		width = max(width, n)
	}
	b := len(lengths)
	ids := make([]int32, b*width)
	mask := make([]int32, b*width)
	prompts := make([][]int32, b)
	for r, n := range lengths {
		prompts[r] = randomIDs(rng, vocab, n)
		for j := range width {
			ids[r*width+j] = pad
			if k := j - (width - n); k >= 0 {
				ids[r*width+j], mask[r*width+j] = prompts[r][k], 1
			}
		}
	}
	batchCache := m.NewCache(b)
	alone := make([]generate.Cache, b)
	aloneNext := make([]*tensor.Tensor, b)
	for r := range b {
		alone[r] = m.NewCache(1)
		aloneNext[r] = tensor.FromSlice(prompts[r], 1, len(prompts[r]))
	}
	next := tensor.FromSlice(ids, b, width)
	for step := range steps {
		logits := m.Step(next, tensor.FromSlice(mask, b, len(mask)/b), batchCache)
		chosen := make([]int32, b)
		for r := range b {
			want := m.Step(aloneNext[r], nil, alone[r])
			got := logits.Narrow(0, r, 1)
			if e := nntest.RelErr(got, want); e > tol {
				t.Fatalf("step %d, row %d (%d tokens): batched and lone logits differ by %g", step, r, lengths[r], e)
			}
			chosen[r] = argmax(want.Float32s())
			if argmax(got.Float32s()) != chosen[r] {
				t.Fatalf("step %d, row %d: the batch picks %d, the row alone %d", step, r, argmax(got.Float32s()), chosen[r])
			}
			aloneNext[r] = tensor.FromSlice([]int32{chosen[r]}, 1, 1)
		}
		// Every row gets one more token and one more mask column.
		n := len(mask) / b
		grown := make([]int32, 0, b*(n+1))
		for r := range b {
			grown = append(append(grown, mask[r*n:(r+1)*n]...), 1)
		}
		mask = grown
		next = tensor.FromSlice(chosen, b, 1)
	}
}

// ReorderedCacheContinuesTheChosenRows runs a batch of two prompts, keeps
// rows 1, 1 and 0 of the cache (as beam search forks and drops beams) and
// checks that the next step continues each from its source row.
func ReorderedCacheContinuesTheChosenRows(t *testing.T, m Model, vocab, promptLen int) {
	t.Helper()
	rng := rand.New(rand.NewPCG(5, 6))
	prompt := randomIDs(rng, vocab, 2*promptLen)
	cache := m.NewCache(2)
	m.Step(tensor.FromSlice(prompt, 2, promptLen), nil, cache)
	order := []int32{1, 1, 0}
	cache.Reorder(tensor.FromSlice(order, 3))
	next := randomIDs(rng, vocab, 3)
	got := m.Step(tensor.FromSlice(next, 3, 1), nil, cache)
	for i, src := range order {
		seq := append(append([]int32(nil), prompt[int(src)*promptLen:int(src+1)*promptLen]...), next[i])
		want := m.Forward(lm.Inputs{IDs: tensor.FromSlice(seq, 1, len(seq))}).Logits.Select(1, len(seq)-1)
		if e := nntest.RelErr(got.Narrow(0, i, 1), want); e > tol {
			t.Fatalf("row %d (from %d): logits differ by %g", i, src, e)
		}
	}
}

// Masked zeroes the positions of x [B, T, ...] where mask [B, T] is 0:
// padding, whose outputs a reference computes at other positions.
func Masked(x, mask *tensor.Tensor) *tensor.Tensor {
	m := mask.As(x.DType()).Detach()
	for m.Rank() < x.Rank() {
		m = m.Unsqueeze(-1)
	}
	return x.Detach().Mul(m)
}

// MatchesReference runs m over a reference's inputs ("in.ids", "in.mask",
// "in.labels") with its hidden states, checks the logits, the layers+1
// hidden states (at the positions the mask keeps) and the loss against
// the reference's "out.logits", "out.hidden.N" and "out.loss", and
// returns the output, whose loss the caller may run backward.
func MatchesReference(t *testing.T, m Model, ref map[string]*tensor.Tensor, layers int) lm.Output {
	t.Helper()
	mask := ref["in.mask"]
	out := m.Forward(lm.Inputs{IDs: ref["in.ids"], Mask: mask, Labels: ref["in.labels"], Hidden: true})
	e := nntest.Close(t, "logits", Masked(out.Logits, mask), Masked(ref["out.logits"], mask), 1e-4)
	if len(out.Hidden) != layers+1 {
		t.Fatalf("%d hidden states, want %d", len(out.Hidden), layers+1)
	}
	for i, h := range out.Hidden {
		nntest.Close(t, fmt.Sprintf("hidden state %d", i), Masked(h, mask), Masked(ref[fmt.Sprintf("out.hidden.%d", i)], mask), 1e-4)
	}
	nntest.Close(t, "loss", out.Loss, ref["out.loss"], 1e-5)
	t.Logf("logits error %.2g", e)
	return out
}

// GradientsMatch checks the gradient of every parameter of m against the
// reference's gradients in the safetensors file path, stored under a
// checkpoint's names: they are read through layout into ref, a model of
// m's shape.
func GradientsMatch(t *testing.T, m, ref any, layout *hub.Layout, path string) {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := hub.LoadFiles(ref, layout, []*safetensors.File{f}, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	want := map[string]*tensor.Tensor{}
	for _, p := range nn.Params(ref) {
		want[p.Name] = p.Tensor
	}
	worst := 0.0
	for _, p := range nn.Params(m) {
		if p.Tensor.Grad() == nil {
			t.Errorf("%s: no gradient", p.Name)
			continue
		}
		worst = max(worst, nntest.Close(t, "gradient of "+p.Name, p.Tensor.Grad(), want[p.Name], 1e-3))
	}
	t.Logf("largest gradient error %.2g", worst)
}

// SavesAsTheFixture calls save (a model loaded from the fixture directory
// saving itself to dir) and checks that the model.safetensors it writes
// holds the tensors of the fixture's: the same names, shapes and dtypes.
// The fixtures' generator scripts write them as Hugging Face's
// save_pretrained does (its names, layouts and the tied weights left out).
func SavesAsTheFixture(t *testing.T, fixture string, save func(dir string) error) {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "saved")
	if err := save(dir); err != nil {
		t.Fatal(err)
	}
	want := nntest.ReadTensors(t, filepath.Join(fixture, "model.safetensors"))
	got := nntest.ReadTensors(t, filepath.Join(dir, "model.safetensors"))
	for n, w := range want {
		g, ok := got[n]
		switch {
		case !ok:
			t.Errorf("%s: not saved", n)
		case !g.SameShape(w) || g.DType() != w.DType():
			t.Errorf("%s: saved %s %v, the fixture holds %s %v", n, g.DType(), g.Shape(), w.DType(), w.Shape())
		}
	}
	for n := range got {
		if _, ok := want[n]; !ok {
			t.Errorf("%s: saved, but not in the fixture", n)
		}
	}
}
