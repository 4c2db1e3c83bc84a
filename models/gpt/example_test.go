package gpt_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/tensor"
)

// A GPT-2 of any size from its configuration, trained one step's worth
// (the loss and its gradient), saved as a Hugging Face directory and
// loaded back.
func Example() {
	c, _ := gpt.Size("tiny")
	c.VocabSize = 100
	m := gpt.NewLMHeadModel(c, tensor.NewGenerator(1))

	ids := tensor.FromSlice([]int32{5, 17, 42, 8, 99, 3}, 1, 6)
	out := m.Forward(lm.Inputs{IDs: ids, Labels: ids})
	out.Loss.Backward()
	fmt.Println(out.Logits.Shape(), out.Loss.Item() > 0, m.Transformer.Wte.Weight.Grad() != nil)

	dir, _ := os.MkdirTemp("", "gpt")
	defer os.RemoveAll(dir)
	if err := m.Save(filepath.Join(dir, "tiny"), hub.SaveOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	back, err := gpt.FromPretrained(filepath.Join(dir, "tiny"), gpt.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(back.Config().NLayer, back.Config().NEmbd)
	// Output:
	// [1 6 100] true true
	// 2 128
}

// Decoding with the KV cache: the prompt once, then one token per step.
func ExampleLMHeadModel_Step() {
	c, _ := gpt.Size("tiny")
	c.VocabSize = 100
	m := gpt.NewLMHeadModel(c, tensor.NewGenerator(1))
	cache := m.NewCache(1)
	next := tensor.FromSlice([]int32{5, 17, 42}, 1, 3)
	var tokens []int32
	for range 4 {
		logits := m.Step(next, nil, cache) // [1, vocab]
		tok := int32(logits.ArgMax(1).Item())
		tokens = append(tokens, tok)
		next = tensor.FromSlice([]int32{tok}, 1, 1)
	}
	fmt.Println(len(tokens), cache.Len())
	// Output:
	// 4 6
}
