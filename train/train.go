// Package train is goformer's training loop, for pre-training and
// fine-tuning alike: seeded batching and shuffling with length bucketing,
// gradient accumulation, evaluation every N steps, a progress bar with the
// loss, tokens per second and the time left, checkpoints written
// atomically and resumable after a crash with nothing lost beyond the last
// one, early stopping, loss and metric curves as a PNG, and a stop with an
// error naming the step and the first tensor that went NaN or infinite.
//
// The loop knows nothing of the model: it takes the module tree to
// checkpoint, an optim.Optimizer over its parameters, the lengths of the
// examples, and a function computing the loss of a batch of example
// indices. The same loop trains a BERT classifier, a GPT language model
// or an encoder-decoder.
//
// # Getting started
//
//	res, err := train.Run(ctx, train.Config{
//		Model:     model,
//		Optimizer: optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(model), 5e-5, 0.01)...),
//		Lengths:   lengths, // tokens of each training example
//		BatchSize: 32,
//		Epochs:    3,
//		Seed:      1,
//		Loss: func(b train.Batch) (*tensor.Tensor, error) {
//			ids, mask, labels := collate(examples, b.Indices)
//			// Inputs adopted by the step's scope: its activations are
//			// recycled when the step ends.
//			sc := b.Scope
//			return nn.CrossEntropy(model.Forward(sc.Use(ids), sc.Use(mask)), sc.Use(labels)), nil
//		},
//		Eval:      evaluate, // returns metrics (accuracy, F1 from package metrics)
//		EvalEvery: 100,
//		Dir:       "runs/sst", CheckpointEvery: 100, Resume: true,
//		Progress:  os.Stderr,
//		Plot:      "runs/sst/curves.png",
//	})
//
// # Memory
//
// Each micro-batch runs in a tensor.Scope (Batch.Scope) that the loop
// closes once the batch's gradients are in the parameters: a Loss that
// adopts its inputs with Scope.Use has every activation and intermediate
// gradient of the step returned to the buffer cache, and the next step
// reuses that memory, so that a step in steady state allocates almost
// nothing (see the package tensor's section Memory). Evaluate on
// nn.Detached(model), which records no graph, in a scope of its own per
// batch.
//
// # Reproducibility and resuming
//
// The order of the examples in epoch e depends only on Config.Seed and e;
// each batch carries a random source seeded by its position; the dropout
// generator's counter is checkpointed. A run resumed from a checkpoint
// therefore takes exactly the steps the uninterrupted run would have
// taken, and ends with bit-identical weights.
package train

import (
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/goformer/goformer/internal/progress"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
)

// Metrics are the results of an evaluation, by name ("accuracy",
// "macro_f1", "loss").
type Metrics map[string]float64

// Config describes a training run.
type Config struct {
	// Model is the module tree whose tensors checkpoints hold (see
	// nn.Save); the loop switches it to training mode for the steps and
	// to evaluation mode for Eval.
	Model any
	// Optimizer updates the model's trainable parameters; its Accumulate
	// sets the micro-batches per update, and its schedule and clipping
	// apply.
	Optimizer *optim.Optimizer
	// Generator, when set, is the model's dropout generator: its counter
	// is checkpointed so that a resumed run draws the same masks.
	Generator *tensor.Generator

	// Lengths holds the length in tokens of each training example; its
	// length is the number of examples. Examples may be given instead
	// when lengths do not matter (no bucketing, tokens/s counts examples).
	Lengths  []int
	Examples int
	// BatchSize is the number of examples of a micro-batch.
	BatchSize int
	// Bucket, when positive, turns on length bucketing over windows of
	// Bucket batches (see Batches).
	Bucket int
	// Epochs and MaxSteps bound the run: it stops after Epochs passes
	// over the data or MaxSteps updates, whichever comes first (0: no
	// bound; one of them is required).
	Epochs   int
	MaxSteps int
	// Seed fixes the data order and the batches' random sources.
	Seed uint64

	// Loss returns the loss of a micro-batch, a scalar computed from the
	// model with autograd; the loop runs Backward on it.
	Loss func(b Batch) (*tensor.Tensor, error)
	// Tokens, when set, counts the tokens of a batch for the tokens/s
	// figure; by default the batch's Lengths are summed.
	Tokens func(b Batch) int

	// Eval, when set, evaluates the model (in evaluation mode) and returns
	// its metrics, every EvalEvery updates and after the last one.
	Eval      func(step int) (Metrics, error)
	EvalEvery int
	// Monitor names the metric early stopping and BestModel watch
	// ("loss", "accuracy"); Maximize says it should rise. Training stops
	// when it has not improved for Patience evaluations (0: never).
	Monitor  string
	Maximize bool
	Patience int
	// BestModel, when set, is a path where the model is saved (nn.Save)
	// each time the monitored metric improves.
	BestModel string

	// Dir holds the checkpoints (none when empty), written every
	// CheckpointEvery updates and at the end; the Keep newest are kept
	// (default 2, so that a damaged newest one leaves the one before).
	Dir             string
	CheckpointEvery int
	Keep            int
	// Resume continues from the newest undamaged checkpoint in Dir, if
	// there is one.
	Resume bool

	// Name heads the progress lines ("fine-tune").
	Name string
	// Progress receives the progress bar (on a terminal) or lines, and
	// evaluation results; nil or Quiet prints nothing.
	Progress io.Writer
	Quiet    bool
	// Plot, when set, is the path of a PNG of the loss and metric curves,
	// rewritten at each checkpoint and at the end.
	Plot string
}

