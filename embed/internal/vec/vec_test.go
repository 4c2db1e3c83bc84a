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
