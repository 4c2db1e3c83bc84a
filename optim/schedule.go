package optim

import (
	"encoding/json"
	"fmt"
	"math"
)

// A Schedule scales the learning rates over training: the update that
// follows n updates (n = 0 for the first) uses each group's LR times
// Factor(n), as PyTorch's LambdaLR stepped once per update. The warm-up
// and decay formulas are those of Hugging Face transformers'
// get_*_schedule_with_warmup.
type Schedule interface {
	Factor(step int) float64
}

// A StatefulSchedule has state beyond the step count (Plateau), saved with
// the optimizer's state.
type StatefulSchedule interface {
	Schedule
	MarshalState() ([]byte, error)
	UnmarshalState([]byte) error
}

// ScheduleFunc is a schedule given by a function.
type ScheduleFunc func(step int) float64

// Factor returns f(step).
func (f ScheduleFunc) Factor(step int) float64 { return f(step) }

// warm returns the linear warm-up factor step/warmup and whether step is
// still in the warm-up.
func warm(step, warmup int) (float64, bool) {
	if step < warmup {
		return float64(step) / float64(max(1, warmup)), true
	}
	return 0, false
}

// Constant keeps the learning rate after a linear warm-up from 0 over
// Warmup updates (none when 0).
type Constant struct{ Warmup int }

// Factor returns the warm-up fraction, then 1.
func (s Constant) Factor(step int) float64 {
	if f, ok := warm(step, s.Warmup); ok {
		return f
	}
	return 1
}

// Linear warms up linearly from 0 over Warmup updates, then decays
// linearly to 0 at update Total (BERT's schedule).
type Linear struct{ Warmup, Total int }

// Factor returns the schedule's factor at step.
func (s Linear) Factor(step int) float64 {
	if f, ok := warm(step, s.Warmup); ok {
		return f
	}
	return math.Max(0, float64(s.Total-step)/float64(max(1, s.Total-s.Warmup)))
}

// Cosine warms up linearly from 0 over Warmup updates, then follows a
// cosine from 1 down to 0 at update Total (Cycles half-periods of a
// cosine, 0.5 by default: one descent).
type Cosine struct {
	Warmup, Total int
	Cycles        float64
}

// Factor returns the schedule's factor at step.
func (s Cosine) Factor(step int) float64 {
	if f, ok := warm(step, s.Warmup); ok {
		return f
	}
	progress := float64(step-s.Warmup) / float64(max(1, s.Total-s.Warmup))
	return math.Max(0, 0.5*(1+math.Cos(math.Pi*orDefault(s.Cycles, 0.5)*2*progress)))
}

// InverseSqrt warms up linearly over Warmup updates, then decays as
// 1/√((step + Timescale - Warmup)/Timescale) (the Transformer's schedule);
// Timescale defaults to Warmup, or 10000 without warm-up.
type InverseSqrt struct{ Warmup, Timescale int }

// Factor returns the schedule's factor at step.
func (s InverseSqrt) Factor(step int) float64 {
	if f, ok := warm(step, s.Warmup); ok {
		return f
	}
	ts := s.Timescale
	if ts == 0 {
		ts = s.Warmup
	}
	if ts == 0 {
		ts = 10000
	}
	return 1 / math.Sqrt(float64(step+ts-s.Warmup)/float64(ts))
}

// StepDecay multiplies the learning rate by Gamma every Every updates, as
// torch.optim.lr_scheduler.StepLR.
type StepDecay struct {
	Every int
	Gamma float64
}

// Factor returns Gamma^⌊step/Every⌋.
func (s StepDecay) Factor(step int) float64 {
	if s.Every <= 0 {
		return 1
	}
	return math.Pow(s.Gamma, float64(step/s.Every))
}

// Plateau lowers the learning rate when a metric stops improving, as
// torch.optim.lr_scheduler.ReduceLROnPlateau: after each evaluation the
// caller passes the metric to Observe; when it has not improved for more
// than Patience observations, the factor is multiplied by Decay (not
// below MinFactor), and Cooldown observations pass before counting again.
// A metric improves when it is below best·(1-Threshold) (Max: above
// best·(1+Threshold)), or best∓Threshold with AbsThreshold. Zero values
// take PyTorch's defaults: Decay 0.1, Patience 10, Threshold 1e-4.
type Plateau struct {
	Max          bool    // the metric should rise (accuracy) rather than fall (loss)
	Decay        float64 // multiplies the factor at a plateau
	Patience     int
	Threshold    float64
	AbsThreshold bool
	Cooldown     int
	MinFactor    float64 // the factor never falls below this (PyTorch's min_lr divided by the base LR)

	st plateauState
}

type plateauState struct {
	Scale    float64 `json:"scale"`
	Best     float64 `json:"best"`
	Seen     bool    `json:"seen"`
	Bad      int     `json:"num_bad"`
	Cooldown int     `json:"cooldown_counter"`
}

// Reset forgets the observations: factor 1, no best metric.
func (p *Plateau) Reset() { p.st = plateauState{Scale: 1} }

// Factor returns the current factor; the step is ignored.
func (p *Plateau) Factor(int) float64 {
	if p.st.Scale == 0 {
		p.st.Scale = 1
	}
	return p.st.Scale
}

// Observe records a metric and lowers the factor when it has stalled; it
// reports whether it lowered it.
func (p *Plateau) Observe(metric float64) bool {
	if p.st.Scale == 0 {
		p.st.Scale = 1
	}
	factor := orDefault(p.Decay, 0.1)
	patience := p.Patience
	if patience == 0 {
		patience = 10
	}
	threshold := orDefault(p.Threshold, 1e-4)
	if p.better(metric, threshold) {
		p.st.Best, p.st.Seen, p.st.Bad = metric, true, 0
	} else {
		p.st.Bad++
	}
	if p.st.Cooldown > 0 {
		p.st.Cooldown--
		p.st.Bad = 0
	}
	if p.st.Bad > patience {
		p.st.Cooldown = p.Cooldown
		p.st.Bad = 0
		next := math.Max(p.st.Scale*factor, p.MinFactor)
		if p.st.Scale-next > 1e-12 {
			p.st.Scale = next
			return true
		}
	}
	return false
}

func (p *Plateau) better(a, threshold float64) bool {
	if !p.st.Seen {
		return !math.IsNaN(a)
	}
	best := p.st.Best
	switch {
	case !p.Max && !p.AbsThreshold:
		return a < best*(1-threshold)
	case !p.Max:
		return a < best-threshold
	case !p.AbsThreshold:
		return a > best*(1+threshold)
	default:
		return a > best+threshold
	}
}

// MarshalState returns the plateau's counters as JSON.
func (p *Plateau) MarshalState() ([]byte, error) {
	if p.st.Scale == 0 {
		p.st.Scale = 1
	}
	return json.Marshal(p.st)
}

// UnmarshalState restores counters written by MarshalState.
func (p *Plateau) UnmarshalState(b []byte) error {
	var st plateauState
	if err := json.Unmarshal(b, &st); err != nil {
		return fmt.Errorf("plateau state: %w", err)
	}
	if !(st.Scale > 0) || math.IsInf(st.Scale, 0) {
		return fmt.Errorf("plateau state: factor %v", st.Scale)
	}
	p.st = st
	return nil
}
