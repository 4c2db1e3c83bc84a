// Package nntest checks modules against reference implementations through
// fixtures: safetensors files holding, for each case, a module's
// parameters, its inputs, its output and the gradients of a backward pass,
// as written by goformer's PyTorch fixture generator
// (nn/testdata/gen_fixtures.py).
//
// A test loads the cases, builds the Go module, loads the case's
// parameters into it, runs it, and compares:
//
//	cases, err := nntest.Load("testdata/torch_layers.safetensors")
//	for _, c := range cases {
//		m := build(c.Info)
//		if err := nn.LoadStateDict(m, c.Params, nn.LoadOptions{}); err != nil { ... }
//		out := m.Forward(c.In["x"])
//		nntest.Close(t, "output", out, c.Out, nntest.OutputTol(c.DType))
//		out.Backward(tensor.WithGrad(c.GOut))
//		nntest.Grads(t, m, c, nntest.GradTol(c.DType))
//	}
//
// Errors are relative to the reference's scale: max|got − want| divided by
// max|want| (see RelErr).
package nntest

import (
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// Case is one fixture case.
type Case struct {
	Name   string
	Info   map[string]any // the case's description from the file's metadata
	DType  tensor.DType   // the dtype the reference computed in
	Params map[string]*tensor.Tensor
	In     map[string]*tensor.Tensor
	Out    *tensor.Tensor
	GOut   *tensor.Tensor            // the upstream gradient of the backward pass
	Grads  map[string]*tensor.Tensor // "param.<name>" and "in.<name>"
	Extra  map[string]*tensor.Tensor // other outputs ("weights")
}

// Int returns an integer field of Info (0 when absent).
func (c Case) Int(key string) int {
	f, _ := c.Info[key].(float64)
	return int(f)
}

// Float returns a number field of Info (0 when absent).
func (c Case) Float(key string) float64 {
	f, _ := c.Info[key].(float64)
	return f
}

// Bool returns a boolean field of Info.
func (c Case) Bool(key string) bool {
	b, _ := c.Info[key].(bool)
	return b
}

// String returns a string field of Info.
func (c Case) String(key string) string {
	s, _ := c.Info[key].(string)
	return s
}

// Load reads every case of a fixture file, in name order.
func Load(path string) ([]Case, error) {
	f, err := safetensors.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	meta := f.Metadata()
	byName := map[string]*Case{}
	for name, js := range meta {
		c := &Case{Name: name, Params: map[string]*tensor.Tensor{}, In: map[string]*tensor.Tensor{},
			Grads: map[string]*tensor.Tensor{}, Extra: map[string]*tensor.Tensor{}}
		if err := json.Unmarshal([]byte(js), &c.Info); err != nil {
			return nil, fmt.Errorf("nntest: %s: case %s: %w", path, name, err)
		}
		c.DType = tensor.Float32
		if c.String("dtype") == "float64" {
			c.DType = tensor.Float64
		}
		byName[name] = c
	}
	for _, key := range f.Names() {
		caseName, rest, ok := strings.Cut(key, "/")
		c := byName[caseName]
		if !ok || c == nil {
			return nil, fmt.Errorf("nntest: %s: tensor %q belongs to no case", path, key)
		}
		t, err := f.Tensor(key)
		if err != nil {
			return nil, err
		}
		switch {
		case strings.HasPrefix(rest, "param."):
			c.Params[strings.TrimPrefix(rest, "param.")] = t
		case strings.HasPrefix(rest, "in."):
			c.In[strings.TrimPrefix(rest, "in.")] = t
		case strings.HasPrefix(rest, "grad."):
			c.Grads[strings.TrimPrefix(rest, "grad.")] = t
		case rest == "out":
			c.Out = t
		case rest == "gout":
			c.GOut = t
		default:
			c.Extra[rest] = t
		}
	}
	names := make([]string, 0, len(byName))
	for n := range byName {
		names = append(names, n)
	}
	sort.Strings(names)
	cases := make([]Case, len(names))
	for i, n := range names {
		cases[i] = *byName[n]
	}
	return cases, nil
}

// ReadTensors reads every tensor of a safetensors file, by name, and
// fails t when the file cannot be read.
func ReadTensors(t testing.TB, path string) map[string]*tensor.Tensor {
	t.Helper()
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]*tensor.Tensor{}
	for _, n := range f.Names() {
		if out[n], err = f.Tensor(n); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// RelErr returns max|got − want| / max(max|want|, 1e-12): the largest
// difference relative to the reference's largest magnitude. A NaN on
// either side that the other lacks, or a shape mismatch, gives +Inf.
func RelErr(got, want *tensor.Tensor) float64 {
	if !got.SameShape(want) {
		return math.Inf(1)
	}
	g, w := got.Float64s(), want.Float64s()
	var num, den float64
	for i := range g {
		if math.IsNaN(g[i]) || math.IsNaN(w[i]) {
			if math.IsNaN(g[i]) != math.IsNaN(w[i]) {
				return math.Inf(1)
			}
			continue
		}
		num = math.Max(num, math.Abs(g[i]-w[i]))
		den = math.Max(den, math.Abs(w[i]))
	}
	return num / math.Max(den, 1e-12)
}

// OutputTol is the parity bound on outputs: 1e-5 in float32, 1e-10 in
// float64.
func OutputTol(dt tensor.DType) float64 {
	if dt == tensor.Float64 {
		return 1e-10
	}
	return 1e-5
}

// GradTol is the parity bound on gradients: 1e-4 in float32, 1e-9 in
// float64.
func GradTol(dt tensor.DType) float64 {
	if dt == tensor.Float64 {
		return 1e-9
	}
	return 1e-4
}

// Close fails t when RelErr(got, want) exceeds tol, naming what and the
// shapes, and returns the error measured.
func Close(t testing.TB, what string, got, want *tensor.Tensor, tol float64) float64 {
	t.Helper()
	if got == nil || want == nil {
		t.Errorf("%s: got %v, want %v", what, got, want)
		return math.Inf(1)
	}
	e := RelErr(got, want)
	if e > tol {
		t.Errorf("%s: relative error %.3g exceeds %.3g (shapes %v, %v)", what, e, tol, got.Shape(), want.Shape())
	}
	return e
}

// Grads compares the gradient of every parameter of m (by its dotted name)
// with the case's "param.<name>" gradient, after applying rename to the
// name (nil: none), and returns the largest error. A reference gradient
// with no parameter, or a parameter without a gradient that the
// reference has, fails t.
func Grads(t testing.TB, m any, c Case, rename func(string) string, tol float64) float64 {
	t.Helper()
	worst := 0.0
	seen := map[string]bool{}
	for _, p := range nn.Params(m) {
		name := p.Name
		if rename != nil {
			name = rename(name)
		}
		want, ok := c.Grads["param."+name]
		if !ok {
			continue
		}
		seen[name] = true
		if p.Tensor.Grad() == nil {
			t.Errorf("gradient of %s: missing", p.Name)
			continue
		}
		worst = math.Max(worst, Close(t, "gradient of "+p.Name, p.Tensor.Grad(), want, tol))
	}
	for k := range c.Grads {
		if name, ok := strings.CutPrefix(k, "param."); ok && !seen[name] {
			t.Errorf("the reference has a gradient for %s, which no parameter matched", name)
		}
	}
	return worst
}
