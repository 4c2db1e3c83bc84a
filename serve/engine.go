package serve

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/tensor"
)

// The engine decodes every running sequence of the server in one batch,
// one token per sequence per step of the model (continuous batching).
// Between two steps, sequences that finished or whose client went away
// leave the batch, and waiting prompts join it: each is prefilled alone
// (one pass over its prompt, into a cache of its own), then its cache is
// joined to the batch's, left-padded to the batch's width (lm.Concat),
// and the attention mask hides the padding. Columns that no row needs any
// more are dropped (lm.TrimLeft), so the batch's width is always its
// longest sequence's.
//
// A sequence's output does not depend on the rest of the batch, bit for
// bit: its prompt is always prefilled alone, the attention of a
// left-padded row starts at its first token, and the matrix products of
// a decoding step (x·Wᵀ with one row per sequence) round every row as
// they would round it alone, for any number of rows up to
// tensor.BatchInvariantRows (see the tensor package's doc).

// Errors of Submit.
var (
	// ErrQueueFull: the queue of waiting prompts is full (HTTP 429).
	ErrQueueFull = errors.New("serve: the queue of waiting requests is full")
	// ErrClosed: the server is shutting down (HTTP 503).
	ErrClosed = errors.New("serve: the server is shutting down")
)

// tooLargeError is a prompt whose sequence can never fit the KV cache.
type tooLargeError struct {
	need, most int
}

func (e *tooLargeError) Error() string {
	return fmt.Sprintf("the request needs %d positions of KV cache (prompt and max_tokens), more than the server's limit of %d per sequence: lower max_tokens or shorten the prompt", e.need, e.most)
}

// finish reasons, as the API names them.
const (
	finishStop   = "stop"
	finishLength = "length"
)

// event is what the engine tells a request about one of its prompts: a
// token (with the finish reason when it ends the sequence), or an error
// that ends it.
type event struct {
	index   int     // the prompt's index in its request
	token   int     // the new token, -1 with err
	logprob float64 // its log-probability under the model
	top     []alt   // the most likely tokens, when asked for
	finish  string  // "" while the sequence runs
	stop    string  // the stop string that ended it
	err     error
}

// alt is a token and its log-probability.
type alt struct {
	id      int
	logprob float64
}

// job is one prompt's generation.
type job struct {
	ctx     context.Context
	index   int
	prompt  []int
	maxNew  int
	picker  *generate.Picker
	src     generate.Source
	stopIDs []int
	stops   []string
	window  int // generated tokens decoded to look for a stop string
	dec     generate.Decoder
	top     int          // alternatives to report per token
	out     chan<- event // buffered: room for every event of the job

	enqueued time.Time
	gen      []int // generated so far (engine goroutine only)
}

// need is the positions of the job's row at its longest.
func (j *job) need() int { return len(j.prompt) + j.maxNew }

// engineStats are the engine's figures for metrics and leak checks.
type engineStats struct {
	Queued     int   // prompts waiting
	Running    int   // sequences in the batch
	KVBytes    int64 // bytes of keys and values held
	KVReserved int64 // bytes the running sequences may grow to
	KVBudget   int64
}

type engineConfig struct {
	maxBatch      int
	queueSize     int
	budget        int64 // KV-cache bytes
	prefillTokens int
	log           *slog.Logger
}

type engine struct {
	model    generate.Model
	cfg      engineConfig
	posBytes int64 // KV bytes per position of one row
	m        *metrics

	mu     sync.Mutex
	queue  []*job
	closed bool
	stats  engineStats
	wake   chan struct{}
	quit   chan struct{}
	done   chan struct{}
	once   sync.Once

	// The batch, owned by the loop goroutine.
	cache generate.Cache
	rows  []*job
	lens  []int   // real tokens each row holds
	last  []int32 // each row's token to feed next
}

// newEngine measures the model's KV bytes per position with a one-token
// step and starts the decoding loop.
func newEngine(model generate.Model, cfg engineConfig, m *metrics) (*engine, error) {
	e := &engine{model: model, cfg: cfg, m: m,
		wake: make(chan struct{}, 1), quit: make(chan struct{}), done: make(chan struct{})}
	if err := e.measure(); err != nil {
		return nil, err
	}
	e.stats.KVBudget = cfg.budget
	go e.loop()
	return e, nil
}

