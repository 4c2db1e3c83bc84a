package tensor

import "fmt"

// CustomOp makes out, a tensor computed outside the package's ops (by a
// fused kernel working on raw storage, say), a differentiable function of
// inputs, and returns it. When no input requires a gradient it records
// nothing and returns out unchanged, so inference stays free of graph
// nodes.
//
// out must be a fresh tensor: computed on detached operands, not a leaf
// marked with SetRequiresGrad, and not already the output of a recorded op.
//
// backward receives the gradient of out (of out's shape) and returns one
// gradient per input, in order, each of that input's shape, or nil where
// the input needs none (len(result) may be shorter than inputs). It runs
// during Backward, where it must record nothing: compute from the gradient
// and from detached copies of what the forward pass saved. Each returned
// gradient must be a freshly allocated tensor or a view of the gradient it
// received: Backward recycles their storage once consumed, so a gradient
// must never share storage with a forward tensor or a buffer the caller
// keeps.
//
// Inputs modified in place between the forward and the backward pass are
// detected as for built-in ops (Backward panics).
func CustomOp(name string, out *Tensor, backward func(grad *Tensor) []*Tensor, inputs ...*Tensor) *Tensor {
	if out == nil {
		panic(fmt.Sprintf("tensor: CustomOp %s: nil output", name))
	}
	if backward == nil {
		panic(fmt.Sprintf("tensor: CustomOp %s: nil backward function", name))
	}
	if out.node != nil || out.requiresGrad {
		panic(fmt.Sprintf("tensor: CustomOp %s: the output %v already takes part in autograd; compute it from detached tensors", name, out.shape))
	}
	for i, in := range inputs {
		if in == nil {
			panic(fmt.Sprintf("tensor: CustomOp %s: input %d is nil", name, i))
		}
		if in == out {
			panic(fmt.Sprintf("tensor: CustomOp %s: input %d is the output itself", name, i))
		}
	}
	if anyNeedsGrad(inputs...) {
		record(out, name, backward, inputs...)
	}
	return out
}

// Reserve claims n consecutive counters of the generator's stream (rounded
// up to a whole Philox block of four) and returns the first, for kernels
// outside the package that draw their own numbers with the mapping
// described under Backend (a fused attention kernel drawing its dropout
// mask, for one). Concurrent callers receive disjoint ranges.
func (g *Generator) Reserve(n int) uint64 {
	if n < 0 {
		panic(fmt.Sprintf("tensor: Generator.Reserve: negative count %d", n))
	}
	return g.reserve(n)
}
