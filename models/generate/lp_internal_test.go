package generate

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

func TestExp32IsWithinTwoUlps(t *testing.T) {
	worst := 0.0
	for i := 0; i <= 880000; i++ {
		x := -float32(i) / 10000 // 0 down to −88
		want := math.Exp(float64(x))
		got := float64(exp32(x))
		if want < 1e-37 { // below float32's normal range: 0 is fine
			if got > 2e-37 {
				t.Fatalf("exp32(%v) = %v, want about %v", x, got, want)
			}
			continue
		}
		worst = max(worst, math.Abs(got-want)/want)
	}
	if worst > 2.5e-7 {
		t.Errorf("largest relative error %.3g, want at most 2.5e-7 (2 ulp)", worst)
	}
	if exp32(float32(math.NaN())) != 0 || exp32(negInf) != 0 || exp32(0) != 1 {
		t.Error("exp32 of NaN, −∞ or 0")
	}
}

func TestSortAscendingMatchesASort(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for range 50 {
		n := rng.IntN(300)
		x := make([]float32, n)
		for i := range x {
			switch rng.IntN(6) {
			case 0:
				x[i] = negInf
			case 1:
				x[i] = float32(math.NaN())
			case 2:
				x[i] = float32(rng.IntN(3)) // ties
			default:
				x[i] = float32(rng.NormFloat64() * 100)
			}
		}
		var want []int
		for i, s := range x {
			if s > negInf {
				want = append(want, i)
			}
		}
		slices.SortStableFunc(want, func(a, b int) int {
			switch {
			case x[a] < x[b]:
				return -1
			case x[a] > x[b]:
				return 1
			}
			return 0
		})
		keys := sortAscending(x, nil, nil)
		got := make([]int, len(keys))
		for i, k := range keys {
			got[i] = int(uint32(k))
		}
		if !slices.Equal(got, want) {
			t.Fatalf("sortAscending(%v) = %v, want %v", x, got, want)
		}
	}
}
