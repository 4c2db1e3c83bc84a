package vec

import (
	"math"
	"math/rand/v2"
	"testing"
)

func randVec(r *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = r.Float32()*2 - 1
	}
	return v
}

func close32(a, b float32, n int) bool {
	return math.Abs(float64(a-b)) <= 1e-5*float64(n+1)
}

func TestKernelsAgreeWithPlainLoopsOnOddLengthsAndOffsets(t *testing.T) {
	r := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{0, 1, 3, 7, 15, 16, 17, 31, 32, 33, 63, 64, 65, 100, 127, 300} {
		for _, off := range []int{0, 1, 3} {
			x := randVec(r, n+off)[off:]
			y := randVec(r, n+off)[off:]
			var want float64
			for i := range x {
				want += float64(x[i]) * float64(y[i])
			}
			if got := Dot(x, y); !close32(got, float32(want), n) {
				t.Errorf("Dot n=%d off=%d: got %v, want %v", n, off, got, want)
			}

			a := r.Float32()
			y1 := append([]float32(nil), y...)
			Axpy(a, x, y1)
			for i := range y1 {
				if w := y[i] + a*x[i]; !close32(y1[i], w, 1) {
					t.Fatalf("Axpy n=%d off=%d i=%d: got %v, want %v", n, off, i, y1[i], w)
				}
			}

			h := randVec(r, n)
			w := append([]float32(nil), y...)
			e := append([]float32(nil), x...)
			GradStep(a, h, w, e)
			for i := range w {
				if ww, we := y[i]+a*h[i], x[i]+a*y[i]; !close32(w[i], ww, 1) || !close32(e[i], we, 1) {
					t.Fatalf("GradStep n=%d i=%d: w=%v e=%v, want %v %v", n, i, w[i], e[i], ww, we)
				}
			}
		}
	}
}

func TestAdaGradPairMatchesThePlainLoop(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	for _, n := range []int{1, 7, 16, 17, 100, 129} {
		w1, w2 := randVec(r, n), randVec(r, n)
		g1, g2 := randVec(r, n), randVec(r, n)
		for i := range g1 {
			g1[i] = 1 + g1[i]*g1[i]
			g2[i] = 1 + g2[i]*g2[i]
		}
		a1, a2 := append([]float32(nil), w1...), append([]float32(nil), w2...)
		h1, h2 := append([]float32(nil), g1...), append([]float32(nil), g2...)
		f := r.Float32() - 0.5
		AdaGradPair(f, w1, w2, g1, g2)
		for i := range n {
			t1, t2 := float64(f)*float64(a2[i]), float64(f)*float64(a1[i])
			want := []float64{
				float64(a1[i]) - t1/math.Sqrt(float64(h1[i])),
				float64(a2[i]) - t2/math.Sqrt(float64(h2[i])),
				float64(h1[i]) + t1*t1,
				float64(h2[i]) + t2*t2,
			}
			got := []float32{w1[i], w2[i], g1[i], g2[i]}
			for k := range want {
				if math.Abs(float64(got[k])-want[k]) > 1e-5 {
					t.Fatalf("n=%d i=%d value %d: got %v, want %v", n, i, k, got[k], want[k])
				}
			}
		}
	}
}

func TestKernelsDoNotWritePastTheEnd(t *testing.T) {
	for _, n := range []int{1, 5, 17, 100} {
		buf := make([]float32, n+8)
		for i := range buf {
			buf[i] = 7
		}
		x := make([]float32, n)
		for i := range x {
			x[i] = 1
		}
		Axpy(1, x, buf[:n])
		GradStep(1, x, buf[:n], make([]float32, n))
		for i := n; i < len(buf); i++ {
			if buf[i] != 7 {
				t.Fatalf("n=%d: element %d beyond the slice changed to %v", n, i, buf[i])
			}
		}
	}
}

func TestScaleAndZero(t *testing.T) {
	x := []float32{1, -2, 3}
	Scale(2, x)
	if x[0] != 2 || x[1] != -4 || x[2] != 6 {
		t.Fatalf("Scale: %v", x)
	}
	Zero(x)
	if x[0] != 0 || x[1] != 0 || x[2] != 0 {
		t.Fatalf("Zero: %v", x)
	}
}

func BenchmarkDot100(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	x, y := randVec(r, 100), randVec(r, 100)
	var s float32
	for b.Loop() {
		s += Dot(x, y)
	}
	_ = s
}

func BenchmarkGradStep100(b *testing.B) {
	r := rand.New(rand.NewPCG(1, 2))
	h, w, e := randVec(r, 100), randVec(r, 100), randVec(r, 100)
	for b.Loop() {
		GradStep(1e-9, h, w, e)
	}
}
