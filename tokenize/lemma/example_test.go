package lemma_test

import (
	"fmt"

	"github.com/goformer/goformer/tokenize/lemma"
)

func ExampleLemmatize() {
	fmt.Println(lemma.Lemmatize("geese", lemma.Noun))
	fmt.Println(lemma.Lemmatize("running", lemma.Verb))
	fmt.Println(lemma.Lemmatize("better", lemma.Adj))
	fmt.Println(lemma.Lemmatize("cats", lemma.Noun))
	// Output:
	// goose
	// run
	// good
	// cat
}

func ExampleParsePOS() {
	pos, err := lemma.ParsePOS("VBD") // a Penn Treebank tag
	if err != nil {
		panic(err)
	}
	fmt.Println(lemma.Lemmatize("was", pos))
	// Output:
	// be
}
