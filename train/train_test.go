package train

import (
	"bytes"
	"context"
	"errors"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
)

// mlp is a small classifier with dropout.
type mlp struct {
	L1   *nn.Linear  `nn:"layer1"`
	Drop *nn.Dropout `nn:"drop"`
	L2   *nn.Linear  `nn:"layer2"`
}

func (m *mlp) Forward(x *tensor.Tensor) *tensor.Tensor {
	return m.L2.Forward(m.Drop.Forward(m.L1.Forward(x).GELU()))
}

// task is a seeded toy problem: 4 features, label = sign of a fixed
// projection; example i has "length" 1 + i%7 for bucketing.
type task struct {
	x       *tensor.Tensor
	y       []int32
	lengths []int
	model   *mlp
	gen     *tensor.Generator
}

func newTask(n int) *task {
	rng := rand.New(rand.NewPCG(7, 7))
	xs := make([]float32, n*4)
	ys := make([]int32, n)
	lengths := make([]int, n)
	for i := range n {
		s := 0.0
		for j := range 4 {
			v := rng.NormFloat64()
			xs[i*4+j] = float32(v)
			s += v * float64(j-1)
		}
		if s > 0 {
			ys[i] = 1
		}
		lengths[i] = 1 + i%7
	}
	g := tensor.NewGenerator(11)
	m := &mlp{L1: nn.NewLinear(4, 16, true, g), Drop: nn.NewDropout(0.2, g), L2: nn.NewLinear(16, 2, true, g)}
	return &task{x: tensor.FromSlice(xs, n, 4), y: ys, lengths: lengths, model: m, gen: g}
}

func (t *task) loss(b Batch) (*tensor.Tensor, error) {
	idx := make([]int32, len(b.Indices))
	ys := make([]int32, len(b.Indices))
	for i, j := range b.Indices {
		idx[i], ys[i] = int32(j), t.y[j]
	}
	x := b.Scope.Use(t.x).IndexSelect(0, tensor.FromSlice(idx))
	// Use the batch's random source, as a masking step would.
	x = x.Scale(1 + 0.01*b.Rand.Float64())
	return nn.CrossEntropy(t.model.Forward(x), tensor.FromSlice(ys)), nil
}

func (t *task) eval(int) (Metrics, error) {
	logits := t.model.Forward(t.x)
	pred := logits.ArgMax(1).Int32s()
	right := 0
	for i, p := range pred {
		if p == t.y[i] {
			right++
		}
	}
	return Metrics{"accuracy": float64(right) / float64(len(pred)), "loss": nn.CrossEntropy(logits, tensor.FromSlice(t.y)).Item()}, nil
}

func (t *task) config(dir string, steps int) Config {
	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(t.model), 0.01, 0.01)...)
	opt.Schedule = optim.Linear{Warmup: 2, Total: 20}
	opt.ClipNorm = 1
	opt.Accumulate = 2
	return Config{
		Model: t.model, Optimizer: opt, Generator: t.gen,
		Lengths: t.lengths, BatchSize: 8, Bucket: 2, MaxSteps: steps, Epochs: 100, Seed: 3,
		Loss: t.loss, Eval: t.eval, EvalEvery: 4,
		Dir: dir, CheckpointEvery: 3, Resume: true,
	}
}

func weights(m any) map[string][]float32 {
	out := map[string][]float32{}
	for _, p := range nn.Params(m) {
		out[p.Name] = p.Tensor.Float32s()
	}
	return out
}

func sameWeights(t *testing.T, a, b map[string][]float32) {
	t.Helper()
	if len(a) != len(b) {
		t.Fatalf("%d and %d tensors", len(a), len(b))
	}
	for k, v := range a {
		if !slices.Equal(v, b[k]) {
			t.Errorf("%s differs:\n%v\n%v", k, v, b[k])
		}
	}
}

const childEnv = "GOFORMER_TRAIN_CHILD_DIR"

