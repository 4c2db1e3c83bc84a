//go:build !amd64 || purego

package vec

func dot(x, y []float32) float32                      { return dotGo(x, y) }
func axpy(a float32, x, y []float32)                  { axpyGo(a, x, y) }
func gradStep(g float32, h, w, e []float32)           { gradStepGo(g, h, w, e) }
func prefetch(x []float32)                            {}
func adaGradPair(f float32, w1, w2, g1, g2 []float32) { adaGradPairGo(f, w1, w2, g1, g2) }

// Accelerated reports whether assembly kernels are in use.
const Accelerated = false
