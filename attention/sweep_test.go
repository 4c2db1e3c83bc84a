package attention

import (
	"math"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// sweepMasks are the masks of the length sweeps, for Tq = Tk = t.
func sweepMasks(b, h, t int) map[string]Mask {
	keys := make([]float32, b*t)
	for i := range keys {
		// Sequence s keeps its first t - s·t/4 keys (at least one).
		if s, j := i/t, i%t; j < max(1, t-s*t/4) {
			keys[i] = 1
		}
	}
	bias := randn(31, h, t, t).Scale(0.5)
	return map[string]Mask{
		"none":           {},
		"causal":         {Causal: true},
		"padding":        {KeyMask: Keep(tensor.FromSlice(keys, b, t))},
		"causal+padding": {Causal: true, KeyMask: Keep(tensor.FromSlice(keys, b, t))},
		"bias":           {Bias: bias},
	}
}

// sweep checks that the fused path equals the plain path, forward and
// backward, for each sequence length.
func sweep(t *testing.T, lengths []int, masks []string) {
	const b, h, dh = 2, 2, 16
	worst := map[string]float64{}
	for _, n := range lengths {
		ms := sweepMasks(b, h, n)
		for _, name := range masks {
			q, k, v := randn(uint64(n), b, h, n, dh), randn(uint64(n)+1, b, h, n, dh), randn(uint64(n)+2, b, h, n, dh)
			eo, eq, ek, ev := compareFusedPlain(t, q, k, v, Options{Mask: ms[name]})
			e := math.Max(math.Max(eo, eq), math.Max(ek, ev))
			worst[name] = math.Max(worst[name], e)
			if eo > 1e-5 || eq > 1e-5 || ek > 1e-5 || ev > 1e-5 {
				t.Errorf("T=%d, mask %s: relative errors out %g, dq %g, dk %g, dv %g", n, name, eo, eq, ek, ev)
			}
		}
	}
	t.Logf("largest relative errors over T in %d..%d: %v", lengths[0], lengths[len(lengths)-1], worst)
}

func TestFusedEqualsPlainAtRepresentativeLengths(t *testing.T) {
	sweep(t, []int{1, 2, 17, 128, 129, 300, 513}, []string{"none", "causal", "padding", "causal+padding", "bias"})
}
