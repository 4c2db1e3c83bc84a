package tensor

import (
	"fmt"
	"sync"
)

// Generator is a counter-based random source, the same on every device:
// draws depend only on its seed and a counter that advances with each use
// (Philox4x32-10; see Backend for the exact mapping). Dropout and the
// in-place random fills take one, so that a run is reproducible from its
// seed and a GPU draws the same masks as the CPU. A Generator is safe for
// concurrent use.
type Generator struct {
	mu     sync.Mutex
	seed   uint64
	offset uint64
}

// NewGenerator returns a generator with the given seed and counter 0.
func NewGenerator(seed uint64) *Generator { return &Generator{seed: seed} }

// Seed returns the generator's seed.
func (g *Generator) Seed() uint64 { return g.seed }

// Offset returns the counter of the next draw; saving it with the seed
// (in a checkpoint) lets a run resume the same stream.
func (g *Generator) Offset() uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	return g.offset
}

// SetOffset moves the counter, as when resuming from a checkpoint.
func (g *Generator) SetOffset(off uint64) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.offset = off
}

// reserve claims n counters (rounded up to a whole Philox block) and
// returns the first.
func (g *Generator) reserve(n int) uint64 {
	g.mu.Lock()
	defer g.mu.Unlock()
	off := g.offset
	g.offset += (uint64(n) + 3) &^ 3
	return off
}

// Uniform fills t in place with draws uniform on [lo, hi).
func (g *Generator) Uniform(t *Tensor, lo, hi float64) {
	checkInPlace("Uniform", t)
	checkFloat("Uniform", t)
	t.backend().RandomFill(t.view(), Uniform, lo, hi, g.seed, g.reserve(t.Numel()))
	t.buf.version++
}

// Normal fills t in place with normal draws of the given mean and
// standard deviation.
func (g *Generator) Normal(t *Tensor, mean, std float64) {
	checkInPlace("Normal", t)
	checkFloat("Normal", t)
	t.backend().RandomFill(t.view(), Normal, mean, std, g.seed, g.reserve(t.Numel()))
	t.buf.version++
}

// Dropout zeroes each element of t with probability p and scales the
// others by 1/(1-p), drawing the mask from g (which advances). p = 0
// returns t itself; p = 1 gives zeros. The gradient applies the same mask.
// Whether dropout is active (training) is for the caller to decide.
func (t *Tensor) Dropout(p float64, g *Generator) *Tensor {
	checkNotNil("Dropout", t)
	if p < 0 || p > 1 || p != p {
		panic(fmt.Sprintf("tensor: Dropout: probability %v not in [0, 1]", p))
	}
	if g == nil {
		panic("tensor: Dropout: nil Generator")
	}
	checkFloat("Dropout", t)
	if p == 0 {
		return t
	}
	seed, off := g.seed, g.reserve(t.Numel())
	out := newLike(t, t.dtype, t.shape)
	t.backend().Dropout(out.view(), t.view(), p, seed, off)
	if t.needsGrad() {
		record(out, "Dropout", func(gr *Tensor) []*Tensor {
			dx := newLike(gr, gr.dtype, gr.shape)
			gr.backend().Dropout(dx.view(), gr.view(), p, seed, off)
			return []*Tensor{dx}
		}, t)
	}
	return out
}
