package tensor

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/internal/philox"
)

// philoxFill writes n draws for elements first .. first+n-1 (absolute
// counters, offset included) through put(i, value), i from 0.
func philoxFill(dist Distribution, a, b float64, seed, first uint64, n int, put func(i int, v float64)) {
	e := first
	end := first + uint64(n)
	for e < end {
		blk := philox.Block(seed, e/4)
		lane := int(e % 4)
		var vals [4]float64
		switch dist {
		case Uniform:
			for j := lane; j < 4; j++ {
				vals[j] = a + (b-a)*philox.Uniform(blk[j])
			}
		case Normal:
			for pair := lane / 2; pair < 2; pair++ {
				w0, w1 := blk[2*pair], blk[2*pair+1]
				u1 := (float64(w0>>8) + 1) * philox.Two24
				u2 := philox.Uniform(w1)
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
	t := philox.KeepThreshold(p)
	l.runIndexed(elemGrain, func(idx int, off *[maxOperands]int, n int) {
		do, so := off[0], off[1]
		var words [256]uint32
		for c := 0; c < n; c += len(words) {
			w := words[:min(len(words), n-c)]
			philox.Words(seed, offset+uint64(idx+c), w)
			for j, v := range w {
				i := c + j
				if v>>8 >= t {
					d[do+i*inc[0]] = T(float64(s[so+i*inc[1]]) * scale)
				} else {
					d[do+i*inc[0]] = 0
				}
			}
		}
	})
}
