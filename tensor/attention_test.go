package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goformer/goformer/internal/parallel"
)

func attnRandN(seed uint64, shape ...int) *Tensor {
	return RandN(rand.New(rand.NewPCG(seed, 11)), shape...)
}

// setAttnBlocks sets the fused block sizes and returns a function that
// restores them.
func setAttnBlocks(q, k int) func() {
	oq, ok := attnBlockQ, attnBlockK
	attnBlockQ, attnBlockK = q, k
	return func() { attnBlockQ, attnBlockK = oq, ok }
}

// attnRelErr is max|a-b| / max(max|b|, floor): the error measure of the
// attention tests. NaN on one side only is an infinite error.
func attnRelErr(a, b []float64, floor float64) float64 {
	var num, den float64
	for i := range a {
		if math.IsNaN(a[i]) != math.IsNaN(b[i]) {
			return math.Inf(1)
		}
		num = math.Max(num, math.Abs(a[i]-b[i]))
		den = math.Max(den, math.Abs(b[i]))
	}
	return num / math.Max(den, math.Max(floor, 1e-30))
}

// attnNaive computes attention with plain loops in float64 on contiguous
// [B, H, T, D] data; ok says whether query i of (b, h) may see key j.
func attnNaive(q, k, v []float64, d attnDims, scale float64, ok func(b, h, i, j int) bool) []float64 {
	out := make([]float64, d.b*d.h*d.tq*d.dv)
	g := d.h / d.hk
	for b := range d.b {
		for h := range d.h {
			hk := h / g
			for i := range d.tq {
				s := make([]float64, d.tk)
				m := math.Inf(-1)
				for j := range d.tk {
					if ok != nil && !ok(b, h, i, j) {
						s[j] = math.Inf(-1)
						continue
					}
					for c := range d.dh {
						s[j] += q[((b*d.h+h)*d.tq+i)*d.dh+c] * k[((b*d.hk+hk)*d.tk+j)*d.dh+c]
					}
					s[j] *= scale
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

// attnRun runs one path forward and backward and returns the output and
// the gradients of q, k and v.
func attnRun(q, k, v *Tensor, o AttentionOptions, fused bool) (out, dq, dk, dv []float64) {
	qq, kk, vv := q.Detach().SetRequiresGrad(true), k.Detach().SetRequiresGrad(true), v.Detach().SetRequiresGrad(true)
	if o.Gen != nil {
		o.Gen = NewGenerator(o.Gen.Seed())
	}
	var y *Tensor
	if fused {
		y = Attention(qq, kk, vv, o)
	} else {
		y, _ = AttentionWeights(qq, kk, vv, o)
	}
	gy := attnRandN(77, y.Shape()...).As(y.DType())
	y.Backward(WithGrad(gy))
	return y.Float64s(), qq.Grad().Float64s(), kk.Grad().Float64s(), vv.Grad().Float64s()
}

// attnCompare returns the largest relative error between the fused and the
// composed paths over the output and the three gradients. Gradients of q
// and k are measured against the scale of v's gradient: with one visible
// key per row they are exactly zero and both paths return rounding noise.
func attnCompare(q, k, v *Tensor, o AttentionOptions) float64 {
	po, pq, pk, pv := attnRun(q, k, v, o, false)
	fo, fq, fk, fv := attnRun(q, k, v, o, true)
	floor := 0.0
	for _, x := range pv {
		floor = math.Max(floor, math.Abs(x))
	}
	return max(attnRelErr(fo, po, 0), attnRelErr(fq, pq, floor), attnRelErr(fk, pk, floor), attnRelErr(fv, pv, 0))
}

type attnProblem struct {
	name string
	d    attnDims
	opts func() AttentionOptions
	ok   func(b, h, i, j int) bool // the masks as a predicate, for the naive loops
}

func attnProblems() []attnProblem {
	return []attnProblem{
		{name: "no mask", d: attnDims{b: 2, h: 3, hk: 3, tq: 5, tk: 7, dh: 4, dv: 6}, opts: func() AttentionOptions { return AttentionOptions{} }},
		{name: "causal square", d: attnDims{b: 1, h: 2, hk: 2, tq: 9, tk: 9, dh: 8, dv: 8}, opts: func() AttentionOptions { return AttentionOptions{Causal: true} },
			ok: func(b, h, i, j int) bool { return j <= i }},
		{name: "causal after a cache of 5", d: attnDims{b: 2, h: 2, hk: 1, tq: 3, tk: 8, dh: 4, dv: 4}, opts: func() AttentionOptions { return AttentionOptions{Causal: true} },
			ok: func(b, h, i, j int) bool { return j <= i+5 }},
		{name: "one new token after a cache", d: attnDims{b: 2, h: 4, hk: 2, tq: 1, tk: 11, dh: 4, dv: 4}, opts: func() AttentionOptions { return AttentionOptions{Causal: true} }},
		{name: "int32 key padding and grouped heads", d: attnDims{b: 2, h: 4, hk: 2, tq: 6, tk: 6, dh: 4, dv: 4}, opts: func() AttentionOptions {
			return AttentionOptions{KeepKeys: FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0}, 2, 6)}
		}, ok: func(b, h, i, j int) bool { return b == 0 || j < 3 }},
		{name: "keep per head with causal", d: attnDims{b: 1, h: 2, hk: 2, tq: 5, tk: 5, dh: 4, dv: 3}, opts: func() AttentionOptions {
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
			return AttentionOptions{Causal: true, Keep: FromSlice(a, 1, 2, 5, 5)}
		}, ok: func(b, h, i, j int) bool { return j <= i && ((i+j+h)%3 != 0 || j == 0) }},
	}
}

func TestFusedAttentionEqualsTheNaiveLoops(t *testing.T) {
	defer setAttnBlocks(2, 3)() // many blocks: the streaming softmax at work
	for _, p := range attnProblems() {
		for _, fused := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/fused=%v", p.name, fused), func(t *testing.T) {
				d := p.d
				q, k, v := attnRandN(1, d.b, d.h, d.tq, d.dh), attnRandN(2, d.b, d.hk, d.tk, d.dh), attnRandN(3, d.b, d.hk, d.tk, d.dv)
				var y *Tensor
				if fused {
					y = Attention(q, k, v, p.opts())
				} else {
					y, _ = AttentionWeights(q, k, v, p.opts())
				}
				ok := p.ok
				if p.name == "one new token after a cache" {
					ok = func(b, h, i, j int) bool { return true } // the new token sees everything
				}
				want := attnNaive(q.Float64s(), k.Float64s(), v.Float64s(), d, 1/math.Sqrt(float64(d.dh)), ok)
				if e := attnRelErr(y.Float64s(), want, 0); e > 1e-6 {
					t.Fatalf("relative error %g", e)
				}
			})
		}
	}
}

