// Package philox is the counter-based generator behind goformer's random
// tensors and dropout masks: Philox4x32-10 (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC 2011). Element e of a draw under
// a seed takes word e%4 of Block(seed, e/4), so any slice of a tensor can
// be drawn on its own, on any device, and give the same values (the
// mapping tensor.Backend documents for RandomFill and Dropout; the CUDA
// kernels implement the same one).
package philox

import (
	"math"
	"math/bits"
)

const (
	m0 = 0xD2511F53
	m1 = 0xCD9E8D57
	w0 = 0x9E3779B9
	w1 = 0xBB67AE85
)

// Philox4x32 applies the ten rounds of Philox4x32 to counter c under key k.
func Philox4x32(c [4]uint32, k [2]uint32) [4]uint32 {
	for r := range 10 {
		if r > 0 {
			k[0] += w0
			k[1] += w1
		}
		hi0, lo0 := bits.Mul32(m0, c[0])
		hi1, lo1 := bits.Mul32(m1, c[2])
		c = [4]uint32{hi1 ^ c[1] ^ k[0], lo1, hi0 ^ c[3] ^ k[1], lo0}
	}
	return c
}

// Block returns the four words of counter block block (elements 4·block
// to 4·block+3) for seed.
func Block(seed, block uint64) [4]uint32 {
	return Philox4x32([4]uint32{uint32(block), uint32(block >> 32), 0, 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
}

// Two24 is 2⁻²⁴, the step of Uniform.
const Two24 = 1.0 / (1 << 24)

// Uniform maps a word to [0, 1) with its top 24 bits.
func Uniform(w uint32) float64 { return float64(w>>8) * Two24 }

// Words writes the words of elements first, first+1, … first+len(dst)-1
// under seed to dst: dst[i] is word (first+i)%4 of Block(seed,
// (first+i)/4). It computes two blocks at a time, interleaved, so that
// the multiplications of one fill the other's wait.
func Words(seed, first uint64, dst []uint32) {
	i := 0
	if lane := int(first % 4); lane != 0 && len(dst) > 0 {
		blk := Block(seed, first/4)
		for ; lane < 4 && i < len(dst); lane++ {
			dst[i] = blk[lane]
			i++
		}
	}
	k0, k1 := uint32(seed), uint32(seed>>32)
	b := (first + uint64(i)) / 4
	for ; len(dst)-i >= 8; i, b = i+8, b+2 {
		a0, a1, a2, a3 := uint32(b), uint32(b>>32), uint32(0), uint32(0)
		c0, c1, c2, c3 := uint32(b+1), uint32((b+1)>>32), uint32(0), uint32(0)
		ka, kb := k0, k1
		for r := 0; r < 10; r++ {
			ahi0, alo0 := bits.Mul32(m0, a0)
			ahi1, alo1 := bits.Mul32(m1, a2)
			chi0, clo0 := bits.Mul32(m0, c0)
			chi1, clo1 := bits.Mul32(m1, c2)
			a0, a1, a2, a3 = ahi1^a1^ka, alo1, ahi0^a3^kb, alo0
			c0, c1, c2, c3 = chi1^c1^ka, clo1, chi0^c3^kb, clo0
			ka += w0
			kb += w1
		}
		d := dst[i : i+8 : i+8]
		d[0], d[1], d[2], d[3] = a0, a1, a2, a3
		d[4], d[5], d[6], d[7] = c0, c1, c2, c3
	}
	for ; i < len(dst); b++ {
		blk := Block(seed, b)
		for lane := 0; lane < 4 && i < len(dst); lane++ {
			dst[i] = blk[lane]
			i++
		}
	}
}

// KeepThreshold returns the t for which a word w survives dropout with
// probability p exactly when Uniform(w) >= p, that is when w>>8 >= t:
// ⌈p·2²⁴⌉, clamped to [0, 2²⁴].
func KeepThreshold(p float64) uint32 {
	switch {
	case !(p > 0):
		return 0
	case p >= 1:
		return 1 << 24
	}
	return uint32(math.Ceil(p * (1 << 24)))
}
