//go:build amd64 && !purego

package kernels

import (
	"os"
	"strings"

	"golang.org/x/sys/cpu"
)

//go:noescape
func maxAVX512(x *float32, n int) float32

//go:noescape
func expSubSumAVX512(dst, x *float32, n int, m float32) float32

//go:noescape
func softmaxGradAVX512(dp, p *float32, n int, d float32)

//go:noescape
func scaleAVX512(x *float32, n int, a float32)

//go:noescape
func scaleAVX2(x *float32, n int, a float32)

//go:noescape
func maxAVX2(x *float32, n int) float32

//go:noescape
func expSubSumAVX2(dst, x *float32, n int, m float32) float32

//go:noescape
func softmaxGradAVX2(dp, p *float32, n int, d float32)

const (
	levelGo = iota
	levelAVX2
	levelAVX512
)

// level is the kernel set chosen at start-up from the CPU's features; the
// environment variable GOFORMER_CPU (purego, avx2, avx512) can lower it,
// as for package tensor's kernels.
var level = chooseLevel(os.Getenv("GOFORMER_CPU"))

func chooseLevel(env string) int {
	best := levelGo
	if cpu.X86.HasAVX2 && cpu.X86.HasFMA {
		best = levelAVX2
		if cpu.X86.HasAVX512F {
			best = levelAVX512
		}
	}
	switch strings.ToLower(strings.TrimSpace(env)) {
	case "purego", "generic", "go":
		return levelGo
	case "avx2":
		return min(best, levelAVX2)
	}
	return best
}

// Level names the kernel set in use: "avx512", "avx2" or "go".
func Level() string {
	return [...]string{"go", "avx2", "avx512"}[level]
}

// Max returns the largest element of x (-Inf for an empty x; NaN if any
// element is NaN).
func Max(x []float32) float32 {
	n := len(x)
	switch {
	case n == 0:
		return MaxGo(x)
	case level == levelAVX512:
		return maxAVX512(&x[0], n)
	case level == levelAVX2 && n >= 8:
		k := n &^ 7
		m := maxAVX2(&x[0], k)
		if t := MaxGo(x[k:]); t > m || t != t {
			m = t
		}
		return m
	}
	return MaxGo(x)
}

// ExpSubSum sets dst[i] = e^(x[i]-m) and returns their sum, for
// x[i] ≤ m + 88 (the kernels serve softmax, where x ≤ m).
func ExpSubSum(dst, x []float32, m float32) float32 {
	n := len(dst)
	x = x[:n]
	switch {
	case n == 0:
		return 0
	case level == levelAVX512:
		return expSubSumAVX512(&dst[0], &x[0], n, m)
	case level == levelAVX2 && n >= 8:
		k := n &^ 7
		return expSubSumAVX2(&dst[0], &x[0], k, m) + ExpSubSumGo(dst[k:], x[k:], m)
	}
	return ExpSubSumGo(dst, x, m)
}

// Scale multiplies x by a in place.
func Scale(x []float32, a float32) {
	n := len(x)
	switch {
	case n == 0:
	case level == levelAVX512:
		scaleAVX512(&x[0], n, a)
	case level == levelAVX2 && n >= 8:
		k := n &^ 7
		scaleAVX2(&x[0], k, a)
		ScaleGo(x[k:], a)
	default:
		ScaleGo(x, a)
	}
}

// Dot returns Σ x[i]·y[i].
func Dot(x, y []float32) float32 { return DotGo(x, y) }

// SoftmaxGrad sets dp[i] = p[i]·(dp[i] - d).
func SoftmaxGrad(dp, p []float32, d float32) {
	n := len(dp)
	p = p[:n]
	switch {
	case n == 0:
	case level == levelAVX512:
		softmaxGradAVX512(&dp[0], &p[0], n, d)
	case level == levelAVX2 && n >= 8:
		k := n &^ 7
		softmaxGradAVX2(&dp[0], &p[0], k, d)
		SoftmaxGradGo(dp[k:], p[k:], d)
	default:
		SoftmaxGradGo(dp, p, d)
	}
}
