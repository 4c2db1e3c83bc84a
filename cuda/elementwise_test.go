package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
)

var cpuRef = tensor.CPUBackend()

// layoutCase describes the operands of an elementwise test over [6, 5, 4].
type layoutCase struct {
	name string
	out  viewSpec
	in   []viewSpec // one per input
}

func elementwiseLayouts(inputs int) []layoutCase {
	shape := []int{6, 5, 4}
	denseIn := func() []viewSpec {
		var s []viewSpec
		for range inputs {
			s = append(s, dense(shape...))
		}
		return s
	}
	permuted := viewSpec{len: 120, shape: shape, strides: []int{1, 6, 30}} // a [4, 5, 6] storage seen transposed
	broadcast := viewSpec{len: 20, shape: shape, strides: []int{0, 4, 1}}
	withInputs := func(first viewSpec) []viewSpec {
		s := []viewSpec{first}
		for i := 1; i < inputs; i++ {
			if i%2 == 1 {
				s = append(s, broadcast)
			} else {
				s = append(s, permuted)
			}
		}
		return s
	}
	return []layoutCase{
		{"contiguous odd length", dense(1031), func() []viewSpec {
			var s []viewSpec
			for range inputs {
				s = append(s, dense(1031))
			}
			return s
		}()},
		{"dense 3-D", dense(shape...), denseIn()},
		{"permuted and broadcast inputs", dense(shape...), withInputs(permuted)},
		{"strided output with an offset", viewSpec{len: 6*5*8 + 1, off: 1, shape: shape, strides: []int{40, 8, 2}}, withInputs(broadcast)},
	}
}

type unaryCase struct {
	op     tensor.UnaryOp
	p      tensor.UnaryParams
	lo, hi float64
}

var unaryCases = []unaryCase{
	{tensor.OpNeg, tensor.UnaryParams{}, -5, 5},
	{tensor.OpExp, tensor.UnaryParams{}, -20, 20},
	{tensor.OpLog, tensor.UnaryParams{}, 1e-3, 50},
	{tensor.OpSqrt, tensor.UnaryParams{}, 0, 50},
	{tensor.OpRsqrt, tensor.UnaryParams{}, 0.01, 50},
	{tensor.OpAbs, tensor.UnaryParams{}, -5, 5},
	{tensor.OpTanh, tensor.UnaryParams{}, -10, 10},
	{tensor.OpSigmoid, tensor.UnaryParams{}, -30, 30},
	{tensor.OpReLU, tensor.UnaryParams{}, -5, 5},
	{tensor.OpGELU, tensor.UnaryParams{}, -12, 12},
	{tensor.OpGELUTanh, tensor.UnaryParams{}, -12, 12},
	{tensor.OpSiLU, tensor.UnaryParams{}, -20, 20},
	{tensor.OpSin, tensor.UnaryParams{}, -100, 100},
	{tensor.OpCos, tensor.UnaryParams{}, -100, 100},
	{tensor.OpSquare, tensor.UnaryParams{}, -5, 5},
	{tensor.OpReciprocal, tensor.UnaryParams{}, 0.25, 4},
	{tensor.OpPow, tensor.UnaryParams{A: 3}, -3, 3},
	{tensor.OpPow, tensor.UnaryParams{A: 2}, -3, 3},
	{tensor.OpPow, tensor.UnaryParams{A: 0.5}, 0, 9},
	{tensor.OpPow, tensor.UnaryParams{A: -1.5}, 0.1, 9},
	{tensor.OpClamp, tensor.UnaryParams{A: -0.5, B: 0.7}, -2, 2},
	{tensor.OpClamp, tensor.UnaryParams{A: math.Inf(-1), B: 0}, -2, 2},
	{tensor.OpAffine, tensor.UnaryParams{A: 1.5, B: -0.25}, -4, 4},
}

func (c unaryCase) String() string {
	switch c.op {
	case tensor.OpPow, tensor.OpClamp, tensor.OpAffine:
		return fmt.Sprintf("%v(%g,%g)", c.op, c.p.A, c.p.B)
	}
	return c.op.String()
}

func tolFor(dtype tensor.DType, op tensor.UnaryOp) tol {
	if dtype == tensor.Float32 {
		return tolElementF32
	}
	switch op {
	case tensor.OpNeg, tensor.OpAbs, tensor.OpReLU, tensor.OpSquare, tensor.OpReciprocal, tensor.OpClamp, tensor.OpSqrt, tensor.OpRsqrt:
		return tolElementF64
	}
	return tolTransF64
}

func TestUnaryMatchesTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(3, 4))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, c := range unaryCases {
				for _, lc := range elementwiseLayouts(1) {
					t.Run(fmt.Sprintf("%v/%v/%s", dtype, c, lc.name), func(t *testing.T) {
						x := newPair(t, g, dtype, lc.in[0], uniformIn(rng, c.lo, c.hi))
						y := outPair(t, g, dtype, lc.out)
						cpuRef.Unary(c.op, y.cpu, x.cpu, c.p)
						if err := g.unary(int(c.op), y.gpu, x.gpu, c.p.A, c.p.B); err != nil {
							t.Fatal(err)
						}
						compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tolFor(dtype, c.op))
					})
				}
			}
		}
	})
}

func TestUnaryGradMatchesTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(5, 6))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, c := range unaryCases {
				for _, lc := range elementwiseLayouts(3) {
					t.Run(fmt.Sprintf("%v/%v/%s", dtype, c, lc.name), func(t *testing.T) {
						x := newPair(t, g, dtype, lc.in[0], uniformIn(rng, c.lo, c.hi))
						// y = op(x), computed on the CPU and given to both.
						yc := newPair(t, g, dtype, lc.in[0], func(int) float64 { return 0 })
						cpuRef.Unary(c.op, yc.cpu, x.cpu, c.p)
						vals := yc.cpuValues()
						y := newPair(t, g, dtype, dense(lc.in[0].shape...), func(i int) float64 { return vals[i] })
						dy := newPair(t, g, dtype, lc.in[1], uniformIn(rng, -1, 1))
						dx := outPair(t, g, dtype, lc.out)
						cpuRef.UnaryGrad(c.op, dx.cpu, x.cpu, y.cpu, dy.cpu, c.p)
						if err := g.unaryGrad(int(c.op), dx.gpu, x.gpu, y.gpu, dy.gpu, c.p.A, c.p.B); err != nil {
							t.Fatal(err)
						}
						compare(t, "dx", dx.gpuValues(t, g), dx.cpuValues(), tolFor(dtype, c.op))
					})
				}
			}
		}
	})
}

func TestUnaryHandlesSpecialValuesAsTheCPUDoes(t *testing.T) {
	specials := []float64{0, math.Copysign(0, -1), 1, -1, math.Inf(1), math.Inf(-1), math.NaN(), 1e-40, -1e-40, 88.7, -88.7, 89, -104, 1e30, -1e30}
	forEachGPU(t, func(t *testing.T, g *GPU) {
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, c := range unaryCases {
				t.Run(fmt.Sprintf("%v/%v", dtype, c), func(t *testing.T) {
					vals := specials
					if c.op == tensor.OpGELUTanh && dtype == tensor.Float32 {
						// The CPU's float32 SIMD path gives GELUTanh(-Inf) = -Inf and
						// GELUTanh(-1e30) = -1.6e-8, where the formula (and PyTorch)
						// give NaN and -0, as the GPU does: compare finite moderate
						// inputs only.
						vals = nil
						for _, v := range specials {
							if math.Abs(v) < 1e6 || math.IsNaN(v) {
								vals = append(vals, v)
							}
						}
					}
					s := dense(len(vals))
					x := newPair(t, g, dtype, s, func(i int) float64 { return vals[i] })
					y := outPair(t, g, dtype, s)
					cpuRef.Unary(c.op, y.cpu, x.cpu, c.p)
					if err := g.unary(int(c.op), y.gpu, x.gpu, c.p.A, c.p.B); err != nil {
						t.Fatal(err)
					}
					compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tol{1e-5, 1e-30})
				})
			}
		}
	})
}

var binaryOps = []tensor.BinaryOp{tensor.OpAdd, tensor.OpSub, tensor.OpMul, tensor.OpDiv, tensor.OpMaximum, tensor.OpMinimum, tensor.OpPowT,
	tensor.OpEq, tensor.OpNe, tensor.OpLt, tensor.OpLe, tensor.OpGt, tensor.OpGe}

func TestBinaryMatchesTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(7, 8))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int32} {
			for _, op := range binaryOps {
				if dtype == tensor.Int32 && (op == tensor.OpDiv || op == tensor.OpPowT) {
					continue
				}
				for _, lc := range elementwiseLayouts(2) {
					t.Run(fmt.Sprintf("%v/%v/%s", dtype, op, lc.name), func(t *testing.T) {
						lo, hi := -4.0, 4.0
						if op == tensor.OpPowT {
							lo = 0.1
						}
						fill := uniformIn(rng, lo, hi)
						if dtype == tensor.Int32 {
							fill = func(int) float64 { return float64(rng.IntN(9) - 4) }
						} else if op >= tensor.OpEq {
							// Comparisons need ties: draw from a few values.
							fill = func(int) float64 { return float64(rng.IntN(5)) / 2 }
						}
						a := newPair(t, g, dtype, lc.in[0], fill)
						b := newPair(t, g, dtype, lc.in[1], fill)
						y := outPair(t, g, dtype, lc.out)
						cpuRef.Binary(op, y.cpu, a.cpu, b.cpu)
						if err := g.binary(int(op), y.gpu, a.gpu, b.gpu); err != nil {
							t.Fatal(err)
						}
						tl := tolElementF32
						if dtype == tensor.Float64 {
							tl = tolTransF64
						}
						if dtype == tensor.Int32 {
							tl = tolExact
						}
						compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tl)
					})
				}
			}
		}
	})
}

