package kernels

import (
	"math"
	"math/rand/v2"
	"testing"
)

// inputs returns slices of many lengths at several misalignments, with
// values in [lo, hi) and a sprinkling of special values.
func inputs(seed uint64, lo, hi float32, specials []float32) [][]float32 {
	rng := rand.New(rand.NewPCG(seed, 1))
	var out [][]float32
	for _, n := range []int{0, 1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 63, 64, 65, 100, 255, 256, 257, 1000} {
		for _, off := range []int{0, 1, 3} {
			buf := make([]float32, n+off)
			x := buf[off:]
			for i := range x {
				x[i] = lo + (hi-lo)*rng.Float32()
				if len(specials) > 0 && rng.IntN(10) == 0 {
					x[i] = specials[rng.IntN(len(specials))]
				}
			}
			out = append(out, x)
		}
	}
	return out
}

// forLevels runs f once per kernel level this machine has.
func forLevels(t *testing.T, f func(t *testing.T)) {
	best := chooseLevel("")
	defer func() { level = best }()
	for l := 0; l <= best; l++ {
		level = l
		t.Run(Level(), f)
	}
}

func TestExpSubSumIsAccurate(t *testing.T) {
	ninf := float32(math.Inf(-1))
	forLevels(t, func(t *testing.T) {
		for _, x := range inputs(1, -100, 0, []float32{ninf, -87.4, -87.3, 0, -1e-30}) {
			for _, m := range []float32{0, -3.5, 1e-3} {
				dst := make([]float32, len(x))
				sum := ExpSubSum(dst, x, m)
				var want float64
				for i, v := range x {
					// The kernels subtract in float32, as PyTorch does.
					e := math.Exp(float64(v - m))
					want += float64(float32(e))
					switch {
					case float64(v-m) < -87.3366:
						// Results below the smallest normal float32 may be
						// flushed to zero.
						if dst[i] != 0 && math.Abs(float64(dst[i])-e) > 1.2e-38 {
							t.Fatalf("e^(%v-%v) = %v, want %v or 0", v, m, dst[i], e)
						}
					case math.Abs(float64(dst[i])-e) > 3e-7*e:
						t.Fatalf("e^(%v-%v) = %v, want %v (relative error %g)", v, m, dst[i], e, math.Abs(float64(dst[i])-e)/e)
					}
				}
				if math.Abs(float64(sum)-want) > 1e-6*math.Max(want, 1) {
					t.Fatalf("sum %v, want %v", sum, want)
				}
			}
		}
	})
}

func TestExpSubSumPropagatesNaN(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		for _, n := range []int{5, 8, 16, 19} {
			x := make([]float32, n)
			x[n-2] = float32(math.NaN())
			dst := make([]float32, n)
			if s := ExpSubSum(dst, x, 0); !math.IsNaN(float64(s)) || !math.IsNaN(float64(dst[n-2])) || dst[0] != 1 {
				t.Fatalf("n=%d: sum %v, dst %v", n, s, dst)
			}
		}
	})
}

func TestMaxAgreesWithTheLoop(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		for _, x := range inputs(2, -50, 50, []float32{float32(math.Inf(-1)), float32(math.Inf(1)), -0}) {
			want := float32(math.Inf(-1))
			for _, v := range x {
				want = max(want, v)
			}
			if got := Max(x); got != want {
				t.Fatalf("Max of %d = %v, want %v", len(x), got, want)
			}
		}
		for _, n := range []int{1, 8, 16, 17, 70} {
			x := make([]float32, n)
			x[n-1] = float32(math.NaN())
			if got := Max(x); !math.IsNaN(float64(got)) {
				t.Fatalf("Max with a NaN = %v", got)
			}
		}
	})
}

func TestSoftmaxGradAgreesWithTheLoop(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		for i, p := range inputs(3, 0, 1, nil) {
			dp := inputs(4, -2, 2, nil)[i]
			want := append([]float32(nil), dp...)
			SoftmaxGradGo(want, p, 0.25)
			got := append([]float32(nil), dp...)
			SoftmaxGrad(got, p, 0.25)
			for j := range got {
				if got[j] != want[j] {
					t.Fatalf("n=%d [%d]: %v, want %v", len(p), j, got[j], want[j])
				}
			}
		}
	})
}

func TestScaleAgreesWithTheLoop(t *testing.T) {
	forLevels(t, func(t *testing.T) {
		for _, x := range inputs(6, -3, 3, nil) {
			want := append([]float32(nil), x...)
			ScaleGo(want, 0.37)
			got := append([]float32(nil), x...)
			Scale(got, 0.37)
			for j := range got {
				if got[j] != want[j] {
					t.Fatalf("n=%d [%d]: %v, want %v", len(x), j, got[j], want[j])
				}
			}
		}
	})
}

func TestSmallKernels(t *testing.T) {
	x, y := []float32{1, 2, 3}, []float32{4, 5, 6}
	if Dot(x, y) != 32 {
		t.Fatal("Dot")
	}
	Scale(x, 2)
	if x[2] != 6 {
		t.Fatal("Scale")
	}
	if chooseLevel("purego") != levelGo || chooseLevel("avx2") > levelAVX2 {
		t.Fatal("GOFORMER_CPU does not lower the level")
	}
}

func BenchmarkExpSubSum(b *testing.B) {
	x := inputs(5, -20, 0, nil)[len(inputs(5, -20, 0, nil))-6][:256]
	dst := make([]float32, len(x))
	for _, l := range []int{levelGo, levelAVX2, levelAVX512} {
		if l > chooseLevel("") {
			continue
		}
		level = l
		b.Run(Level(), func(b *testing.B) {
			for b.Loop() {
				ExpSubSum(dst, x, 0)
			}
			b.ReportMetric(float64(len(x)*b.N)/b.Elapsed().Seconds()/1e9, "Gexp/s")
		})
	}
	level = chooseLevel("")
}
