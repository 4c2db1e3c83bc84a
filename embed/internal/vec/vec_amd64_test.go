//go:build amd64 && !purego

package vec

import "testing"

// TestGoTwinsRunWhenAVX512IsOff runs the kernel tests once more with the
// assembly switched off, so that both paths are checked on this machine.
func TestGoTwinsRunWhenAVX512IsOff(t *testing.T) {
	if !useAVX512 {
		t.Skip("no AVX-512: the Go twins already ran")
	}
	useAVX512 = false
	defer func() { useAVX512 = true }()
	TestKernelsAgreeWithPlainLoopsOnOddLengthsAndOffsets(t)
	TestKernelsDoNotWritePastTheEnd(t)
	TestAdaGradPairMatchesThePlainLoop(t)
}