func TestFusedAttentionEqualsComposedForwardAndBackward(t *testing.T) {
	for _, blocks := range [][2]int{{2, 3}, {64, 256}} {
		restore := setAttnBlocks(blocks[0], blocks[1])
		for _, p := range attnProblems() {
			for _, dt := range []DType{Float32, Float64} {
				t.Run(fmt.Sprintf("%s/%s/blocks%v", p.name, dt, blocks), func(t *testing.T) {
					d := p.d
					q := attnRandN(4, d.b, d.h, d.tq, d.dh).As(dt)
					k := attnRandN(5, d.b, d.hk, d.tk, d.dh).As(dt)
					v := attnRandN(6, d.b, d.hk, d.tk, d.dv).As(dt)
					tol := 1e-5
					if dt == Float64 {
						tol = 1e-12
					}
					if e := attnCompare(q, k, v, p.opts()); e > tol {
						t.Fatalf("relative error %g (tolerance %g)", e, tol)
					}
				})
			}
		}
		restore()
	}
}

// TestFusedAttentionAcrossBlockBoundaries sweeps every length from 1 to 70
// with blocks of 16 queries and 32 keys.
func TestFusedAttentionAcrossBlockBoundaries(t *testing.T) {
	defer setAttnBlocks(16, 32)()
	const b, h, dh = 2, 2, 8
	for n := 1; n <= 70; n++ {
		keys := make([]float32, b*n)
		for i := range keys {
			if s, j := i/n, i%n; j < max(1, n-s*n/4) {
				keys[i] = 1
			}
		}
		for _, o := range []AttentionOptions{{}, {Causal: true, KeepKeys: FromSlice(keys, b, n)}} {
			q, k, v := attnRandN(uint64(n), b, h, n, dh), attnRandN(uint64(n)+1, b, h, n, dh), attnRandN(uint64(n)+2, b, h, n, dh)
			if e := attnCompare(q, k, v, o); e > 1e-5 {
				t.Fatalf("T=%d, causal %v: relative error %g", n, o.Causal, e)
			}
		}
	}
}

