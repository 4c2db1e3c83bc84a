package benchmarks

import (
	"fmt"
	"testing"

	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// The GPT-2 benchmarks time a full-sequence forward pass of GPT-2 small
// (12 layers of width 768, 12 heads, 50257-token vocabulary, random
// weights) through the language-model head, with no autograd graph;
// benchmarks/reference/gpt_torch.py times the same model written in
// PyTorch with transformers' layout, and gpt_compare.sh alternates the
// two.

// gpt2Flops counts the multiply-adds ×2 of a forward pass: the four
// projections and the feed-forward of every layer, attention's two
// products (the causal half computed in full, as both sides do), and the
// LM head.
func gpt2Flops(c gpt.Config, b, t int) float64 {
	d, n := float64(c.NEmbd), float64(b*t)
	layer := 2*n*d*4*d + 2*n*d*8*d + 2*2*float64(b)*float64(t)*float64(t)*d
	return float64(c.NLayer)*layer + 2*n*d*float64(c.VocabSize)
}

func BenchmarkGPT2Forward(b *testing.B) {
	c, err := gpt.Size("gpt2")
	if err != nil {
		b.Fatal(err)
	}
	c.ResidPdrop, c.EmbdPdrop, c.AttnPdrop = 0, 0, 0
	m := nn.Detached(gpt.NewLMHeadModel(c, tensor.NewGenerator(1)))
	for _, s := range [][2]int{{1, 128}, {1, 512}, {8, 128}} {
		bs, t := s[0], s[1]
		ids := make([]int32, bs*t)
		for i := range ids {
			ids[i] = int32((i*7919 + 13) % c.VocabSize)
		}
		in := lm.Inputs{IDs: tensor.FromSlice(ids, bs, t)}
		b.Run(fmt.Sprintf("b=%d,t=%d", bs, t), func(b *testing.B) {
			m.Forward(in) // warm-up: buffer pools, worker pool
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				m.Forward(in)
			}
			tensorCPUReport(b, cpu0)
			ms := b.Elapsed().Seconds() * 1e3 / float64(b.N)
			b.ReportMetric(ms, "ms/op")
			b.ReportMetric(gpt2Flops(c, bs, t)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(bs*t*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
