package gpt_test

import (
	"testing"

	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/lm/lmtest"
	"github.com/goformer/goformer/tensor"
)

func tinyLM(t *testing.T) *gpt.LMHeadModel {
	t.Helper()
	c, err := gpt.Size("tiny")
	if err != nil {
		t.Fatal(err)
	}
	c.VocabSize, c.NPositions, c.NEmbd = 97, 64, 32
	return gpt.NewLMHeadModel(c, tensor.NewGenerator(7))
}

func TestGPT2CachedDecodingEqualsFullPasses(t *testing.T) {
	lmtest.CachedDecodingEqualsFullPasses(t, tinyLM(t), 97, 5, 12)
}

func TestGPT2LeftPaddedBatchEqualsRowsAlone(t *testing.T) {
	lmtest.LeftPaddedBatchEqualsRowsAlone(t, tinyLM(t), 97, 0, []int{6, 2, 4}, 5)
}

func TestGPT2ReorderedCacheContinuesTheChosenRows(t *testing.T) {
	lmtest.ReorderedCacheContinuesTheChosenRows(t, tinyLM(t), 97, 4)
}
