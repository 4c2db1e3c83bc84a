package attention

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tensor/gradcheck"
)

func randn(seed uint64, shape ...int) *tensor.Tensor {
	return tensor.RandN(rand.New(rand.NewPCG(seed, 11)), shape...)
}

// relErr is max|a-b| / max(max|b|, 1e-30): the error measure of the
// parity tests.
func relErr(a, b []float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
		if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
			return math.Inf(1)
		}
	}
	return num / math.Max(den, 1e-30)
}

func expectPanic(t *testing.T, want string, f func()) {
	t.Helper()
	defer func() {
		t.Helper()
		r := recover()
		s, _ := r.(string)
		if r == nil || !strings.Contains(s, want) {
			t.Fatalf("panic %v, want one containing %q", r, want)
		}
	}()
	f()
}

// naive computes attention for one problem with plain loops in float64.
func naive(q, k, v []float64, d dims, scale float64, allowed func(b, h, i, j int) bool, bias func(b, h, i, j int) float64) []float64 {
	out := make([]float64, d.b*d.h*d.tq*d.dv)
	g := d.h / d.hk
	for b := range d.b {
		for h := range d.h {
			hk := h / g
			for i := range d.tq {
				s := make([]float64, d.tk)
				m := math.Inf(-1)
				for j := range d.tk {
					if allowed != nil && !allowed(b, h, i, j) {
						s[j] = math.Inf(-1)
						continue
					}
					for c := range d.dh {
						s[j] += q[((b*d.h+h)*d.tq+i)*d.dh+c] * k[((b*d.hk+hk)*d.tk+j)*d.dh+c]
					}
					s[j] *= scale
					if bias != nil {
						s[j] += bias(b, h, i, j)
					}
					m = math.Max(m, s[j])
				}
				if math.IsInf(m, -1) {
					continue
				}
				var l float64
				for j := range s {
					s[j] = math.Exp(s[j] - m)
					l += s[j]
				}
				for j := range s {
					for c := range d.dv {
						out[((b*d.h+h)*d.tq+i)*d.dv+c] += s[j] / l * v[((b*d.hk+hk)*d.tk+j)*d.dv+c]
					}
				}
			}
		}
	}
	return out
}

type problem struct {
	name string
	d    dims
	mask func(d dims) Mask
	ok   func(b, h, i, j int) bool // the mask as a predicate for naive
}

func problems() []problem {
	return []problem{
		{name: "no mask", d: dims{b: 2, h: 3, hk: 3, tq: 5, tk: 7, dh: 4, dv: 6}, mask: func(dims) Mask { return Mask{} }},
		{name: "causal square", d: dims{b: 1, h: 2, hk: 2, tq: 9, tk: 9, dh: 8, dv: 8}, mask: func(dims) Mask { return Mask{Causal: true} },
			ok: func(b, h, i, j int) bool { return j <= i }},
		{name: "causal after a cache", d: dims{b: 2, h: 2, hk: 1, tq: 3, tk: 8, dh: 4, dv: 4}, mask: func(dims) Mask { return Mask{Causal: true} },
			ok: func(b, h, i, j int) bool { return j <= i+5 }},
		{name: "key padding and grouped heads", d: dims{b: 2, h: 4, hk: 2, tq: 6, tk: 6, dh: 4, dv: 4}, mask: func(d dims) Mask {
			return Mask{KeyMask: Keep(tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, 2, 6))}
		}, ok: func(b, h, i, j int) bool { return b == 0 || j < 3 }},
		{name: "allowed per head with causal", d: dims{b: 1, h: 2, hk: 2, tq: 5, tk: 5, dh: 4, dv: 3}, mask: func(d dims) Mask {
			a := make([]float32, 2*5*5)
			for h := range 2 {
				for i := range 5 {
					for j := range 5 {
						if (i+j+h)%3 != 0 || j == 0 {
							a[(h*5+i)*5+j] = 1
						}
					}
				}
			}
			return Mask{Causal: true, Pairs: Keep(tensor.FromSlice(a, 1, 2, 5, 5))}
		}, ok: func(b, h, i, j int) bool { return j <= i && ((i+j+h)%3 != 0 || j == 0) }},
	}
}

