package optim

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"sort"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// The PyTorch reference trajectories: optim/testdata/gen_optim.py describes
// the problem and the loop this test mirrors.

type torchCase struct {
	Opt struct {
		Name               string  `json:"name"`
		Momentum           float64 `json:"momentum"`
		Dampening          float64 `json:"dampening"`
		Nesterov           bool    `json:"nesterov"`
		Beta1              float64 `json:"beta1"`
		Beta2              float64 `json:"beta2"`
		Eps                float64 `json:"eps"`
		AMSGrad            bool    `json:"amsgrad"`
		Alpha              float64 `json:"alpha"`
		Centered           bool    `json:"centered"`
		LRDecay            float64 `json:"lr_decay"`
		InitialAccumulator float64 `json:"initial_accumulator"`
	} `json:"opt"`
	LR         float64 `json:"lr"`
	WD         float64 `json:"wd"`
	Groups     string  `json:"groups"`
	LayerDecay float64 `json:"layer_decay"`
	Schedule   *struct {
		Name          string  `json:"name"`
		Warmup        int     `json:"warmup"`
		Total         int     `json:"total"`
		StepSize      int     `json:"step_size"`
		Gamma         float64 `json:"gamma"`
		Factor        float64 `json:"factor"`
		Patience      int     `json:"patience"`
		Cooldown      int     `json:"cooldown"`
		Mode          string  `json:"mode"`
		Threshold     float64 `json:"threshold"`
		ThresholdMode string  `json:"threshold_mode"`
		MinLR         float64 `json:"min_lr"`
	} `json:"schedule"`
	ClipNorm  float64  `json:"clip_norm"`
	ClipValue float64  `json:"clip_value"`
	Accum     int      `json:"accum"`
	Frozen    []string `json:"frozen"`
	DType     string   `json:"dtype"`
	GroupsOut []struct {
		Params      []string `json:"params"`
		LR          float64  `json:"lr"`
		WeightDecay float64  `json:"weight_decay"`
	} `json:"groups_out"`
}

type problem struct {
	names  []string
	shapes map[string][]int
	init   map[string]*tensor.Tensor
	a      map[string]*tensor.Tensor
	c      []map[string]*tensor.Tensor
	metric []float64
	layers int
}

func openFixture(t *testing.T) (*safetensors.File, *problem) {
	t.Helper()
	f, err := safetensors.Open("testdata/optim_torch.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	var desc struct {
		Params    [][2]json.RawMessage `json:"params"`
		Targets   int                  `json:"targets"`
		NumLayers int                  `json:"num_layers"`
	}
	if err := json.Unmarshal([]byte(f.Metadata()["problem"]), &desc); err != nil {
		t.Fatal(err)
	}
	read := func(name string) *tensor.Tensor {
		x, err := f.Tensor(name)
		if err != nil {
			t.Fatal(err)
		}
		return x
	}
	pr := &problem{shapes: map[string][]int{}, init: map[string]*tensor.Tensor{}, a: map[string]*tensor.Tensor{}, layers: desc.NumLayers}
	pr.c = make([]map[string]*tensor.Tensor, desc.Targets)
	for k := range pr.c {
		pr.c[k] = map[string]*tensor.Tensor{}
	}
	for _, p := range desc.Params {
		var name string
		var shape []int
		if err := json.Unmarshal(p[0], &name); err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(p[1], &shape); err != nil {
			t.Fatal(err)
		}
		pr.names = append(pr.names, name)
		pr.shapes[name] = shape
		pr.init[name] = read("problem/init." + name)
		pr.a[name] = read("problem/a." + name)
		for k := range pr.c {
			pr.c[k][name] = read(fmt.Sprintf("problem/c%d.%s", k, name))
		}
	}
	pr.metric = read("problem/metric").Float64s()
	return f, pr
}