func (e *engine) measure() (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("serve: the model does not decode with a KV cache lm.Concat can join: %v", r)
		}
	}()
	c := e.model.NewCache(1)
	e.model.Step(tensor.FromSlice([]int32{0}, 1, 1), nil, c)
	e.posBytes = lm.CacheBytes(c)
	if e.posBytes <= 0 {
		return errors.New("serve: the model's cache holds no keys and values")
	}
	return nil
}

// reserve returns the KV bytes a batch of rows sequences of at most need
// positions may take: the cache's buffers grow geometrically, to at most
// twice the positions held (16 at least).
func (e *engine) reserve(rows, need int) int64 {
	return int64(rows) * int64(max(2*need, 16)) * e.posBytes
}

// mostPositions is the longest sequence the KV budget admits.
func (e *engine) mostPositions() int {
	return int(e.cfg.budget / (2 * e.posBytes))
}

// submit queues the jobs of one request, all or none.
func (e *engine) submit(jobs []*job) error {
	for _, j := range jobs {
		if e.reserve(1, j.need()) > e.cfg.budget {
			return &tooLargeError{need: j.need(), most: e.mostPositions()}
		}
	}
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.closed {
		return ErrClosed
	}
	if len(e.queue)+len(jobs) > e.cfg.queueSize {
		return ErrQueueFull
	}
	now := time.Now()
	for _, j := range jobs {
		j.enqueued = now
		e.queue = append(e.queue, j)
	}
	e.stats.Queued = len(e.queue)
	select {
	case e.wake <- struct{}{}:
	default:
	}
	return nil
}

// close stops the loop; running and waiting jobs end with ErrClosed. It
// waits for the loop to end.
func (e *engine) close() {
	e.once.Do(func() {
		e.mu.Lock()
		e.closed = true
		e.mu.Unlock()
		close(e.quit)
	})
	<-e.done
}

func (e *engine) snapshot() engineStats {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.stats
}

func (e *engine) loop() {
	defer close(e.done)
	for {
		select {
		case <-e.quit:
			e.failAll(ErrClosed)
			return
		default:
		}
		e.admit()
		if len(e.rows) == 0 {
			select {
			case <-e.wake:
			case <-e.quit:
			}
			continue
		}
		e.step()
	}
}

// send hands an event to the job's request; the channel has room for
// every event of the job, so the engine never waits for a client.
func (e *engine) send(j *job, ev event) {
	ev.index = j.index
	select {
	case j.out <- ev:
	default:
		e.cfg.log.Error("serve: an event channel is full; the event is dropped", "index", j.index)
	}
}

// end ends a job with an error (cancellation, shutdown, a failure).
func (e *engine) end(j *job, err error) {
	reason := "error"
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		reason = "cancelled"
	}
	e.m.finished.with(reason).Add(1)
	e.send(j, event{token: -1, err: err})
}

func (e *engine) failAll(err error) {
	e.mu.Lock()
	queued := e.queue
	e.queue = nil
	e.mu.Unlock()
	for _, j := range queued {
		e.end(j, err)
	}
	for _, j := range e.rows {
		e.end(j, err)
	}
	e.cache, e.rows, e.lens, e.last = nil, nil, nil, nil
	e.updateStats()
}

// admit prefills waiting prompts, in order, while the batch has room and
// the KV budget admits them (at least one prompt, then up to
// prefillTokens prompt tokens per round), and joins them to the batch.
func (e *engine) admit() {
	var fresh []*job
	var caches []generate.Cache
	tokens := 0
	for {
		e.mu.Lock()
		e.queue = slices.DeleteFunc(e.queue, func(j *job) bool {
			if j.ctx.Err() != nil {
				e.end(j, j.ctx.Err())
				return true
			}
			return false
		})
		e.stats.Queued = len(e.queue)
		if len(e.queue) == 0 {
			e.mu.Unlock()
			break
		}
		j := e.queue[0]
		if tokens > 0 && tokens+len(j.prompt) > e.cfg.prefillTokens || !e.fits(j, fresh) {
			e.mu.Unlock()
			break
		}
		e.queue = e.queue[1:]
		e.stats.Queued = len(e.queue)
		e.mu.Unlock()
		tokens += len(j.prompt)
		if c := e.prefill(j); c != nil {
			fresh = append(fresh, j)
			caches = append(caches, c)
		}
	}
	if len(fresh) > 0 {
		e.join(fresh, caches)
	}
}