// Result reports a finished run.
type Result struct {
	// Steps is the number of updates done, Epochs the passes over the
	// data (fractional).
	Steps  int
	Epochs float64
	// Tokens counts the tokens trained on; TokensPerSecond is measured
	// over this process's part of the run.
	Tokens          int64
	TokensPerSecond float64
	Duration        time.Duration
	// History holds the curves (including the steps before a resume).
	History History
	// Best is the best value of the monitored metric and BestStep its
	// step (NaN and 0 without evaluation).
	Best     float64
	BestStep int
	// EarlyStopped reports a stop by patience.
	EarlyStopped bool
	// ResumedFrom is the checkpoint the run resumed from, if any;
	// Checkpoint the last one written.
	ResumedFrom string
	Checkpoint  string
}

// NonFiniteError reports a loss, gradient or weight that became NaN or
// infinite.
type NonFiniteError struct {
	Step   int    // the update being computed (1 for the first)
	Tensor string // the first bad tensor: "loss", or "grad of <param>" / "<param>"
	Value  float64
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("train: step %d: %s is %v", e.Step, e.Tensor, e.Value)
}

func (c *Config) check() (n int, err error) {
	switch {
	case c.Model == nil:
		return 0, errors.New("train: no model")
	case c.Optimizer == nil:
		return 0, errors.New("train: no optimizer")
	case c.Loss == nil:
		return 0, errors.New("train: no loss function")
	case c.BatchSize <= 0:
		return 0, fmt.Errorf("train: batch size %d", c.BatchSize)
	case c.Epochs < 0 || c.MaxSteps < 0:
		return 0, fmt.Errorf("train: %d epochs, %d steps", c.Epochs, c.MaxSteps)
	case c.Epochs == 0 && c.MaxSteps == 0:
		return 0, errors.New("train: neither epochs nor steps bound the run")
	case c.Patience > 0 && (c.Eval == nil || c.Monitor == ""):
		return 0, errors.New("train: early stopping needs Eval and Monitor")
	case c.BestModel != "" && (c.Eval == nil || c.Monitor == ""):
		return 0, errors.New("train: BestModel needs Eval and Monitor")
	}
	n = len(c.Lengths)
	if c.Lengths == nil {
		n = c.Examples
	} else if c.Examples != 0 && c.Examples != n {
		return 0, fmt.Errorf("train: %d lengths for %d examples", n, c.Examples)
	}
	if n <= 0 {
		return 0, errors.New("train: no training examples")
	}
	for i, l := range c.Lengths {
		if l < 0 {
			return 0, fmt.Errorf("train: example %d has length %d", i, l)
		}
	}
	return n, nil
}

