//go:build amd64 && !purego

package vec

import "golang.org/x/sys/cpu"

// useAVX512 selects the AVX-512 kernels; it is a variable so that tests can
// exercise the Go twins on the same machine.
var (
	useAVX512 = cpu.X86.HasAVX512F && cpu.X86.HasAVX512VL
	useAVX2   = cpu.X86.HasAVX2 && cpu.X86.HasFMA
)

// Accelerated reports whether assembly kernels are in use.
var Accelerated = useAVX512 || useAVX2

//go:noescape
func dotAVX2(x, y *float32, n int) float32

//go:noescape
func axpyAVX2(a float32, x, y *float32, n int)

//go:noescape
func gradStepAVX2(alpha float32, h, w, e *float32, n int)

//go:noescape
func dotAVX512(x, y *float32, n int) float32

//go:noescape
func axpyAVX512(a float32, x, y *float32, n int)

//go:noescape
func gradStepAVX512(alpha float32, h, w, e *float32, n int)

//go:noescape
func adaGradPairAVX512(f float32, w1, w2, g1, g2 *float32, n int)

func adaGradPair(f float32, w1, w2, g1, g2 []float32) {
	if useAVX512 {
		adaGradPairAVX512(f, &w1[0], &w2[0], &g1[0], &g2[0], len(w1))
		return
	}
	adaGradPairGo(f, w1, w2, g1, g2)
}

//go:noescape
func prefetchAMD64(p *float32, n int)

func prefetch(x []float32) { prefetchAMD64(&x[0], len(x)) }

func dot(x, y []float32) float32 {
	if useAVX512 {
		return dotAVX512(&x[0], &y[0], len(x))
	}
	if useAVX2 {
		return dotAVX2(&x[0], &y[0], len(x))
	}
	return dotGo(x, y)
}

func axpy(a float32, x, y []float32) {
	if useAVX512 {
		axpyAVX512(a, &x[0], &y[0], len(x))
		return
	}
	if useAVX2 {
		axpyAVX2(a, &x[0], &y[0], len(x))
		return
	}
	axpyGo(a, x, y)
}

func gradStep(g float32, h, w, e []float32) {
	if useAVX512 {
		gradStepAVX512(g, &h[0], &w[0], &e[0], len(h))
		return
	}
	if useAVX2 {
		gradStepAVX2(g, &h[0], &w[0], &e[0], len(h))
		return
	}
	gradStepGo(g, h, w, e)
}