// fits reports whether j can join the batch and the prompts prefilled
// for it this round within the batch size and the KV budget.
func (e *engine) fits(j *job, fresh []*job) bool {
	n, need := 1+len(fresh)+len(e.rows), j.need()
	for _, r := range e.rows {
		need = max(need, r.need())
	}
	for _, f := range fresh {
		need = max(need, f.need())
	}
	return n <= e.cfg.maxBatch && e.reserve(n, need) <= e.cfg.budget
}

// prefill runs j's prompt alone and picks its first token; it returns
// j's cache, or nil when j has already ended.
func (e *engine) prefill(j *job) (c generate.Cache) {
	defer func() {
		if r := recover(); r != nil {
			e.cfg.log.Error("serve: prefill failed", "panic", r)
			e.end(j, fmt.Errorf("serve: the model failed: %v", r))
			c = nil
		}
	}()
	if err := j.ctx.Err(); err != nil {
		e.end(j, err)
		return nil
	}
	e.m.queueWait.observe(time.Since(j.enqueued).Seconds())
	ids := make([]int32, len(j.prompt))
	for i, id := range j.prompt {
		ids[i] = int32(id)
	}
	c = e.model.NewCache(1)
	logits := e.model.Step(tensor.FromSlice(ids, 1, len(ids)), nil, c)
	e.m.promptToks.Add(uint64(len(ids)))
	e.m.genToks.Add(1)
	e.m.tokenRate.add(1, time.Now())
	if e.pick(j, logits.Float32s()) {
		return nil
	}
	return c
}

// join adds prefilled jobs to the batch.
func (e *engine) join(fresh []*job, caches []generate.Cache) {
	if len(e.rows) > 0 {
		caches = append([]generate.Cache{e.cache}, caches...)
	}
	if len(caches) == 1 {
		e.cache = caches[0]
	} else {
		e.cache = lm.Concat(caches...)
	}
	for _, j := range fresh {
		e.rows = append(e.rows, j)
		e.lens = append(e.lens, len(j.prompt))
		e.last = append(e.last, int32(j.gen[len(j.gen)-1]))
	}
	e.keep(allRows(len(e.rows)))
}

func allRows(n int) []int {
	r := make([]int, n)
	for i := range r {
		r[i] = i
	}
	return r
}

// keep makes the batch the rows keep (indices into rows, in order), and
// drops the padding columns no row needs.
func (e *engine) keep(keep []int) {
	if len(keep) == 0 {
		e.cache, e.rows, e.lens, e.last = nil, nil, nil, nil
		e.updateStats()
		return
	}
	unchanged := len(keep) == len(e.rows)
	for i, k := range keep {
		if k != i {
			unchanged = false
		}
	}
	if !unchanged {
		idx := make([]int32, len(keep))
		rows := make([]*job, len(keep))
		lens := make([]int, len(keep))
		last := make([]int32, len(keep))
		for i, k := range keep {
			idx[i], rows[i], lens[i], last[i] = int32(k), e.rows[k], e.lens[k], e.last[k]
		}
		e.cache.Reorder(tensor.FromSlice(idx, len(idx)))
		e.rows, e.lens, e.last = rows, lens, last
	}
	if w := slices.Max(e.lens); w < e.cache.Len() {
		lm.TrimLeft(e.cache, e.cache.Len()-w)
	}
	e.updateStats()
}

func (e *engine) updateStats() {
	var held int64
	need := 0
	for _, j := range e.rows {
		need = max(need, j.need())
	}
	if e.cache != nil {
		held = lm.CacheBytes(e.cache)
	}
	var reserved int64
	if len(e.rows) > 0 {
		reserved = e.reserve(len(e.rows), need)
	}
	e.mu.Lock()
	e.stats.Running, e.stats.KVBytes, e.stats.KVReserved = len(e.rows), held, reserved
	e.mu.Unlock()
}

