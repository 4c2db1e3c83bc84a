package benchmarks

import (
	"fmt"
	"testing"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// BenchmarkBertForward times BERT-base (bert.Base(): 12 layers, hidden 768,
// 12 heads, feed-forward 3072) on a batch of 8 sequences of 128 tokens:
// the encoder and pooler, no gradient (an nn.Detached view), attention
// mask given. benchmarks/reference/bert_torch.py times the same model
// written as transformers writes it, in PyTorch; bert_compare.sh
// alternates the two.
func BenchmarkBertForward(b *testing.B) {
	for _, s := range [][2]int{{8, 128}} {
		bs, t := s[0], s[1]
		c := bert.Base()
		m := nn.Detached(bert.New(c, tensor.NewGenerator(1)))
		ids, mask := make([]int32, bs*t), make([]int32, bs*t)
		for i := range ids {
			ids[i] = int32(1000 + (i*7919)%20000)
			mask[i] = 1
		}
		in := bert.Input{IDs: tensor.FromSlice(ids, bs, t), Mask: tensor.FromSlice(mask, bs, t)}
		h, f, n := float64(c.HiddenSize), float64(c.IntermediateSize), float64(bs*t)
		// Multiply-adds ×2: per layer the four projections, the two
		// attention products and the feed-forward block; the pooler.
		flops := float64(c.NumHiddenLayers)*2*(n*(4*h*h+2*h*f)+2*n*float64(t)*h) + 2*float64(bs)*h*h
		b.Run(fmt.Sprintf("b=%d,t=%d", bs, t), func(b *testing.B) {
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				m.Forward(in)
			}
			tensorCPUReport(b, cpu0)
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(sec*1e3, "ms/op")
			b.ReportMetric(flops/sec/1e9, "GFLOP/s")
			b.ReportMetric(n/sec, "tokens/s")
		})
	}
}
