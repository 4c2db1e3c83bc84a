package tensor

import (
	"fmt"
	"sync"
)

// node records how a tensor was computed, for the backward pass. Nodes
// exist only on the differentiable path: an op creates one only when an
// input requires a gradient.
type node struct {
	op     string
	inputs []*Tensor // the op's inputs; nil where an input needs no gradient
	// backward maps the gradient of the output to one gradient per input
	// (nil where not needed). It must not record graph nodes: it runs the
	// raw kernels, or public ops on gradients only.
	backward func(g *Tensor) []*Tensor
	out      *Tensor
	// savedInputs are all the op's inputs, kept to check that none was
	// modified in place before the backward pass reads it.
	savedInputs []*Tensor
	versions    []uint32 // buffer versions of savedInputs at record time
	outVer      uint32
	freed       bool
	// scratch are tensors the op saved for its backward pass that no one
	// else can reach (statistics, log-sum-exps): freeing the node after
	// Backward returns their storage to the pool.
	scratch []*Tensor
}

// needsGrad reports whether a gradient flows to t: it is a leaf that
// requires one or the result of an op on such tensors.
func (t *Tensor) needsGrad() bool { return t.requiresGrad || t.node != nil }

// anyNeedsGrad reports whether any operand needs a gradient.
func anyNeedsGrad(ts ...*Tensor) bool {
	for _, t := range ts {
		if t != nil && t.needsGrad() {
			return true
		}
	}
	return false
}

// record attaches a backward node to out. Callers check anyNeedsGrad
// first, so that nothing is allocated when no gradient is wanted.
func record(out *Tensor, op string, backward func(g *Tensor) []*Tensor, inputs ...*Tensor) {
	n := &node{op: op, backward: backward, out: out, outVer: out.buf.version}
	n.inputs = make([]*Tensor, len(inputs))
	n.versions = make([]uint32, len(inputs))
	for i, in := range inputs {
		if in != nil && in.needsGrad() {
			n.inputs[i] = in
		}
		if in != nil {
			n.versions[i] = in.buf.version
		}
	}
	out.node = n
	n.savedInputs = inputs
}

// RequiresGrad reports whether gradients flow to t: it is a leaf marked
// with SetRequiresGrad, or was computed from one.
func (t *Tensor) RequiresGrad() bool { return t.needsGrad() }

// IsLeaf reports whether t was created directly rather than computed by a
// differentiable op from tensors that require gradients.
func (t *Tensor) IsLeaf() bool { return t.node == nil }

// SetRequiresGrad marks a leaf tensor (a parameter) as needing a gradient,
// or clears the mark, and returns t. Only leaves take the mark: calling it
// on a computed tensor panics; use Detach first.
func (t *Tensor) SetRequiresGrad(on bool) *Tensor {
	if t.node != nil {
		panic(fmt.Sprintf("tensor: SetRequiresGrad on a tensor computed by %s (not a leaf); Detach it first", t.node.op))
	}
	if on && !t.dtype.IsFloat() {
		panic(fmt.Sprintf("tensor: SetRequiresGrad: %s tensors cannot have gradients", t.dtype))
	}
	t.requiresGrad = on
	return t
}

// Grad returns the gradient accumulated in a leaf by Backward, or nil. The
// tensor is owned by t: optimizers may update it in place. It is valid
// until the next ZeroGrad of t, which recycles its storage (using it
// afterwards panics); Clone it to keep it longer.
func (t *Tensor) Grad() *Tensor { return t.grad }

// SetGrad replaces the accumulated gradient of a leaf (nil clears it). A
// gradient set this way stays the caller's: ZeroGrad drops it without
// recycling its storage.
func (t *Tensor) SetGrad(g *Tensor) {
	if g != nil && !g.SameShape(t) {
		panic(fmt.Sprintf("tensor: SetGrad: gradient shape %v differs from tensor shape %v", g.shape, t.shape))
	}
	t.grad, t.gradOwned = g, false
}

// ZeroGrad drops the accumulated gradient, so that the next Backward starts
// from zero (as PyTorch's zero_grad(set_to_none=True)). A gradient that
// Backward made is released: its storage serves the next Backward's
// gradients, and the tensor Grad returned before becomes unreadable.
func (t *Tensor) ZeroGrad() {
	if t.grad != nil && t.gradOwned {
		t.grad.buf.release(releasedByZeroGrad)
	}
	t.grad, t.gradOwned = nil, false
}