func (c *torchCase) rule() Rule {
	o := c.Opt
	switch o.Name {
	case "sgd":
		return SGD{Momentum: o.Momentum, Dampening: o.Dampening, Nesterov: o.Nesterov}
	case "adam":
		return Adam{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, AMSGrad: o.AMSGrad}
	case "adamw":
		return AdamW{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps, AMSGrad: o.AMSGrad}
	case "rmsprop":
		return RMSprop{Alpha: o.Alpha, Eps: o.Eps, Momentum: o.Momentum, Centered: o.Centered}
	case "adagrad":
		return Adagrad{LRDecay: o.LRDecay, InitialAccumulator: o.InitialAccumulator, Eps: o.Eps}
	case "lion":
		return Lion{Beta1: o.Beta1, Beta2: o.Beta2}
	}
	panic("unknown optimizer " + o.Name)
}

func (c *torchCase) schedule() Schedule {
	s := c.Schedule
	if s == nil {
		return nil
	}
	switch s.Name {
	case "constant":
		return Constant{Warmup: s.Warmup}
	case "linear":
		return Linear{Warmup: s.Warmup, Total: s.Total}
	case "cosine":
		return Cosine{Warmup: s.Warmup, Total: s.Total}
	case "inverse_sqrt":
		return InverseSqrt{Warmup: s.Warmup}
	case "step":
		return StepDecay{Every: s.StepSize, Gamma: s.Gamma}
	case "plateau":
		return &Plateau{Max: s.Mode == "max", Decay: s.Factor, Patience: s.Patience, Cooldown: s.Cooldown,
			Threshold: s.Threshold, AbsThreshold: s.ThresholdMode == "abs", MinFactor: s.MinLR / c.LR}
	}
	panic("unknown schedule " + s.Name)
}

// build returns the case's parameters (fresh copies of the initial values
// in the case's dtype, frozen ones not requiring a gradient) and the groups
// the package's helpers make for them.
func (c *torchCase) build(t *testing.T, pr *problem) ([]nn.Param, []Group) {
	dt, err := tensor.ParseDType(c.DType)
	if err != nil {
		t.Fatal(err)
	}
	var params []nn.Param
	for _, n := range pr.names {
		p := pr.init[n].As(dt).Clone().SetRequiresGrad(!slices.Contains(c.Frozen, n))
		params = append(params, nn.Param{Name: n, Tensor: p})
	}
	var trainable []nn.Param
	for _, p := range params {
		if p.Tensor.RequiresGrad() {
			trainable = append(trainable, p)
		}
	}
	var groups []Group
	switch c.Groups {
	case "", "single":
		groups = []Group{{Params: trainable, LR: c.LR, WeightDecay: c.WD}}
	case "default":
		groups = DefaultGroups(trainable, c.LR, c.WD)
	case "layerwise":
		groups = LayerwiseGroups(trainable, c.LR, c.WD, LayerDecay{Decay: c.LayerDecay, NumLayers: pr.layers})
	}
	// The helpers must make PyTorch's groups.
	if len(groups) != len(c.GroupsOut) {
		t.Fatalf("%d groups, want %d", len(groups), len(c.GroupsOut))
	}
	for i, g := range groups {
		want := c.GroupsOut[i]
		var names []string
		for _, p := range g.Params {
			names = append(names, p.Name)
		}
		if !slices.Equal(names, want.Params) || math.Abs(g.LR-want.LR) > 1e-15*want.LR || g.WeightDecay != want.WeightDecay {
			t.Fatalf("group %d: %v lr %v wd %v, want %v lr %v wd %v", i, names, g.LR, g.WeightDecay, want.Params, want.LR, want.WeightDecay)
		}
	}
	return params, groups
}

