package lm_test

import (
	"strings"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

func tinyGPT(t *testing.T) *gpt.LMHeadModel {
	t.Helper()
	c, err := gpt.Size("tiny")
	if err != nil {
		t.Fatal(err)
	}
	c.VocabSize, c.NPositions, c.NEmbd = 61, 64, 32
	return nn.Detached(gpt.NewLMHeadModel(c, tensor.NewGenerator(11)))
}

// lone decodes prompt alone for steps greedy tokens and returns the
// logits of every step.
func lone(m *gpt.LMHeadModel, prompt []int32, steps int) [][]float32 {
	cache := m.NewCache(1)
	logits := m.Step(tensor.FromSlice(prompt, 1, len(prompt)), nil, cache)
	var out [][]float32
	for range steps {
		row := logits.Float32s()
		out = append(out, row)
		next := int32(generate.Argmax(row))
		logits = m.Step(tensor.FromSlice([]int32{next}, 1, 1), nil, cache)
	}
	return out
}

// mask returns the attention mask of rows holding lens real tokens each,
// right-aligned in width columns.
func mask(lens []int, width int) *tensor.Tensor {
	m := make([]int32, 0, len(lens)*width)
	for _, n := range lens {
		for j := range width {
			m = append(m, int32(min(1, max(0, j-(width-n)+1))))
		}
	}
	return tensor.FromSlice(m, len(lens), width)
}

func closeRow(t *testing.T, what string, got []float32, want []float32) {
	t.Helper()
	g, w := tensor.FromSlice(got, len(got)), tensor.FromSlice(want, len(want))
	if e := nntest.RelErr(g, w); e > 1e-4 {
		t.Fatalf("%s: logits differ by %g", what, e)
	}
	if generate.Argmax(got) != generate.Argmax(want) {
		t.Fatalf("%s: picks %d, alone %d", what, generate.Argmax(got), generate.Argmax(want))
	}
}

func TestConcatJoinsSequencesPrefilledAloneAndEachContinuesAsAlone(t *testing.T) {
	m := tinyGPT(t)
	prompts := [][]int32{{3, 14, 15, 9, 2}, {6, 5}, {35, 8, 9, 7}}
	const steps = 6
	want := make([][][]float32, len(prompts))
	for i, p := range prompts {
		want[i] = lone(m, p, steps+1)
	}
	// Prefill each prompt alone, then join them into one batch.
	caches := make([]generate.Cache, len(prompts))
	next := make([]int32, len(prompts))
	lens := make([]int, len(prompts))
	for i, p := range prompts {
		caches[i] = m.NewCache(1)
		row := m.Step(tensor.FromSlice(p, 1, len(p)), nil, caches[i]).Float32s()
		closeRow(t, "prefill", row, want[i][0])
		next[i], lens[i] = int32(generate.Argmax(row)), len(p)
	}
	batch := lm.Concat(caches...)
	if batch.Len() != 5 {
		t.Fatalf("joined cache holds %d positions, want the longest prompt's 5", batch.Len())
	}
	for i := range caches {
		if caches[i].Len() != lens[i] {
			t.Fatalf("Concat changed cache %d: %d positions", i, caches[i].Len())
		}
	}
	for step := 1; step <= steps; step++ {
		for i := range lens {
			lens[i]++
		}
		logits := m.Step(tensor.FromSlice(next, len(next), 1), mask(lens, batch.Len()+1), batch).Float32s()
		v := len(logits) / len(next)
		for i := range next {
			row := logits[i*v : (i+1)*v]
			closeRow(t, "batched step", row, want[i][step])
			next[i] = int32(generate.Argmax(row))
		}
	}
}

func TestTrimLeftDropsPaddingOnceTheLongRowLeft(t *testing.T) {
	m := tinyGPT(t)
	long, short := []int32{1, 2, 3, 4, 5, 6, 7}, []int32{9, 8}
	want := lone(m, short, 4)
	a, b := m.NewCache(1), m.NewCache(1)
	m.Step(tensor.FromSlice(long, 1, len(long)), nil, a)
	first := m.Step(tensor.FromSlice(short, 1, len(short)), nil, b).Float32s()
	batch := lm.Concat(a, b)
	full := lm.CacheBytes(batch)
	// The long row leaves: keep row 1, then drop the 5 columns of padding.
	batch.Reorder(tensor.FromSlice([]int32{1}, 1))
	lm.TrimLeft(batch, 5)
	if batch.Len() != 2 {
		t.Fatalf("trimmed cache holds %d positions, want 2", batch.Len())
	}
	if got := lm.CacheBytes(batch); got*7 != full {
		t.Fatalf("CacheBytes %d after keeping 1 row of 2 and 2 positions of 7, from %d", got, full)
	}
	next := int32(generate.Argmax(first))
	for step := 1; step < 4; step++ {
		row := m.Step(tensor.FromSlice([]int32{next}, 1, 1), nil, batch).Float32s()
		closeRow(t, "after trimming", row, want[step])
		next = int32(generate.Argmax(row))
	}
	lm.TrimLeft(batch, batch.Len())
	if batch.Len() != 0 || lm.CacheBytes(batch) != 0 {
		t.Fatalf("trimming everything leaves %d positions, %d bytes", batch.Len(), lm.CacheBytes(batch))
	}
}

func TestBatchOpsRefuseWhatTheyCannotJoin(t *testing.T) {
	m := tinyGPT(t)
	full := m.NewCache(1)
	m.Step(tensor.FromSlice([]int32{1, 2}, 1, 2), nil, full)
	cross := &transformer.Cache{Layers: make([]transformer.LayerCache, 1)}
	cross.Layers[0].Cross.Append(tensor.Zeros(1, 1, 2, 4), tensor.Zeros(1, 1, 2, 4))
	for _, tc := range []struct {
		name, want string
		f          func()
	}{
		{"no caches", "no caches", func() { lm.Concat() }},
		{"an empty cache", "cache 1 is empty", func() { lm.Concat(full, m.NewCache(1)) }},
		{"another cache type", "not the *transformer.Cache", func() { lm.Concat(fakeCache{}) }},
		{"a cross-attention cache", "cross-attention", func() { lm.CacheBytes(cross) }},
		{"trimming more than held", "3 positions from a cache of 2", func() { lm.TrimLeft(full, 3) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(r.(string), tc.want) {
					t.Fatalf("panic %v, want one saying %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}