// Detach returns a tensor sharing t's storage that is not part of any graph
// and does not require a gradient.
func (t *Tensor) Detach() *Tensor {
	d := newHeader(t.buf, t.dtype, len(t.shape))
	d.offset = t.offset
	copy(d.shape, t.shape)
	copy(d.strides, t.strides)
	return d
}

type backwardConfig struct {
	grad   *Tensor
	retain bool
}

// A BackwardOption configures Backward.
type BackwardOption func(*backwardConfig)

// WithGrad sets the gradient of the tensor Backward starts from; it must
// have the tensor's shape. It is required when the tensor is not a scalar
// (one element); otherwise the gradient is 1.
func WithGrad(g *Tensor) BackwardOption { return func(c *backwardConfig) { c.grad = g } }

// RetainGraph keeps the graph after Backward, so that Backward may run
// through it again (for example for a second loss computed from the same
// activations). By default Backward frees the graph as it goes: the
// tensors saved for the gradient are released, and a second Backward
// through any freed node panics.
func RetainGraph() BackwardOption { return func(c *backwardConfig) { c.retain = true } }

// leafMu serializes gradient accumulation into leaves, so that several
// goroutines may run Backward on graphs that share parameters.
var leafMu sync.Mutex

// Backward computes the gradient of t with respect to every leaf that
// requires one and adds it to that leaf's Grad. t must require a gradient.
// When t is a scalar the starting gradient is 1; otherwise pass one with
// WithGrad. Gradients accumulate across calls until ZeroGrad.
//
// Gradients of intermediate tensors are not kept. Backward itself records
// nothing (no higher-order gradients). Unless RetainGraph is given, the
// graph behind t is freed: see RetainGraph.
func (t *Tensor) Backward(opts ...BackwardOption) {
	var cfg backwardConfig
	for _, o := range opts {
		o(&cfg)
	}
	if !t.needsGrad() {
		panic("tensor: Backward: the tensor does not require a gradient (no leaf it depends on has SetRequiresGrad(true))")
	}
	g := cfg.grad
	if g == nil {
		if t.Numel() != 1 {
			panic(fmt.Sprintf("tensor: Backward: tensor of shape %v is not a scalar; pass its gradient with WithGrad", t.shape))
		}
		g = newLike(t, t.dtype, t.shape)
		g.backend().Fill(g.view(), 1)
	} else {
		if !g.SameShape(t) {
			panic(fmt.Sprintf("tensor: Backward: gradient shape %v differs from tensor shape %v", g.shape, t.shape))
		}
		checkSameDevice2("Backward", t, g)
		checkSameDType2("Backward", t, g)
		g = g.Detach()
	}
	if t.node == nil {
		accumulateLeaf(t, g, false)
		return
	}
	order := topoOrder(t.node)
	grads := make(map[*node]*Tensor, len(order))
	grads[t.node] = g
	// Gradients of intermediate tensors are never seen outside this loop,
	// so their storage goes back to the backend as soon as the last
	// gradient that uses it has been consumed. Backward functions return
	// fresh tensors or views of their input gradient (never forward
	// tensors), so counting references by storage is exact. The starting
	// gradient may be the caller's: it is never released.
	refs := map[Storage]int{g.buf.storage: 1}
	keep := g.buf.storage
	if cfg.grad == nil {
		keep = nil // made above: released like any other
	}
	ref := func(x *Tensor) { refs[x.buf.storage]++ }
	unref := func(x *Tensor) {
		s := x.buf.storage
		if refs[s]--; refs[s] <= 0 {
			delete(refs, s)
			if s != keep {
				x.buf.release(releasedInternally)
			}
		}
	}
	for i := len(order) - 1; i >= 0; i-- {
		n := order[i]
		g := grads[n]
		delete(grads, n)
		if n.freed {
			panic(fmt.Sprintf("tensor: Backward through the graph a second time (at %s): its saved tensors were freed; pass RetainGraph() to the first Backward", n.op))
		}
		if g == nil {
			if !cfg.retain {
				n.free()
			}
			continue
		}
		n.checkVersions()
		gs := n.backward(g)
		for j, in := range n.inputs {
			if in == nil || j >= len(gs) || gs[j] == nil {
				continue
			}
			gj := gs[j]
			if !gj.SameShape(in) {
				panic(fmt.Sprintf("tensor: %s backward produced a gradient of shape %v for an input of shape %v", n.op, gj.shape, in.shape))
			}
			ref(gj)
			switch {
			case in.node != nil:
				if prev := grads[in.node]; prev != nil {
					sum := rawBinary(OpAdd, prev, gj)
					ref(sum)
					grads[in.node] = sum
					unref(prev)
					unref(gj)
				} else {
					grads[in.node] = gj
				}
			case in.requiresGrad:
				s := gj.buf.storage
				if refs[s] == 1 && s != keep && gj.ownsAll() {
					// Nothing else in the pass refers to this gradient's
					// storage: the leaf takes it instead of a copy.
					delete(refs, s)
					if !accumulateLeaf(in, gj, true) {
						gj.buf.release(releasedInternally)
					}
				} else {
					accumulateLeaf(in, gj, false)
					unref(gj)
				}
			default:
				unref(gj)
			}
		}
		unref(g)
		if !cfg.retain {
			n.free()
		}
	}
}

