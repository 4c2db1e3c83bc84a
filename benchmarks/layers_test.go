package benchmarks

import (
	"fmt"
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// The layers benchmarks time multi-head attention and a transformer
// encoder layer at BERT-base sizes; benchmarks/reference/layers_torch.py
// times PyTorch's nn.MultiheadAttention and nn.TransformerEncoderLayer on
// the same sizes and layers_compare.sh alternates the two.

// layersFlopsMHA is the multiply-add count ×2 of one forward pass of
// self-attention: the input and output projections and the two products
// of attention.
func layersFlopsMHA(b, t, d int) float64 {
	proj := 2 * float64(b*t) * float64(d) * float64(4*d)
	attn := 2 * 2 * float64(b) * float64(t) * float64(t) * float64(d)
	return proj + attn
}

func layersInput(b, t, d int, seed uint64) *tensor.Tensor {
	x := tensor.Zeros(b, t, d)
	tensor.NewGenerator(seed).Normal(x, 0, 1)
	return x
}

func BenchmarkMultiHeadAttention(b *testing.B) {
	for _, s := range [][4]int{{8, 512, 768, 12}} {
		bs, t, d, h := s[0], s[1], s[2], s[3]
		name := fmt.Sprintf("b=%d,t=%d,d=%d,h=%d", bs, t, d, h)
		mha := attention.New(attention.Config{Dim: d, Heads: h, FusedQKV: true}, tensor.NewGenerator(1))
		x := layersInput(bs, t, d, 2)
		flops := layersFlopsMHA(bs, t, d)
		b.Run(name+"/forward", func(b *testing.B) {
			nn.Freeze(mha) // inference: no graph is recorded
			defer nn.Unfreeze(mha)
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				mha.Forward(x, attention.Mask{}, nil)
			}
			tensorCPUReport(b, cpu0)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(bs*t*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
		b.Run(name+"/forward+backward", func(b *testing.B) {
			xg := x.Detach().SetRequiresGrad(true)
			g := layersInput(bs, t, d, 3)
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				nn.ZeroGrad(mha)
				xg.ZeroGrad()
				mha.Forward(xg, attention.Mask{}, nil).Backward(tensor.WithGrad(g))
			}
			tensorCPUReport(b, cpu0)
			b.ReportMetric(3*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(bs*t*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

func BenchmarkEncoderLayer(b *testing.B) {
	for _, s := range [][3]int{{8, 128, 768}} {
		bs, t, d := s[0], s[1], s[2]
		name := fmt.Sprintf("b=%d,t=%d,d=%d", bs, t, d)
		layer := transformer.NewEncoderLayer(transformer.Config{Dim: d, Heads: 12, Hidden: 4 * d, Act: nn.GELU}, tensor.NewGenerator(1))
		x := layersInput(bs, t, d, 2)
		flops := layersFlopsMHA(bs, t, d) + 2*2*float64(bs*t)*float64(d)*float64(4*d)
		b.Run(name+"/forward", func(b *testing.B) {
			nn.Freeze(layer)
			defer nn.Unfreeze(layer)
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				layer.Forward(x, attention.Mask{})
			}
			tensorCPUReport(b, cpu0)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(bs*t*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}