func TestBinaryPropagatesNaNAndWrapsInt32AsTheCPUDoes(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		av := []float64{math.NaN(), 1, math.NaN(), 2, math.Inf(1), 0}
		bv := []float64{1, math.NaN(), math.NaN(), 2, math.Inf(1), 0}
		for _, op := range binaryOps {
			t.Run(op.String(), func(t *testing.T) {
				s := dense(len(av))
				a := newPair(t, g, tensor.Float32, s, func(i int) float64 { return av[i] })
				b := newPair(t, g, tensor.Float32, s, func(i int) float64 { return bv[i] })
				y := outPair(t, g, tensor.Float32, s)
				cpuRef.Binary(op, y.cpu, a.cpu, b.cpu)
				if err := g.binary(int(op), y.gpu, a.gpu, b.gpu); err != nil {
					t.Fatal(err)
				}
				compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tolElementF32)
			})
		}
		s := dense(3)
		big := []float64{math.MaxInt32, math.MinInt32, 70000}
		for _, op := range []tensor.BinaryOp{tensor.OpAdd, tensor.OpSub, tensor.OpMul} {
			a := newPair(t, g, tensor.Int32, s, func(i int) float64 { return big[i] })
			y := outPair(t, g, tensor.Int32, s)
			cpuRef.Binary(op, y.cpu, a.cpu, a.cpu)
			if err := g.binary(int(op), y.gpu, a.gpu, a.gpu); err != nil {
				t.Fatal(err)
			}
			compare(t, "int32 "+op.String(), y.gpuValues(t, g), y.cpuValues(), tolExact)
		}
	})
}

func TestBinaryGradMatchesTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(9, 10))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, op := range binaryOps[:7] {
				for _, which := range []string{"both", "a only", "b only"} {
					lc := elementwiseLayouts(4)[2]
					if which == "both" {
						lc = elementwiseLayouts(4)[3]
					}
					t.Run(fmt.Sprintf("%v/%v/%s", dtype, op, which), func(t *testing.T) {
						lo := -3.0
						if op == tensor.OpPowT {
							lo = 0.2
						}
						fill := uniformIn(rng, lo, 3)
						if op == tensor.OpMaximum || op == tensor.OpMinimum {
							fill = func(int) float64 { return float64(rng.IntN(4)) } // ties
						}
						a := newPair(t, g, dtype, lc.in[0], fill)
						b := newPair(t, g, dtype, lc.in[1], fill)
						yv := newPair(t, g, dtype, dense(lc.out.shape...), func(int) float64 { return 0 })
						cpuRef.Binary(op, yv.cpu, a.cpu, b.cpu)
						vals := yv.cpuValues()
						y := newPair(t, g, dtype, dense(lc.out.shape...), func(i int) float64 { return vals[i] })
						dy := newPair(t, g, dtype, lc.in[2], uniformIn(rng, -1, 1))
						da, db := outPair(t, g, dtype, lc.out), outPair(t, g, dtype, lc.out)
						if which == "b only" {
							da = absent
						}
						if which == "a only" {
							db = absent
						}
						cpuRef.BinaryGrad(op, da.cpu, db.cpu, a.cpu, b.cpu, y.cpu, dy.cpu)
						if err := g.binaryGrad(int(op), da.gpu, db.gpu, a.gpu, b.gpu, y.gpu, dy.gpu); err != nil {
							t.Fatal(err)
						}
						tl := tolElementF32
						if dtype == tensor.Float64 {
							tl = tolTransF64
						}
						if da.buf != nil {
							compare(t, "da", da.gpuValues(t, g), da.cpuValues(), tl)
						}
						if db.buf != nil {
							compare(t, "db", db.gpuValues(t, g), db.cpuValues(), tl)
						}
					})
				}
			}
		}
	})
}

func TestWhereMatchesTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(11, 12))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int32} {
			for _, cdt := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int32} {
				lc := elementwiseLayouts(3)[3]
				t.Run(fmt.Sprintf("%v/cond %v", dtype, cdt), func(t *testing.T) {
					cond := newPair(t, g, cdt, lc.in[0], func(int) float64 { return float64(rng.IntN(2)) })
					a := newPair(t, g, dtype, lc.in[1], func(int) float64 { return float64(rng.IntN(100)) })
					b := newPair(t, g, dtype, lc.in[2], func(int) float64 { return -float64(rng.IntN(100)) })
					y := outPair(t, g, dtype, lc.out)
					cpuRef.Where(y.cpu, cond.cpu, a.cpu, b.cpu)
					if err := g.where(y.gpu, cond.gpu, a.gpu, b.gpu); err != nil {
						t.Fatal(err)
					}
					compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tolExact)
				})
			}
		}
	})
}