func TestFusedAndPlainEqualTheNaiveLoops(t *testing.T) {
	for _, p := range problems() {
		for _, path := range []Path{Plain, Fused} {
			t.Run(fmt.Sprintf("%s/%v", p.name, path), func(t *testing.T) {
				d := p.d
				q, k, v := randn(1, d.b, d.h, d.tq, d.dh), randn(2, d.b, d.hk, d.tk, d.dh), randn(3, d.b, d.hk, d.tk, d.dv)
				got := ScaledDotProduct(q, k, v, Options{Mask: p.mask(d), Path: path}).Float64s()
				want := naive(q.Float64s(), k.Float64s(), v.Float64s(), d, 1/math.Sqrt(float64(d.dh)), p.ok, nil)
				if e := relErr(got, want); e > 1e-6 {
					t.Fatalf("relative error %g", e)
				}
			})
		}
	}
}

// compareFusedPlain runs both paths forward and backward on the same
// inputs and returns the relative errors of the output and of each
// gradient.
func compareFusedPlain(t *testing.T, q, k, v *tensor.Tensor, o Options) (out, dq, dk, dv float64) {
	t.Helper()
	run := func(path Path) ([]float64, []float64, []float64, []float64) {
		qq := q.Detach().SetRequiresGrad(true)
		kk := k.Detach().SetRequiresGrad(true)
		vv := v.Detach().SetRequiresGrad(true)
		oo := o
		oo.Path = path
		if o.Gen != nil {
			oo.Gen = tensor.NewGenerator(o.Gen.Seed())
		}
		y := ScaledDotProduct(qq, kk, vv, oo)
		gy := randn(77, y.Shape()...).As(y.DType())
		y.Backward(tensor.WithGrad(gy))
		return y.Float64s(), qq.Grad().Float64s(), kk.Grad().Float64s(), vv.Grad().Float64s()
	}
	po, pq, pk, pv := run(Plain)
	fo, fq, fk, fv := run(Fused)
	// With one key (or one visible key per row) the gradients of q and k
	// are exactly zero and both paths return rounding noise: measure them
	// against the scale of v's gradient, which is never degenerate.
	floor := 0.0
	for _, x := range pv {
		floor = math.Max(floor, math.Abs(x))
	}
	return relErr(fo, po), relErrFloor(fq, pq, floor), relErrFloor(fk, pk, floor), relErr(fv, pv)
}