// TestChildTraining is the child process of the SIGKILL test: it trains in
// the folder named by the environment and, at step 7, announces itself
// and stalls in the middle of the step until killed.
func TestChildTraining(t *testing.T) {
	dir := os.Getenv(childEnv)
	if dir == "" {
		t.Skip("run by TestResumeAfterSIGKILLIsBitIdentical")
	}
	tk := newTask(40)
	c := tk.config(filepath.Join(dir, "run"), 12)
	loss := c.Loss
	c.Loss = func(b Batch) (*tensor.Tensor, error) {
		l, err := loss(b)
		if b.Step == 7 {
			l.Backward() // half-way through the step: a gradient is accumulating
			os.WriteFile(filepath.Join(dir, "mid-step"), nil, 0o644)
			time.Sleep(time.Minute)
		}
		return l, err
	}
	if _, err := Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
}

func TestResumeAfterSIGKILLIsBitIdentical(t *testing.T) {
	dir := t.TempDir()
	cmd := exec.Command(os.Args[0], "-test.run=^TestChildTraining$", "-test.count=1")
	cmd.Env = append(os.Environ(), childEnv+"="+dir)
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second)
	for {
		if _, err := os.Stat(filepath.Join(dir, "mid-step")); err == nil {
			break
		}
		if time.Now().After(deadline) {
			cmd.Process.Kill()
			cmd.Wait()
			t.Fatalf("the child never reached step 8:\n%s", out.String())
		}
		time.Sleep(5 * time.Millisecond)
	}
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	cmd.Wait()
	cks, err := Checkpoints(filepath.Join(dir, "run"))
	if err != nil || len(cks) == 0 || !strings.HasSuffix(cks[0], "step-00000006") {
		t.Fatalf("checkpoints after the kill: %v %v", cks, err)
	}

	resumed := newTask(40)
	var log bytes.Buffer
	c := resumed.config(filepath.Join(dir, "run"), 12)
	c.Progress = &log
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasSuffix(res.ResumedFrom, "step-00000006") || res.Steps != 12 {
		t.Fatalf("resumed from %q, %d steps", res.ResumedFrom, res.Steps)
	}
	whole := newTask(40)
	wres, err := Run(context.Background(), whole.config(filepath.Join(dir, "whole"), 12))
	if err != nil {
		t.Fatal(err)
	}
	sameWeights(t, weights(whole.model), weights(resumed.model))
	if !slices.Equal(wres.History.Loss, res.History.Loss) {
		t.Errorf("loss curves differ:\n%v\n%v", wres.History.Loss, res.History.Loss)
	}
	if len(res.History.Evals) != 3 || res.History.Evals[2].Step != 12 {
		t.Errorf("evaluations %+v", res.History.Evals)
	}
}

func TestDamagedCheckpointFallsBackToThePreviousOne(t *testing.T) {
	for _, damage := range []struct {
		name string
		do   func(ck string) error
	}{
		{"truncated weights", func(ck string) error { return os.Truncate(filepath.Join(ck, modelFile), 100) }},
		{"truncated optimizer state", func(ck string) error {
			st, _ := os.Stat(filepath.Join(ck, optimFile))
			return os.Truncate(filepath.Join(ck, optimFile), st.Size()-1)
		}},
		{"flipped byte", func(ck string) error {
			p := filepath.Join(ck, modelFile)
			b, _ := os.ReadFile(p)
			b[len(b)-3] ^= 1
			return os.WriteFile(p, b, 0o644)
		}},
		{"truncated trainer state", func(ck string) error { return os.Truncate(filepath.Join(ck, trainerFile), 10) }},
		{"missing trainer state", func(ck string) error { return os.Remove(filepath.Join(ck, trainerFile)) }},
	} {
		t.Run(damage.name, func(t *testing.T) {
			dir := t.TempDir()
			first := newTask(40)
			if _, err := Run(context.Background(), first.config(dir, 6)); err != nil {
				t.Fatal(err)
			}
			cks, _ := Checkpoints(dir)
			if len(cks) != 2 {
				t.Fatalf("checkpoints %v", cks)
			}
			if err := damage.do(cks[0]); err != nil {
				t.Fatal(err)
			}
			if _, err := ReadCheckpoint(cks[0]); !errors.Is(err, ErrCorrupt) {
				t.Fatalf("damage not detected: %v", err)
			}
			second := newTask(40)
			var log bytes.Buffer
			c := second.config(dir, 9)
			c.Progress = &log
			res, err := Run(context.Background(), c)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.HasSuffix(res.ResumedFrom, "step-00000003") {
				t.Errorf("resumed from %q, want step 3", res.ResumedFrom)
			}
			if !strings.Contains(log.String(), "skipping checkpoint") {
				t.Errorf("no warning in %q", log.String())
			}
			whole := newTask(40)
			if _, err := Run(context.Background(), whole.config(t.TempDir(), 9)); err != nil {
				t.Fatal(err)
			}
			sameWeights(t, weights(whole.model), weights(second.model))
		})
	}
}