// Run trains until the epochs or steps are done, early stopping triggers,
// ctx is cancelled, or an error occurs (a failing Loss or Eval, a NaN, an
// unwritable checkpoint).
func Run(ctx context.Context, c Config) (*Result, error) {
	n, err := c.check()
	if err != nil {
		return nil, err
	}
	opt := c.Optimizer
	accum := max(opt.Accumulate, 1)
	perEpoch := (n + c.BatchSize - 1) / c.BatchSize
	total := c.MaxSteps
	if c.Epochs > 0 {
		if e := c.Epochs * perEpoch / accum; total == 0 || e < total {
			total = e
		}
	}
	if total <= 0 {
		return nil, fmt.Errorf("train: %d epochs of %d micro-batches make no update of %d micro-batches", c.Epochs, perEpoch, accum)
	}
	if c.Keep <= 0 {
		c.Keep = 2
	}
	bar := progress.New(c.Progress, progress.Options{Total: int64(total), Unit: "steps", Desc: c.Name, Silent: c.Quiet})
	st := State{Format: 1, Seed: c.Seed, BatchSize: c.BatchSize, Accumulate: accum, Examples: n}
	if c.Generator != nil {
		st.GenSeed = c.Generator.Seed()
	}
	res := &Result{Best: math.NaN()}
	if c.Resume && c.Dir != "" {
		path, saved, err := latestCheckpoint(c.Dir, bar.Printf)
		if err != nil {
			return nil, fmt.Errorf("train: resume: %w", err)
		}
		if path != "" {
			if err := c.restore(path, saved, st); err != nil {
				return nil, err
			}
			st = saved
			res.ResumedFrom = path
			bar.Printf("resumed from %s (step %d)", path, st.Step)
		}
	}
	if st.Step >= total {
		bar.Set(int64(st.Step))
		bar.Finish()
		return c.result(res, st, 0, time.Now()), nil
	}
	if st.Early {
		return c.result(res, st, 0, time.Now()), nil
	}
	bar.Set(int64(st.Step))
	bar.Restart()
	params := nn.Params(c.Model)
	nn.Train(c.Model)
	defer nn.Eval(c.Model)
	start := time.Now()
	var tokensHere int64
	var batches [][]int
	batchesEpoch := -1
	cycleLoss, cycleN := 0.0, 0
	for st.Step < total {
		if err := ctx.Err(); err != nil {
			return c.result(res, st, tokensHere, start), err
		}
		if batchesEpoch != st.Epoch {
			batches = Batches(n, c.Lengths, c.BatchSize, c.Bucket, c.Seed, st.Epoch)
			batchesEpoch = st.Epoch
		}
		if st.Batch >= len(batches) {
			st.Epoch++
			st.Batch = 0
			continue
		}
		b := Batch{Indices: batches[st.Batch], Epoch: st.Epoch, Index: st.Batch, Step: st.Step, Rand: batchRand(c.Seed, st.Micro)}
		lv, err := c.microStep(b, params, st.Step+1, opt.Pending()+1 >= accum)
		if err != nil {
			return c.result(res, st, tokensHere, start), err
		}
		cycleLoss += lv
		cycleN++
		st.Batch++
		st.Micro++
		tk := c.tokens(b)
		st.Tokens += int64(tk)
		tokensHere += int64(tk)
		if !opt.Step() {
			continue
		}
		opt.ZeroGrad()
		st.Step++
		st.History.Loss = append(st.History.Loss, cycleLoss/float64(cycleN))
		lr := 0.0
		if len(opt.Groups) > 0 {
			lr = opt.Groups[0].LR * scheduleFactor(opt, st.Step-1)
		}
		st.History.LR = append(st.History.LR, lr)
		cycleLoss, cycleN = 0, 0
		if c.Generator != nil {
			st.GenOffset = c.Generator.Offset()
		}
		el := time.Since(start).Seconds()
		bar.SetStatus(fmt.Sprintf("loss %.4f  lr %.2e  %s tok/s", st.History.Loss[st.Step-1], lr, rate(float64(tokensHere), el)))
		bar.Add(1)

		stop := false
		if c.Eval != nil && ((c.EvalEvery > 0 && st.Step%c.EvalEvery == 0) || st.Step == total) {
			stop, err = c.evaluate(&st, bar)
			if err != nil {
				return c.result(res, st, tokensHere, start), err
			}
			res.EarlyStopped = stop
		}
		if c.Dir != "" && ((c.CheckpointEvery > 0 && st.Step%c.CheckpointEvery == 0) || st.Step == total || stop) {
			path, err := writeCheckpoint(c.Dir, c.Model, opt, st)
			if err != nil {
				return c.result(res, st, tokensHere, start), fmt.Errorf("train: checkpoint at step %d: %w", st.Step, err)
			}
			res.Checkpoint = path
			if err := prune(c.Dir, c.Keep); err != nil {
				return c.result(res, st, tokensHere, start), fmt.Errorf("train: prune checkpoints: %w", err)
			}
			if c.Plot != "" {
				if err := Plot(c.Plot, c.Name, st.History); err != nil {
					return c.result(res, st, tokensHere, start), fmt.Errorf("train: %w", err)
				}
			}
		}
		if stop {
			bar.Printf("early stop at step %d: %s has not improved for %d evaluations (best %.4g at step %d)", st.Step, c.Monitor, c.Patience, st.Best, st.BestStep)
			break
		}
	}
	bar.Finish()
	if c.Plot != "" {
		if err := Plot(c.Plot, c.Name, st.History); err != nil {
			return c.result(res, st, tokensHere, start), fmt.Errorf("train: %w", err)
		}
	}
	return c.result(res, st, tokensHere, start), nil
}

