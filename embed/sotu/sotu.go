// Package sotu ships small data for trying and testing word embeddings
// without downloads: a 350 KB sample of the State of the Union addresses
// (1790–2016, public domain), tokenised one sentence a line, and analogy
// questions and word-similarity ratings over its vocabulary that were
// written for this project.
//
//	text := corpus.FromString(sotu.Sample)
//	res, err := wordvec.EvalAnalogies(table, strings.NewReader(sotu.Analogies), wordvec.EvalOptions{})
//
// README.md beside this file gives the provenance and licences; make_data.py
// rebuilds the files from the full corpus.
package sotu

import _ "embed"

// Sample is every 30th sentence of the State of the Union addresses,
// lower-cased, with words of letters (and inner apostrophes) or numbers
// separated by spaces, one sentence a line (2,315 lines, about 60,000
// words).
//
//go:embed sample.txt
var Sample string

// Analogies holds 3,324 questions in the word2vec questions-words.txt
// form, in ten sections (capitals, nationalities, family, and seven
// grammatical relations), over words that occur at least ten times in the
// full corpus.
//
//go:embed analogies.txt
var Analogies string

// Similarity holds 183 word pairs rated from 0 to 10, tab-separated,
// for Spearman-correlation evaluation.
//
//go:embed similarity.txt
var Similarity string
