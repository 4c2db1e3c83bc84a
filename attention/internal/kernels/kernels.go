// Package kernels holds the row kernels of goformer's fused attention:
// the exponentials and reductions of a streaming softmax over one block of
// scores, in float32, with AVX-512 and AVX2+FMA assembly on amd64 and a
// pure-Go twin used elsewhere, under the purego build tag, and as the
// reference in tests.
package kernels

import "math"

// MaxGo returns the largest element of x (-Inf for an empty x; NaN if any
// element is NaN).
func MaxGo(x []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range x {
		if v > m {
			m = v
		} else if v != v {
			return v
		}
	}
	return m
}

// ExpSubSumGo sets dst[i] = e^(x[i]-m) and returns the sum of dst. m must
// not be -Inf; x may hold -Inf (giving 0).
func ExpSubSumGo(dst, x []float32, m float32) float32 {
	x = x[:len(dst)]
	var s float32
	for i, v := range x {
		e := float32(math.Exp(float64(v - m)))
		dst[i] = e
		s += e
	}
	return s
}

// ScaleGo multiplies x by a in place.
func ScaleGo(x []float32, a float32) {
	for i := range x {
		x[i] *= a
	}
}

// DotGo returns Σ x[i]·y[i].
func DotGo(x, y []float32) float32 {
	y = y[:len(x)]
	var s float32
	for i, v := range x {
		s += v * y[i]
	}
	return s
}

// SoftmaxGradGo sets dp[i] = p[i]·(dp[i] - d): the gradient of the scores
// from the gradient of the probabilities, d the row's Σ p·dp.
func SoftmaxGradGo(dp, p []float32, d float32) {
	p = p[:len(dp)]
	for i, v := range p {
		dp[i] = v * (dp[i] - d)
	}
}
