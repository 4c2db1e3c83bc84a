//go:build long

package transformer_test

import (
	"math"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// TestATinyModelLearnsALongerCopy trains two pre-LN layers on sequences of
// 128 tokens to output the token 5 positions back, through the fused
// attention path forward and backward. Run with:
// go test -tags long -run LongerCopy -v ./transformer/
func TestATinyModelLearnsALongerCopy(t *testing.T) {
	const vocab, seqLen = 16, 128
	m := newTinyLM(vocab, 64, 4, 2, seqLen, tensor.NewGenerator(3))
	first, last := trainCopy(t, m, vocab, seqLen, 5, 16, 400, 3e-3, 4)
	t.Logf("cross-entropy %.3f → %.3f (chance %.3f)", first, last, math.Log(vocab))
	if last > 0.1 {
		t.Fatalf("cross-entropy %.3f → %.3f: the model did not learn the copy", first, last)
	}
}
