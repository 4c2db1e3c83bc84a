// Package textbatch turns tokenized sentences into the padded tensors the
// example programs feed to BERT and GPT models, and masks tokens for
// masked-language-model training.
package textbatch

import (
	"fmt"
	"math/rand/v2"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

// Encode tokenizes texts (with the tokenizer's special tokens) and cuts
// each to at most maxLen tokens, keeping the last token (BERT's [SEP]) at
// the end of a cut sequence when keepLast is set.
func Encode(tok *tokenize.Tokenizer, texts []string, maxLen int, keepLast bool) ([][]int, error) {
	ids, err := tok.EncodeIDsBatch(texts)
	if err != nil {
		return nil, err
	}
	for i, s := range ids {
		if len(s) > maxLen {
			last := s[len(s)-1]
			s = s[:maxLen]
			if keepLast {
				s[maxLen-1] = last
			}
			ids[i] = s
		}
		if len(ids[i]) == 0 {
			return nil, fmt.Errorf("text %d has no tokens", i)
		}
	}
	return ids, nil
}

// Lengths returns the length of each sequence.
func Lengths(seqs [][]int) []int {
	out := make([]int, len(seqs))
	for i, s := range seqs {
		out[i] = len(s)
	}
	return out
}

// Collate pads the sequences seqs[idx...] with pad to the longest of them
// and returns the ids [B, T] and the attention mask [B, T] (1 for tokens,
// 0 for padding), both Int32.
func Collate(seqs [][]int, idx []int, pad int) (ids, mask *tensor.Tensor) {
	t := 0
	for _, i := range idx {
		t = max(t, len(seqs[i]))
	}
	is := make([]int32, len(idx)*t)
	ms := make([]int32, len(idx)*t)
	for r, i := range idx {
		for c := range t {
			if c < len(seqs[i]) {
				is[r*t+c] = int32(seqs[i][c])
				ms[r*t+c] = 1
			} else {
				is[r*t+c] = int32(pad)
			}
		}
	}
	return tensor.FromSlice(is, len(idx), t), tensor.FromSlice(ms, len(idx), t)
}

// Scoped returns the tensors of a BERT batch moved to dev and adopted
// by sc (see tensor.Scope.Use), so that everything a forward pass
// computes from them is released when sc closes: ids and mask as given,
// and segment ids of zeros (a model that made its own default segment
// ids would allocate their lookup outside the scope).
func Scoped(sc *tensor.Scope, dev tensor.Device, ids, mask *tensor.Tensor) (scopedIDs, scopedMask, typeIDs *tensor.Tensor) {
	types := tensor.FullOn(dev, tensor.Int32, 0, ids.Shape()...)
	return sc.Use(ids.To(dev)), sc.Use(mask.To(dev)), sc.Use(types)
}

// MLM describes BERT's masking: each maskable token is chosen with
// probability Prob; a chosen token becomes Mask 80 % of the time, a random
// token of [Low, Vocab) 10 %, and stays itself 10 %.
type MLM struct {
	Prob       float64
	Mask       int
	Vocab, Low int
	// Special reports tokens never chosen ([CLS], [SEP], [PAD]).
	Special func(id int) bool
}

// Apply masks ids [B, T] (padded) in place with draws from rng and returns
// the labels [B, T]: the original token where one was chosen, -100
// elsewhere. At least one token per row is chosen when the row has any
// maskable token, so that every row contributes to the loss.
func (m MLM) Apply(ids []int32, b, t int, rng *rand.Rand) []int32 {
	labels := make([]int32, len(ids))
	for i := range labels {
		labels[i] = -100
	}
	for r := range b {
		row := ids[r*t : (r+1)*t]
		chosen := 0
		var maskable []int
		for c, id := range row {
			if m.Special(int(id)) {
				continue
			}
			maskable = append(maskable, c)
			if rng.Float64() < m.Prob {
				m.replace(row, labels[r*t:(r+1)*t], c, rng)
				chosen++
			}
		}
		if chosen == 0 && len(maskable) > 0 {
			m.replace(row, labels[r*t:(r+1)*t], maskable[rng.IntN(len(maskable))], rng)
		}
	}
	return labels
}

func (m MLM) replace(row, labels []int32, c int, rng *rand.Rand) {
	labels[c] = row[c]
	switch u := rng.Float64(); {
	case u < 0.8:
		row[c] = int32(m.Mask)
	case u < 0.9:
		row[c] = int32(m.Low + rng.IntN(m.Vocab-m.Low))
	}
}
