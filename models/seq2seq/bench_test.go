package seq2seq_test

import (
	"context"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// t5Small returns a randomly initialised model of t5-small's shape
// (60M parameters).
func t5Small() *seq2seq.T5 {
	c := seq2seq.DefaultT5Config()
	return seq2seq.NewT5(c, tensor.NewGenerator(1))
}

func randomIDs(rng *rand.Rand, b, n, vocab int) *tensor.Tensor {
	ids := make([]int32, b*n)
	for i := range ids {
		ids[i] = int32(3 + rng.IntN(vocab-3))
	}
	return tensor.FromSlice(ids, b, n)
}

// BenchmarkT5Generate encodes a batch of 64-token sources with t5-small's
// shape and decodes 32 tokens greedily with the cache: tokens/s counts
// the generated tokens of the batch, the encoding included.
func BenchmarkT5Generate(b *testing.B) {
	for _, batch := range []int{1, 4} {
		b.Run(map[int]string{1: "b=1", 4: "b=4"}[batch], func(b *testing.B) {
			m := t5Small()
			src := randomIDs(rand.New(rand.NewPCG(1, 1)), batch, 64, m.Config.VocabSize)
			const newTokens = 32
			b.ResetTimer()
			for range b.N {
				bound := seq2seq.Bind(m, src, nil)
				if _, err := generate.Generate(context.Background(), bound, bound.Prompts(), generate.Options{MaxNewTokens: newTokens}); err != nil {
					b.Fatal(err)
				}
			}
			b.ReportMetric(float64(batch*newTokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
			b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/generation")
		})
	}
}

// BenchmarkTransformerTrainStep runs teacher-forced steps (forward,
// backward, AdamW) of the Transformer base model (d_model 512, 6+6
// layers, 8000 shared tokens) on 8 pairs of 32 tokens.
func BenchmarkTransformerTrainStep(b *testing.B) {
	m := seq2seq.NewTransformer(seq2seq.TransformerConfig{
		VocabSize: 8000, Dim: 512, Heads: 8, EncoderLayers: 6, DecoderLayers: 6, Dropout: 0.1,
		PadTokenID: 0, BOSTokenID: 1, EOSTokenID: 2, DecoderStart: 1,
	}, tensor.NewGenerator(1))
	rng := rand.New(rand.NewPCG(2, 2))
	in := seq2seq.Inputs{IDs: randomIDs(rng, 8, 32, 8000), Labels: randomIDs(rng, 8, 32, 8000)}
	o := newAdamW(m, 1e-4, nil)
	nn.Train(m)
	b.ResetTimer()
	for range b.N {
		out := seq2seq.Forward(m, in)
		out.Loss.Backward()
		o.Step()
		o.ZeroGrad()
	}
	b.ReportMetric(float64(2*8*32*b.N)/b.Elapsed().Seconds(), "tokens/s")
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/step")
}
