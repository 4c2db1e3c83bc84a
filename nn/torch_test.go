package nn_test

import (
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
)

// The fixtures come from nn/testdata/gen_fixtures.py (PyTorch 1.13): each
// case's module is rebuilt in Go, given the same weights, and must match
// the reference's output and every gradient.

func TestLayersMatchPyTorch(t *testing.T) {
	cases, err := nntest.Load("testdata/torch_layers.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) < 20 {
		t.Fatalf("only %d cases in the fixture", len(cases))
	}
	worst := map[string]float64{}
	defer func() { t.Logf("largest relative errors: %v", worst) }()
	for _, c := range cases {
		t.Run(c.Name, func(t *testing.T) {
			dt := c.DType.String()
			note := func(kind string, e float64) { worst[dt+" "+kind] = max(worst[dt+" "+kind], e) }
			var m any
			var forward func(x *tensor.Tensor) *tensor.Tensor
			switch c.String("layer") {
			case "linear":
				l := nn.NewLinear(c.Int("in"), c.Int("out"), c.Bool("bias"), nil)
				m, forward = l, l.Forward
			case "layernorm":
				l := nn.NewLayerNorm(c.Int("dim"), c.Float("eps"))
				m, forward = l, l.Forward
			case "rmsnorm":
				l := nn.NewRMSNorm(c.Int("dim"), c.Float("eps"))
				m, forward = l, l.Forward
			case "mlp":
				act, err := nn.ParseActivation(c.String("act"))
				if err != nil {
					t.Fatal(err)
				}
				l := nn.NewMLP(nn.MLPConfig{Dim: c.Int("dim"), Hidden: c.Int("hidden"), Act: act, Gated: c.Bool("gated")}, nil)
				m, forward = l, l.Forward
			case "":
				testLoss(t, c, note)
				return
			default:
				t.Fatalf("unknown layer %q", c.String("layer"))
			}
			nn.Cast(m, c.DType)
			if err := nn.LoadStateDict(m, c.Params, nn.LoadOptions{}); err != nil {
				t.Fatal(err)
			}
			x := c.In["x"].SetRequiresGrad(true)
			out := forward(x)
			note("output", nntest.Close(t, "output", out, c.Out, nntest.OutputTol(c.DType)))
			out.Backward(tensor.WithGrad(c.GOut))
			note("gradients", nntest.Grads(t, m, c, nil, nntest.GradTol(c.DType)))
			note("gradients", nntest.Close(t, "gradient of the input", x.Grad(), c.Grads["in.x"], nntest.GradTol(c.DType)))
		})
	}
}

func testLoss(t *testing.T, c nntest.Case, note func(string, float64)) {
	var out *tensor.Tensor
	var inputs []string
	switch c.String("loss") {
	case "cross_entropy":
		logits := c.In["logits"].SetRequiresGrad(true)
		out = nn.CrossEntropy(logits, c.In["targets"], tensor.IgnoreIndex(c.Int("ignore_index")), tensor.LabelSmoothing(c.Float("label_smoothing")))
		inputs = []string{"logits"}
	case "mse":
		out = nn.MSE(c.In["pred"].SetRequiresGrad(true), c.In["target"].SetRequiresGrad(true), tensor.ReductionMean)
		inputs = []string{"pred", "target"}
	case "bce_with_logits":
		out = nn.BCEWithLogits(c.In["logits"].SetRequiresGrad(true), c.In["target"].SetRequiresGrad(true),
			nn.BCEOptions{Weight: c.In["weight"], PosWeight: c.In["pos_weight"]})
		inputs = []string{"logits", "target"}
	default:
		t.Fatalf("unknown case %v", c.Info)
	}
	note("output", nntest.Close(t, "loss", out, c.Out, nntest.OutputTol(c.DType)))
	out.Backward(tensor.WithGrad(c.GOut))
	for _, in := range inputs {
		note("gradients", nntest.Close(t, "gradient of "+in, c.In[in].Grad(), c.Grads["in."+in], nntest.GradTol(c.DType)))
	}
}
