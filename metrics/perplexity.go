package metrics

import (
	"fmt"
	"math"
	"sync"
)

// IgnoreIndex is PyTorch's default ignore_index for cross-entropy: targets
// equal to it are not scored.
const IgnoreIndex = -100

// LMStats are the additive statistics of language-model evaluation: the
// summed negative log-likelihood in nats and the number of tokens scored.
// Perplexity and its relatives derive from them.
type LMStats struct {
	NLL    float64
	Tokens int64
}

// Add adds o into s.
func (s *LMStats) Add(o LMStats) {
	s.NLL += o.NLL
	s.Tokens += o.Tokens
}

// MeanNLL returns the mean negative log-likelihood per token in nats (the
// cross-entropy loss); NaN when no token was scored, as PyTorch gives.
func (s LMStats) MeanNLL() float64 { return s.NLL / float64(s.Tokens) }

// MeanNLLBits returns the mean negative log-likelihood per token in bits.
func (s LMStats) MeanNLLBits() float64 { return s.MeanNLL() / math.Ln2 }

// Perplexity returns exp(mean NLL), the per-token perplexity.
func (s LMStats) Perplexity() float64 { return math.Exp(s.MeanNLL()) }

// PerplexityBase2 returns 2^(mean NLL in bits): the same quantity as
// Perplexity, computed in base 2.
func (s LMStats) PerplexityBase2() float64 { return math.Pow(2, s.MeanNLLBits()) }

// PerplexityPer returns exp(NLL/units): perplexity per word (units = the
// number of words of the text) or per byte, which compares models with
// different tokenizers.
func (s LMStats) PerplexityPer(units int64) float64 { return math.Exp(s.NLL / float64(units)) }

// BitsPer returns NLL/(units·ln 2): bits per byte when units is the number
// of bytes of the text scored (or bits per character, per word).
func (s LMStats) BitsPer(units int64) float64 { return s.NLL / math.Ln2 / float64(units) }

// FromLogProbs sums token log-likelihoods (natural log, as a model gives
// them) into statistics.
func FromLogProbs(logProbs []float64) LMStats {
	var s LMStats
	for _, lp := range logProbs {
		s.NLL -= lp
	}
	s.Tokens = int64(len(logProbs))
	return s
}

// FromLogProbs2 sums base-2 token log-likelihoods into statistics.
func FromLogProbs2(logProbs []float64) LMStats {
	var s LMStats
	for _, lp := range logProbs {
		s.NLL -= lp * math.Ln2
	}
	s.Tokens = int64(len(logProbs))
	return s
}

// LogitsNLL scores next-token logits against targets as PyTorch's
// F.cross_entropy(logits.reshape(-1, vocab), targets.reshape(-1),
// ignore_index=ignore, reduction='sum') does: logits holds one row of vocab
// logits per target, row-major. The log-softmax is computed in float64 for
// float32 logits too. It returns an error when the sizes disagree or a
// target that is not ignored lies outside 0..vocab-1.
func LogitsNLL[F float32 | float64](logits []F, vocab int, targets []int, ignore int) (LMStats, error) {
	if vocab <= 0 {
		return LMStats{}, fmt.Errorf("%w: vocabulary size %d", ErrBadOption, vocab)
	}
	if len(logits) != vocab*len(targets) {
		return LMStats{}, fmt.Errorf("%w: %d logits for %d targets of vocabulary %d (want %d)", ErrLengthMismatch, len(logits), len(targets), vocab, vocab*len(targets))
	}
	var s LMStats
	for i, t := range targets {
		if t == ignore {
			continue
		}
		if t < 0 || t >= vocab {
			return LMStats{}, fmt.Errorf("%w: target %d at position %d is outside 0..%d", ErrBadOption, t, i, vocab-1)
		}
		s.NLL += rowNLL(logits[i*vocab:(i+1)*vocab], t)
		s.Tokens++
	}
	return s, nil
}

// LogitsRowsNLL is [LogitsNLL] for logits given as one slice per target.
func LogitsRowsNLL[F float32 | float64](logits [][]F, targets []int, ignore int) (LMStats, error) {
	if len(logits) != len(targets) {
		return LMStats{}, fmt.Errorf("%w: %d logit rows for %d targets", ErrLengthMismatch, len(logits), len(targets))
	}
	var s LMStats
	for i, t := range targets {
		if t == ignore {
			continue
		}
		if t < 0 || t >= len(logits[i]) {
			return LMStats{}, fmt.Errorf("%w: target %d at position %d is outside 0..%d", ErrBadOption, t, i, len(logits[i])-1)
		}
		s.NLL += rowNLL(logits[i], t)
		s.Tokens++
	}
	return s, nil
}

// CausalLMNLL scores a batch the way Hugging Face causal language models
// compute their loss: logits has shape [batch, seqLen, vocab] and targets
// [batch, seqLen]; the logits at position t predict the target at t+1, so
// logits[:, :-1] are scored against targets[:, 1:]. It returns the total
// and the statistics of each sequence.
func CausalLMNLL[F float32 | float64](logits []F, batch, seqLen, vocab int, targets []int, ignore int) (LMStats, []LMStats, error) {
	if batch < 0 || seqLen < 0 || vocab <= 0 || len(logits) != batch*seqLen*vocab || len(targets) != batch*seqLen {
		return LMStats{}, nil, fmt.Errorf("%w: %d logits and %d targets for batch %d, length %d, vocabulary %d", ErrLengthMismatch, len(logits), len(targets), batch, seqLen, vocab)
	}
	var total LMStats
	per := make([]LMStats, batch)
	for b := 0; b < batch; b++ {
		for t := 0; t+1 < seqLen; t++ {
			tgt := targets[b*seqLen+t+1]
			if tgt == ignore {
				continue
			}
			if tgt < 0 || tgt >= vocab {
				return LMStats{}, nil, fmt.Errorf("%w: target %d at [%d, %d] is outside 0..%d", ErrBadOption, tgt, b, t+1, vocab-1)
			}
			off := (b*seqLen + t) * vocab
			per[b].NLL += rowNLL(logits[off:off+vocab], tgt)
			per[b].Tokens++
		}
		total.Add(per[b])
	}
	return total, per, nil
}

// rowNLL returns logsumexp(row) - row[t] in float64.
func rowNLL[F float32 | float64](row []F, t int) float64 {
	m := math.Inf(-1)
	for _, x := range row {
		if v := float64(x); v > m || math.IsNaN(v) {
			m = v
		}
	}
	if math.IsInf(m, 0) || math.IsNaN(m) {
		return math.NaN()
	}
	var sum float64
	for _, x := range row {
		sum += math.Exp(float64(x) - m)
	}
	return m + math.Log(sum) - float64(row[t])
}

// PerplexityAccumulator collects language-model statistics from several
// goroutines during evaluation. The zero value is ready to use.
type PerplexityAccumulator struct {
	mu sync.Mutex
	s  LMStats
}

// Add adds the statistics of one batch.
func (a *PerplexityAccumulator) Add(s LMStats) {
	a.mu.Lock()
	a.s.Add(s)
	a.mu.Unlock()
}

// Stats returns the statistics so far.
func (a *PerplexityAccumulator) Stats() LMStats {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.s
}

// Reset clears the statistics, for the next evaluation.
func (a *PerplexityAccumulator) Reset() {
	a.mu.Lock()
	a.s = LMStats{}
	a.mu.Unlock()
}
