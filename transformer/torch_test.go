package transformer_test

import (
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// Fixtures from nn/testdata/gen_fixtures.py: PyTorch 1.13's
// nn.TransformerEncoderLayer and nn.TransformerDecoderLayer (post-LN and
// pre-LN, ReLU and GELU) and a whole nn.Transformer of two encoder and two
// decoder layers, with causal and padding masks, in float32 and float64.
func TestLayersMatchPyTorch(t *testing.T) {
	cases, err := nntest.Load("testdata/torch_transformer.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 20 {
		t.Fatalf("%d cases, want 20", len(cases))
	}
	worst := map[string]float64{}
	defer func() { t.Logf("largest relative errors: %v", worst) }()
	for _, c := range cases {
		for _, path := range []attention.Path{attention.Fused, attention.Plain} {
			t.Run(c.Name+"/"+path.String(), func(t *testing.T) {
				act, err := nn.ParseActivation(c.String("act"))
				if err != nil {
					t.Fatal(err)
				}
				cfg := transformer.Config{Dim: c.Int("dim"), Heads: c.Int("heads"), Hidden: c.Int("hidden"), Act: act, NormFirst: c.Bool("norm_first")}
				var m any
				var run func() *tensor.Tensor
				leaves := map[string]*tensor.Tensor{}
				leaf := func(x *tensor.Tensor) *tensor.Tensor { return x.Detach().SetRequiresGrad(true) }
				var inputs []string
				switch c.String("kind") {
				case "encoder_layer":
					l := transformer.NewEncoderLayer(cfg, nil)
					src := leaf(c.In["src"])
					m, inputs = l, []string{"src"}
					leaves["src"] = src
					run = func() *tensor.Tensor {
						return l.Forward(src, attention.Mask{KeyMask: attention.Keep(c.In["key_mask"])})
					}
				case "decoder_layer":
					l := transformer.NewDecoderLayer(cfg, nil)
					tgt, mem := leaf(c.In["tgt"]), leaf(c.In["mem"])
					m, inputs = l, []string{"tgt", "mem"}
					leaves["tgt"], leaves["mem"] = tgt, mem
					run = func() *tensor.Tensor {
						return l.Forward(tgt, mem, attention.Mask{Causal: true, KeyMask: attention.Keep(c.In["tgt_key_mask"])}, attention.Mask{KeyMask: attention.Keep(c.In["mem_key_mask"])}, nil)
					}
				case "transformer":
					tr := transformer.New(cfg, c.Int("encoder_layers"), c.Int("decoder_layers"), nil)
					src, tgt := leaf(c.In["src"]), leaf(c.In["tgt"])
					m, inputs = tr, []string{"src", "tgt"}
					leaves["src"], leaves["tgt"] = src, tgt
					run = func() *tensor.Tensor {
						return tr.Forward(src, tgt, transformer.Masks{
							Source: attention.Mask{KeyMask: attention.Keep(c.In["src_key_mask"])},
							Target: attention.Mask{Causal: true, KeyMask: attention.Keep(c.In["tgt_key_mask"])},
							Memory: attention.Mask{KeyMask: attention.Keep(c.In["src_key_mask"])},
						})
					}
				default:
					t.Fatalf("unknown case %v", c.Info)
				}
				nn.Cast(m, c.DType)
				setPath(m, path)
				if err := nn.LoadStateDict(m, c.Params, nn.LoadOptions{}); err != nil {
					t.Fatal(err)
				}
				out := run()
				dt := c.DType.String()
				worst[dt+" output"] = max(worst[dt+" output"], nntest.Close(t, "output", out, c.Out, nntest.OutputTol(c.DType)))
				out.Backward(tensor.WithGrad(c.GOut))
				worst[dt+" gradients"] = max(worst[dt+" gradients"], nntest.Grads(t, m, c, nil, nntest.GradTol(c.DType)))
				for _, in := range inputs {
					worst[dt+" gradients"] = max(worst[dt+" gradients"], nntest.Close(t, "gradient of "+in, leaves[in].Grad(), c.Grads["in."+in], nntest.GradTol(c.DType)))
				}
			})
		}
	}
}

// setPath makes every attention module of m use path.
func setPath(m any, path attention.Path) {
	for _, s := range nn.Modules(m) {
		if a, ok := s.Module.(*attention.MultiHead); ok {
			a.Path = path
		}
	}
}
