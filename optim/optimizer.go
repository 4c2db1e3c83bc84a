// Package optim trains parameters from their gradients: the update rules
// SGD (momentum, dampening, Nesterov), Adam, AdamW (AMSGrad optional),
// RMSprop, Adagrad and Lion; parameter groups with their own learning rate
// and weight decay (by default none on biases and norm weights, and
// layer-wise learning-rate decay for fine-tuning); learning-rate schedules;
// gradient clipping by global norm and by value; gradient accumulation; and
// state files for resuming. Every rule reproduces torch.optim's arithmetic
// (checked against it over 100 steps), and runs on any device: AdamW and
// Adam take the fused tensor.AdamWStep kernel of the backend, the others
// are written with tensor ops.
//
// # Getting started
//
//	groups := optim.DefaultGroups(nn.Trainable(model), 3e-4, 0.01) // no decay on biases and norms
//	opt := optim.New(optim.AdamW{}, groups...)
//	opt.Schedule = optim.Linear{Warmup: 100, Total: steps}
//	opt.ClipNorm = 1.0
//	for step := 0; step < steps; step++ {
//		loss := lossOf(model, batch(step))
//		loss.Backward()
//		opt.Step()
//		opt.ZeroGrad()
//	}
//
// With Accumulate = n, Step adds up the gradients of n micro-batches and
// updates on the n-th call only; it returns whether it updated, and the
// caller clears the gradients then.
//
// Frozen parameters (see nn.Freeze) have no gradient: Step skips them and
// creates no state for them, so they stay bit-identical.
package optim

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Group is a set of parameters sharing a learning rate and weight decay,
// as a PyTorch parameter group.
type Group struct {
	// Name describes the group in logs and state files ("decay",
	// "layer3.no_decay"); it may be empty.
	Name string
	// Params are the tensors the group updates, with their names (the
	// names key the optimizer state in files).
	Params []nn.Param
	// LR is the group's learning rate before the schedule's factor.
	LR float64
	// WeightDecay is the group's weight-decay coefficient (decoupled for
	// AdamW and Lion, added to the gradient for the others).
	WeightDecay float64
}

// Hyper is what a Rule receives for one parameter at one step.
type Hyper struct {
	LR          float64 // the learning rate of this step (schedule applied)
	WeightDecay float64 // the group's weight decay
	Step        int     // 1 at the parameter's first update
}

// A Rule is an update rule (SGD, AdamW, ...). New calls Init once per
// parameter, when the parameter first has a gradient, and Update at every
// step; p and g are detached views of the parameter and its gradient.
// The rules of this package are values of exported structs whose zero
// fields take PyTorch's defaults; a program may define its own.
type Rule interface {
	// Name identifies the rule in state files ("adamw").
	Name() string
	// Slots names the per-parameter state tensors Init returns, in order
	// ("exp_avg", "exp_avg_sq").
	Slots() []string
	// Init returns the initial state tensors of parameter p.
	Init(p *tensor.Tensor) []*tensor.Tensor
	// Update changes p in place from its gradient g and its state.
	Update(p, g *tensor.Tensor, state []*tensor.Tensor, h Hyper)
}

// ParamState is the optimizer's state for one parameter.
type ParamState struct {
	Step  int              // updates applied to the parameter
	Slots []*tensor.Tensor // the rule's state tensors (see Rule.Slots)
}

// Optimizer updates groups of parameters with a Rule.
type Optimizer struct {
	// Rule is the update rule.
	Rule Rule
	// Groups are the parameters, with their learning rates and weight
	// decays. A parameter may belong to one group only.
	Groups []Group
	// Schedule scales every group's learning rate by Schedule.Factor(n)
	// at the update that follows n updates; nil keeps them constant.
	Schedule Schedule
	// ClipNorm, when positive, rescales the gradients before each update
	// so that their global L2 norm is at most ClipNorm, as
	// torch.nn.utils.clip_grad_norm_.
	ClipNorm float64
	// ClipValue, when positive, clamps every gradient element to
	// [-ClipValue, ClipValue] (after ClipNorm), as clip_grad_value_.
	ClipValue float64
	// Accumulate is the number of micro-batches whose gradients add up to
	// one update (0 or 1: every Step updates). The summed gradients are
	// divided by the number of micro-batches before clipping, so that a
	// mean loss per micro-batch gives the gradient of the mean over all.
	Accumulate int

	steps    int // updates done
	micro    int // micro-batches counted toward the next update
	state    map[*tensor.Tensor]*ParamState
	lastNorm float64
}

// New returns an optimizer applying rule to the groups. It panics when a
// parameter appears twice or two parameters share a name (the names key
// the state in files).
func New(rule Rule, groups ...Group) *Optimizer {
	if rule == nil {
		panic("optim: New: nil rule")
	}
	seen := map[*tensor.Tensor]bool{}
	names := map[string]bool{}
	for _, g := range groups {
		for _, p := range g.Params {
			if p.Tensor == nil {
				panic(fmt.Sprintf("optim: New: parameter %q is nil", p.Name))
			}
			if seen[p.Tensor] {
				panic(fmt.Sprintf("optim: New: parameter %q is in two groups (or twice in one)", p.Name))
			}
			if names[p.Name] {
				panic(fmt.Sprintf("optim: New: two parameters are named %q", p.Name))
			}
			seen[p.Tensor] = true
			names[p.Name] = true
		}
	}
	return &Optimizer{Rule: rule, Groups: groups, state: map[*tensor.Tensor]*ParamState{}, lastNorm: math.NaN()}
}

