package optim

import (
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// quad sets the gradient of 0.5·Σ(p - c)² on every trainable parameter.
func quad(params []nn.Param, c float64) {
	for _, p := range params {
		if p.Tensor.RequiresGrad() {
			p.Tensor.SetGrad(p.Tensor.Detach().AddScalar(-c))
		}
	}
}

func testParams() []nn.Param {
	return []nn.Param{
		{Name: "layers.0.weight", Tensor: tensor.FromSlice([]float32{1, -2, 3, 0.5, 0.25, -1}, 2, 3).SetRequiresGrad(true)},
		{Name: "layers.0.bias", Tensor: tensor.FromSlice([]float32{0.1, -0.2}).SetRequiresGrad(true)},
		{Name: "head.weight", Tensor: tensor.FromSlice([]float32{2, 2, -2, -2}, 2, 2).SetRequiresGrad(true)},
	}
}

func snapshot(ps []nn.Param) [][]float32 {
	var out [][]float32
	for _, p := range ps {
		out = append(out, p.Tensor.Float32s())
	}
	return out
}

func TestSaveLoadResumesBitIdentically(t *testing.T) {
	rules := []Rule{SGD{Momentum: 0.9, Nesterov: true}, Adam{AMSGrad: true}, AdamW{}, RMSprop{Centered: true, Momentum: 0.5}, Adagrad{InitialAccumulator: 0.1}, Lion{}}
	for _, rule := range rules {
		t.Run(rule.Name(), func(t *testing.T) {
			mk := func() (*Optimizer, []nn.Param) {
				ps := testParams()
				o := New(rule, DefaultGroups(ps, 0.01, 0.1)...)
				o.Schedule = &Plateau{Patience: 1, Decay: 0.5}
				o.ClipNorm = 1
				return o, ps
			}
			run := func(o *Optimizer, ps []nn.Param, from, to int) {
				for k := from; k < to; k++ {
					quad(ps, float64(k%3))
					o.Step()
					o.ZeroGrad()
					o.Schedule.(*Plateau).Observe(1) // never improves: the factor falls
				}
			}
			a, pa := mk()
			run(a, pa, 0, 20)

			b, pb := mk()
			run(b, pb, 0, 8)
			path := filepath.Join(t.TempDir(), "optim.safetensors")
			if err := b.Save(path); err != nil {
				t.Fatal(err)
			}
			// A fresh optimizer on parameters restored to step 8 resumes.
			c, pc := mk()
			for i := range pc {
				pc[i].Tensor.CopyFrom(pb[i].Tensor)
			}
			if err := c.Load(path); err != nil {
				t.Fatal(err)
			}
			if c.Steps() != 8 || c.Factor() != b.Factor() {
				t.Fatalf("loaded steps %d factor %v, want 8 and %v", c.Steps(), c.Factor(), b.Factor())
			}
			run(c, pc, 8, 20)
			if !slices.EqualFunc(snapshot(pa), snapshot(pc), slices.Equal) {
				t.Errorf("resumed run differs:\n%v\n%v", snapshot(pa), snapshot(pc))
			}
		})
	}
}

func TestLoadRejectsMismatchedState(t *testing.T) {
	dir := t.TempDir()
	ps := testParams()
	o := New(AdamW{}, DefaultGroups(ps, 0.01, 0.1)...)
	quad(ps, 1)
	o.Step()
	path := filepath.Join(dir, "state.safetensors")
	if err := o.Save(path); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	truncated := filepath.Join(dir, "truncated.safetensors")
	if err := os.WriteFile(truncated, data[:len(data)-5], 0o644); err != nil {
		t.Fatal(err)
	}
	other := testParams()
	other[2].Tensor = tensor.Zeros(3, 3).SetRequiresGrad(true)
	for _, c := range []struct {
		name  string
		opt   *Optimizer
		path  string
		state bool // the error wraps ErrState
	}{
		{"another rule", New(SGD{Momentum: 0.9}, DefaultGroups(testParams(), 0.01, 0.1)...), path, true},
		{"AMSGrad has another slot", New(AdamW{AMSGrad: true}, DefaultGroups(testParams(), 0.01, 0.1)...), path, true},
		{"other groups", New(AdamW{}, Group{Params: testParams(), LR: 0.01}), path, true},
		{"another shape", New(AdamW{}, DefaultGroups(other, 0.01, 0.1)...), path, true},
		{"a truncated file", New(AdamW{}, DefaultGroups(testParams(), 0.01, 0.1)...), truncated, false},
		{"no file", New(AdamW{}, DefaultGroups(testParams(), 0.01, 0.1)...), filepath.Join(dir, "none"), false},
	} {
		t.Run(c.name, func(t *testing.T) {
			err := c.opt.Load(c.path)
			if err == nil {
				t.Fatal("loaded")
			}
			if errors.Is(err, ErrState) != c.state {
				t.Errorf("error %v: wraps ErrState %v, want %v", err, errors.Is(err, ErrState), c.state)
			}
			if c.opt.Steps() != 0 {
				t.Error("a failed load changed the optimizer")
			}
		})
	}
}

func TestSaveRefusesAPartialAccumulation(t *testing.T) {
	ps := testParams()
	o := New(SGD{}, Group{Params: ps, LR: 0.1})
	o.Accumulate = 2
	quad(ps, 0)
	if o.Step() {
		t.Fatal("updated after one micro-batch of two")
	}
	if o.Pending() != 1 {
		t.Errorf("pending %d", o.Pending())
	}
	if err := o.Save(filepath.Join(t.TempDir(), "s")); err == nil || !strings.Contains(err.Error(), "micro-batches") {
		t.Errorf("Save mid-cycle: %v", err)
	}
}

func TestFrozenParametersGetNoStateAndStayIdentical(t *testing.T) {
	ps := testParams()
	ps[1].Tensor.SetRequiresGrad(false)
	before := ps[1].Tensor.Float32s()
	for _, rule := range []Rule{SGD{Momentum: 0.9}, AdamW{}, Lion{}, Adagrad{}, RMSprop{}} {
		// Given all parameters, the optimizer still skips the frozen one.
		o := New(rule, DefaultGroups(ps, 0.1, 0.5)...)
		for k := 0; k < 5; k++ {
			quad(ps, 1)
			o.Step()
			o.ZeroGrad()
		}
		if o.State(ps[1].Tensor) != nil {
			t.Errorf("%s: a frozen parameter has state", rule.Name())
		}
		if o.State(ps[0].Tensor) == nil {
			t.Errorf("%s: a trainable parameter has no state", rule.Name())
		}
	}
	if !slices.Equal(before, ps[1].Tensor.Float32s()) {
		t.Error("the frozen parameter changed")
	}
}

func TestNewPanicsOnDuplicates(t *testing.T) {
	ps := testParams()
	for name, groups := range map[string][]Group{
		"same tensor twice": {{Params: ps}, {Params: ps[:1]}},
		"same name twice":   {{Params: []nn.Param{ps[0], {Name: ps[0].Name, Tensor: tensor.Zeros(1)}}}},
		"nil tensor":        {{Params: []nn.Param{{Name: "x"}}}},
	} {
		t.Run(name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Error("no panic")
				}
			}()
			New(SGD{}, groups...)
		})
	}
}

