package sgd

import (
	"math"
	"testing"
)

func TestSigmoidTableIsCloseToTheFunction(t *testing.T) {
	for x := float32(-10); x <= 10; x += 0.01 {
		want := 1 / (1 + math.Exp(-float64(x)))
		if got := Sigmoid(x); math.Abs(float64(got)-want) > 0.003 {
			t.Fatalf("Sigmoid(%v) = %v, want %v", x, got, want)
		}
		wl := -math.Log(want)
		if got := NegLogSigmoid(x); math.Abs(float64(got)-wl) > 0.01*(1+wl) {
			t.Fatalf("NegLogSigmoid(%v) = %v, want %v", x, got, wl)
		}
	}
}

func TestAliasDrawsInProportionToPoweredCounts(t *testing.T) {
	counts := []int64{1000, 100, 10, 1, 0, 50}
	a := NewAlias(counts, 0.75)
	r := NewRNG(7, 0)
	const draws = 2_000_000
	hits := make([]int, len(counts))
	for range draws {
		hits[a.Draw(&r)]++
	}
	var sum float64
	for _, c := range counts {
		sum += math.Pow(float64(c), 0.75)
	}
	for i, c := range counts {
		want := math.Pow(float64(c), 0.75) / sum
		got := float64(hits[i]) / draws
		if math.Abs(got-want) > 0.003+0.02*want {
			t.Errorf("word %d: drawn %.4f of the time, want %.4f", i, got, want)
		}
	}
	if hits[4] != 0 {
		t.Errorf("a word with count 0 was drawn %d times", hits[4])
	}
}

func TestKeepThresholdsFollowTheWord2vecRule(t *testing.T) {
	keep := KeepThresholds([]int64{1_000_000, 100, 1}, 10_000_000, 1e-4)
	f := 0.1
	want := math.Sqrt(1e-4/f) + 1e-4/f
	if got := float64(keep[0]) / (1 << 32); math.Abs(got-want) > 1e-6 {
		t.Errorf("frequent word kept with p=%v, want %v", got, want)
	}
	if keep[1] != math.MaxUint32 || keep[2] != math.MaxUint32 {
		t.Errorf("rare words must always be kept")
	}
	if all := KeepThresholds([]int64{5}, 5, 0); all[0] != math.MaxUint32 {
		t.Errorf("t=0 must keep everything")
	}
}

func TestScheduleFallsLinearlyToItsFloor(t *testing.T) {
	s := &Schedule{Start: 0.1, MinFrac: 1e-4, Total: 1000}
	if r := s.Rate(); math.Abs(float64(r)-0.1) > 1e-6 {
		t.Errorf("start rate %v", r)
	}
	if r := s.Add(500); math.Abs(float64(r)-0.05) > 1e-3 {
		t.Errorf("half-way rate %v", r)
	}
	if r := s.Add(5000); math.Abs(float64(r)-1e-5) > 1e-9 {
		t.Errorf("final rate %v, want the floor 1e-5", r)
	}
}

func TestRNGIntnStaysInRange(t *testing.T) {
	r := NewRNG(1, 2)
	for n := 1; n < 100; n++ {
		for range 100 {
			if v := r.Intn(n); v < 0 || v >= n {
				t.Fatalf("Intn(%d) = %d", n, v)
			}
		}
	}
	if f := r.Float32(); f < 0 || f >= 1 {
		t.Fatalf("Float32 = %v", f)
	}
}