func TestTrajectoriesEqualTorch(t *testing.T) {
	f, pr := openFixture(t)
	var steps []int
	if err := json.Unmarshal([]byte(f.Metadata()["steps"]), &steps); err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range f.Metadata() {
		if k != "steps" && k != "problem" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	if len(keys) < 50 {
		t.Fatalf("only %d cases in the fixture", len(keys))
	}
	for _, key := range keys {
		t.Run(key, func(t *testing.T) {
			var c torchCase
			if err := json.Unmarshal([]byte(f.Metadata()[key]), &c); err != nil {
				t.Fatal(err)
			}
			tol := 1e-6
			if c.DType == "float32" {
				tol = 1e-5
			}
			wantTraj, err := f.Tensor(key + "/traj")
			if err != nil {
				t.Fatal(err)
			}
			wantLR, err := f.Tensor(key + "/lr")
			if err != nil {
				t.Fatal(err)
			}
			params, groups := c.build(t, pr)
			initial := map[string][]float64{}
			for _, p := range params {
				initial[p.Name] = p.Tensor.Float64s()
			}
			opt := New(c.rule(), groups...)
			opt.Schedule = c.schedule()
			opt.ClipNorm, opt.ClipValue, opt.Accumulate = c.ClipNorm, c.ClipValue, c.Accum
			accum := max(c.Accum, 1)
			dt := params[0].Tensor.DType()
			row := 0
			for k := 0; k < 100; k++ {
				for micro := 0; micro < accum; micro++ {
					ck := pr.c[(k*accum+micro)%len(pr.c)]
					for _, p := range params {
						if !p.Tensor.RequiresGrad() {
							continue
						}
						g := p.Tensor.Detach().Sub(ck[p.Name].As(dt)).Mul(pr.a[p.Name].As(dt))
						if old := p.Tensor.Grad(); old != nil {
							g = old.Add(g)
						}
						p.Tensor.SetGrad(g)
					}
					updated := opt.Step()
					if updated != (micro == accum-1) {
						t.Fatalf("step %d micro-batch %d: Step reported %v", k, micro, updated)
					}
				}
				for i := range groups {
					got, want := groups[i].LR*lastFactor(opt), wantLR.At(k, i)
					if !close(got, want, want, 1e-12) {
						t.Fatalf("step %d group %d: learning rate %v, want %v", k+1, i, got, want)
					}
				}
				if pl, ok := opt.Schedule.(*Plateau); ok {
					pl.Observe(pr.metric[k])
				}
				opt.ZeroGrad()
				if k+1 == steps[row] {
					var got []float64
					for _, p := range params {
						got = append(got, p.Tensor.Float64s()...)
					}
					want := wantTraj.Select(0, row).Float64s()
					if testing.Verbose() {
						md, mw := 0.0, 0.0
						for i := range want {
							md = math.Max(md, math.Abs(got[i]-want[i]))
							mw = math.Max(mw, math.Abs(want[i]))
						}
						t.Logf("step %d: max error %.3g, relative to the largest %.3g", k+1, md, md/mw)
					}
					scale := 0.0 // a tenth of the largest magnitude: the floor of |want|
					for _, w := range want {
						scale = math.Max(scale, 0.1*math.Abs(w))
					}
					for i := range want {
						if !close(got[i], want[i], math.Max(math.Abs(want[i]), scale), tol) {
							t.Fatalf("after step %d, element %d: %.10g, want %.10g (relative error %.2g > %g)",
								k+1, i, got[i], want[i], math.Abs(got[i]-want[i])/math.Max(math.Abs(want[i]), scale), tol)
						}
					}
					row++
				}
			}
			for _, p := range params {
				if p.Tensor.RequiresGrad() {
					if opt.State(p.Tensor) == nil {
						t.Errorf("%s: trainable but no state", p.Name)
					}
					continue
				}
				if opt.State(p.Tensor) != nil {
					t.Errorf("%s: frozen but has optimizer state", p.Name)
				}
				if !slices.Equal(p.Tensor.Float64s(), initial[p.Name]) {
					t.Errorf("%s: frozen but changed", p.Name)
				}
			}
		})
	}
}

// lastFactor returns the schedule factor of the update just made.
func lastFactor(o *Optimizer) float64 {
	if o.Schedule == nil {
		return 1
	}
	return o.Schedule.Factor(o.Steps() - 1)
}

// close reports whether got is within tol of want relative to ref: the
// trajectories compare each element relative to its own magnitude, or to a
// tenth of the largest magnitude at that step for elements passing near
// zero (where any rounding difference is relatively large).
func close(got, want, ref, tol float64) bool {
	return math.Abs(got-want) <= tol*ref
}