func TestFrozenParametersStayBitIdentical(t *testing.T) {
	tk := newTask(40)
	nn.Freeze(tk.model.L1)
	before := weights(tk.model)
	c := tk.config("", 6)
	c.Optimizer = optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Params(tk.model), 0.05, 0.1)...) // frozen ones included on purpose
	if _, err := Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	after := weights(tk.model)
	for _, name := range []string{"layer1.weight", "layer1.bias"} {
		if !slices.Equal(before[name], after[name]) {
			t.Errorf("frozen %s changed", name)
		}
		if c.Optimizer.State(tk.model.L1.Weight) != nil || c.Optimizer.State(tk.model.L1.Bias) != nil {
			t.Errorf("frozen %s has optimizer state", name)
		}
	}
	if slices.Equal(before["layer2.weight"], after["layer2.weight"]) {
		t.Error("the trainable layer did not change")
	}
}

func TestNonFiniteStopsNamingStepAndTensor(t *testing.T) {
	for _, c := range []struct {
		name   string
		poison func(tk *task, b Batch, l *tensor.Tensor) *tensor.Tensor
		tensor string
	}{
		{"a NaN weight", func(tk *task, b Batch, l *tensor.Tensor) *tensor.Tensor {
			if b.Step == 3 {
				tk.model.L2.Weight.CopyFrom(tensor.FullLike(tk.model.L2.Weight, math.NaN()))
				l2, _ := tk.loss(b)
				return l2
			}
			return l
		}, "parameter layer2.weight"},
		{"an infinite gradient", func(tk *task, b Batch, l *tensor.Tensor) *tensor.Tensor {
			if b.Step == 3 {
				bias := tk.model.L2.Bias
				return l.Add(bias.Sub(bias.Detach()).Sqrt().Sum()) // √0 has an infinite slope
			}
			return l
		}, "the gradient of layer2.bias"},
		{"a NaN loss", func(tk *task, b Batch, l *tensor.Tensor) *tensor.Tensor {
			if b.Step == 3 {
				return l.Mul(tensor.Scalar(math.NaN()))
			}
			return l
		}, "the loss"},
	} {
		t.Run(c.name, func(t *testing.T) {
			tk := newTask(40)
			before := weights(tk.model)
			cfg := tk.config("", 10)
			cfg.Optimizer.Accumulate = 1
			cfg.Loss = func(b Batch) (*tensor.Tensor, error) {
				l, err := tk.loss(b)
				return c.poison(tk, b, l), err
			}
			res, err := Run(context.Background(), cfg)
			var nf *NonFiniteError
			if !errors.As(err, &nf) {
				t.Fatalf("error %v", err)
			}
			if nf.Step != 4 || !strings.HasPrefix(nf.Tensor, c.tensor) {
				t.Errorf("error %q: step %d tensor %q, want step 4 and %q", err, nf.Step, nf.Tensor, c.tensor)
			}
			if res.Steps != 3 {
				t.Errorf("%d steps done", res.Steps)
			}
			if c.name == "an infinite gradient" && slices.Equal(before["layer2.bias"], weights(tk.model)["layer2.bias"]) {
				t.Error("the first three steps did not train")
			}
			for _, p := range nn.Params(tk.model) {
				if c.name != "a NaN weight" && math.IsNaN(p.Tensor.Sum().Item()) {
					t.Errorf("%s went NaN: the bad gradient reached the weights", p.Name)
				}
			}
		})
	}
}