func TestFusedAttentionWithBiasDropoutAndStridedInputs(t *testing.T) {
	defer setAttnBlocks(3, 4)()
	b, h, tq, tk, dh := 2, 3, 7, 10, 4
	// Heads split from a [B, T, H·D] projection: strided views.
	q := attnRandN(7, b, tq, h*dh).Reshape(b, tq, h, dh).Transpose(1, 2)
	k := attnRandN(8, b, tk, h*dh).Reshape(b, tk, h, dh).Transpose(1, 2)
	v := attnRandN(9, b, tk, h*dh).Reshape(b, tk, h, dh).Transpose(1, 2)
	bias := attnRandN(10, h, 1, tk) // broadcast over batch and queries
	cases := []struct {
		name string
		o    AttentionOptions
	}{
		{"additive bias", AttentionOptions{Bias: bias}},
		{"bias with -Inf entries and causal", AttentionOptions{Causal: true, Bias: bias.MaskedFill(attnRandN(11, h, 1, tk).Gt(Scalar(0.8)), math.Inf(-1))}},
		{"dropout", AttentionOptions{Dropout: 0.3, Gen: NewGenerator(5)}},
		{"dropout with padding and a custom scale", AttentionOptions{Dropout: 0.5, Gen: NewGenerator(6), Scale: 0.3,
			KeepKeys: FromSlice([]float32{1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1}, 2, 10)}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			if e := attnCompare(q, k, v, tc.o); e > 1e-5 {
				t.Fatalf("relative error %g", e)
			}
		})
	}
}

// TestFusedAttentionReadsACacheInPlace attends over keys and values that
// are the first Tk positions of larger buffers (a KV cache with spare
// capacity) and over rotated queries, and checks the result against
// contiguous copies.
func TestFusedAttentionReadsACacheInPlace(t *testing.T) {
	defer setAttnBlocks(2, 4)()
	const b, hk, h, capa, tk, tq, dh = 2, 2, 4, 16, 9, 2, 8
	kc, vc := attnRandN(1, b, hk, capa, dh), attnRandN(2, b, hk, capa, dh)
	k, v := kc.Narrow(2, 0, tk), vc.Narrow(2, 0, tk)
	q := attnRandN(3, b, tq, h*dh).Reshape(b, tq, h, dh).Transpose(1, 2)
	for _, o := range []AttentionOptions{{Causal: true}, {Causal: true, KeepKeys: Ones(b, tk)}} {
		got := Attention(q, k, v, o).Float64s()
		want := Attention(q.Contiguous(), k.Contiguous(), v.Contiguous(), o).Float64s()
		ref, _ := AttentionWeights(q, k, v, o)
		if e := attnRelErr(got, want, 0); e != 0 {
			t.Fatalf("views and copies differ by %g", e)
		}
		if e := attnRelErr(got, ref.Float64s(), 0); e > 1e-6 {
			t.Fatalf("fused and composed differ by %g", e)
		}
	}
}

func TestAttentionPackedGradientEqualsTheViewsGradient(t *testing.T) {
	defer setAttnBlocks(3, 5)()
	const b, tt, h, hk, dh = 2, 7, 4, 2, 3
	w := (h + 2*hk) * dh
	for _, o := range []AttentionOptions{{}, {Causal: true}, {Dropout: 0.25, Gen: NewGenerator(3)}} {
		x := attnRandN(1, b, tt, w)
		run := func(packed bool) ([]float64, []float64) {
			qkv := x.Detach().SetRequiresGrad(true)
			oo := o
			if o.Gen != nil {
				oo.Gen = NewGenerator(o.Gen.Seed())
			}
			var y *Tensor
			if packed {
				y = AttentionPacked(qkv, h, hk, oo)
			} else {
				split := func(off, n int) *Tensor { return qkv.Narrow(2, off, n*dh).Reshape(b, tt, n, dh).Transpose(1, 2) }
				y = Attention(split(0, h), split(h*dh, hk), split((h+hk)*dh, hk), oo)
			}
			y.Backward(WithGrad(attnRandN(5, y.Shape()...)))
			return y.Float64s(), qkv.Grad().Float64s()
		}
		po, pg := run(true)
		vo, vg := run(false)
		if e := max(attnRelErr(po, vo, 0), attnRelErr(pg, vg, 0)); e > 1e-6 {
			t.Fatalf("%+v: packed and views differ by %g", o, e)
		}
	}
}

func TestFullyMaskedAttentionRowsGiveZeros(t *testing.T) {
	defer setAttnBlocks(2, 2)()
	// Tq > Tk with a causal mask: the first two queries see no key.
	q, k, v := attnRandN(1, 1, 1, 5, 4), attnRandN(2, 1, 1, 3, 4), attnRandN(3, 1, 1, 3, 4)
	for _, fused := range []bool{false, true} {
		out, dq, dk, dv := attnRun(q, k, v, AttentionOptions{Causal: true}, fused)
		for i, x := range out {
			if math.IsNaN(x) || (i < 8 && x != 0) {
				t.Fatalf("fused=%v: output %v", fused, out)
			}
		}
		for _, g := range [][]float64{dq, dk, dv} {
			for i, x := range g {
				if math.IsNaN(x) || (len(g) == 20 && i < 8 && x != 0) {
					t.Fatalf("fused=%v: gradient %v", fused, g)
				}
			}
		}
	}
}

