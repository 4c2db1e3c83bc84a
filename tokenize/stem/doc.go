// Package stem reduces English words to their stems with the Porter
// stemmer (in the three variants nltk offers) and the Snowball English
// stemmer, also known as Porter2.
//
// To start, stem a word with nltk's default Porter variant, the one Google's
// rouge-score uses:
//
//	s := stem.Porter{}.Stem("connections") // "connect"
//
// or with Snowball English, which expects lower-case input:
//
//	s := stem.English{}.Stem("generously") // "generous"
//
// Both satisfy [Stemmer]. Every stemmer here is a value with no state, safe
// for concurrent use, and gives the same output as its reference on every
// input the reference accepts: nltk 3.8's PorterStemmer (all three modes),
// Snowball's published lists for the original Porter algorithm and for
// English, and libstemmer 2.2 for English.
package stem

// Stemmer reduces a word to its stem.
type Stemmer interface {
	Stem(word string) string
}

var (
	_ Stemmer = Porter{}
	_ Stemmer = English{}
)
