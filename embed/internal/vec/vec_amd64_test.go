//go:build amd64 && !purego

package vec

import "testing"

// TestEveryKernelSetAgrees runs the kernel tests once more with AVX-512
// off (AVX2 kernels, where the CPU has them) and with all assembly off (Go
// twins), so that every path is checked on this machine.
func TestEveryKernelSetAgrees(t *testing.T) {
	old512, old2 := useAVX512, useAVX2
	defer func() { useAVX512, useAVX2 = old512, old2 }()
	for _, c := range []struct {
		name         string
		avx512, avx2 bool
	}{
		{"AVX2", false, old2},
		{"Go", false, false},
	} {
		t.Run(c.name, func(t *testing.T) {
			useAVX512, useAVX2 = c.avx512, c.avx2
			TestKernelsAgreeWithPlainLoopsOnOddLengthsAndOffsets(t)
			TestKernelsDoNotWritePastTheEnd(t)
			TestAdaGradPairMatchesThePlainLoop(t)
		})
	}
}
