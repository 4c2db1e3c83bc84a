package corpus_test

import (
	"context"
	"fmt"

	"github.com/goformer/goformer/embed/corpus"
)

func ExampleCount() {
	text := corpus.FromString("the cat sat\non the mat\n")
	v, err := corpus.Count(context.Background(), text, corpus.CountOptions{MinCount: 1})
	if err != nil {
		panic(err)
	}
	fmt.Println(v.Words, v.Counts, v.Tokens)
	// Output: [the cat mat on sat] [2 1 1 1 1] 6
}
