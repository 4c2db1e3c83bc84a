package gradcheck_test

import (
	"errors"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

func TestCheckFindsAWrongGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	x := tensor.RandN(rng, 2, 3).As(tensor.Float64).SetRequiresGrad(true)
	// Detach hides one path from autograd: the analytic gradient is x,
	// the true one 2x.
	err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor {
		return in[0].Detach().Mul(in[0])
	}, []*tensor.Tensor{x}, gradcheck.Options{})
	if !errors.Is(err, gradcheck.ErrMismatch) {
		t.Fatalf("Check = %v, want a mismatch", err)
	}
}

func TestCheckRejectsUnusableInputs(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	f32 := tensor.RandN(rng, 2).SetRequiresGrad(true)
	f64 := tensor.RandN(rng, 2).As(tensor.Float64)
	broadcast := tensor.RandN(rng, 1, 3).As(tensor.Float64).Expand(4, 3).Detach().SetRequiresGrad(true)
	computed := tensor.RandN(rng, 2).As(tensor.Float64).SetRequiresGrad(true).Exp()
	id := func(in []*tensor.Tensor) *tensor.Tensor { return in[0].Exp() }
	cases := []struct {
		name string
		in   *tensor.Tensor
		want string
	}{
		{"float32 inputs are refused", f32, "float64"},
		{"inputs that need no gradient leave nothing to check", f64, "no input requires"},
		{"broadcast views are refused", broadcast, "broadcast"},
		{"computed tensors are refused", computed, "not a leaf"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := gradcheck.Check(id, []*tensor.Tensor{c.in}, gradcheck.Options{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Check = %v, want an error mentioning %q", err, c.want)
			}
		})
	}
}
