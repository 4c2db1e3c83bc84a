package embed_test

import (
	"testing"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
)

// Fixtures from nn/testdata/gen_fixtures.py: nn.Embedding with a padding
// index, and rotary embeddings written as Hugging Face's LLaMA and GPT-J
// apply them.
func TestEmbeddingsMatchPyTorch(t *testing.T) {
	cases, err := nntest.Load("testdata/torch_embed.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			switch c.String("layer") {
			case "embedding":
				e := nn.Cast(embed.NewToken(c.Int("vocab"), c.Int("dim"), nil), c.DType).WithPadding(c.Int("padding_idx"))
				if err := nn.LoadStateDict(e, c.Params, nn.LoadOptions{}); err != nil {
					t.Fatal(err)
				}
				out := e.Forward(c.In["ids"])
				nntest.Close(t, "output", out, c.Out, nntest.OutputTol(c.DType))
				out.Backward(tensor.WithGrad(c.GOut))
				nntest.Grads(t, e, c, nil, nntest.GradTol(c.DType))
			case "rotary":
				r := nn.Cast(embed.NewRotary(c.Int("dim"), c.Int("max_len"), c.Float("base"), c.Bool("interleaved")), c.DType)
				x := c.In["x"].SetRequiresGrad(true)
				out := r.Apply(x, c.Int("offset"))
				nntest.Close(t, "output", out, c.Out, nntest.OutputTol(c.DType))
				out.Backward(tensor.WithGrad(c.GOut))
				nntest.Close(t, "gradient of the input", x.Grad(), c.Grads["in.x"], nntest.GradTol(c.DType))
			default:
				t.Fatalf("unknown case %v", c.Info)
			}
		})
	}
}
