package attention_test

import (
	"fmt"
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/nntest"
	"github.com/goformer/goformer/tensor"
)

// Fixtures from nn/testdata/gen_fixtures.py: PyTorch 1.13's
// nn.MultiheadAttention (batch_first) with key padding, causal, boolean
// and additive masks, cross-attention, no biases, and key/value widths
// that differ from the model's. Every case runs through both attention
// paths: the fused path for the output and gradients, the plain path for
// the output and the attention weights.
func TestMultiHeadMatchesPyTorch(t *testing.T) {
	cases, err := nntest.Load("testdata/torch_mha.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	if len(cases) != 16 {
		t.Fatalf("%d cases, want 16", len(cases))
	}
	worst := map[string]float64{}
	for _, c := range cases {
		for _, path := range []attention.Path{attention.Fused, attention.Plain} {
			t.Run(fmt.Sprintf("%s/%v", c.Name, path), func(t *testing.T) { mhaCase(t, c, path, worst) })
		}
	}
	t.Logf("largest relative errors: %v", worst)
}

func mhaCase(t *testing.T, c nntest.Case, path attention.Path, worst map[string]float64) {
	dt := c.DType.String()
	note := func(kind string, e float64) { worst[dt+" "+kind] = max(worst[dt+" "+kind], e) }
	d, h := c.Int("dim"), c.Int("heads")
	cfg := attention.Config{Dim: d, Heads: h, FusedQKV: true, NoBias: c.Info["bias"] == false}
	if c.String("kind") == "kvdim" {
		// PyTorch keeps separate weights q_proj_weight, ... and one
		// in_proj_bias when key and value widths differ: the same config
		// gives the same names.
		cfg.KDim, cfg.VDim = c.Int("kdim"), c.Int("vdim")
	}
	a := nn.Cast(attention.New(cfg, nil), c.DType)
	a.Path = path
	if err := nn.LoadStateDict(a, c.Params, nn.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	var mask attention.Mask
	switch c.String("mask") {
	case "key_padding":
		mask.KeyMask = attention.Keep(c.In["key_mask"])
	case "causal":
		mask.Causal = true
	case "causal+key_padding":
		mask.Causal, mask.KeyMask = true, attention.Keep(c.In["key_mask"])
	case "allowed":
		mask.Pairs = attention.Keep(c.In["allowed"])
	case "bias":
		x := c.In["x"]
		mask.Bias = c.In["bias"].Reshape(x.Dim(0), h, x.Dim(1), x.Dim(1))
	default:
		t.Fatalf("unknown mask %q", c.String("mask"))
	}
	x := c.In["x"].Detach().SetRequiresGrad(true)
	var out, weights *tensor.Tensor
	var mem, kin, vin *tensor.Tensor
	switch c.String("kind") {
	case "self":
		if path == attention.Plain {
			out, weights = a.Attend(x, x, x, mask, true)
		} else {
			out = a.Forward(x, mask, nil)
		}
	case "cross":
		mem = c.In["mem"].Detach().SetRequiresGrad(true)
		if path == attention.Plain {
			out, weights = a.Attend(x, mem, mem, mask, true)
		} else {
			out = a.Cross(x, mem, mask, nil)
		}
	case "kvdim":
		kin, vin = c.In["k"].Detach().SetRequiresGrad(true), c.In["v"].Detach().SetRequiresGrad(true)
		out, weights = a.Attend(x, kin, vin, mask, path == attention.Plain)
	}
	tol, gtol := nntest.OutputTol(c.DType), nntest.GradTol(c.DType)
	note("output", nntest.Close(t, "output", out, c.Out, tol))
	if weights != nil {
		note("weights", nntest.Close(t, "attention weights", weights, c.Extra["weights"], tol))
	}
	out.Backward(tensor.WithGrad(c.GOut))
	note("gradients", nntest.Grads(t, a, c, nil, gtol))
	note("gradients", nntest.Close(t, "gradient of x", x.Grad(), c.Grads["in.x"], gtol))
	for name, in := range map[string]*tensor.Tensor{"mem": mem, "k": kin, "v": vin} {
		if in != nil {
			note("gradients", nntest.Close(t, "gradient of "+name, in.Grad(), c.Grads["in."+name], gtol))
		}
	}
}