func TestClipGradNorm(t *testing.T) {
	a := tensor.FromSlice([]float64{3, 0})
	b := tensor.FromSlice([]float64{0, 4})
	n := ClipGradNorm([]*tensor.Tensor{a, b}, 1)
	if n != 5 {
		t.Errorf("norm %v, want 5", n)
	}
	if got := GlobalNorm([]*tensor.Tensor{a, b}); math.Abs(got-1) > 1e-6 {
		t.Errorf("norm after clipping %v, want 1", got)
	}
	// Below the threshold nothing changes.
	c := tensor.FromSlice([]float64{0.1, 0.2})
	ClipGradNorm([]*tensor.Tensor{c}, 1)
	if !slices.Equal(c.Float64s(), []float64{0.1, 0.2}) {
		t.Errorf("clipped below the threshold: %v", c.Float64s())
	}
	// A NaN gradient gives a NaN norm, which the caller can detect.
	d := tensor.FromSlice([]float64{math.NaN(), 1})
	if n := ClipGradNorm([]*tensor.Tensor{d}, 1); !math.IsNaN(n) {
		t.Errorf("norm of a NaN gradient %v", n)
	}
	e := tensor.FromSlice([]float64{-3, 0.5, 2})
	ClipGradValue([]*tensor.Tensor{e}, 1)
	if !slices.Equal(e.Float64s(), []float64{-1, 0.5, 1}) {
		t.Errorf("clip by value: %v", e.Float64s())
	}
}

