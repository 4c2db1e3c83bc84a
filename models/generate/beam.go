package generate

import (
	"context"
	"math"
	"slices"

	"github.com/goformer/goformer/tensor"
)

// Beam search, as Hugging Face's generate runs it with num_beams > 1 and
// no sampling (its BeamSearchScorer and BeamHypotheses, transformers 4.38
// and later): every prompt keeps Beams open beams; at each step every
// beam's next-token log-probabilities (after the processors) are added to
// its score, and the 2·Beams best continuations over all beams are taken
// in order: one that ends with a stop token becomes a finished hypothesis
// (if it ranks among the first Beams), the others become the next beams
// until Beams are open. A finished hypothesis scores its sum of
// log-probabilities over nᵅ, n its generated length with the stop token,
// α the length penalty; a prompt keeps its Beams best. A prompt's search
// ends by its EarlyStopping rule, or at the length limit, when its open
// beams join the finished ones; the best NumReturnSequences are returned.

// hyp is a finished beam hypothesis.
type hyp struct {
	score  float64
	tokens []int
	stop   bool // ended by a stop token (the last of tokens)
}

// hyps keeps a prompt's best finished hypotheses (BeamHypotheses).
type hyps struct {
	beams   int
	alpha   float64
	rule    EarlyStopping
	maxNew  int
	list    []hyp
	worst   float64
	done    bool
	prompt  int
	openIdx []int // rows of the open beams in the current batch
}

func (h *hyps) add(tokens []int, sumLogProbs float64, genLen int, stop bool) {
	score := sumLogProbs / math.Pow(float64(genLen), h.alpha)
	if len(h.list) < h.beams || score > h.worst {
		h.list = append(h.list, hyp{score: score, tokens: tokens, stop: stop})
		if len(h.list) > h.beams {
			// Drop the worst (the first of the worst on ties), and
			// remember the next worst.
			order := make([]int, len(h.list))
			for i := range order {
				order[i] = i
			}
			slices.SortStableFunc(order, func(a, b int) int {
				switch sa, sb := h.list[a].score, h.list[b].score; {
				case sa < sb:
					return -1
				case sa > sb:
					return 1
				}
				return 0
			})
			h.worst = h.list[order[1]].score
			h.list = slices.Delete(h.list, order[0], order[0]+1)
		} else {
			h.worst = min(score, h.worst)
		}
	}
}

// isDone reports whether no open beam can improve the hypotheses, given
// the best current sum of log-probabilities after genLen tokens.
func (h *hyps) isDone(best float64, genLen int) bool {
	if len(h.list) < h.beams {
		return false
	}
	switch h.rule {
	case StopWhenFull:
		return true
	case StopNever:
		if h.alpha > 0 {
			return h.worst >= best/math.Pow(float64(h.maxNew), h.alpha)
		}
	}
	return h.worst >= best/math.Pow(float64(genLen), h.alpha)
}

// logSoftmax32 writes log softmax(x) to dst in float32, as torch computes
// it: x − max − log Σ exp(x − max), the exponentials in float32 (exp32)
// summed in float64.
func logSoftmax32(dst, x []float32) {
	mx := float32(math.Inf(-1))
	for _, s := range x {
		mx = max(mx, s)
	}
	var sum float64
	for _, s := range x {
		sum += float64(exp32(s - mx))
	}
	ls := float32(math.Log(sum))
	for i, s := range x {
		dst[i] = (s - mx) - ls
	}
}

// candidate is one continuation of a beam.
type candidate struct {
	score float32
	beam  int // beam within the prompt
	token int
}

// topCandidates returns the n best (score, beam, token) of scores [K][V],
// best first, earlier (beam, token) first among equal scores.
func topCandidates(scores [][]float32, n int) []candidate {
	top := make([]candidate, 0, n+1)
	for k, row := range scores {
		for v, s := range row {
			if len(top) == n && !(s > top[n-1].score) {
				continue
			}
			i := len(top)
			for i > 0 && s > top[i-1].score {
				i--
			}
			top = slices.Insert(top, i, candidate{s, k, v})
			if len(top) > n {
				top = top[:n]
			}
		}
	}
	return top
}

