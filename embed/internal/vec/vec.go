// Package vec holds the float32 vector kernels that the word-embedding
// trainers and queries spend their time in: dot products and the fused
// gradient updates of negative sampling and hierarchical softmax.
//
// On amd64 with AVX-512 the kernels are written in assembly; elsewhere, and
// under the purego build tag, plain Go twins run. Both are tested against
// each other on odd lengths. The functions do not check lengths beyond what
// the slices allow: callers pass equal lengths.
package vec

import "math"

// Dot returns the dot product of x and y[:len(x)].
func Dot(x, y []float32) float32 {
	if len(x) == 0 {
		return 0
	}
	_ = y[len(x)-1]
	return dot(x, y)
}

// Axpy adds a·x to y[:len(x)].
func Axpy(a float32, x, y []float32) {
	if len(x) == 0 {
		return
	}
	_ = y[len(x)-1]
	axpy(a, x, y)
}

// GradStep is the fused update of one output row in negative sampling and
// hierarchical softmax: e += g·w, then w += g·h, reading w once. h, w and e
// must not overlap and must have equal lengths.
func GradStep(g float32, h, w, e []float32) {
	if len(h) == 0 {
		return
	}
	_ = w[len(h)-1]
	_ = e[len(h)-1]
	gradStep(g, h, w, e)
}

// AdaGradPair is GloVe's AdaGrad step on a word row w1 and a context row
// w2 with accumulated squared gradients g1 and g2, for a scaled error f:
// t1 = f·w2, t2 = f·w1 (old values), w1 -= t1/√g1, w2 -= t2/√g2,
// g1 += t1², g2 += t2². All four slices must have equal lengths and not
// overlap.
func AdaGradPair(f float32, w1, w2, g1, g2 []float32) {
	if len(w1) == 0 {
		return
	}
	_ = w2[len(w1)-1]
	_ = g1[len(w1)-1]
	_ = g2[len(w1)-1]
	adaGradPair(f, w1, w2, g1, g2)
}

// Prefetch asks the CPU to start loading x into cache, so that a later
// read of a row picked at random does not wait for memory. It is a hint:
// it changes no values, and does nothing on CPUs without assembly kernels.
func Prefetch(x []float32) {
	if len(x) > 0 {
		prefetch(x)
	}
}

// Scale multiplies x by a in place.
func Scale(a float32, x []float32) {
	for i := range x {
		x[i] *= a
	}
}

// Zero sets x to zero.
func Zero(x []float32) {
	clear(x)
}

func dotGo(x, y []float32) float32 {
	n := len(x)
	y = y[:n]
	var s0, s1, s2, s3 float32
	i := 0
	for ; i+4 <= n; i += 4 {
		s0 += x[i] * y[i]
		s1 += x[i+1] * y[i+1]
		s2 += x[i+2] * y[i+2]
		s3 += x[i+3] * y[i+3]
	}
	for ; i < n; i++ {
		s0 += x[i] * y[i]
	}
	return (s0 + s1) + (s2 + s3)
}

func axpyGo(a float32, x, y []float32) {
	y = y[:len(x)]
	for i, v := range x {
		y[i] += a * v
	}
}

func gradStepGo(g float32, h, w, e []float32) {
	w = w[:len(h)]
	e = e[:len(h)]
	for i, hv := range h {
		wv := w[i]
		e[i] += g * wv
		w[i] = wv + g*hv
	}
}

func adaGradPairGo(f float32, w1, w2, g1, g2 []float32) {
	w2 = w2[:len(w1)]
	g1 = g1[:len(w1)]
	g2 = g2[:len(w1)]
	for i := range w1 {
		t1 := f * w2[i]
		t2 := f * w1[i]
		w1[i] -= t1 / sqrt32(g1[i])
		w2[i] -= t2 / sqrt32(g2[i])
		g1[i] += t1 * t1
		g2[i] += t2 * t2
	}
}

func sqrt32(x float32) float32 { return float32(math.Sqrt(float64(x))) }