// microStep computes the loss of micro-batch b and its gradients, within
// a scope closed before it returns, and returns the loss; with last (the
// micro-batch completes an update) it checks the gradients before they
// touch the weights. step is the update being computed, for errors.
func (c *Config) microStep(b Batch, params []nn.Param, step int, last bool) (float64, error) {
	sc := tensor.NewScope()
	defer sc.Close()
	b.Scope = sc
	loss, err := c.Loss(b)
	if err != nil {
		return 0, fmt.Errorf("train: step %d: %w", step, err)
	}
	if loss == nil || loss.Numel() != 1 {
		return 0, fmt.Errorf("train: step %d: the loss is not a scalar", step)
	}
	lv := loss.Item()
	if math.IsNaN(lv) || math.IsInf(lv, 0) {
		return 0, firstBad(step, params, lv)
	}
	loss.Backward()
	if last {
		if err := checkGrads(sc, step, params); err != nil {
			return 0, err
		}
	}
	return lv, nil
}

func scheduleFactor(o *optim.Optimizer, step int) float64 {
	if o.Schedule == nil {
		return 1
	}
	return o.Schedule.Factor(step)
}

func rate(x, secs float64) string {
	if secs <= 0 {
		return "-"
	}
	r := x / secs
	switch {
	case r >= 1e4:
		return fmt.Sprintf("%.1fk", r/1e3)
	default:
		return fmt.Sprintf("%.0f", r)
	}
}

func (c *Config) tokens(b Batch) int {
	if c.Tokens != nil {
		return c.Tokens(b)
	}
	if c.Lengths == nil {
		return len(b.Indices)
	}
	t := 0
	for _, i := range b.Indices {
		t += c.Lengths[i]
	}
	return t
}

func (c *Config) result(res *Result, st State, tokensHere int64, start time.Time) *Result {
	res.Steps = st.Step
	res.Tokens = st.Tokens
	res.Duration = time.Since(start)
	if s := res.Duration.Seconds(); s > 0 {
		res.TokensPerSecond = float64(tokensHere) / s
	}
	n := len(c.Lengths)
	if c.Lengths == nil {
		n = c.Examples
	}
	res.Epochs = float64(st.Micro*c.BatchSize) / float64(max(n, 1))
	res.History = st.History
	res.Best, res.BestStep = math.NaN(), 0
	if st.BestStep > 0 {
		res.Best, res.BestStep = st.Best, st.BestStep
	}
	res.EarlyStopped = res.EarlyStopped || st.Early
	return res
}

