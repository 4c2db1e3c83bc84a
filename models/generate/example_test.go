package generate_test

import (
	"context"
	"fmt"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/gentest"
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
