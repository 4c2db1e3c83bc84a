package attention

import "github.com/goformer/goformer/internal/philox"

// The fused path draws its dropout mask itself, with the counter-based
// mapping that tensor.Backend documents for Dropout (Philox4x32-10, Salmon
// et al. 2011): the weight at row-major index e of the [B, H, Tq, Tk]
// weights is kept when u = (w >> 8)·2⁻²⁴ ≥ p, w the word e%4 of the block
// for counter e/4 under the generator's seed. The plain path, which calls
// tensor's Dropout on the weights, draws the same mask from the same
// generator state.

// keepMask sets z[i] to 1 when the element at counter first+i is kept and
// to 0 when it is dropped.
func keepMask[T float](z []T, seed, first uint64, p float64) {
	e := first
	for i := 0; i < len(z); {
		blk := philox.Block(seed, e/4)
		for lane := int(e % 4); lane < 4 && i < len(z); lane++ {
			if philox.Uniform(blk[lane]) >= p {
				z[i] = 1
			} else {
				z[i] = 0
			}
			i++
			e++
		}
	}
}
