package llama_test

import (
	"testing"

	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/models/lm/lmtest"
	"github.com/goformer/goformer/tensor"
)

func tinyModels(t *testing.T) map[string]*llama.ForCausalLM {
	t.Helper()
	c, err := llama.Size("tiny")
	if err != nil {
		t.Fatal(err)
	}
	c.VocabSize, c.HiddenSize, c.IntermediateSize, c.MaxPositionEmbeddings = 97, 32, 64, 64
	q := c
	q.ModelType, q.NumKeyValueHeads, q.TieWordEmbeddings, q.RopeTheta = "qwen2", 1, true, 1e6
	d := c
	d.RopeScaling, d.MaxPositionEmbeddings = &llama.RopeScaling{Type: "dynamic", Factor: 2}, 8
	return map[string]*llama.ForCausalLM{
		"llama":   llama.NewForCausalLM(c, tensor.NewGenerator(7)),
		"qwen2":   llama.NewForCausalLM(q, tensor.NewGenerator(8)),
		"dynamic": llama.NewForCausalLM(d, tensor.NewGenerator(9)),
	}
}

func TestLlamaCachedDecodingEqualsFullPasses(t *testing.T) {
	for name, m := range tinyModels(t) {
		if name == "dynamic" {
			// Dynamic scaling rotates each call's keys with that call's
			// frequencies, so cached keys differ from a full pass's (in
			// transformers too) once the context passes the original.
			continue
		}
		t.Run(name, func(t *testing.T) { lmtest.CachedDecodingEqualsFullPasses(t, m, 97, 5, 12) })
	}
}

func TestLlamaLeftPaddedBatchEqualsRowsAlone(t *testing.T) {
	for name, m := range tinyModels(t) {
		if name == "dynamic" {
			// Dynamic scaling takes its frequencies from the longest row
			// of the call (in transformers too), so a short row's
			// logits depend on its batch once that passes the original
			// context.
			continue
		}
		t.Run(name, func(t *testing.T) { lmtest.LeftPaddedBatchEqualsRowsAlone(t, m, 97, 0, []int{6, 2, 4}, 5) })
	}
}

func TestLlamaReorderedCacheContinuesTheChosenRows(t *testing.T) {
	for name, m := range tinyModels(t) {
		t.Run(name, func(t *testing.T) { lmtest.ReorderedCacheContinuesTheChosenRows(t, m, 97, 4) })
	}
}
