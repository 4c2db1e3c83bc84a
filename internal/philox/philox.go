// Package philox is the counter-based generator behind goformer's random
// tensors and dropout masks: Philox4x32-10 (Salmon et al., "Parallel
// random numbers: as easy as 1, 2, 3", SC 2011). Element e of a draw under
// a seed takes word e%4 of Block(seed, e/4), so any slice of a tensor can
// be drawn on its own, on any device, and give the same values (the
// mapping tensor.Backend documents for RandomFill and Dropout; the CUDA
// kernels implement the same one).
package philox

import "math/bits"

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