func TestLayerOf(t *testing.T) {
	for _, c := range []struct {
		name string
		want int
	}{
		{"bert.embeddings.word_embeddings.weight", 0},
		{"embeddings.LayerNorm.weight", 0},
		{"transformer.wte.weight", 0},
		{"bert.encoder.layer.0.attention.self.query.weight", 1},
		{"bert.encoder.layer.11.output.dense.bias", 12},
		{"transformer.h.3.attn.c_attn.weight", 4},
		{"layers.5.mlp.linear1.weight", 6},
		{"bert.pooler.dense.weight", 13},
		{"classifier.weight", 13},
		{"encoder.layer.12.x", 13}, // beyond the model's layers: the top
	} {
		if got := LayerOf(c.name, 12); got != c.want {
			t.Errorf("LayerOf(%q) = %d, want %d", c.name, got, c.want)
		}
	}
}

func TestSchedules(t *testing.T) {
	for _, c := range []struct {
		name string
		s    Schedule
		want map[int]float64
	}{
		{"constant", Constant{}, map[int]float64{0: 1, 50: 1}},
		{"constant with warm-up", Constant{Warmup: 4}, map[int]float64{0: 0, 2: 0.5, 4: 1}},
		{"linear", Linear{Warmup: 10, Total: 110}, map[int]float64{0: 0, 5: 0.5, 10: 1, 60: 0.5, 110: 0, 200: 0}},
		{"cosine", Cosine{Warmup: 0, Total: 100}, map[int]float64{0: 1, 50: 0.5, 100: 0}},
		{"inverse sqrt", InverseSqrt{Warmup: 4}, map[int]float64{2: 0.5, 4: 1, 16: 0.5}},
		{"inverse sqrt without warm-up", InverseSqrt{}, map[int]float64{0: 1, 30000: 0.5}},
		{"step decay", StepDecay{Every: 10, Gamma: 0.5}, map[int]float64{9: 1, 10: 0.5, 25: 0.25}},
		{"function", ScheduleFunc(func(k int) float64 { return float64(k) }), map[int]float64{3: 3}},
	} {
		for step, want := range c.want {
			if got := c.s.Factor(step); math.Abs(got-want) > 1e-12 {
				t.Errorf("%s: Factor(%d) = %v, want %v", c.name, step, got, want)
			}
		}
	}
}

func TestPlateauStateRoundTrip(t *testing.T) {
	p := &Plateau{Patience: 1, Decay: 0.5, Cooldown: 1}
	for _, m := range []float64{1, 0.5, 0.6, 0.7, 0.7} {
		p.Observe(m)
	}
	b, err := p.MarshalState()
	if err != nil {
		t.Fatal(err)
	}
	q := &Plateau{Patience: 1, Decay: 0.5, Cooldown: 1}
	if err := q.UnmarshalState(b); err != nil {
		t.Fatal(err)
	}
	for _, m := range []float64{0.7, 0.7, 0.1, 0.8} {
		if p.Observe(m) != q.Observe(m) || p.Factor(0) != q.Factor(0) {
			t.Fatal("restored plateau behaves differently")
		}
	}
	if p.Factor(0) >= 1 {
		t.Errorf("factor %v never fell", p.Factor(0))
	}
	for _, bad := range []string{"{", `{"scale":0}`, `{"scale":-1}`} {
		if err := q.UnmarshalState([]byte(bad)); err == nil {
			t.Errorf("accepted %s", bad)
		}
	}
}
