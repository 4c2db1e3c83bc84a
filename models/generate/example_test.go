package generate_test

import (
	"context"
	"fmt"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/gentest"
	"github.com/goformer/goformer/tensor"
)

func ExampleGenerate() {
	// A deterministic toy model over 32 tokens; a real one comes from
	// models/gpt, models/llama or models/auto.
	model := gentest.NewTable(32, 64, 7)
	prompts := [][]int{{5, 9, 3}, {2, 2, 8, 30, 11, 4, 6}}

	greedy, _ := generate.Generate(context.Background(), model, prompts, generate.Options{
		MaxNewTokens: 8,
		StopTokens:   []int{1},
	})
	for i, seqs := range greedy {
		fmt.Println("greedy", i, seqs[0].Tokens, seqs[0].Finish)
	}

	beams, _ := generate.Generate(context.Background(), model, prompts[:1], generate.Options{
		MaxNewTokens: 8, Beams: 4, NumReturnSequences: 2, StopTokens: []int{1},
	})
	for _, s := range beams[0] {
		fmt.Printf("beam %v %.3f\n", s.Tokens, s.Score)
	}
	// Output:
	// greedy 0 [18 8 10 6 12 11 20 21] length
	// greedy 1 [21 8 17 7 1] stop token
	// beam [18 8 10 19 31 9 3 20] -0.898
	// beam [18 8 10 19 31 9 3 21] -0.925
}

func ExampleRun() {
	// A server's loop in miniature: one Run per request, each with its own
	// options; the caller runs the model and hands each Run its logits.
	model := gentest.NewTable(32, 64, 7)
	run, err := generate.NewRun(model, []int{5, 9, 3}, generate.Options{
		MaxNewTokens: 6, Temperature: 0.7, TopK: 10, Seed: 1,
	}, 0)
	if err != nil {
		panic(err)
	}
	cache := model.NewCache(1)
	logits := model.Step(tensor.FromSlice([]int32{5, 9, 3}, 1, 3), nil, cache)
	for !run.Done() {
		tok, err := run.Next(logits.Float32s())
		if err != nil {
			panic(err)
		}
		fmt.Print(tok.ID, " ")
		logits = model.Step(tensor.FromSlice([]int32{int32(run.Last())}, 1, 1), nil, cache)
	}
	fmt.Println(run.Sequence().Finish)
	// Output:
	// 21 8 28 28 7 20 length
}
