package embed

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/goformer/goformer/embed/wordvec"
	"github.com/goformer/goformer/tensor"
)

// Missing says how FromVectors fills the rows of words the vectors lack.
type Missing int

// The policies for missing words.
const (
	// MissingRandom draws each missing row from N(0, σ²), σ the standard
	// deviation of the table's values, so that new rows look like the
	// others (the common practice when fine-tuning).
	MissingRandom Missing = iota
	// MissingZero leaves missing rows at zero.
	MissingZero
	// MissingMean fills missing rows with the mean of the table's vectors.
	MissingMean
)

// VectorOptions configures FromVectors.
type VectorOptions struct {
	// Lowercase looks a word up in lower case when it is absent as is.
	Lowercase bool
	// Fallback, when set, gives vectors for words the table lacks (for
	// example a fastText model's WordVector, built from subwords); a nil
	// or empty result counts as missing.
	Fallback func(word string) []float32
	// Missing fills the rows of words found nowhere (default
	// MissingRandom).
	Missing Missing
	// Gen draws the random rows of MissingRandom; required with it when
	// any word is missing.
	Gen *tensor.Generator
}

// Coverage reports how FromVectors found the vocabulary's words.
type Coverage struct {
	Exact, Lowercased, Fallback int      // words found each way
	Missing                     []string // words found nowhere, in vocabulary order
}

// ErrDimension is returned (wrapped) when a fallback vector's length
// differs from the table's.
var ErrDimension = errors.New("embed: vector dimensions differ")

// FromVectors returns a token embedding for a tokenizer's vocabulary (ids
// are positions in vocab) initialised from pre-trained word vectors: row i
// is the vector of vocab[i]. Words the table lacks are looked up in lower
// case (o.Lowercase), then through o.Fallback, and otherwise filled as
// o.Missing says; Coverage tells which words went which way. The table is
// trainable; nn.Freeze it to keep the vectors fixed.
func FromVectors(table *wordvec.Table, vocab []string, o VectorOptions) (*Token, Coverage, error) {
	var cov Coverage
	if table == nil || table.Dim <= 0 {
		return nil, cov, errors.New("embed: FromVectors: no word vectors")
	}
	if len(vocab) == 0 {
		return nil, cov, errors.New("embed: FromVectors: empty vocabulary")
	}
	d := table.Dim
	data := make([]float32, len(vocab)*d)
	var missing []int
	for i, w := range vocab {
		row := data[i*d : (i+1)*d]
		if v, ok := table.Vector(w); ok {
			copy(row, v)
			cov.Exact++
			continue
		}
		if o.Lowercase {
			if lw := strings.ToLower(w); lw != w {
				if v, ok := table.Vector(lw); ok {
					copy(row, v)
					cov.Lowercased++
					continue
				}
			}
		}
		if o.Fallback != nil {
			if v := o.Fallback(w); len(v) > 0 {
				if len(v) != d {
					return nil, cov, fmt.Errorf("embed: FromVectors: fallback vector of %q has %d values, the table %d: %w", w, len(v), d, ErrDimension)
				}
				copy(row, v)
				cov.Fallback++
				continue
			}
		}
		missing = append(missing, i)
		cov.Missing = append(cov.Missing, w)
	}
	e := &Token{Weight: tensor.FromSlice(data, len(vocab), d), PaddingIdx: -1}
	if len(missing) > 0 {
		switch o.Missing {
		case MissingZero:
		case MissingMean:
			mean := tableMean(table)
			for _, i := range missing {
				copy(data[i*d:(i+1)*d], mean)
			}
		case MissingRandom:
			if o.Gen == nil {
				return nil, cov, fmt.Errorf("embed: FromVectors: %d missing words need a generator for MissingRandom", len(missing))
			}
			r := tensor.Zeros(len(missing), d)
			o.Gen.Normal(r, 0, tableStd(table))
			rv := r.Float32s()
			for j, i := range missing {
				copy(data[i*d:(i+1)*d], rv[j*d:(j+1)*d])
			}
		default:
			return nil, cov, fmt.Errorf("embed: FromVectors: unknown missing-word policy %d", o.Missing)
		}
	}
	e.Weight.SetRequiresGrad(true)
	return e, cov, nil
}

func tableMean(t *wordvec.Table) []float32 {
	d := t.Dim
	sum := make([]float64, d)
	for i := range t.Len() {
		for j, v := range t.Row(i) {
			sum[j] += float64(v)
		}
	}
	out := make([]float32, d)
	for j := range out {
		out[j] = float32(sum[j] / float64(max(t.Len(), 1)))
	}
	return out
}

func tableStd(t *wordvec.Table) float64 {
	var s, s2 float64
	n := float64(len(t.Data))
	for _, v := range t.Data {
		s += float64(v)
		s2 += float64(v) * float64(v)
	}
	if n == 0 {
		return 1
	}
	m := s / n
	return math.Sqrt(max(s2/n-m*m, 0))
}