func TestAttentionWithABiasThatNeedsAGradientIsComposed(t *testing.T) {
	q, k, v := attnRandN(1, 1, 2, 3, 4), attnRandN(2, 1, 2, 3, 4), attnRandN(3, 1, 2, 3, 4)
	bias := attnRandN(4, 2, 3, 3).SetRequiresGrad(true)
	Attention(q, k, v, AttentionOptions{Bias: bias}).Sum().Backward()
	if bias.Grad() == nil {
		t.Fatal("the bias received no gradient")
	}
}

func TestAttentionOnFrozenInputsRecordsNothing(t *testing.T) {
	q, k, v := attnRandN(1, 1, 2, 3, 4), attnRandN(2, 1, 2, 3, 4), attnRandN(3, 1, 2, 3, 4)
	if y := Attention(q, k, v, AttentionOptions{Causal: true}); y.node != nil || y.RequiresGrad() {
		t.Fatal("attention on frozen inputs recorded a graph node")
	}
}

func TestAttentionBadInputsPanicNamingThem(t *testing.T) {
	q, k, v := Ones(1, 4, 3, 8), Ones(1, 2, 5, 8), Ones(1, 2, 5, 6)
	tests := []struct {
		name string
		f    func()
		want string
	}{
		{"a nil operand", func() { Attention(nil, k, v, AttentionOptions{}) }, "Attention: operand 0 is nil"},
		{"a rank-3 query", func() { Attention(Ones(4, 3, 8), k, v, AttentionOptions{}) }, "must be [B, H, T, D]"},
		{"heads not a multiple", func() { Attention(Ones(1, 3, 3, 8), k, v, AttentionOptions{}) }, "3 query heads are not a multiple of 2"},
		{"key and query sizes differ", func() { Attention(q, Ones(1, 2, 5, 7), v, AttentionOptions{}) }, "do not match"},
		{"a key mask of the wrong length", func() { Attention(q, k, v, AttentionOptions{KeepKeys: Ones(1, 4)}) }, "KeepKeys of shape [1 4], want [B, Tk] = [1 5]"},
		{"a keep mask that does not broadcast", func() { Attention(q, k, v, AttentionOptions{Keep: Ones(3, 4)}) }, "Keep of shape [3 4] does not broadcast"},
		{"a bias of another dtype", func() { Attention(q, k, v, AttentionOptions{Bias: Zeros(3, 5).As(Float64)}) }, "Bias is float64"},
		{"dropout without a generator", func() { Attention(q, k, v, AttentionOptions{Dropout: 0.1}) }, "needs a Generator"},
		{"a dropout above one", func() { Attention(q, k, v, AttentionOptions{Dropout: 1.5, Gen: NewGenerator(1)}) }, "not in [0, 1]"},
		{"mixed dtypes", func() { Attention(q.As(Float64), k, v, AttentionOptions{}) }, "dtypes float64 and float32 differ"},
		{"integer operands", func() { Attention(q.As(Int32), k.As(Int32), v.As(Int32), AttentionOptions{}) }, "needs a float32 or float64 tensor"},
		{"packed heads that do not divide", func() { AttentionPacked(Ones(1, 3, 10), 2, 1, AttentionOptions{}) }, "cannot hold 2 query heads"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				s, _ := r.(string)
				if r == nil || !strings.Contains(s, tc.want) {
					t.Fatalf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			tc.f()
		})
	}
}

// A left-padded sequence, its padding masked by KeepKeys, gets the
// attention it gets alone, bit for bit: the key blocks start at its first
// token, as they do without the padding (a server batching sequences of
// different lengths relies on it).
func TestLeftPaddingChangesNoBitOfTheAttention(t *testing.T) {
	for _, blocks := range [][2]int{{attnBlockQ, attnBlockK}, {4, 8}} {
		restore := setAttnBlocks(blocks[0], blocks[1])
		const h, dh = 2, 8
		for _, n := range []int{1, 3, 9, 17, 40} {
			for _, pad := range []int{1, 5, 8, 13} {
				for _, tq := range []int{1, n} {
					q := attnRandN(uint64(n), 1, h, tq, dh)
					k, v := attnRandN(uint64(n)+1, 1, h, n, dh), attnRandN(uint64(n)+2, 1, h, n, dh)
					alone := Attention(q, k, v, AttentionOptions{Causal: true}).Float32s()
					junk := attnRandN(99, 1, h, pad, dh)
					kp, vp := Concat(2, junk, k), Concat(2, junk, v)
					keep := make([]float32, pad+n)
					for j := pad; j < pad+n; j++ {
						keep[j] = 1
					}
					padded := Attention(q, kp, vp, AttentionOptions{Causal: true, KeepKeys: FromSlice(keep, 1, pad+n)}).Float32s()
					for i := range alone {
						if alone[i] != padded[i] {
							t.Fatalf("blocks %v, %d keys, %d of padding, %d queries: element %d is %v alone, %v padded",
								blocks, n, pad, tq, i, alone[i], padded[i])
						}
					}
				}
			}
		}
		restore()
	}
}

