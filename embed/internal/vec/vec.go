// Package vec holds the float32 vector kernels that the word-embedding
// trainers and queries spend their time in: dot products and the fused
// gradient updates of negative sampling and hierarchical softmax.
//
// On amd64 with AVX-512 the kernels are written in assembly; elsewhere, and
// under the purego build tag, plain Go twins run. Both are tested against
// each other on odd lengths. The functions do not check lengths beyond what
// the slices allow: callers pass equal lengths.
package vec

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
