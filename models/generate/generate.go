package generate

import (
	"context"
	"errors"
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// ErrAllForbidden is returned when the processors forbid every token of a
// sequence's next step (a no-repeat rule over a tiny vocabulary, say).
var ErrAllForbidden = errors.New("generate: every token is forbidden")

// vocabSizer and maxLener are the optional methods Generate uses to check
// prompts and lengths before the model sees them.
type vocabSizer interface{ VocabSize() int }
type maxLener interface{ MaxLen() int }

// Generate continues each prompt (token ids, at least one each) with the
// model and returns, for prompt i, its NumReturnSequences sequences: the
// greedy continuation, independent samples, or the best beams, best first.
// The prompts run as one batch, left-padded to the longest; each row's
// result is the one it would get alone. For an encoder-decoder bound to a
// batch of sources, prompt i is the decoder's prompt for source i (its
// decoder start token, usually), and there must be one per source. Cancelling ctx stops generation
// between steps with ctx's error.
//
// Bad options or prompts return an error before the model runs. A model
// whose parameters require gradients records a graph at every step: pass
// one whose parameters need none (frozen, or a detached view).
func Generate(ctx context.Context, m Model, prompts [][]int, o Options) ([][]Sequence, error) {
	o, err := o.check(len(prompts))
	if err != nil {
		return nil, err
	}
	limits, err := checkPrompts(m, prompts)
	if err != nil {
		return nil, err
	}
	if len(prompts) == 0 {
		return [][]Sequence{}, nil
	}
	if o.Beams > 1 {
		return beamSearch(ctx, m, prompts, limits, o)
	}
	return decode(ctx, m, prompts, limits, o)
}

// checkPrompts validates the prompts against the model's vocabulary and
// length and returns, per prompt, the most tokens it may generate beyond
// its length (-1: unlimited).
func checkPrompts(m Model, prompts [][]int) ([]int, error) {
	vocab, maxLen := -1, -1
	if v, ok := m.(vocabSizer); ok {
		vocab = v.VocabSize()
	}
	if l, ok := m.(maxLener); ok && l.MaxLen() > 0 {
		maxLen = l.MaxLen()
	}
	limits := make([]int, len(prompts))
	for i, p := range prompts {
		if len(p) == 0 {
			return nil, fmt.Errorf("generate: prompt %d is empty", i)
		}
		for j, id := range p {
			if id < 0 || vocab >= 0 && id >= vocab {
				return nil, fmt.Errorf("generate: prompt %d: token %d at %d is outside the vocabulary of %d", i, id, j, vocab)
			}
		}
		limits[i] = -1
		if maxLen >= 0 {
			if len(p) >= maxLen {
				return nil, fmt.Errorf("generate: prompt %d has %d tokens: the model takes at most %d, one to be generated", i, len(p), maxLen)
			}
			limits[i] = maxLen - len(p)
		}
	}
	return limits, nil
}

// leftPad returns the prompts as ids and mask [len(prompts), width],
// padded on the left with pad.
func leftPad(prompts [][]int, pad int) (ids, mask []int32, width int) {
	for _, p := range prompts {
		width = max(width, len(p))
	}
	ids = make([]int32, len(prompts)*width)
	mask = make([]int32, len(prompts)*width)
	for i, p := range prompts {
		off := i*width + width - len(p)
		for j := range width - len(p) {
			ids[i*width+j] = int32(pad)
		}
		for j, id := range p {
			ids[off+j] = int32(id)
			mask[off+j] = 1
		}
	}
	return ids, mask, width
}

// prefill runs the padded prompts through the model and returns the
// cache, the logits [rows, V] and the host mask, with each prompt's row
// repeated copies times.
func prefill(m Model, prompts [][]int, copies, pad int) (Cache, *tensor.Tensor, [][]int32) {
	ids, mask, width := leftPad(prompts, pad)
	b := len(prompts)
	cache := m.NewCache(b)
	logits := m.Step(tensor.FromSlice(ids, b, width), tensor.FromSlice(mask, b, width), cache)
	rows := make([][]int32, 0, b*copies)
	for i := range b {
		for range copies {
			rows = append(rows, mask[i*width:(i+1)*width:(i+1)*width])
		}
	}
	if copies > 1 {
		idx := make([]int32, 0, b*copies)
		for i := range b {
			for range copies {
				idx = append(idx, int32(i))
			}
		}
		t := tensor.FromSlice(idx, len(idx))
		cache.Reorder(t)
		logits = logits.IndexSelect(0, t)
	}
	return cache, logits, rows
}

// stepInput builds the next step's ids [A, 1] and mask [A, width+1] for
// the active rows, each mask row growing by a real token.
func stepInput(last []int32, masks [][]int32) (ids, mask *tensor.Tensor) {
	a := len(last)
	width := len(masks[0]) + 1
	m := make([]int32, 0, a*width)
	for i := range masks {
		masks[i] = append(masks[i], 1)
		m = append(m, masks[i]...)
	}
	return tensor.FromSlice(last, a, 1), tensor.FromSlice(m, a, width)
}

// decode runs greedy decoding or sampling.
func decode(ctx context.Context, m Model, prompts [][]int, limits []int, o Options) ([][]Sequence, error) {
	n := o.NumReturnSequences
	runs := make([]*Run, 0, len(prompts)*n)
	for i, p := range prompts {
		seed := o.Seed
		if o.Seeds != nil {
			seed = o.Seeds[i]
		}
		for j := range n {
			runs = append(runs, newRun(p, o, i, j, seed, limits[i]))
		}
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	cache, logits, masks := prefill(m, prompts, n, o.PadToken)
	active := runs // the batch rows, in cache order
	for {
		v := logits.Dim(1)
		lf := logits.Float32s()
		for r, run := range active {
			tok, err := run.Next(lf[r*v : (r+1)*v])
			if err != nil {
				return nil, err
			}
			if o.Stream != nil {
				if err := o.Stream(tok); err != nil {
					return nil, err
				}
			}
		}
		// Drop the finished rows from the batch.
		keep := make([]int32, 0, len(active))
		next := active[:0:0]
		for r, run := range active {
			if !run.Done() {
				keep = append(keep, int32(r))
				next = append(next, run)
			}
		}
		if len(next) == 0 {
			break
		}
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if len(next) < len(active) {
			cache.Reorder(tensor.FromSlice(keep, len(keep)))
			kept := make([][]int32, len(keep))
			for i, r := range keep {
				kept[i] = masks[r]
			}
			masks = kept
		}
		active = next
		last := make([]int32, len(active))
		for i, run := range active {
			last[i] = int32(run.Last())
		}
		ids, mask := stepInput(last, masks)
		logits = m.Step(ids, mask, cache)
	}
	out := make([][]Sequence, len(prompts))
	for _, run := range runs {
		s := run.out
		s.Tokens = run.hist.Generated
		out[run.prompt] = append(out[run.prompt], s)
	}
	return out, nil
}
