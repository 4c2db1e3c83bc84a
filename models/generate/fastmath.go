package generate

import "math"

// exp32 returns eˣ in float32 for x ≤ 0 (a score minus the maximum),
// within about 2 ulp: Cody and Waite's reduction x = n·ln 2 + r with ln 2
// split in two, and Cephes' degree-6 polynomial for eʳ. It is five times
// faster than math.Exp, which matters over a vocabulary of 50 000 tokens
// at every step.
func exp32(x float32) float32 {
	if x < -87.33 || x != x {
		return 0
	}
	const log2e = 1.44269504088896341
	n := -int32(-x*log2e + 0.5) // round to nearest, x ≤ 0
	fn := float32(n)
	r := x - fn*0.693359375 + fn*2.12194440e-4
	p := float32(1.9875691500e-4)
	p = p*r + 1.3981999507e-3
	p = p*r + 8.3334519073e-3
	p = p*r + 4.1665795894e-2
	p = p*r + 1.6666665459e-1
	p = p*r + 5.0000001201e-1
	p = p*r*r + r + 1
	return p * math.Float32frombits(uint32(n+127)<<23)
}

// sortAscending returns the indices of the finite scores (not −∞, not
// NaN) in ascending order of score, equal scores in index order: an LSD
// radix sort on the scores' bits made order-preserving, linear in the
// vocabulary.
func sortAscending(scores []float32, idx, tmp []uint64) []uint64 {
	idx = idx[:0]
	for i, s := range scores {
		if s > negInf { // skips −∞ and NaN
			b := math.Float32bits(s)
			if b>>31 != 0 {
				b = ^b
			} else {
				b |= 1 << 31
			}
			idx = append(idx, uint64(b)<<32|uint64(i))
		}
	}
	if cap(tmp) < len(idx) {
		tmp = make([]uint64, len(idx))
	}
	tmp = tmp[:len(idx)]
	src, dst := idx, tmp
	for shift := uint(32); shift < 64; shift += 8 {
		var count [257]int
		for _, k := range src {
			count[(k>>shift)&0xff+1]++
		}
		for i := 1; i < 257; i++ {
			count[i] += count[i-1]
		}
		for _, k := range src {
			d := (k >> shift) & 0xff
			dst[count[d]] = k
			count[d]++
		}
		src, dst = dst, src
	}
	return src // four passes: back in idx's array
}
