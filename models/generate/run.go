package generate

import (
	"fmt"
	"slices"
)

// Run is one greedy or sampled sequence in the making, for a caller that
// drives its own decoding loop — a server batching requests that come and
// go, each with its own options. It holds the sequence's processors, random
// stream, history and stop rules; Generate runs one per sequence. The
// caller runs the model (the prompt first, then Last after each step) and
// hands Next each step's logits for this sequence:
//
//	r, err := generate.NewRun(model, prompt, opts, 0)
//	for !r.Done() {
//		logits := ... // the model's last-position logits for r's row
//		tok, err := r.Next(logits)
//		...           // stream tok; feed r.Last() at the next step
//	}
//	seq := r.Sequence()
//
// A Run is not safe for concurrent use; distinct Runs are independent.
type Run struct {
	prompt int
	sample int
	picker *Picker
	stop   *stopper
	hist   History
	src    Source
	out    Sequence
	limit  int
	done   bool
}

// NewRun starts the sequence sample (0 for the first) of prompt under
// options o, which must not ask for beam search. Sampling draws from
// Source{o.Seed, sample} (Seeds is for Generate's batches). The prompt is
// checked against the model's vocabulary and length when the model
// reports them (see Model), and MaxNewTokens is capped by the model's
// length.
func NewRun(m Model, prompt []int, o Options, sample int) (*Run, error) {
	o.Seeds = nil
	o, err := o.check(1)
	if err != nil {
		return nil, err
	}
	if o.Beams > 1 {
		return nil, fmt.Errorf("generate: a Run decodes greedily or samples, not Beams %d", o.Beams)
	}
	if sample < 0 {
		return nil, fmt.Errorf("generate: sample %d is negative", sample)
	}
	limits, err := checkPrompts(m, [][]int{prompt})
	if err != nil {
		return nil, err
	}
	return newRun(prompt, o, 0, sample, o.Seed, limits[0]), nil
}

// newRun makes a Run from checked options and prompt; limit is the most
// tokens the model can take after the prompt (-1: no limit).
func newRun(prompt []int, o Options, promptIndex, sample int, seed uint64, limit int) *Run {
	l := o.MaxNewTokens
	if limit >= 0 {
		l = min(l, limit)
	}
	return &Run{
		prompt: promptIndex, sample: sample,
		picker: NewPicker(o), stop: newStopper(o),
		hist: History{Prompt: slices.Clip(prompt)}, src: Source{Seed: seed, Sample: sample},
		limit: l,
	}
}

// Next chooses the next token from the model's logits for the sequence,
// appends it, applies the stop rules and returns it; the returned Token is
// Finished when it ends the sequence. Next after the end is an error.
func (r *Run) Next(logits []float32) (Token, error) {
	if r.done {
		return Token{}, fmt.Errorf("generate: Next after the sequence ended (%s)", r.out.Finish)
	}
	id, lp := r.picker.Pick(logits, r.hist, r.src)
	if id < 0 {
		return Token{}, fmt.Errorf("prompt %d, token %d: %w", r.prompt, len(r.hist.Generated), ErrAllForbidden)
	}
	r.hist.Generated = append(r.hist.Generated, id)
	r.out.LogProbs = append(r.out.LogProbs, lp)
	r.out.Score += lp
	reason, str, done, err := r.stop.check(r.hist.Generated)
	if err != nil {
		return Token{}, err
	}
	if !done && len(r.hist.Generated) >= r.limit {
		reason, done = FinishLength, true
	}
	if done {
		r.done, r.out.Finish, r.out.Stop = true, reason, str
	}
	return Token{Prompt: r.prompt, Sample: r.sample, Index: len(r.hist.Generated) - 1, ID: id, LogProb: lp, Finished: done, Finish: reason}, nil
}

// Done reports whether the sequence has ended.
func (r *Run) Done() bool { return r.done }

// Last returns the last generated token, the one to feed the model next
// (the prompt's last token before any step).
func (r *Run) Last() int {
	if n := len(r.hist.Generated); n > 0 {
		return r.hist.Generated[n-1]
	}
	return r.hist.Prompt[len(r.hist.Prompt)-1]
}

// History returns the prompt and the tokens generated so far (shared, not
// copied: do not modify).
func (r *Run) History() History { return r.hist }

// Sequence returns the sequence generated so far (final once Done).
func (r *Run) Sequence() Sequence {
	s := r.out
	s.Tokens = slices.Clone(r.hist.Generated)
	s.LogProbs = slices.Clone(r.out.LogProbs)
	return s
}
