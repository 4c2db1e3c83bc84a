// Command embeddings trains word vectors on a sample of the State of the
// Union addresses that ships with goformer, then queries them: nearest
// neighbours, an analogy, the built-in evaluation, and fastText vectors for
// words it never saw.
//
//	go run ./examples/embeddings
//
// Train on your own text (whitespace-separated words, one sentence a line)
// with -corpus; -save writes the word2vec vectors to a file.
package main

import (
	"context"
	"flag"
	"fmt"
	"log"
	"strings"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/fasttext"
	"github.com/goformer/goformer/embed/sotu"
	"github.com/goformer/goformer/embed/word2vec"
	"github.com/goformer/goformer/embed/wordvec"
)

func main() {
	path := flag.String("corpus", "", "training text (default: the built-in State of the Union sample)")
	save := flag.String("save", "", "write the word2vec vectors here (.vec, .txt or .bin)")
	epochs := flag.Int("epochs", 30, "passes over the text (the sample is small: 60,000 words)")
	flag.Parse()

	text := corpus.FromString(sotu.Sample)
	if *path != "" {
		t, err := corpus.Open(*path)
		if err != nil {
			log.Fatal(err)
		}
		defer t.Close()
		text = t
	}
	ctx := context.Background()

	// word2vec skip-gram with negative sampling, on all cores.
	opt := word2vec.DefaultOptions()
	opt.Dim = 50
	opt.MinCount = 3
	opt.Epochs = *epochs
	m, err := word2vec.Train(ctx, text, opt)
	if err != nil {
		log.Fatal(err)
	}
	vectors := m.Vectors()
	fmt.Printf("word2vec: %d words × %d dims, %.0f words/s\n", vectors.Len(), vectors.Dim, float64(m.Words)/m.Elapsed.Seconds())

	for _, w := range []string{"war", "taxes", "congress"} {
		ns, err := vectors.Nearest(w, 5)
		if err != nil {
			log.Fatal(err)
		}
		fmt.Printf("  nearest to %-10s %s\n", w+":", words(ns))
	}
	if ns, err := vectors.Analogy("war", "wars", "law", 3, wordvec.CosAdd); err == nil {
		fmt.Printf("  war : wars :: law : %s\n", words(ns))
	}

	a, err := wordvec.EvalAnalogies(vectors, strings.NewReader(sotu.Analogies), wordvec.EvalOptions{})
	if err != nil {
		log.Fatal(err)
	}
	s, err := wordvec.EvalSimilarity(vectors, strings.NewReader(sotu.Similarity), wordvec.EvalOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("  analogies %.1f%% of %d asked, similarity Spearman %.3f over %d pairs\n",
		100*a.Accuracy(), a.Total, s.Spearman, s.Pairs)

	// The vectors are one contiguous row-major []float32, ready to
	// initialise an embedding layer.
	fmt.Printf("  vectors.Data holds %d float32 values, row i for vectors.Words[i]\n", len(vectors.Data))

	if *save != "" {
		if err := wordvec.Save(*save, vectors, false); err != nil {
			log.Fatal(err)
		}
		fmt.Println("  saved", *save)
	}

	// fastText: words are sums of character n-grams, so unseen words get
	// vectors too.
	fopt := fasttext.DefaultOptions()
	fopt.Dim = 50
	fopt.MinCount = 3
	fopt.Epochs = *epochs
	fopt.Bucket = 200_000
	ft, err := fasttext.Train(ctx, text, fopt)
	if err != nil {
		log.Fatal(err)
	}
	ftv := ft.Vectors()
	fmt.Printf("fastText: %d words, n-grams of %d-%d characters in %d buckets\n", ftv.Len(), fopt.MinN, fopt.MaxN, fopt.Bucket)
	for _, w := range []string{"congressionally", "taxations", "warfighting"} {
		fmt.Printf("  unseen %-16s nearest %s\n", w+":", words(ftv.NearestTo(ft.WordVector(w), 5)))
	}
}

func words(ns []wordvec.Neighbor) string {
	var sb strings.Builder
	for i, n := range ns {
		if i > 0 {
			sb.WriteString(", ")
		}
		fmt.Fprintf(&sb, "%s (%.2f)", n.Word, n.Score)
	}
	return sb.String()
}
