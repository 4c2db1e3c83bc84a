// Package stem reduces English words to their stems with the Porter
// stemmer (in the three variants nltk offers) and the Snowball English
// stemmer, also known as Porter2.
//
// To start, stem a word with nltk's default Porter variant, the one Google's
// rouge-score uses:
//
//	s := stem.Porter{}.Stem("connections") // "connect"
//
// Every stemmer here is a value with no state, safe for concurrent use, and
// gives the same output as its reference implementation on every input:
// nltk 3.8's PorterStemmer for Porter, Snowball's published list for the
// original Porter algorithm.
package stem
