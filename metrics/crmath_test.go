package metrics

import (
	"math"
	"strconv"
	"testing"
)

// TestExpLogMatchGlibc checks the double-double exp and log against the C
// library that the reference tools use (glibc 2.36 through Python's math
// module), value by value.
func TestExpLogMatchGlibc(t *testing.T) {
	var fx struct {
		Log [][2]string `json:"log"`
		Exp [][2]string `json:"exp"`
	}
	loadFixture(t, "libm_exp_log.json", &fx)
	parse := func(s string) float64 {
		v, err := strconv.ParseFloat(s, 64)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, c := range []struct {
		name string
		fn   func(float64) float64
		std  func(float64) float64
		data [][2]string
	}{{"log", crLog, math.Log, fx.Log}, {"exp", crExp, math.Exp, fx.Exp}} {
		same, stdSame := 0, 0
		for _, p := range c.data {
			x, want := parse(p[0]), parse(p[1])
			got := c.fn(x)
			if got == want {
				same++
			} else if ulpDiff(got, want) > 1 {
				t.Errorf("%s(%v) = %v, glibc %v", c.name, x, got, want)
			}
			if c.std(x) == want {
				stdSame++
			}
		}
		t.Logf("%s: %d of %d equal to glibc (Go's math package: %d)", c.name, same, len(c.data), stdSame)
		if same < len(c.data)*999/1000 {
			t.Errorf("%s: only %d of %d values equal glibc's", c.name, same, len(c.data))
		}
	}
}

func TestExpLogSpecialValues(t *testing.T) {
	if crLog(1) != 0 || !math.IsInf(crLog(0), -1) || !math.IsNaN(crLog(-1)) || !math.IsInf(crLog(math.Inf(1)), 1) {
		t.Error("crLog special values")
	}
	if crExp(0) != 1 || crExp(-1000) != 0 || !math.IsInf(crExp(1000), 1) || !math.IsNaN(crExp(math.NaN())) {
		t.Error("crExp special values")
	}
}
