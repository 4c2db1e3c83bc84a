// Package data ships the labelled sentences examples/finetune trains and
// tests on by default: the UCI Sentiment Labelled Sentences (CC BY 4.0),
// 2,400 for training and 600 for testing, as TSV with a header line
// (text<TAB>label). README.md beside this file gives the provenance.
package data

import _ "embed"

// SentimentTrain and SentimentTest are the two splits.
var (
	//go:embed sentiment_train.tsv
	SentimentTrain []byte
	//go:embed sentiment_test.tsv
	SentimentTest []byte
)
