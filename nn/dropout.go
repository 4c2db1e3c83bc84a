package nn

import (
	"fmt"

	"github.com/goformer/goformer/tensor"
)

// Dropout zeroes each element with probability P during training and
// scales the others by 1/(1-P); in evaluation mode it passes its input
// through. Masks are drawn from Gen, so a run is reproducible from its
// seed. Dropout starts in evaluation mode: Train switches it on.
type Dropout struct {
	P   float64
	Gen *tensor.Generator

	training bool
}

// NewDropout returns a Dropout with probability p drawing from g, which
// may be shared by every dropout of a model. g may be nil for a model that
// is only evaluated; Forward in training mode then panics.
func NewDropout(p float64, g *tensor.Generator) *Dropout {
	if p < 0 || p > 1 || p != p {
		panic(fmt.Sprintf("nn: NewDropout: probability %v not in [0, 1]", p))
	}
	return &Dropout{P: p, Gen: g}
}

// SetTraining switches dropout on (training) or off (evaluation).
func (d *Dropout) SetTraining(on bool) { d.training = on }

// Training reports whether dropout is active.
func (d *Dropout) Training() bool { return d.training }

// Active reports whether Forward would drop anything: training mode and a
// positive probability. A nil Dropout is never active.
func (d *Dropout) Active() bool { return d != nil && d.training && d.P > 0 }

// Forward applies dropout to x in training mode and returns x itself
// otherwise. A nil Dropout returns x.
func (d *Dropout) Forward(x *tensor.Tensor) *tensor.Tensor {
	if !d.Active() {
		return x
	}
	if d.Gen == nil {
		panic("nn: Dropout: training mode needs a generator (Dropout.Gen is nil)")
	}
	return x.Dropout(d.P, d.Gen)
}
