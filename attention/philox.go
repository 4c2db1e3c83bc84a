package attention

import "math/bits"

// The fused path draws its dropout mask itself, with the counter-based
// mapping that tensor.Backend documents for Dropout (Philox4x32-10, Salmon
// et al. 2011): the weight at row-major index e of the [B, H, Tq, Tk]
// weights is kept when u = (w >> 8)·2⁻²⁴ ≥ p, w the word e%4 of the block
// for counter e/4 under the generator's seed. The plain path, which calls
// tensor's Dropout on the weights, draws the same mask from the same
// generator state.

const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
)

// philoxBlock returns the four words for counter block e/4 of seed.
func philoxBlock(seed, block uint64) [4]uint32 {
	c := [4]uint32{uint32(block), uint32(block >> 32), 0, 0}
	k := [2]uint32{uint32(seed), uint32(seed >> 32)}
	for r := range 10 {
		if r > 0 {
			k[0] += philoxW0
			k[1] += philoxW1
		}
		hi0, lo0 := bits.Mul32(philoxM0, c[0])
		hi1, lo1 := bits.Mul32(philoxM1, c[2])
		c = [4]uint32{hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0}
	}
	return c
}

// keepMask sets z[i] to 1 when the element at counter first+i is kept and
// to 0 when it is dropped.
func keepMask[T float](z []T, seed, first uint64, p float64) {
	e := first
	for i := 0; i < len(z); {
		blk := philoxBlock(seed, e/4)
		for lane := int(e % 4); lane < 4 && i < len(z); lane++ {
			if float64(blk[lane]>>8)*(1.0/(1<<24)) >= p {
				z[i] = 1
			} else {
				z[i] = 0
			}
			i++
			e++
		}
	}
}
