//go:build arm64 && !purego

package vec

import (
	"math"
	"unsafe"

	"github.com/goformer/goformer/internal/cpu"
)

// NEON kernels (internal/_asm/neon) work on whole groups of four
// elements; the wrappers below finish the last one to three with the Go
// twins. Kernels without a NEON version use the twins.

//go:noescape
func dotNEON(x, y *float32, n int) float32

//go:noescape
func sumNEON(x *float32, n int) float32

//go:noescape
func maxNEON(x *float32, n int) float32

//go:noescape
func axpyNEON(a float32, x, y *float32, n int)

//go:noescape
func scaleNEON(dst, x *float32, a float32, n int)

//go:noescape
func addScalarNEON(dst, x *float32, a float32, n int)

//go:noescape
func addNEON(dst, x, y *float32, n int)

//go:noescape
func subNEON(dst, x, y *float32, n int)

//go:noescape
func mulNEON(dst, x, y *float32, n int)

//go:noescape
func expNEON(dst, x *float32, n int)

//go:noescape
func expShiftSumNEON(dst, x *float32, n int, shift float32) float32

//go:noescape
func sumSqDevNEON(x *float32, n int, mean float32) float32

//go:noescape
func normAffineNEON(dst, x, gamma, beta *float32, n int, mean, rstd float32)

//go:noescape
func gradStepNEON(a float32, h, w, e *float32, n int)

//go:noescape
func adaGradPairNEON(f float32, w1, w2, g1, g2 *float32, n int)

//go:noescape
func prefetchNEON(x *float32, n int)

// at returns p advanced by i elements.
func at(p *float32, i int) *float32 { return (*float32)(unsafe.Add(unsafe.Pointer(p), 4*i)) }

func split(n int) (body, tail int) { return n &^ 3, n & 3 }

var neonKernels = &kernels{
	name: "neon",
	dot: func(x, y *float32, n int) float32 {
		b, t := split(n)
		return dotNEON(x, y, b) + dotGo(at(x, b), at(y, b), t)
	},
	sum: func(x *float32, n int) float32 {
		b, t := split(n)
		return sumNEON(x, b) + sumGo(at(x, b), t)
	},
	max: func(x *float32, n int) float32 {
		b, t := split(n)
		m, r := maxNEON(x, b), maxGo(at(x, b), t)
		if m != m || r != r {
			return float32(math.NaN())
		}
		return max(m, r)
	},
	axpy: func(a float32, x, y *float32, n int) {
		b, t := split(n)
		axpyNEON(a, x, y, b)
		axpyGo(a, at(x, b), at(y, b), t)
	},
	scale: func(dst, x *float32, a float32, n int) {
		b, t := split(n)
		scaleNEON(dst, x, a, b)
		scaleGo(at(dst, b), at(x, b), a, t)
	},
	addScalar: func(dst, x *float32, a float32, n int) {
		b, t := split(n)
		addScalarNEON(dst, x, a, b)
		addScalarGo(at(dst, b), at(x, b), a, t)
	},
	add: func(dst, x, y *float32, n int) {
		b, t := split(n)
		addNEON(dst, x, y, b)
		addGo(at(dst, b), at(x, b), at(y, b), t)
	},
	sub: func(dst, x, y *float32, n int) {
		b, t := split(n)
		subNEON(dst, x, y, b)
		subGo(at(dst, b), at(x, b), at(y, b), t)
	},
	mul: func(dst, x, y *float32, n int) {
		b, t := split(n)
		mulNEON(dst, x, y, b)
		mulGo(at(dst, b), at(x, b), at(y, b), t)
	},
	exp: func(dst, x *float32, n int) {
		b, t := split(n)
		expNEON(dst, x, b)
		expSliceGo(at(dst, b), at(x, b), t)
	},
	expShiftSum:          expShiftSumNEONTail,
	softmaxRow:           softmaxRowNEON,
	layerNormRow:         layerNormRowNEON,
	tanh:                 tanhSliceGo,
	gelu:                 geluSliceGo,
	geluTanh:             geluTanhSliceGo,
	geluBackward:         geluBackwardGo,
	geluTanhBackward:     geluTanhBackwardGo,
	softmaxBackwardRow:   softmaxBackwardRowGo,
	layerNormBackwardRow: layerNormBackwardRowGo,
	adamw:                adamwGo,
	colSum64:             colSum64Go,
	gradStep: func(g float32, h, w, e *float32, n int) {
		b, t := split(n)
		gradStepNEON(g, h, w, e, b)
		gradStepGo(g, at(h, b), at(w, b), at(e, b), t)
	},
	adaGradPair: func(f float32, w1, w2, g1, g2 *float32, n int) {
		b, t := split(n)
		adaGradPairNEON(f, w1, w2, g1, g2, b)
		adaGradPairGo(f, at(w1, b), at(w2, b), at(g1, b), at(g2, b), t)
	},
	prefetch: prefetchNEON,
}

func expShiftSumNEONTail(dst, x *float32, n int, shift float32) float32 {
	b, t := split(n)
	return expShiftSumNEON(dst, x, b, shift) + expShiftSumGo(at(dst, b), at(x, b), t, shift)
}

func softmaxRowNEON(dst, x *float32, n int) {
	b, t := split(n)
	m := max(maxNEON(x, b), rowMax(view(at(x, b), t)))
	s := expShiftSumNEONTail(dst, x, n, m)
	inv := 1 / s
	scaleNEON(dst, dst, inv, b)
	scaleGo(at(dst, b), at(dst, b), inv, t)
}

func layerNormRowNEON(dst, x, gamma, beta *float32, n int, eps float32) (mean, rstd float32) {
	b, t := split(n)
	mean = (sumNEON(x, b) + sumGo(at(x, b), t)) / float32(n)
	ss := sumSqDevNEON(x, b, mean)
	for _, v := range view(at(x, b), t) {
		ss += (v - mean) * (v - mean)
	}
	rstd = 1 / float32(math.Sqrt(float64(ss/float32(n)+eps)))
	normAffineNEON(dst, x, gamma, beta, b, mean, rstd)
	d, xs, g, bt := view(at(dst, b), t), view(at(x, b), t), view(at(gamma, b), t), view(at(beta, b), t)
	for i, v := range xs {
		d[i] = (v-mean)*rstd*g[i] + bt[i]
	}
	return mean, rstd
}

func kernelsFor(l cpu.Level) *kernels {
	if l == cpu.NEON {
		return neonKernels
	}
	return goKernels
}