// beamSearch runs beam search over the prompts.
func beamSearch(ctx context.Context, m Model, prompts [][]int, limits []int, o Options) ([][]Sequence, error) {
	k := o.Beams
	chain := o.Processors(1)
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cache, logits, masks := prefill(m, prompts, k, o.PadToken)

	all := make([]*hyps, len(prompts))
	// Per open beam (row of the batch): its prompt state, tokens, score.
	type beam struct {
		h      *hyps
		tokens []int
		score  float32
	}
	rows := make([]beam, 0, len(prompts)*k)
	for i := range prompts {
		maxNew := o.MaxNewTokens
		if limits[i] >= 0 {
			maxNew = min(maxNew, limits[i])
		}
		all[i] = &hyps{beams: k, alpha: o.LengthPenalty, rule: o.EarlyStopping, maxNew: maxNew, worst: 1e9, prompt: i}
		for j := range k {
			s := float32(0)
			if j > 0 {
				s = -1e9
			}
			rows = append(rows, beam{h: all[i], score: s})
		}
	}
	nCand := max(2, 1+len(o.StopTokens)) * k
	lp := make([]float32, 0)
	for step := 0; ; step++ {
		v := logits.Dim(1)
		lf := logits.Float32s()
		next := make([]beam, 0, len(rows))
		index := make([]int32, 0, len(rows))
		last := make([]int32, 0, len(rows))
		genLen := step + 1
		for p0 := 0; p0 < len(rows); p0 += k {
			h := rows[p0].h
			scores := make([][]float32, k)
			for j := range k {
				r := p0 + j
				lp = slices.Grow(lp[:0], v)[:v]
				logSoftmax32(lp, lf[r*v:(r+1)*v])
				chain.Process(lp, History{Prompt: prompts[h.prompt], Generated: rows[r].tokens})
				row := make([]float32, v)
				for t, s := range lp {
					row[t] = s + rows[r].score
				}
				scores[j] = row
			}
			cands := topCandidates(scores, nCand)
			open := 0
			for rank, c := range cands {
				src := rows[p0+c.beam]
				if slices.Contains(o.StopTokens, c.token) {
					if rank >= k {
						continue
					}
					toks := append(slices.Clone(src.tokens), c.token)
					h.add(toks, float64(c.score), genLen, true)
				} else {
					toks := append(slices.Clone(src.tokens), c.token)
					next = append(next, beam{h: h, tokens: toks, score: c.score})
					index = append(index, int32(p0+c.beam))
					last = append(last, int32(c.token))
					open++
				}
				if open == k {
					break
				}
			}
			if open < k {
				// Fewer than Beams finite continuations: the vocabulary is
				// too small for the beams, or the processors forbid too
				// much.
				return nil, ErrAllForbidden
			}
			h.done = h.done || h.isDone(float64(cands[0].score), genLen)
			if !h.done && genLen >= h.maxNew {
				// The length limit: the open beams join the hypotheses.
				for _, b := range next[len(next)-k:] {
					h.add(b.tokens, float64(b.score), len(b.tokens), false)
				}
				h.done = true
			}
			if h.done {
				next, index, last = next[:len(next)-k], index[:len(index)-k], last[:len(last)-k]
			}
		}
		if len(next) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		idx := tensor.FromSlice(index, len(index))
		cache.Reorder(idx)
		newMasks := make([][]int32, len(index))
		for i, r := range index {
			newMasks[i] = slices.Clone(masks[r])
		}
		masks, rows = newMasks, next
		ids, mask := stepInput(last, masks)
		logits = m.Step(ids, mask, cache)
	}
	out := make([][]Sequence, len(prompts))
	for i, h := range all {
		list := slices.Clone(h.list)
		// Best first; among equal scores the later one first, as Python's
		// sorted-then-pop does.
		slices.Reverse(list)
		slices.SortStableFunc(list, func(a, b hyp) int {
			switch {
			case a.score > b.score:
				return -1
			case a.score < b.score:
				return 1
			}
			return 0
		})
		for _, hp := range list[:o.NumReturnSequences] {
			s := Sequence{Tokens: hp.tokens, Score: hp.score, Finish: FinishLength}
			if hp.stop {
				s.Finish = FinishStopToken
			}
			out[i] = append(out[i], s)
		}
	}
	return out, nil
}
