package gpt_test

import (
	"context"
	"slices"
	"sync"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/models/lm/lmtest"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
)

func tinyLM(t *testing.T) *gpt.LMHeadModel {
	t.Helper()
	c, err := gpt.Size("tiny")
	if err != nil {
		t.Fatal(err)
	}
	c.VocabSize, c.NPositions, c.NEmbd = 97, 64, 32
	return gpt.NewLMHeadModel(c, tensor.NewGenerator(7))
}

func TestGPT2CachedDecodingEqualsFullPasses(t *testing.T) {
	lmtest.CachedDecodingEqualsFullPasses(t, tinyLM(t), 97, 5, 12)
}

func TestGPT2LeftPaddedBatchEqualsRowsAlone(t *testing.T) {
	lmtest.LeftPaddedBatchEqualsRowsAlone(t, tinyLM(t), 97, 0, []int{6, 2, 4}, 5)
}

func TestGPT2ReorderedCacheContinuesTheChosenRows(t *testing.T) {
	lmtest.ReorderedCacheContinuesTheChosenRows(t, tinyLM(t), 97, 4)
}

func TestGPT2ServesConcurrentRequestsFromOneDetachedView(t *testing.T) {
	m := tinyLM(t)
	view := nn.Detached(m)
	prompt := tensor.FromSlice([]int32{3, 1, 4, 1, 5}, 1, 5)
	want := m.Forward(lm.Inputs{IDs: prompt}).Logits.Select(1, 4)
	var wg sync.WaitGroup
	errs := make([]float64, 4)
	for i := range errs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			got := view.Step(prompt, nil, view.NewCache(1))
			errs[i] = nntest.RelErr(got, want)
			if got.RequiresGrad() {
				errs[i] = 1
			}
		}()
	}
	wg.Wait()
	for i, e := range errs {
		if e > 1e-5 {
			t.Errorf("request %d: logits differ by %g (or record a graph)", i, e)
		}
	}
}

func TestGPT2GeneratesABatchAsEachPromptAlone(t *testing.T) {
	m := nn.Detached(tinyLM(t))
	prompts := [][]int{{5, 9, 1, 33, 7, 2}, {60, 11}, {4, 8, 15, 16}}
	o := generate.Options{MaxNewTokens: 6}
	batch, err := generate.Generate(context.Background(), m, prompts, o)
	if err != nil {
		t.Fatal(err)
	}
	for i, p := range prompts {
		alone, err := generate.Generate(context.Background(), m, [][]int{p}, o)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(batch[i][0].Tokens, alone[0][0].Tokens) {
			t.Errorf("prompt %d: batched %v, alone %v", i, batch[i][0].Tokens, alone[0][0].Tokens)
		}
	}
	if _, err := generate.Generate(context.Background(), m, [][]int{make([]int, 64)}, o); err == nil {
		t.Error("a prompt as long as n_positions was accepted")
	}
}
