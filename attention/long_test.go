//go:build long

package attention

import "testing"

// TestFusedEqualsPlainUpTo2048 is the full sweep of the fused path against
// the plain path: every length from 1 to 64, then lengths around every
// block boundary and powers of two up to 2048, with no mask, causal,
// padding, both, and an additive bias, forward and backward, in float32.
// Run with: go test -tags long -run UpTo2048 -v ./attention/
func TestFusedEqualsPlainUpTo2048(t *testing.T) {
	var lengths []int
	for n := 1; n <= 64; n++ {
		lengths = append(lengths, n)
	}
	for _, n := range []int{100, 127, 128, 129, 255, 256, 257, 383, 511, 512, 513, 640, 767, 1000, 1023, 1024, 1025, 1536, 2047, 2048} {
		lengths = append(lengths, n)
	}
	sweep(t, lengths, []string{"none", "causal", "padding", "causal+padding", "bias"})
}