func TestEarlyStoppingBestModelAndPlot(t *testing.T) {
	dir := t.TempDir()
	tk := newTask(40)
	c := tk.config(filepath.Join(dir, "ck"), 40)
	c.EvalEvery = 1
	evals := 0
	c.Eval = func(int) (Metrics, error) {
		evals++
		// Accuracy improves for three evaluations, then falls.
		acc := []float64{0.5, 0.6, 0.7, 0.65, 0.6, 0.6, 0.6, 0.6}[min(evals-1, 7)]
		return Metrics{"accuracy": acc, "loss": 1 - acc, "f1": math.NaN()}, nil
	}
	c.Monitor, c.Maximize, c.Patience = "accuracy", true, 3
	c.BestModel = filepath.Join(dir, "best.safetensors")
	c.Plot = filepath.Join(dir, "curves.png")
	res, err := Run(context.Background(), c)
	if err != nil {
		t.Fatal(err)
	}
	if !res.EarlyStopped || res.Steps != 6 || res.Best != 0.7 || res.BestStep != 3 {
		t.Errorf("stopped %v at step %d, best %v at %d; want a stop at 6, best 0.7 at 3", res.EarlyStopped, res.Steps, res.Best, res.BestStep)
	}
	if _, err := os.Stat(c.BestModel); err != nil {
		t.Error(err)
	}
	b, err := os.ReadFile(c.Plot)
	if err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("no PNG at %s: %v", c.Plot, err)
	}
	// Resuming a stopped run does nothing more.
	again := newTask(40)
	c2 := again.config(filepath.Join(dir, "ck"), 40)
	c2.Eval, c2.Monitor, c2.Maximize, c2.Patience = c.Eval, "accuracy", true, 3
	res2, err := Run(context.Background(), c2)
	if err != nil || res2.Steps != 6 || !res2.EarlyStopped {
		t.Errorf("resumed a stopped run: %d steps, %v", res2.Steps, err)
	}
}

func TestProgressEndsAtHundredPercent(t *testing.T) {
	tk := newTask(40)
	var out bytes.Buffer
	c := tk.config("", 5)
	c.Progress, c.Name = &out, "toy"
	if _, err := Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	if !strings.Contains(s, "toy 100% 5/5 steps") || !strings.Contains(s, "tok/s") || !strings.Contains(s, "step 4: accuracy") {
		t.Errorf("progress output:\n%s", s)
	}
}

func TestBatches(t *testing.T) {
	lengths := make([]int, 103)
	for i := range lengths {
		lengths[i] = (i * 37) % 50
	}
	for _, bucket := range []int{0, 3} {
		a := Batches(103, lengths, 10, bucket, 1, 0)
		if len(a) != 11 {
			t.Fatalf("%d batches", len(a))
		}
		var all []int
		for _, b := range a {
			all = append(all, b...)
		}
		slices.Sort(all)
		for i, v := range all {
			if v != i {
				t.Fatalf("bucket %d: not a permutation", bucket)
			}
		}
		if !slices.EqualFunc(a, Batches(103, lengths, 10, bucket, 1, 0), slices.Equal) {
			t.Error("same seed and epoch, other batches")
		}
		if slices.EqualFunc(a, Batches(103, lengths, 10, bucket, 1, 1), slices.Equal) {
			t.Error("epochs 0 and 1 have the same order")
		}
		if bucket > 0 {
			// Bucketed batches hold similar lengths: the spread within a
			// batch is far below the spread of the data.
			spread := 0
			for _, b := range a {
				lo, hi := 1<<30, -1
				for _, i := range b {
					lo, hi = min(lo, lengths[i]), max(hi, lengths[i])
				}
				spread += hi - lo
			}
			if spread/len(a) > 25 {
				t.Errorf("bucketed batches spread %d on average", spread/len(a))
			}
		}
	}
	if Batches(0, nil, 4, 0, 1, 0) != nil || Batches(5, nil, 0, 0, 1, 0) != nil {
		t.Error("empty input gave batches")
	}
}

