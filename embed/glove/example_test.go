package glove_test

import (
	"context"
	"fmt"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/glove"
	"github.com/goformer/goformer/embed/sotu"
)

func ExampleTrain() {
	opt := glove.DefaultOptions()
	opt.Dim = 32
	opt.MinCount = 3
	opt.Epochs = 5
	opt.Threads = 1 // reproducible, and quiet under the race detector
	m, err := glove.Train(context.Background(), corpus.FromString(sotu.Sample), opt)
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Vectors().Len(), "words")
	// Output: 2575 words
}