// relErrFloor is relErr with the denominator at least floor.
func relErrFloor(a, b []float64, floor float64) float64 {
	var num, den float64
	for i := range a {
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / math.Max(den, math.Max(floor, 1e-30))
}

func TestFusedEqualsPlainForwardAndBackward(t *testing.T) {
	for _, blocks := range [][2]int{{128, 512}} {
		for _, p := range problems() {
			for _, dt := range []tensor.DType{tensor.Float32, tensor.Float64} {
				t.Run(fmt.Sprintf("%s/%s/blocks%v", p.name, dt, blocks), func(t *testing.T) {
					d := p.d
					q := randn(4, d.b, d.h, d.tq, d.dh).As(dt)
					k := randn(5, d.b, d.hk, d.tk, d.dh).As(dt)
					v := randn(6, d.b, d.hk, d.tk, d.dv).As(dt)
					eo, eq, ek, ev := compareFusedPlain(t, q, k, v, Options{Mask: p.mask(d)})
					tol := 1e-5
					if dt == tensor.Float64 {
						tol = 1e-12
					}
					if eo > tol || eq > tol || ek > tol || ev > tol {
						t.Fatalf("relative errors out %g, dq %g, dk %g, dv %g (tolerance %g)", eo, eq, ek, ev, tol)
					}
				})
			}
		}
	}
}

func TestFusedEqualsPlainWithBiasDropoutAndStridedInputs(t *testing.T) {
	b, h, tq, tk, dh := 2, 3, 7, 10, 4
	// Heads split from a [B, T, H·Dh] projection: strided views.
	q := randn(7, b, tq, h*dh).Reshape(b, tq, h, dh).Transpose(1, 2)
	k := randn(8, b, tk, h*dh).Reshape(b, tk, h, dh).Transpose(1, 2)
	v := randn(9, b, tk, h*dh).Reshape(b, tk, h, dh).Transpose(1, 2)
	bias := randn(10, h, 1, tk) // broadcast over batch and queries
	cases := []struct {
		name string
		o    Options
	}{
		{"additive bias", Options{Mask: Mask{Bias: bias}}},
		{"bias with -Inf entries and causal", Options{Mask: Mask{Causal: true, Bias: bias.MaskedFill(randn(11, h, 1, tk).Gt(tensor.Scalar(0.8)), math.Inf(-1))}}},
		{"dropout", Options{Dropout: 0.3, Gen: tensor.NewGenerator(5)}},
		{"dropout with padding and a custom scale", Options{Dropout: 0.5, Gen: tensor.NewGenerator(6), Scale: 0.3,
			Mask: Mask{KeyMask: Keep(tensor.FromSlice([]float32{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 10))}}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			eo, eq, ek, ev := compareFusedPlain(t, q, k, v, tc.o)
			if eo > 1e-5 || eq > 1e-5 || ek > 1e-5 || ev > 1e-5 {
				t.Fatalf("relative errors out %g, dq %g, dk %g, dv %g", eo, eq, ek, ev)
			}
		})
	}
}

func TestFullyMaskedRowsGiveZerosAndZeroGradients(t *testing.T) {
	// Tq > Tk with a causal mask: the first two queries see no key.
	q, k, v := randn(1, 1, 1, 5, 4), randn(2, 1, 1, 3, 4), randn(3, 1, 1, 3, 4)
	allowed := tensor.Ones(5, 3)
	for _, path := range []Path{Plain, Fused} {
		for _, m := range []Mask{{Causal: true}, {Pairs: Keep(allowed.MaskedFill(tensor.FromSlice([]float32{1, 1, 0, 0, 0}, 5, 1), 0))}} {
			qq, kk, vv := q.Detach().SetRequiresGrad(true), k.Detach().SetRequiresGrad(true), v.Detach().SetRequiresGrad(true)
			y := ScaledDotProduct(qq, kk, vv, Options{Mask: m, Path: path})
			y.Sum().Backward()
			vals := y.Float64s()
			for i, x := range vals {
				if math.IsNaN(x) || (i < 8 && x != 0) {
					t.Fatalf("%v: output %v", path, vals)
				}
			}
			for _, g := range [][]float64{qq.Grad().Float64s(), kk.Grad().Float64s(), vv.Grad().Float64s()} {
				for i, x := range g {
					if math.IsNaN(x) || (len(g) == 20 && i < 8 && x != 0) {
						t.Fatalf("%v: gradient %v", path, g)
					}
				}
			}
		}
	}
}

func TestAttentionGradientsMatchFiniteDifferences(t *testing.T) {
	d := dims{b: 1, h: 2, hk: 1, tq: 4, tk: 5, dh: 3, dv: 2}
	mk := func(seed uint64, shape ...int) *tensor.Tensor {
		return randn(seed, shape...).As(tensor.Float64).SetRequiresGrad(true)
	}
	q, k, v := mk(1, d.b, d.h, d.tq, d.dh), mk(2, d.b, d.hk, d.tk, d.dh), mk(3, d.b, d.hk, d.tk, d.dv)
	bias := mk(4, 1, d.h, d.tq, d.tk)
	for _, path := range []Path{Plain, Fused} {
		t.Run(path.String(), func(t *testing.T) {
			inputs := []*tensor.Tensor{q, k, v}
			if path == Plain {
				inputs = append(inputs, bias)
			}
			err := gradcheck.Check(func(in []*tensor.Tensor) *tensor.Tensor {
				m := Mask{Causal: true}
				if path == Plain {
					m.Bias = in[3]
				} else {
					m.Bias = bias.Detach()
				}
				return ScaledDotProduct(in[0], in[1], in[2], Options{Mask: m, Path: path})
			}, inputs, gradcheck.Options{})
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

func TestWeightsAreTheSoftmaxOfTheMaskedScores(t *testing.T) {
	q, k, v := randn(1, 1, 1, 3, 2), randn(2, 1, 1, 3, 2), randn(3, 1, 1, 3, 2)
	out, w := ScaledDotProductWeights(q, k, v, Options{Mask: Mask{Causal: true}})
	ws := w.Float64s()
	for i := range 3 {
		var s float64
		for j := range 3 {
			if j > i && ws[i*3+j] != 0 {
				t.Fatalf("weight (%d, %d) = %v, a future key", i, j, ws[i*3+j])
			}
			s += ws[i*3+j]
		}
		if math.Abs(s-1) > 1e-6 {
			t.Fatalf("row %d sums to %v", i, s)
		}
	}
	if e := relErr(out.Float64s(), w.MatMul(v).Float64s()); e > 1e-6 {
		t.Fatalf("out differs from weights·v by %g", e)
	}
}

func TestBadShapesPanicWithTheShapes(t *testing.T) {
	q, k, v := tensor.Ones(1, 4, 3, 8), tensor.Ones(1, 2, 5, 8), tensor.Ones(1, 2, 5, 6)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"a rank-3 query", func() { ScaledDotProduct(tensor.Ones(4, 3, 8), k, v, Options{}) }, "must be [B, H, T, headDim]"},
		{"heads not a multiple", func() { ScaledDotProduct(tensor.Ones(1, 3, 3, 8), k, v, Options{}) }, "3 query heads are not a multiple of 2"},
		{"key and query sizes differ", func() { ScaledDotProduct(q, tensor.Ones(1, 2, 5, 7), v, Options{}) }, "do not match"},
		{"a key mask of the wrong length", func() { ScaledDotProduct(q, k, v, Options{Mask: Mask{KeyMask: Keep(tensor.Ones(1, 4))}}) }, "KeyMask Keep[1 4], want [B, Tk] = [1 5]"},
		{"an allowed mask that does not broadcast", func() { ScaledDotProduct(q, k, v, Options{Mask: Mask{Pairs: Keep(tensor.Ones(3, 4))}}) }, "does not broadcast"},
		{"a bias of another dtype", func() {
			ScaledDotProduct(q, k, v, Options{Mask: Mask{Bias: tensor.Zeros(3, 5).As(tensor.Float64)}})
		}, "Bias is float64"},
		{"dropout without a generator", func() { ScaledDotProduct(q, k, v, Options{Dropout: 0.1}) }, "needs a generator"},
		{"mixed dtypes", func() { ScaledDotProduct(q.As(tensor.Float64), k, v, Options{}) }, "must be one float type"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) { expectPanic(t, tc.want, tc.f) })
	}
}

func TestEmptySequencesAndBatches(t *testing.T) {
	for _, s := range [][4]int{{2, 0, 5, 2}, {2, 3, 0, 2}, {2, 3, 0, 1}, {0, 3, 3, 2}, {1, 0, 0, 1}} {
		b, tq, tk, hk := s[0], s[1], s[2], s[3]
		for _, path := range []Path{Plain, Fused} {
			t.Run(fmt.Sprintf("B=%d,Tq=%d,Tk=%d,Hk=%d/%v", b, tq, tk, hk, path), func(t *testing.T) {
				q := randn(1, b, 2, tq, 4).SetRequiresGrad(true)
				k := randn(2, b, hk, tk, 4).SetRequiresGrad(true)
				v := randn(3, b, hk, tk, 4).SetRequiresGrad(true)
				y := ScaledDotProduct(q, k, v, Options{Path: path, Mask: Mask{Causal: true}})
				if y.Dim(0) != b || y.Dim(2) != tq {
					t.Fatalf("shape %v", y.Shape())
				}
				for _, x := range y.Float64s() {
					if x != 0 {
						t.Fatalf("queries with no keys gave %v", y.Float64s())
					}
				}
				if y.Numel() > 0 {
					y.Sum().Backward()
				}
			})
		}
	}
}

func TestMasksModifiedBeforeTheBackwardPassAreDetected(t *testing.T) {
	q := randn(1, 1, 1, 3, 4).SetRequiresGrad(true)
	k, v := randn(2, 1, 1, 3, 4), randn(3, 1, 1, 3, 4)
	bias := randn(4, 3, 3)
	y := ScaledDotProduct(q, k, v, Options{Path: Fused, Mask: Mask{Bias: bias}})
	bias.Fill(0)
	expectPanic(t, "modified in place", func() { y.Sum().Backward() })
}