// restore loads the checkpoint at path after checking that it belongs to
// a run with the same data order.
func (c *Config) restore(path string, saved, fresh State) error {
	if saved.Seed != fresh.Seed || saved.BatchSize != fresh.BatchSize || saved.Accumulate != fresh.Accumulate || saved.Examples != fresh.Examples {
		return fmt.Errorf("train: resume %s: it was written with seed %d, batch size %d, accumulation %d and %d examples; this run has %d, %d, %d and %d",
			path, saved.Seed, saved.BatchSize, saved.Accumulate, saved.Examples, fresh.Seed, fresh.BatchSize, fresh.Accumulate, fresh.Examples)
	}
	if c.Generator != nil && saved.GenSeed != c.Generator.Seed() {
		return fmt.Errorf("train: resume %s: dropout generator seed %d, this run's is %d", path, saved.GenSeed, c.Generator.Seed())
	}
	if err := nn.Load(filepath.Join(path, modelFile), c.Model, nn.LoadOptions{}); err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	if err := c.Optimizer.Load(filepath.Join(path, optimFile)); err != nil {
		return fmt.Errorf("train: resume: %w", err)
	}
	if c.Generator != nil {
		c.Generator.SetOffset(saved.GenOffset)
	}
	return nil
}

// evaluate runs Eval in evaluation mode, records the metrics and updates
// early stopping; it reports whether to stop.
func (c *Config) evaluate(st *State, bar *progress.Progress) (bool, error) {
	nn.Eval(c.Model)
	m, err := c.Eval(st.Step)
	nn.Train(c.Model)
	if err != nil {
		return false, fmt.Errorf("train: evaluation at step %d: %w", st.Step, err)
	}
	kept := Metrics{} // JSON holds no NaN: an undefined metric is left out of the history
	for k, v := range m {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			kept[k] = v
		}
	}
	st.History.Evals = append(st.History.Evals, Eval{Step: st.Step, Metrics: kept})
	bar.Printf("step %d: %s", st.Step, formatMetrics(m))
	if c.Monitor == "" {
		return false, nil
	}
	v, ok := m[c.Monitor]
	if !ok {
		return false, fmt.Errorf("train: evaluation at step %d: no metric %q to monitor", st.Step, c.Monitor)
	}
	better := st.BestStep == 0 || (c.Maximize && v > st.Best) || (!c.Maximize && v < st.Best)
	if better && !math.IsNaN(v) && !math.IsInf(v, 0) {
		st.Best, st.BestStep, st.Bad = v, st.Step, 0
		if c.BestModel != "" {
			if err := os.MkdirAll(filepath.Dir(c.BestModel), 0o755); err != nil {
				return false, err
			}
			if err := nn.Save(c.BestModel, c.Model, map[string]string{"step": fmt.Sprint(st.Step), c.Monitor: fmt.Sprint(v)}); err != nil {
				return false, fmt.Errorf("train: save best model: %w", err)
			}
		}
		return false, nil
	}
	st.Bad++
	if c.Patience > 0 && st.Bad >= c.Patience {
		st.Early = true
		return true, nil
	}
	return false, nil
}

func formatMetrics(m Metrics) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	s := ""
	for i, k := range keys {
		if i > 0 {
			s += "  "
		}
		s += fmt.Sprintf("%s %.4f", k, m[k])
	}
	return s
}

// checkGrads returns a NonFiniteError naming the first parameter whose
// gradient holds a NaN or an infinity.
// The sums are computed in the step's scope sc.
func checkGrads(sc *tensor.Scope, step int, params []nn.Param) error {
	for _, p := range params {
		g := p.Tensor.Grad()
		if g == nil {
			continue
		}
		if s := sc.Use(g).Sum().Item(); math.IsNaN(s) || math.IsInf(s, 0) {
			return &NonFiniteError{Step: step, Tensor: "the gradient of " + p.Name, Value: s}
		}
	}
	return nil
}

// firstBad explains a non-finite loss: the first parameter holding a NaN
// or an infinity, or else the loss itself.
func firstBad(step int, params []nn.Param, loss float64) error {
	for _, p := range params {
		if s := p.Tensor.Detach().Sum().Item(); math.IsNaN(s) || math.IsInf(s, 0) {
			return &NonFiniteError{Step: step, Tensor: "parameter " + p.Name, Value: s}
		}
	}
	return &NonFiniteError{Step: step, Tensor: "the loss (every parameter is finite)", Value: loss}
}
