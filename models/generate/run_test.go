package generate_test

import (
	"context"
	"slices"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/gentest"
	"github.com/goformer/goformer/tensor"
)

// TestRunsWithTheirOwnOptionsShareABatch drives two Runs with different
// options through one batch of the model, as a server batching requests
// would: each gives what Generate gives it alone.
func TestRunsWithTheirOwnOptionsShareABatch(t *testing.T) {
	m := gentest.NewTable(32, 64, 7)
	prompts := [][]int{{5, 9, 3}, {12, 3}}
	opts := []generate.Options{
		{MaxNewTokens: 9, StopTokens: []int{1}},
		{MaxNewTokens: 12, Temperature: 0.9, TopK: 8, Seed: 42, RepetitionPenalty: 1.3},
	}
	runs := make([]*generate.Run, len(prompts))
	for i := range prompts {
		r, err := generate.NewRun(m, prompts[i], opts[i], 0)
		if err != nil {
			t.Fatal(err)
		}
		runs[i] = r
	}
	// Both prompts' rows, left-padded to 3.
	cache := m.NewCache(2)
	logits := m.Step(tensor.FromSlice([]int32{5, 9, 3, 0, 12, 3}, 2, 3), tensor.FromSlice([]int32{1, 1, 1, 0, 1, 1}, 2, 3), cache)
	mask := [][]int32{{1, 1, 1}, {0, 1, 1}}
	for !runs[0].Done() || !runs[1].Done() {
		lf := logits.Float32s()
		var ids, flat []int32
		for i, r := range runs {
			if !r.Done() {
				if _, err := r.Next(lf[i*32 : (i+1)*32]); err != nil {
					t.Fatal(err)
				}
			}
			// A finished row keeps stepping on its last token, its
			// results ignored.
			ids = append(ids, int32(r.Last()))
			mask[i] = append(mask[i], 1)
			flat = append(flat, mask[i]...)
		}
		logits = m.Step(tensor.FromSlice(ids, 2, 1), tensor.FromSlice(flat, 2, len(mask[0])), cache)
	}
	for i, r := range runs {
		want, err := generate.Generate(context.Background(), gentest.NewTable(32, 64, 7), prompts[i:i+1], opts[i])
		if err != nil {
			t.Fatal(err)
		}
		if got := r.Sequence(); !slices.Equal(got.Tokens, want[0][0].Tokens) || got.Finish != want[0][0].Finish {
			t.Errorf("run %d: %v (%v), want %v (%v)", i, got.Tokens, got.Finish, want[0][0].Tokens, want[0][0].Finish)
		}
	}
	if _, err := runs[0].Next(make([]float32, 32)); err == nil {
		t.Error("Next after the end gave no error")
	}
}

func TestNewRunErrors(t *testing.T) {
	m := gentest.NewTable(32, 8, 1)
	for name, c := range map[string]struct {
		prompt []int
		o      generate.Options
		sample int
	}{
		"beam search":       {[]int{1}, generate.Options{Beams: 3}, 0},
		"a bad option":      {[]int{1}, generate.Options{TopP: 2}, 0},
		"an empty prompt":   {nil, generate.Options{}, 0},
		"a prompt too long": {make([]int, 8), generate.Options{}, 0},
		"a negative sample": {[]int{1}, generate.Options{}, -1},
	} {
		if _, err := generate.NewRun(m, c.prompt, c.o, c.sample); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	r, err := generate.NewRun(m, []int{4, 7}, generate.Options{}, 0)
	if err != nil || r.Last() != 7 || r.Done() {
		t.Errorf("a new Run: %v, last %d, done %v", err, r.Last(), r.Done())
	}
}