func TestConfigErrors(t *testing.T) {
	tk := newTask(8)
	good := tk.config("", 2)
	for name, mod := range map[string]func(c *Config){
		"no model":                      func(c *Config) { c.Model = nil },
		"no optimizer":                  func(c *Config) { c.Optimizer = nil },
		"no loss":                       func(c *Config) { c.Loss = nil },
		"no batch size":                 func(c *Config) { c.BatchSize = 0 },
		"no bound":                      func(c *Config) { c.Epochs, c.MaxSteps = 0, 0 },
		"no examples":                   func(c *Config) { c.Lengths = nil },
		"negative length":               func(c *Config) { c.Lengths = []int{1, -1} },
		"patience without eval":         func(c *Config) { c.Eval, c.Patience = nil, 2 },
		"lengths and examples disagree": func(c *Config) { c.Examples = 3 },
	} {
		c := good
		mod(&c)
		if _, err := Run(context.Background(), c); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// A failing loss stops the run with its error.
	c := good
	boom := errors.New("boom")
	c.Loss = func(Batch) (*tensor.Tensor, error) { return nil, boom }
	if _, err := Run(context.Background(), c); !errors.Is(err, boom) {
		t.Errorf("loss error: %v", err)
	}
	// A cancelled context stops it too.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := Run(ctx, good); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
	// Resuming with another batch size is refused.
	dir := t.TempDir()
	c = newTask(8).config(dir, 3)
	if _, err := Run(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	c = newTask(8).config(dir, 6)
	c.BatchSize = 4
	if _, err := Run(context.Background(), c); err == nil || !strings.Contains(err.Error(), "batch size") {
		t.Errorf("resume with another batch size: %v", err)
	}
}

// A step whose inputs join the batch's scope gets its activations and
// gradients from the buffer cache once the first steps have filled it: it
// allocates a small fraction of what the same step allocates outside a
// scope, and the weights it reaches are the same.
func TestScopedStepsAllocateLittle(t *testing.T) {
	const n, in, hidden, steps, warm = 256, 64, 512, 30, 10
	run := func(scoped bool) (perStep float64, w map[string][]float32) {
		rng := rand.New(rand.NewPCG(5, 5))
		xs := make([]float32, n*in)
		ys := make([]int32, n)
		for i := range xs {
			xs[i] = float32(rng.NormFloat64())
		}
		for i := range ys {
			ys[i] = int32(i % 2)
		}
		x, y := tensor.FromSlice(xs, n, in), tensor.FromSlice(ys)
		g := tensor.NewGenerator(2)
		m := &mlp{L1: nn.NewLinear(in, hidden, true, g), Drop: nn.NewDropout(0.1, g), L2: nn.NewLinear(hidden, 2, true, g)}
		var before, after runtime.MemStats
		_, err := Run(context.Background(), Config{
			Model: m, Optimizer: optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(m), 1e-3, 0.01)...), Generator: g,
			Examples: n, BatchSize: n, MaxSteps: steps, Seed: 1,
			Loss: func(b Batch) (*tensor.Tensor, error) {
				switch b.Step {
				case warm:
					runtime.ReadMemStats(&before)
				case steps - 1:
					runtime.ReadMemStats(&after)
				}
				xb, yb := x, y
				if scoped {
					xb, yb = b.Scope.Use(x), b.Scope.Use(y)
				}
				return nn.CrossEntropy(m.Forward(xb), yb), nil
			},
		})
		if err != nil {
			t.Fatal(err)
		}
		return float64(after.TotalAlloc-before.TotalAlloc) / (steps - 1 - warm), weights(m)
	}
	free, wFree := run(false)
	scoped, wScoped := run(true)
	sameWeights(t, wFree, wScoped)
	activations := float64(n * hidden * 4) // one [n, hidden] float32 tensor
	t.Logf("bytes per step: %.0f outside a scope, %.0f in one (one activation: %.0f)", free, scoped, activations)
	if scoped > activations/4 || scoped > free/2 {
		t.Errorf("a scoped step allocates %.0f bytes (%.0f outside a scope), want under half of that and a quarter of one activation (%.0f)", scoped, free, activations)
	}
}