// Steps returns the number of updates applied so far.
func (o *Optimizer) Steps() int { return o.steps }

// Pending returns the number of micro-batches counted toward the next
// update (always 0 without accumulation).
func (o *Optimizer) Pending() int { return o.micro }

// Factor returns the schedule's factor for the next update (1 without a
// schedule).
func (o *Optimizer) Factor() float64 {
	if o.Schedule == nil {
		return 1
	}
	return o.Schedule.Factor(o.steps)
}

// LR returns the learning rate that group i will use at the next update.
func (o *Optimizer) LR(i int) float64 { return o.Groups[i].LR * o.Factor() }

// GradNorm returns the global L2 norm of the gradients at the last update,
// before clipping; NaN when it was not measured (ClipNorm unset, or no
// update yet).
func (o *Optimizer) GradNorm() float64 { return o.lastNorm }

// State returns the state of parameter p, or nil when it has none (it never
// had a gradient: it is frozen, or no update ran yet).
func (o *Optimizer) State(p *tensor.Tensor) *ParamState { return o.state[p] }

// ZeroGrad clears the gradient of every parameter of the groups.
func (o *Optimizer) ZeroGrad() {
	for _, g := range o.Groups {
		for _, p := range g.Params {
			p.Tensor.ZeroGrad()
		}
	}
}

// Step counts one micro-batch and, when Accumulate of them have been
// counted (or at every call without accumulation), updates the
// parameters from their gradients: it averages accumulated gradients,
// clips them, applies the rule to every parameter that has a gradient
// with its group's learning rate times the schedule's factor, and reports
// true. It does not clear the gradients: call ZeroGrad after an update.
// Parameters without a gradient (frozen ones) are left alone and get no
// state.
func (o *Optimizer) Step() bool {
	o.micro++
	if o.Accumulate > 1 && o.micro < o.Accumulate {
		return false
	}
	n := o.micro
	o.micro = 0
	var grads []*tensor.Tensor
	for _, g := range o.Groups {
		for _, p := range g.Params {
			if gr := p.Tensor.Grad(); gr != nil && p.Tensor.RequiresGrad() {
				grads = append(grads, gr)
			}
		}
	}
	if n > 1 {
		for _, g := range grads {
			g.ScaleInPlace(1 / float64(n))
		}
	}
	o.lastNorm = math.NaN()
	if o.ClipNorm > 0 {
		o.lastNorm = ClipGradNorm(grads, o.ClipNorm)
	}
	if o.ClipValue > 0 {
		ClipGradValue(grads, o.ClipValue)
	}
	factor := o.Factor()
	for _, g := range o.Groups {
		lr := g.LR * factor
		for _, p := range g.Params {
			gr := p.Tensor.Grad()
			if gr == nil || !p.Tensor.RequiresGrad() {
				continue
			}
			st := o.state[p.Tensor]
			if st == nil {
				st = &ParamState{Slots: o.Rule.Init(p.Tensor.Detach())}
				o.state[p.Tensor] = st
			}
			st.Step++
			o.Rule.Update(p.Tensor.Detach(), gr.Detach(), st.Slots, Hyper{LR: lr, WeightDecay: g.WeightDecay, Step: st.Step})
		}
	}
	o.steps++
	return true
}

// ClipGradNorm rescales grads in place so that their global L2 norm (the
// norm of all their elements together) is at most maxNorm, as
// torch.nn.utils.clip_grad_norm_: each is multiplied by
// min(1, maxNorm/(norm+1e-6)). It returns the norm before clipping, which
// is NaN or +Inf when a gradient holds one (the gradients are then scaled
// by NaN or 0, as PyTorch does).
func ClipGradNorm(grads []*tensor.Tensor, maxNorm float64) float64 {
	total := GlobalNorm(grads)
	coef := math.Min(maxNorm/(total+1e-6), 1)
	if math.IsNaN(total) {
		coef = math.NaN()
	}
	for _, g := range grads {
		g.ScaleInPlace(coef)
	}
	return total
}

// GlobalNorm returns the L2 norm of all the elements of ts together.
func GlobalNorm(ts []*tensor.Tensor) float64 {
	sum := 0.0
	for _, t := range ts {
		d := t.Detach()
		n := d.Mul(d).Sum().Item()
		sum += n
	}
	return math.Sqrt(sum)
}

// ClipGradValue clamps every element of grads to [-v, v] in place, as
// torch.nn.utils.clip_grad_value_.
func ClipGradValue(grads []*tensor.Tensor, v float64) {
	for _, g := range grads {
		g.CopyFrom(g.Detach().Clamp(-v, v))
	}
}
