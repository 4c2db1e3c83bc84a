// Package fasttext trains and loads fastText word vectors (Bojanowski et
// al. 2017): each word is the mean of its own vector and the vectors of its
// character n-grams, hashed into buckets, so that words never seen in
// training still get a vector from their spelling.
//
// Train skip-gram or CBOW with negative sampling on a text of
// whitespace-separated words, one sentence per line, or load a .bin model
// written by fastText 0.9.2 (unquantized; .ftz files give ErrQuantized):
//
//	m, err := fasttext.Load("model.bin")
//	v := m.WordVector("unseenword") // from its n-grams
//	table := m.Vectors()           // the vocabulary as a *wordvec.Table
//
// Vectors of in-vocabulary and out-of-vocabulary words match fastText's
// own (getWordVector, print-word-vectors) to float32 rounding.
package fasttext

import (
	"fmt"

	"github.com/goformer/goformer/embed/wordvec"
	"github.com/goformer/goformer/internal/vec"
)

// ModelName is fastText's model kind, numbered as in its files.
type ModelName int32

const (
	// CBOW predicts a word from the mean of its context.
	CBOW ModelName = 1
	// SkipGram predicts each context word from the centre word.
	SkipGram ModelName = 2
	// Supervised is fastText's text classifier.
	Supervised ModelName = 3
)

// String names the model as fastText's command line does.
func (m ModelName) String() string {
	switch m {
	case CBOW:
		return "cbow"
	case SkipGram:
		return "skipgram"
	case Supervised:
		return "supervised"
	}
	return fmt.Sprintf("ModelName(%d)", int32(m))
}

// LossName is fastText's loss kind, numbered as in its files.
type LossName int32

// The losses of fastText.
const (
	HierarchicalSoftmax LossName = 1
	NegativeSampling    LossName = 2
	Softmax             LossName = 3
	OneVsAll            LossName = 4
)

// Args are the settings stored in a fastText model.
type Args struct {
	Dim, WS, Epoch, MinCount, Neg, WordNgrams int32
	Loss                                      LossName
	Model                                     ModelName
	Bucket, MinN, MaxN, LRUpdateRate          int32
	T                                         float64
}

// Entry kinds of a fastText dictionary.
const (
	entryWord  = 0
	entryLabel = 1
)

// Model is a fastText model: a dictionary, the input matrix (one row per
// dictionary entry, then Bucket rows for n-grams) and the output matrix.
type Model struct {
	Args Args
	// Words are the dictionary entries (words first, then labels of a
	// supervised model), with their counts.
	Words  []string
	Counts []int64
	// NWords is the number of words; the entries after them are labels.
	NWords int
	// Tokens is the corpus size in tokens recorded by training.
	Tokens int64
	// Input has len(Words)+Bucket rows of Dim; Output has one row per
	// word (or label, for a supervised model).
	Input, Output []float32

	index    map[string]int32
	subIDs   []int32 // rows of each entry's vector: itself, then n-grams
	subStart []int32
	// pruned maps bucket ids to kept rows for pruned (quantized) models.
	pruned map[int32]int32

	stats TrainStats
}

// init builds the word index and the subword lists of every entry.
func (m *Model) init() {
	m.index = make(map[string]int32, len(m.Words))
	for i, w := range m.Words {
		if _, dup := m.index[w]; !dup {
			m.index[w] = int32(i)
		}
	}
	m.subStart = make([]int32, len(m.Words)+1)
	m.subIDs = m.subIDs[:0]
	for i, w := range m.Words {
		m.subIDs = append(m.subIDs, int32(i))
		if w != EOS {
			m.subIDs = m.ngrams(w, m.subIDs)
		}
		m.subStart[i+1] = int32(len(m.subIDs))
	}
}

func (m *Model) ngrams(word string, ids []int32) []int32 {
	if m.Args.MaxN <= 0 || m.Args.Bucket <= 0 || m.pruned != nil && len(m.pruned) == 0 {
		return ids
	}
	n0 := len(ids)
	ids = subwords(word, int(m.Args.MinN), int(m.Args.MaxN), int(m.Args.Bucket), len(m.Words), ids)
	if m.pruned == nil {
		return ids
	}
	k := n0
	for _, id := range ids[n0:] {
		if r, ok := m.pruned[id-int32(len(m.Words))]; ok {
			ids[k] = int32(len(m.Words)) + r
			k++
		}
	}
	return ids[:k]
}

// Dim is the vector length.
func (m *Model) Dim() int { return int(m.Args.Dim) }

// ID returns the dictionary index of word, or -1.
func (m *Model) ID(word string) int {
	if i, ok := m.index[word]; ok {
		return int(i)
	}
	return -1
}

// SubwordIDs returns the input rows whose mean is the vector of word: the
// word's own row if it is in the dictionary, then its n-gram buckets.
func (m *Model) SubwordIDs(word string) []int32 {
	if i, ok := m.index[word]; ok {
		return m.subIDs[m.subStart[i]:m.subStart[i+1]]
	}
	if word == EOS {
		return nil
	}
	return m.ngrams(word, nil)
}

// WordVector returns the vector of any word: the mean of its input rows
// (zero for a word with no known row, such as an unknown word when the
// model has no n-grams).
func (m *Model) WordVector(word string) []float32 {
	v := make([]float32, m.Args.Dim)
	m.wordVector(m.SubwordIDs(word), v)
	return v
}

func (m *Model) wordVector(ids []int32, v []float32) {
	clear(v)
	d := int(m.Args.Dim)
	for _, id := range ids {
		// Axpy with a = 1 rounds exactly as v[j] += row[j] does.
		vec.Axpy(1, m.Input[int(id)*d:int(id)*d+d], v)
	}
	if len(ids) > 0 {
		vec.Scale(v, float32(1/float64(len(ids))), v)
	}
}

// Vectors returns the vectors of all dictionary words (labels left out), as
// fastText writes them to its .vec file.
func (m *Model) Vectors() *wordvec.Table {
	d := int(m.Args.Dim)
	data := make([]float32, m.NWords*d)
	for i := range m.NWords {
		m.wordVector(m.subIDs[m.subStart[i]:m.subStart[i+1]], data[i*d:(i+1)*d])
	}
	return wordvec.New(m.Words[:m.NWords], d, data)
}
