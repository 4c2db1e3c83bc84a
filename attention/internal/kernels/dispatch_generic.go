//go:build !amd64 || purego

package kernels

// Only the pure-Go kernels exist here.
const (
	levelGo = iota
	levelAVX2
	levelAVX512
)

var level = levelGo

func chooseLevel(string) int { return levelGo }

// Level names the kernel set in use: "go" on this platform.
func Level() string { return "go" }

// Max returns the largest element of x (-Inf for an empty x; NaN if any
// element is NaN).
func Max(x []float32) float32 { return MaxGo(x) }

// ExpSubSum sets dst[i] = e^(x[i]-m) and returns their sum.
func ExpSubSum(dst, x []float32, m float32) float32 { return ExpSubSumGo(dst, x, m) }

// Scale multiplies x by a in place.
func Scale(x []float32, a float32) { ScaleGo(x, a) }

// Dot returns Σ x[i]·y[i].
func Dot(x, y []float32) float32 { return DotGo(x, y) }

// SoftmaxGrad sets dp[i] = p[i]·(dp[i] - d).
func SoftmaxGrad(dp, p []float32, d float32) { SoftmaxGradGo(dp, p, d) }
