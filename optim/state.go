package optim

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// ErrState is returned (wrapped) when a state file does not fit the
// optimizer it is loaded into: another rule, other groups or parameters,
// other shapes, or a malformed description.
var ErrState = errors.New("optim: state does not match the optimizer")

// stateFile is the JSON description saved in a state file's metadata under
// "optim".
type stateFile struct {
	Format     int             `json:"format"`
	Rule       string          `json:"rule"`
	Slots      []string        `json:"slots"`
	Steps      int             `json:"steps"`
	Groups     []groupFile     `json:"groups"`
	ParamSteps map[string]int  `json:"param_steps"`
	Schedule   json.RawMessage `json:"schedule,omitempty"`
}

type groupFile struct {
	Name        string   `json:"name"`
	LR          float64  `json:"lr"`
	WeightDecay float64  `json:"weight_decay"`
	Params      []string `json:"params"`
}

// Save writes the optimizer's state to path atomically, as a safetensors
// file: the state tensors of every parameter that has some, named
// "<parameter>/<slot>" ("encoder.layer.0.attention.self.query.weight/exp_avg"),
// and in the metadata under "optim" a JSON description: the rule, the
// number of updates, each group's learning rate, weight decay and
// parameter names, each parameter's update count, and the state of a
// StatefulSchedule. It refuses to save in the middle of an accumulation
// cycle, whose gradients a file would not hold.
func (o *Optimizer) Save(path string) error {
	if o.micro != 0 {
		return fmt.Errorf("optim: save %s: %d micro-batches of %d accumulated; save after an update", path, o.micro, o.Accumulate)
	}
	sf := stateFile{Format: 1, Rule: o.Rule.Name(), Slots: o.Rule.Slots(), Steps: o.steps, ParamSteps: map[string]int{}}
	tensors := map[string]*tensor.Tensor{}
	for _, g := range o.Groups {
		gf := groupFile{Name: g.Name, LR: g.LR, WeightDecay: g.WeightDecay}
		for _, p := range g.Params {
			gf.Params = append(gf.Params, p.Name)
			st := o.state[p.Tensor]
			if st == nil {
				continue
			}
			sf.ParamSteps[p.Name] = st.Step
			for i, s := range st.Slots {
				tensors[p.Name+"/"+sf.Slots[i]] = s
			}
		}
		sf.Groups = append(sf.Groups, gf)
	}
	if s, ok := o.Schedule.(StatefulSchedule); ok {
		b, err := s.MarshalState()
		if err != nil {
			return fmt.Errorf("optim: save %s: %w", path, err)
		}
		sf.Schedule = b
	}
	desc, err := json.Marshal(sf)
	if err != nil {
		return fmt.Errorf("optim: save %s: %w", path, err)
	}
	if err := safetensors.WriteFile(path, tensors, map[string]string{"optim": string(desc)}); err != nil {
		return fmt.Errorf("optim: save %s: %w", path, err)
	}
	return nil
}

// Load restores a state written by Save into an optimizer built the same
// way (same rule, same groups of the same parameters in the same order):
// update counts, the groups' learning rates and weight decays, the state
// tensors (moved to each parameter's device and dtype) and the schedule's
// state. On any mismatch it returns an error wrapping ErrState and changes
// nothing.
func (o *Optimizer) Load(path string) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return fmt.Errorf("optim: load %s: %w", path, err)
	}
	defer f.Close()
	if err := o.load(f); err != nil {
		return fmt.Errorf("optim: load %s: %w", path, err)
	}
	return nil
}

func (o *Optimizer) load(f *safetensors.File) error {
	raw, ok := f.Metadata()["optim"]
	if !ok {
		return fmt.Errorf("%w: no \"optim\" metadata (not an optimizer state file)", ErrState)
	}
	var sf stateFile
	if err := json.Unmarshal([]byte(raw), &sf); err != nil {
		return fmt.Errorf("%w: description: %v", ErrState, err)
	}
	if sf.Format != 1 {
		return fmt.Errorf("%w: format %d, want 1", ErrState, sf.Format)
	}
	if sf.Rule != o.Rule.Name() || !slices.Equal(sf.Slots, o.Rule.Slots()) {
		return fmt.Errorf("%w: saved by %s with state %v, loading into %s with state %v", ErrState, sf.Rule, sf.Slots, o.Rule.Name(), o.Rule.Slots())
	}
	if sf.Steps < 0 {
		return fmt.Errorf("%w: %d updates", ErrState, sf.Steps)
	}
	if len(sf.Groups) != len(o.Groups) {
		return fmt.Errorf("%w: %d groups saved, %d in the optimizer", ErrState, len(sf.Groups), len(o.Groups))
	}
	byName := map[string]*tensor.Tensor{}
	for i, g := range o.Groups {
		names := make([]string, len(g.Params))
		for j, p := range g.Params {
			names[j] = p.Name
			byName[p.Name] = p.Tensor
		}
		if !slices.Equal(names, sf.Groups[i].Params) {
			return fmt.Errorf("%w: group %d holds other parameters", ErrState, i)
		}
		if bad(sf.Groups[i].LR) || bad(sf.Groups[i].WeightDecay) {
			return fmt.Errorf("%w: group %d: learning rate %v, weight decay %v", ErrState, i, sf.Groups[i].LR, sf.Groups[i].WeightDecay)
		}
	}
	used := map[string]bool{}
	state := map[*tensor.Tensor]*ParamState{}
	for name, steps := range sf.ParamSteps {
		p, ok := byName[name]
		if !ok {
			return fmt.Errorf("%w: state for unknown parameter %q", ErrState, name)
		}
		if steps < 1 {
			return fmt.Errorf("%w: parameter %q: %d updates", ErrState, name, steps)
		}
		st := &ParamState{Step: steps}
		for _, slot := range sf.Slots {
			key := name + "/" + slot
			info, ok := f.Info(key)
			if !ok {
				return fmt.Errorf("%w: %s missing", ErrState, key)
			}
			if !slices.Equal(info.Shape, p.Shape()) {
				return fmt.Errorf("%w: %s has shape %v, the parameter %v", ErrState, key, info.Shape, p.Shape())
			}
			t, err := f.Tensor(key)
			if err != nil {
				return err
			}
			s := tensor.Empty(p.Device(), p.DType(), p.Shape()...)
			s.CopyFrom(t)
			st.Slots = append(st.Slots, s)
			used[key] = true
		}
		state[p] = st
	}
	for _, n := range f.Names() {
		if !used[n] {
			return fmt.Errorf("%w: unexpected tensor %s", ErrState, n)
		}
	}
	if ss, ok := o.Schedule.(StatefulSchedule); ok && len(sf.Schedule) > 0 {
		if err := ss.UnmarshalState(sf.Schedule); err != nil {
			return fmt.Errorf("%w: %v", ErrState, err)
		}
	} else if len(sf.Schedule) > 0 && !ok {
		return fmt.Errorf("%w: the file holds a schedule state (%s) but the optimizer's schedule keeps none", ErrState, strings.TrimSpace(string(sf.Schedule)))
	}
	for i := range o.Groups {
		o.Groups[i].LR = sf.Groups[i].LR
		o.Groups[i].WeightDecay = sf.Groups[i].WeightDecay
	}
	o.state = state
	o.steps = sf.Steps
	o.micro = 0
	return nil
}

func bad(x float64) bool { return math.IsNaN(x) || math.IsInf(x, 0) || x < 0 }
