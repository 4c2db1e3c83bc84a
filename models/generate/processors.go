package generate

import (
	"fmt"
	"math"
	"slices"
)

// History is what a Processor may read of one sequence: its prompt
// (padding removed) and the tokens generated so far.
type History struct {
	Prompt, Generated []int
}

// Len returns the number of tokens of the sequence.
func (h History) Len() int { return len(h.Prompt) + len(h.Generated) }

// At returns token i of the prompt followed by the generated tokens.
func (h History) At(i int) int {
	if i < len(h.Prompt) {
		return h.Prompt[i]
	}
	return h.Generated[i-len(h.Prompt)]
}

// Processor rewrites the scores of the next token of one sequence in
// place: it may scale them, or forbid a token by setting its score to −∞.
// Each is a small value; Options.Processors chains them in the order
// Hugging Face's generate applies them, and a caller with its own decoding
// loop (a server batching requests) can use them one by one.
type Processor interface {
	Process(scores []float32, h History)
}

// Chain applies its processors in order.
type Chain []Processor

// Process applies every processor of c in turn.
func (c Chain) Process(scores []float32, h History) {
	for _, p := range c {
		p.Process(scores, h)
	}
}

var negInf = float32(math.Inf(-1))

// RepetitionPenalty discourages the tokens a sequence already holds
// (prompt and generated, each distinct token once), as Hugging Face's
// RepetitionPenaltyLogitsProcessor (Keskar et al., CTRL, 2019): a positive
// score is divided by the penalty, a negative one multiplied by it. Values
// above 1 penalize, 1 does nothing. Padding is not part of the history, so
// unlike Hugging Face's a left-padded prompt does not penalize the padding
// token.
type RepetitionPenalty float64

// Process applies the penalty.
func (p RepetitionPenalty) Process(scores []float32, h History) {
	f := float32(p)
	seen := make(map[int]bool, h.Len())
	for i := range h.Len() {
		id := h.At(i)
		if seen[id] || id < 0 || id >= len(scores) {
			continue
		}
		seen[id] = true
		if s := scores[id]; s < 0 {
			scores[id] = s * f
		} else {
			scores[id] = s / f
		}
	}
}

// NoRepeatNGram forbids any token that would complete an n-gram the
// sequence (prompt and generated) already contains, as Hugging Face's
// NoRepeatNGramLogitsProcessor. Values below 1 do nothing.
type NoRepeatNGram int

// Process forbids the tokens that would repeat an n-gram.
func (n NoRepeatNGram) Process(scores []float32, h History) {
	size, l := int(n), h.Len()
	if size < 1 || l+1 < size {
		return
	}
	// The last size-1 tokens, followed by any earlier occurrence of them.
	for start := 0; start+size <= l; start++ {
		match := true
		for k := range size - 1 {
			if h.At(start+k) != h.At(l-size+1+k) {
				match = false
				break
			}
		}
		if match {
			if id := h.At(start + size - 1); id >= 0 && id < len(scores) {
				scores[id] = negInf
			}
		}
	}
}

// MinNewTokens forbids the stop tokens until N tokens have been generated,
// as Hugging Face's MinNewTokensLengthLogitsProcessor.
type MinNewTokens struct {
	N      int
	Tokens []int // the stop tokens
}

// Process forbids the stop tokens while the sequence is too short.
func (m MinNewTokens) Process(scores []float32, h History) {
	if len(h.Generated) >= m.N {
		return
	}
	for _, id := range m.Tokens {
		if id >= 0 && id < len(scores) {
			scores[id] = negInf
		}
	}
}

// Temperature divides the scores by itself (Hugging Face's
// TemperatureLogitsWarper): below 1 sharpens the distribution, above 1
// flattens it. It must be positive.
type Temperature float64

// Process divides the scores by the temperature.
func (t Temperature) Process(scores []float32, _ History) {
	if !(t > 0) {
		panic(fmt.Sprintf("generate: Temperature %v must be positive", float64(t)))
	}
	f := float32(t)
	for i, s := range scores {
		scores[i] = s / f
	}
}

// TopK keeps the K highest scores (all those equal to the K-th too) and
// forbids the rest, as Hugging Face's TopKLogitsWarper: K is raised to
// MinKeep, and K ≤ 0 or K ≥ the vocabulary keeps everything.
type TopK struct {
	K, MinKeep int
}

// Process forbids every score below the K-th highest.
func (t TopK) Process(scores []float32, _ History) {
	k := max(t.K, t.MinKeep)
	if t.K <= 0 || k >= len(scores) {
		return
	}
	kth := kthLargest(scores, k)
	for i, s := range scores {
		if s < kth {
			scores[i] = negInf
		}
	}
}

// kthLargest returns the k-th largest value of x (1-based), by
// quickselect on a copy.
func kthLargest(x []float32, k int) float32 {
	a := slices.Clone(x)
	lo, hi, want := 0, len(a)-1, k-1 // want: index in descending order
	for lo < hi {
		p := a[(lo+hi)/2]
		i, j := lo, hi
		for i <= j {
			for a[i] > p {
				i++
			}
			for a[j] < p {
				j--
			}
			if i <= j {
				a[i], a[j] = a[j], a[i]
				i++
				j--
			}
		}
		switch {
		case want <= j:
			hi = j
		case want >= i:
			lo = i
		default:
			return a[want]
		}
	}
	return a[want]
}

// TopP keeps the smallest set of highest-scoring tokens whose probability
// adds up to more than P (nucleus sampling, Holtzman et al., 2019), and at
// least MinKeep of them, and forbids the rest. It follows Hugging Face's
// TopPLogitsWarper exactly: scores are sorted in ascending order, their
// softmax summed cumulatively in float32, and a token is removed when the
// cumulative probability up to it is at most 1 − P. P ≥ 1 keeps
// everything; P must be positive.
type TopP struct {
	P       float64
	MinKeep int
}

// Process forbids the tokens outside the nucleus.
func (t TopP) Process(scores []float32, _ History) {
	if !(t.P > 0) {
		panic(fmt.Sprintf("generate: TopP %v must be positive", t.P))
	}
	if t.P >= 1 {
		return
	}
	// Tokens already at −∞ have probability 0: they add nothing to the
	// cumulative sum and are removed anyway, so only the finite ones are
	// sorted.
	keys := sortAscending(scores, make([]uint64, 0, len(scores)), nil)
	if len(keys) == 0 {
		return
	}
	mx := scores[uint32(keys[len(keys)-1])]
	probs := make([]float32, len(keys))
	var sum float64
	for i, k := range keys {
		e := exp32(scores[uint32(k)] - mx)
		probs[i] = e
		sum += float64(e)
	}
	limit := float32(1 - t.P)
	var cum float32
	keep := max(t.MinKeep, 1)
	for i, k := range keys {
		cum += float32(float64(probs[i]) / sum)
		if cum <= limit && i < len(keys)-keep {
			scores[uint32(k)] = negInf
		}
	}
}
