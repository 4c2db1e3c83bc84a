// Package gradcheck verifies the gradients that tensor's autograd computes
// against central finite differences in float64.
//
// To check an op or a layer, write it as a function of its inputs and pass
// float64 inputs, marking with SetRequiresGrad the ones whose gradients are
// checked:
//
//	x := tensor.RandN(rng, 3, 4).As(tensor.Float64).SetRequiresGrad(true)
//	err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor {
//		return in[0].Tanh()
//	}, []*tensor.Tensor{x}, gradcheck.Options{})
//
// The function may return a tensor of any shape: Check contracts it with a
// fixed random tensor R (seeded) and compares the gradient of Σ f·R, which
// autograd computes with Backward(WithGrad(R)), against
// (L(x+ε) - L(x-ε)) / 2ε for every element of every checked input.
// Inputs may be non-contiguous views (a transposed leaf exercises the
// strided kernels), but not broadcast views, whose elements alias.
package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/goformer/goformer/tensor"
)

// Options tunes Check. The zero value is ready to use.
type Options struct {
	// Eps is the finite-difference step (default 1e-6).
	Eps float64
	// Atol and Rtol bound the difference between analytic and numeric
	// gradients: |a - n| ≤ Atol + Rtol·|n| (defaults 1e-6 and 1e-4).
	Atol, Rtol float64
	// Seed picks the random contraction R and the sampled elements
	// (default 1).
	Seed uint64
	// MaxElements, when positive, checks only that many elements of each
	// input, chosen at random (with Seed), so that large inputs — large
	// enough to take the parallel paths of the kernels — stay cheap.
	MaxElements int
}

// ErrMismatch is wrapped by the error Check returns when a gradient
// differs from its finite-difference estimate.
var ErrMismatch = errors.New("gradcheck: analytic and numeric gradients differ")

// Check runs f on inputs, back-propagates, and compares the gradient of
// every input that requires one with finite differences. It returns nil
// when they agree, an error wrapping ErrMismatch naming the worst element
// otherwise, or an error describing unusable inputs. Inputs' existing
// gradients are cleared first; f must be deterministic.
func Check(f func(in []*tensor.Tensor) *tensor.Tensor, inputs []*tensor.Tensor, opts Options) error {
	if opts.Eps == 0 {
		opts.Eps = 1e-6
	}
	if opts.Atol == 0 {
		opts.Atol = 1e-6
	}
	if opts.Rtol == 0 {
		opts.Rtol = 1e-4
	}
	if opts.Seed == 0 {
		opts.Seed = 1
	}
	checked := 0
	for i, in := range inputs {
		if in == nil {
			return fmt.Errorf("gradcheck: input %d is nil", i)
		}
		if !in.RequiresGrad() {
			continue
		}
		if !in.IsLeaf() {
			return fmt.Errorf("gradcheck: input %d is not a leaf (Detach it and SetRequiresGrad)", i)
		}
		if in.DType() != tensor.Float64 || in.Device() != tensor.CPU {
			return fmt.Errorf("gradcheck: input %d is %s on %s; checked inputs must be float64 on the CPU", i, in.DType(), in.Device())
		}
		for d, s := range in.Strides() {
			if s == 0 && in.Dim(d) > 1 {
				return fmt.Errorf("gradcheck: input %d is a broadcast view (strides %v)", i, in.Strides())
			}
		}
		in.ZeroGrad()
		checked++
	}
	if checked == 0 {
		return errors.New("gradcheck: no input requires a gradient")
	}

	out := f(inputs)
	if out == nil {
		return errors.New("gradcheck: f returned nil")
	}
	if out.DType() != tensor.Float64 {
		return fmt.Errorf("gradcheck: f returned %s; use float64 inputs", out.DType())
	}
	if !out.RequiresGrad() {
		return errors.New("gradcheck: the output does not depend on any checked input")
	}
	rng := rand.New(rand.NewPCG(opts.Seed, 0x9e3779b97f4a7c15))
	r := make([]float64, out.Numel())
	for i := range r {
		r[i] = rng.Float64()*2 - 1
	}
	rt := tensor.FromSlice(r).Reshape(out.Shape()...) // also for a scalar out
	out.Backward(tensor.WithGrad(rt))

	// loss evaluates Σ f(x)·R without recording a graph.
	detached := make([]*tensor.Tensor, len(inputs))
	for i, in := range inputs {
		detached[i] = in.Detach()
	}
	loss := func() float64 {
		o := f(detached).Float64s()
		var s float64
		for i, v := range o {
			s += v * r[i]
		}
		return s
	}

	var worst struct {
		excess         float64
		input          int
		index          []int
		analytic, nume float64
	}
	for i, in := range inputs {
		if !in.RequiresGrad() {
			continue
		}
		var analytic []float64
		if g := in.Grad(); g != nil {
			if !g.SameShape(in) {
				return fmt.Errorf("gradcheck: input %d has shape %v but its gradient %v", i, in.Shape(), g.Shape())
			}
			analytic = g.Float64s()
		} else {
			analytic = make([]float64, in.Numel()) // no gradient flowed: zero
		}
		st, ok := in.Storage().(*tensor.CPUStorage)
		if !ok {
			return fmt.Errorf("gradcheck: input %d is not on the CPU", i)
		}
		data := st.Float64s()
		shape, strides := in.Shape(), in.Strides()
		idx := make([]int, len(shape))
		elems := make([]int, in.Numel())
		for e := range elems {
			elems[e] = e
		}
		if opts.MaxElements > 0 && opts.MaxElements < len(elems) {
			rng.Shuffle(len(elems), func(a, b int) { elems[a], elems[b] = elems[b], elems[a] })
			elems = elems[:opts.MaxElements]
		}
		for _, e := range elems {
			rest := e
			for d := len(shape) - 1; d >= 0; d-- {
				idx[d] = rest % shape[d]
				rest /= shape[d]
			}
			pos := in.Offset()
			for d := range idx {
				pos += idx[d] * strides[d]
			}
			orig := data[pos]
			data[pos] = orig + opts.Eps
			lp := loss()
			data[pos] = orig - opts.Eps
			lm := loss()
			data[pos] = orig
			num := (lp - lm) / (2 * opts.Eps)
			a := analytic[e]
			diff := math.Abs(a - num)
			tol := opts.Atol + opts.Rtol*math.Abs(num)
			bad := diff > tol || math.IsNaN(a) != math.IsNaN(num)
			if bad && (diff-tol > worst.excess || math.IsNaN(diff) || worst.index == nil) {
				worst.excess = diff - tol
				worst.input, worst.analytic, worst.nume = i, a, num
				worst.index = append([]int(nil), idx...)
			}
		}
	}
	if worst.index != nil {
		return fmt.Errorf("%w: input %d at %v: analytic %.10g, numeric %.10g", ErrMismatch, worst.input, worst.index, worst.analytic, worst.nume)
	}
	return nil
}
