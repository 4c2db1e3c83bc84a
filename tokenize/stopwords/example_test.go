package stopwords_test

import (
	"fmt"

	"github.com/goformer/goformer/tokenize/stopwords"
)

func ExampleSet_Remove() {
	en := stopwords.English()
	fmt.Println(en.Remove([]string{"The", "cat", "sat", "on", "the", "mat"}))
	// Output:
	// [cat sat mat]
}

func ExampleForLanguage() {
	de, err := stopwords.ForLanguage("de")
	if err != nil {
		panic(err)
	}
	fmt.Println(de.Contains("Und"), de.Contains("Katze"))
	// Output:
	// true false
}
