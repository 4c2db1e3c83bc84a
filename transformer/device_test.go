package transformer_test

import (
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// A model moved to another device runs the device-generic paths (the plain
// attention path, broadcast bias adds, in-place ops through the backend,
// rotary tables moved to the device) and must agree with the CPU, forward
// and backward.
func TestModelsOnAnotherDeviceAgreeWithTheCPU(t *testing.T) {
	dev := nntest.FakeDevice()
	for _, cfg := range []transformer.Config{
		{Dim: 16, Heads: 4, Act: nn.GELU},
		{Dim: 16, Heads: 4, KVHeads: 2, NormFirst: true, Gated: true, Act: nn.SiLU, RMSNorm: true, SeparateQKV: true, Rotary: true, MaxLen: 16},
	} {
		build := func() (*transformer.Transformer, *embed.Token) {
			g := tensor.NewGenerator(3)
			return transformer.New(cfg, 2, 1, g), embed.NewToken(20, 16, g).WithPadding(0)
		}
		run := func(tr *transformer.Transformer, tok *embed.Token, d tensor.Device) (*tensor.Tensor, []*tensor.Tensor) {
			ids := tensor.FromSlice([]int32{3, 4, 5, 0, 7, 8, 0, 0}, 2, 4).To(d)
			src := tok.Forward(ids)
			tgt := randn(4, 2, 3, 16).To(d)
			keys := tensor.FromSlice([]int32{1, 1, 1, 0, 1, 1, 0, 0}, 2, 4).To(d)
			out := tr.Forward(src, tgt, transformer.Masks{
				Source: attention.Mask{KeyMask: attention.Keep(keys)},
				Target: attention.Mask{Causal: true},
				Memory: attention.Mask{KeyMask: attention.Keep(keys)},
			})
			out.Backward(tensor.WithGrad(randn(5, out.Shape()...).To(d)))
			var grads []*tensor.Tensor
			for _, p := range append(nn.Params(tr), nn.Params(tok)...) {
				grads = append(grads, p.Tensor.Grad())
			}
			return out, grads
		}
		trC, tokC := build()
		outC, gradsC := run(trC, tokC, tensor.CPU)
		trD, tokD := build()
		nn.To(trD, dev)
		nn.To(tokD, dev)
		outD, gradsD := run(trD, tokD, dev)
		if outD.Device() != dev {
			t.Fatalf("output on %v, want %v", outD.Device(), dev)
		}
		if e := nntest.RelErr(outD.To(tensor.CPU), outC); e > 1e-5 {
			t.Errorf("%+v: outputs differ by %g", cfg, e)
		}
		for i := range gradsC {
			if gradsD[i] == nil || gradsD[i].Device() != dev {
				t.Fatalf("gradient %d missing or on the wrong device", i)
			}
			// The key bias gets an exactly zero gradient (a shift of every
			// key leaves the softmax unchanged): compare absolutely there.
			got := gradsD[i].To(tensor.CPU)
			if maxAbs(gradsC[i]) < 1e-5 {
				if d := maxAbs(got.Sub(gradsC[i])); d > 1e-6 {
					t.Errorf("%+v: a zero gradient differs by %g", cfg, d)
				}
				continue
			}
			if e := nntest.RelErr(got, gradsC[i]); e > 1e-4 {
				names := append(nn.Params(trC), nn.Params(tokC)...)
				t.Errorf("%+v: gradient of %s differs by %g", cfg, names[i].Name, e)
			}
		}
	}
}

func maxAbs(x *tensor.Tensor) float64 { return x.Abs().Max().Item() }
