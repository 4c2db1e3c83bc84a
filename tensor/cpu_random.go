package tensor

import (
	"fmt"
	"math"
	"math/bits"
)

// Philox4x32-10 constants (Salmon et al., "Parallel random numbers: as
// easy as 1, 2, 3", SC 2011).
const (
	philoxM0 = 0xD2511F53
	philoxM1 = 0xCD9E8D57
	philoxW0 = 0x9E3779B9
	philoxW1 = 0xBB67AE85
)

// philox4x32 applies the ten rounds of Philox4x32 to counter c under key k.
func philox4x32(c [4]uint32, k [2]uint32) [4]uint32 {
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

// philoxBlock returns the four words of counter block e/4 for seed.
func philoxBlock(seed, block uint64) [4]uint32 {
	return philox4x32([4]uint32{uint32(block), uint32(block >> 32), 0, 0}, [2]uint32{uint32(seed), uint32(seed >> 32)})
}

const two24 = 1.0 / (1 << 24)

// uniformWord maps a 32-bit word to [0, 1) with 24 bits.
func uniformWord(w uint32) float64 { return float64(w>>8) * two24 }

// philoxFill writes n draws for elements first .. first+n-1 (absolute
// counters, offset included) through put(i, value), i from 0.
func philoxFill(dist Distribution, a, b float64, seed, first uint64, n int, put func(i int, v float64)) {
	e := first
	end := first + uint64(n)
	for e < end {
		blk := philoxBlock(seed, e/4)
		lane := int(e % 4)
		var vals [4]float64
		switch dist {
		case Uniform:
			for j := lane; j < 4; j++ {
				vals[j] = a + (b-a)*uniformWord(blk[j])
			}
		case Normal:
			for pair := lane / 2; pair < 2; pair++ {
				w0, w1 := blk[2*pair], blk[2*pair+1]
				u1 := (float64(w0>>8) + 1) * two24
				u2 := float64(w1>>8) * two24
				r := math.Sqrt(-2 * math.Log(u1))
				s, c := math.Sincos(2 * math.Pi * u2)
				vals[2*pair] = a + b*r*c
				vals[2*pair+1] = a + b*r*s
			}
		default:
			panic(fmt.Sprintf("tensor: RandomFill: unknown distribution %d", dist))
		}
		for j := lane; j < 4 && e < end; j++ {
			put(int(e-first), vals[j])
			e++
		}
	}
}

func (cpu) RandomFill(dst View, dist Distribution, a, b float64, seed, offset uint64) {
	l := newLoop(dst.Shape, dst)
	_, inc := l.inner()
	switch dst.DType() {
	case Float32:
		d := f32s(dst)
		l.runIndexed(elemGrain, func(idx int, off *[maxOperands]int, n int) {
			o := off[0]
			philoxFill(dist, a, b, seed, offset+uint64(idx), n, func(i int, v float64) { d[o+i*inc[0]] = float32(v) })
		})
	case Float64:
		d := f64s(dst)
		l.runIndexed(elemGrain, func(idx int, off *[maxOperands]int, n int) {
			o := off[0]
			philoxFill(dist, a, b, seed, offset+uint64(idx), n, func(i int, v float64) { d[o+i*inc[0]] = v })
		})
	default:
		unsupported("RandomFill", dst.DType())
	}
}

func (cpu) Dropout(dst, x View, p float64, seed, offset uint64) {
	switch dst.DType() {
	case Float32:
		dropoutStrided[float32](dst, x, p, seed, offset)
	case Float64:
		dropoutStrided[float64](dst, x, p, seed, offset)
	default:
		unsupported("Dropout", dst.DType())
	}
}

func dropoutStrided[T float](dst, x View, p float64, seed, offset uint64) {
	l := newLoop(dst.Shape, dst, x)
	_, inc := l.inner()
	d, s := data[T](dst), data[T](x)
	scale := 0.0
	if p < 1 {
		scale = 1 / (1 - p)
	}
	l.runIndexed(elemGrain, func(idx int, off *[maxOperands]int, n int) {
		do, so := off[0], off[1]
		philoxFill(Uniform, 0, 1, seed, offset+uint64(idx), n, func(i int, u float64) {
			if u >= p {
				d[do+i*inc[0]] = T(float64(s[so+i*inc[1]]) * scale)
			} else {
				d[do+i*inc[0]] = 0
			}
		})
	})
}