// ownsAll reports whether t is a dense view of the whole of a buffer the
// package allocated, with no scope's claim, so that a leaf may own it as
// its gradient.
func (t *Tensor) ownsAll() bool {
	return t.buf.owned && !t.buf.dead && t.offset == 0 && t.IsContiguous() && t.Numel() == t.buf.storage.Len()
}

func (n *node) free() {
	for _, t := range n.scratch {
		t.release()
	}
	n.scratch = nil
	n.freed = true
	n.backward = nil
	n.inputs = nil
	n.savedInputs = nil
}

// checkVersions panics when a tensor the node depends on was modified in
// place after the forward op ran.
func (n *node) checkVersions() {
	for i, in := range n.savedInputs {
		if in != nil && in.buf.version != n.versions[i] {
			panic(fmt.Sprintf("tensor: %s backward: input %d was modified in place after the forward pass (version %d, saved at %d)", n.op, i, in.buf.version, n.versions[i]))
		}
	}
	if n.out.buf.version != n.outVer {
		panic(fmt.Sprintf("tensor: %s backward: its output was modified in place after the forward pass", n.op))
	}
}

// topoOrder returns the nodes reachable from root with every node after
// all the nodes it consumes (root last).
func topoOrder(root *node) []*node {
	var order []*node
	seen := map[*node]bool{root: true}
	type frame struct {
		n *node
		i int
	}
	stack := []frame{{root, 0}}
	for len(stack) > 0 {
		f := &stack[len(stack)-1]
		if f.i < len(f.n.inputs) {
			in := f.n.inputs[f.i]
			f.i++
			if in != nil && in.node != nil && !seen[in.node] {
				seen[in.node] = true
				stack = append(stack, frame{in.node, 0})
			}
			continue
		}
		order = append(order, f.n)
		stack = stack[:len(stack)-1]
	}
	return order
}

// accumulateLeaf adds g to leaf.grad. The first gradient is copied into
// storage outside any scope, so that the leaf owns its gradient
// exclusively; with take, g itself becomes the gradient when the leaf has
// none (the caller guarantees nothing else refers to its storage), and the
// result reports whether it did.
func accumulateLeaf(leaf, g *Tensor, take bool) bool {
	leafMu.Lock()
	defer leafMu.Unlock()
	if leaf.grad == nil {
		if take {
			g.buf.unscope()
			leaf.grad, leaf.gradOwned = g, true
			return true
		}
		c := newTensor(g.backend(), g.dtype, g.shape)
		g.backend().Copy(c.view(), g.view())
		leaf.grad, leaf.gradOwned = c, true
		return false
	}
	if !leaf.grad.SameShape(g) {
		panic(fmt.Sprintf("tensor: Backward: gradient shape %v differs from accumulated gradient %v", g.shape, leaf.grad.shape))
	}
	b := leaf.grad.backend()
	b.Binary(OpAdd, leaf.grad.view(), leaf.grad.view(), g.view())
	leaf.grad.buf.version++
	return false
}

// unscope withdraws the buffer from its scope: it then outlives the
// scope's Close.
func (b *buffer) unscope() {
	if sc := b.scope; sc != nil {
		sc.mu.Lock()
		b.scope, b.scoped = nil, false
		sc.mu.Unlock()
	}
}