// TestAttentionOnABackendWithoutTheCapability runs attention on a device
// that has no fused kernel (the fake device of backend_test.go): the
// composed path, with its masks built from backend ops, must give the
// CPU's outputs and gradients.
func TestAttentionOnABackendWithoutTheCapability(t *testing.T) {
	dev := fakeDevice(t, 0)
	const b, h, hk, tq, tk, dh = 2, 4, 2, 3, 6, 4
	q, k, v := attnRandN(1, b, h, tq, dh), attnRandN(2, b, hk, tk, dh), attnRandN(3, b, hk, tk, dh)
	bias := attnRandN(4, h, 1, tk).MaskedFill(attnRandN(5, h, 1, tk).Gt(Scalar(1)), math.Inf(-1))
	keys := FromSlice([]float32{1, 1, 1, 1, 0, 0, 1, 1, 1, 1, 1, 1}, b, tk)
	run := func(on Device) []float64 {
		qq, kk, vv := q.To(on).SetRequiresGrad(true), k.To(on).SetRequiresGrad(true), v.To(on).SetRequiresGrad(true)
		bb := bias.To(on).SetRequiresGrad(true)
		y := Attention(qq, kk, vv, AttentionOptions{Causal: true, KeepKeys: keys.To(on), Bias: bb})
		y.Backward(WithGrad(attnRandN(6, y.Shape()...).To(on)))
		var all []float64
		for _, x := range []*Tensor{y, qq.Grad(), kk.Grad(), vv.Grad(), bb.Grad()} {
			all = append(all, x.To(CPU).Float64s()...)
		}
		return all
	}
	if e := attnRelErr(run(dev), run(CPU), 0); e > 1e-5 {
		t.Fatalf("the composed path on another backend differs from the CPU's by %g", e)
	}
}

// The backward pass gives the same gradients, bit for bit, however many
// workers share it and whichever worker runs which item: a unit's key
// blocks split into chunks (one head, a long sequence) once added their
// query gradients in per-worker buffers, so that two identical steps
// could differ in the last bits, and two training runs with one seed
// drift apart.
func TestAttentionGradIsTheSameOnAnyNumberOfWorkers(t *testing.T) {
	defer setAttnBlocks(8, 16)()
	for _, tc := range []struct {
		name         string
		b, h, hk, tq int
		causal       bool
	}{
		{"one head", 1, 1, 1, 150, false},
		{"causal, two query heads per key head", 1, 4, 2, 97, true},
		{"a batch of three", 3, 2, 2, 64, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			const dh = 8
			q, k, v := attnRandN(1, tc.b, tc.h, tc.tq, dh), attnRandN(2, tc.b, tc.hk, tc.tq, dh), attnRandN(3, tc.b, tc.hk, tc.tq, dh)
			dout := attnRandN(4, tc.b, tc.h, tc.tq, dh)
			grads := func() []float32 {
				qq, kk, vv := q.Detach().SetRequiresGrad(true), k.Detach().SetRequiresGrad(true), v.Detach().SetRequiresGrad(true)
				Attention(qq, kk, vv, AttentionOptions{Causal: tc.causal}).Backward(WithGrad(dout))
				return slices.Concat(qq.Grad().Float32s(), kk.Grad().Float32s(), vv.Grad().Float32s())
			}
			var want []float32
			for _, w := range []int{1, 2, 3, 4, 8} {
				old := parallel.SetWorkers(w)
				for rep := range 10 {
					got := grads()
					if want == nil {
						want = got
						continue
					}
					for i := range got {
						if got[i] != want[i] {
							parallel.SetWorkers(old)
							t.Fatalf("%d workers, repetition %d: gradient element %d is %v, %v on one worker", w, rep, i, got[i], want[i])
						}
					}
				}
				parallel.SetWorkers(old)
			}
		})
	}
}
