package word2vec_test

import (
	"context"
	"fmt"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/sotu"
	"github.com/goformer/goformer/embed/word2vec"
)

func ExampleTrain() {
	opt := word2vec.DefaultOptions()
	opt.Dim = 50
	opt.MinCount = 3
	opt.Threads = 1 // reproducible
	m, err := word2vec.Train(context.Background(), corpus.FromString(sotu.Sample), opt)
	if err != nil {
		panic(err)
	}
	vectors := m.Vectors()
	fmt.Println(vectors.Len(), "words of", vectors.Dim, "dimensions")
	// Output: 2575 words of 50 dimensions
}
