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
	params := c.Params
	rename := func(s string) string { return s }
	if c.String("kind") == "kvdim" {
		// PyTorch keeps separate weights q_proj_weight, ... and one
		// in_proj_bias when key and value widths differ.
		cfg = attention.Config{Dim: d, Heads: h, KDim: c.Int("kdim"), VDim: c.Int("vdim")}
		b := params["in_proj_bias"]
		params = map[string]*tensor.Tensor{
			"q_proj.weight": params["q_proj_weight"], "k_proj.weight": params["k_proj_weight"], "v_proj.weight": params["v_proj_weight"],
			"q_proj.bias": b.Narrow(0, 0, d), "k_proj.bias": b.Narrow(0, d, d), "v_proj.bias": b.Narrow(0, 2*d, d),
			"out_proj.weight": params["out_proj.weight"], "out_proj.bias": params["out_proj.bias"],
		}
		rename = func(s string) string {
			switch s {
			case "q_proj.weight", "k_proj.weight", "v_proj.weight":
				return s[:6] + "_weight"
			}
			return s
		}
	}
	a := nn.Cast(attention.New(cfg, nil), c.DType)
	a.Path = path
	if err := nn.LoadStateDict(a, params, nn.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	var mask attention.Mask
	switch c.String("mask") {
	case "key_padding":
		mask.KeyMask = c.In["key_mask"]
	case "causal":
		mask.Causal = true
	case "causal+key_padding":
		mask.Causal, mask.KeyMask = true, c.In["key_mask"]
	case "allowed":
		mask.Allowed = c.In["allowed"]
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
	if c.String("kind") == "kvdim" {
		// The biases are one tensor in PyTorch: compare it whole, and the
		// rest by name.
		want := c.Grads["param.in_proj_bias"]
		rest := c
		rest.Grads = map[string]*tensor.Tensor{}
		for k, v := range c.Grads {
			if k != "param.in_proj_bias" {
				rest.Grads[k] = v
			}
		}
		note("gradients", nntest.Grads(t, a, rest, rename, gtol))
		bias := tensor.Concat(0, a.Query.Bias.Grad(), a.Key.Bias.Grad(), a.Value.Bias.Grad())
		note("gradients", nntest.Close(t, "gradient of in_proj_bias", bias, want, gtol))
	} else {
		note("gradients", nntest.Grads(t, a, c, nil, gtol))
	}
	note("gradients", nntest.Close(t, "gradient of x", x.Grad(), c.Grads["in.x"], gtol))
	for name, in := range map[string]*tensor.Tensor{"mem": mem, "k": kin, "v": vin} {
		if in != nil {
			note("gradients", nntest.Close(t, "gradient of "+name, in.Grad(), c.Grads["in."+name], gtol))
		}
	}
}
