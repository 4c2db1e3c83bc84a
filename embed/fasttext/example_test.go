package fasttext_test

import (
	"context"
	"fmt"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/fasttext"
	"github.com/goformer/goformer/embed/sotu"
)

func ExampleLoad() {
	// A tiny model written by fastText 0.9.2 (see testdata/generate.sh).
	m, err := fasttext.Load("testdata/tiny.bin")
	if err != nil {
		panic(err)
	}
	fmt.Println(m.Args.Model, m.Dim(), "dims,", m.NWords, "words")
	fmt.Println(fasttext.Subwords("union", 3, 4))
	v := m.WordVector("disunion") // not in the vocabulary: from its n-grams
	fmt.Println(len(v))
	// Output:
	// skipgram 8 dims, 753 words
	// [<un <uni uni unio nio nion ion ion> on>]
	// 8
}

func ExampleTrain() {
	opt := fasttext.DefaultOptions()
	opt.Dim = 32
	opt.MinCount = 3
	opt.Bucket = 100_000
	opt.Threads = 1 // reproducible, and quiet under the race detector
	m, err := fasttext.Train(context.Background(), corpus.FromString(sotu.Sample), opt)
	if err != nil {
		panic(err)
	}
	table := m.Vectors()
	fmt.Println(table.Len(), "words;", len(m.WordVector("unconstitutionally")), "dims for an unseen word")
	// Output: 2575 words; 32 dims for an unseen word
}