// step decodes one token of every sequence of the batch.
func (e *engine) step() {
	// Sequences whose request ended (the client went away, the deadline
	// passed) leave before the step.
	var keep []int
	for i, j := range e.rows {
		if err := j.ctx.Err(); err != nil {
			e.end(j, err)
			continue
		}
		keep = append(keep, i)
	}
	if len(keep) < len(e.rows) {
		e.keep(keep)
		if len(e.rows) == 0 {
			return
		}
	}
	defer func() {
		if r := recover(); r != nil {
			e.cfg.log.Error("serve: a decoding step failed; the batch is dropped", "panic", r)
			for _, j := range e.rows {
				e.end(j, fmt.Errorf("serve: the model failed: %v", r))
			}
			e.cache, e.rows, e.lens, e.last = nil, nil, nil, nil
			e.updateStats()
		}
	}()
	b, w := len(e.rows), e.cache.Len()
	var mask *tensor.Tensor
	if slices.Min(e.lens) < w {
		m := make([]int32, 0, b*(w+1))
		for _, n := range e.lens {
			for c := range w + 1 {
				if c >= w-n {
					m = append(m, 1)
				} else {
					m = append(m, 0)
				}
			}
		}
		mask = tensor.FromSlice(m, b, w+1)
	}
	start := time.Now()
	logits := e.model.Step(tensor.FromSlice(slices.Clone(e.last), b, 1), mask, e.cache)
	lf := logits.Float32s()
	v := len(lf) / b
	keep = keep[:0]
	real := len(e.rows)
	for r, j := range e.rows {
		e.lens[r]++
		if !e.pick(j, lf[r*v:(r+1)*v]) {
			keep = append(keep, r)
		}
		e.last[r] = int32(j.gen[len(j.gen)-1])
	}
	now := time.Now()
	e.m.stepTime.observe(now.Sub(start).Seconds())
	e.m.batchSizes.observe(float64(real))
	e.m.genToks.Add(uint64(real))
	e.m.tokenRate.add(float64(real), now)
	if len(keep) < real {
		e.keep(keep)
	}
}

// pick chooses j's next token from its logits, tells the request, and
// reports whether the sequence ended.
func (e *engine) pick(j *job, logits []float32) bool {
	id, lp := j.picker.Pick(logits, generate.History{Prompt: j.prompt, Generated: j.gen}, j.src)
	if id < 0 {
		e.end(j, generate.ErrAllForbidden)
		return true
	}
	j.gen = append(j.gen, id)
	ev := event{token: id, logprob: lp}
	if j.top > 0 {
		ev.top = topLogprobs(logits, j.top)
	}
	if slices.Contains(j.stopIDs, id) {
		ev.finish = finishStop
	} else if ev.stop = j.stopString(); ev.stop != "" {
		ev.finish = finishStop
	} else if len(j.gen) >= j.maxNew {
		ev.finish = finishLength
	}
	e.send(j, ev)
	if ev.finish != "" {
		e.m.finished.with(ev.finish).Add(1)
		return true
	}
	return false
}

// stopString returns the stop string the text of the last generated
// tokens contains, "" for none.
func (j *job) stopString() string {
	if len(j.stops) == 0 {
		return ""
	}
	text, err := j.dec.Decode(j.gen[max(0, len(j.gen)-j.window):], false)
	if err != nil {
		return ""
	}
	best, stop := -1, ""
	for _, s := range j.stops {
		if i := strings.Index(text, s); i >= 0 && (best < 0 || i < best) {
			best, stop = i, s
		}
	}
	return stop
}

// topLogprobs returns the n most likely tokens of logits and their
// log-probabilities, most likely first. The log-probabilities are
// generate.LogProb's, bit for bit, so that the sampled token's entry
// equals its own log-probability; the normalizer is computed once.
func topLogprobs(logits []float32, n int) []alt {
	top := make([]alt, 0, n+1)
	for id, v := range logits {
		if len(top) == n && float64(v) <= top[n-1].logprob {
			continue
		}
		a := alt{id, float64(v)}
		i, _ := slices.BinarySearchFunc(top, a, func(x, y alt) int {
			if x.logprob >= y.logprob {
				return -1
			}
			return 1
		})
		top = slices.Insert(top, i, a)
		if len(top) > n {
			top = top[:n]
		}
	}
	if len(top) == 0 {
		return top
	}
	// LogProb(logits, id) is float64(logits[id]−max) − log Σ exp32(l−max):
	// at the most likely token, minus the logarithm alone.
	mx := logits[top[0].id]
	lse := -generate.LogProb(logits, top[0].id)
	for i := range top {
		top[i].logprob = float64(logits[top[i].id]-mx) - lse
	}
	return top
}
