package cuda

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// rowCase is the input of a row op; the outputs are dense of its shape.
type rowCase struct {
	name string
	x    viewSpec
}

func rowCases() []rowCase {
	return []rowCase{
		{"short rows", dense(37, 53)},
		{"long rows (a block per row)", dense(3, 1500)},
		{"rows along a strided dim", transposed(29, 41)}, // [29, 41], row stride 1, element stride 29
		{"batched 3-D", dense(2, 5, 33)},
		{"a single row", dense(1, 7)},
	}
}

func rowTol(dtype tensor.DType) tol {
	if dtype == tensor.Float64 {
		return tolReduceF64
	}
	return tolReduceF32
}

func TestSoftmaxAndItsGradientMatchTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(15, 16))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, log := range []bool{false, true} {
				for _, rc := range rowCases() {
					t.Run(fmt.Sprintf("%v/log=%v/%s", dtype, log, rc.name), func(t *testing.T) {
						x := newPair(t, g, dtype, rc.x, uniformIn(rng, -8, 8))
						y := outPair(t, g, dtype, dense(rc.x.shape...))
						cpuRef.Softmax(y.cpu, x.cpu, log)
						if err := g.softmax(y.gpu, x.gpu, log); err != nil {
							t.Fatal(err)
						}
						compare(t, "y", y.gpuValues(t, g), y.cpuValues(), rowTol(dtype))

						yv := y.cpuValues()
						yin := newPair(t, g, dtype, dense(rc.x.shape...), func(i int) float64 { return yv[i] })
						dy := newPair(t, g, dtype, rc.x, uniformIn(rng, -1, 1))
						dx := outPair(t, g, dtype, dense(rc.x.shape...))
						cpuRef.SoftmaxGrad(dx.cpu, yin.cpu, dy.cpu, log)
						if err := g.softmaxGrad(dx.gpu, yin.gpu, dy.gpu, log); err != nil {
							t.Fatal(err)
						}
						compare(t, "dx", dx.gpuValues(t, g), dx.cpuValues(), rowTol(dtype))
					})
				}
			}
		}
	})
}

func TestSoftmaxOfRowsWithInfinityAndNaN(t *testing.T) {
	rows := [][]float64{
		{math.Inf(-1), 0, 1, 2},
		{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)},
		{1, math.NaN(), 3, 4},
		{1000, 1000, -1000, 0},
	}
	forEachGPU(t, func(t *testing.T, g *GPU) {
		for _, log := range []bool{false, true} {
			x := newPair(t, g, tensor.Float32, dense(4, 4), func(i int) float64 { return rows[i/4][i%4] })
			y := outPair(t, g, tensor.Float32, dense(4, 4))
			cpuRef.Softmax(y.cpu, x.cpu, log)
			if err := g.softmax(y.gpu, x.gpu, log); err != nil {
				t.Fatal(err)
			}
			compare(t, fmt.Sprintf("log=%v", log), y.gpuValues(t, g), y.cpuValues(), tolReduceF32)
		}
	})
}

func TestCrossEntropyAndItsGradientMatchTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(17, 18))
		cases := []struct {
			name   string
			logits viewSpec
			p      tensor.CrossEntropyParams
		}{
			{"plain", dense(19, 31), tensor.CrossEntropyParams{IgnoreIndex: -100}},
			{"ignored rows and smoothing", dense(19, 31), tensor.CrossEntropyParams{IgnoreIndex: 3, LabelSmoothing: 0.1}},
			{"a large vocabulary", dense(3, 2500), tensor.CrossEntropyParams{IgnoreIndex: -1, LabelSmoothing: 0.05}},
			{"transposed logits", transposed(23, 17), tensor.CrossEntropyParams{IgnoreIndex: -100}},
		}
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, c := range cases {
				t.Run(fmt.Sprintf("%v/%s", dtype, c.name), func(t *testing.T) {
					n, cl := c.logits.shape[0], c.logits.shape[1]
					logits := newPair(t, g, dtype, c.logits, uniformIn(rng, -6, 6))
					target := newPair(t, g, tensor.Int32, dense(n), func(int) float64 { return float64(rng.IntN(cl)) })
					loss, lse := outPair(t, g, dtype, dense(n)), outPair(t, g, dtype, dense(n))
					cpuRef.CrossEntropy(loss.cpu, lse.cpu, logits.cpu, target.cpu, c.p)
					if err := g.crossEntropy(loss.gpu, lse.gpu, logits.gpu, target.gpu, c.p.IgnoreIndex, c.p.LabelSmoothing); err != nil {
						t.Fatal(err)
					}
					compare(t, "loss", loss.gpuValues(t, g), loss.cpuValues(), rowTol(dtype))
					compare(t, "lse", lse.gpuValues(t, g), lse.cpuValues(), rowTol(dtype))

					lv := lse.cpuValues()
					lseIn := newPair(t, g, dtype, dense(n), func(i int) float64 { return lv[i] })
					dloss := newPair(t, g, dtype, viewSpec{len: 1, shape: []int{n}, strides: []int{0}}, func(int) float64 { return 0.37 })
					dl := outPair(t, g, dtype, dense(n, cl))
					cpuRef.CrossEntropyGrad(dl.cpu, logits.cpu, target.cpu, lseIn.cpu, dloss.cpu, c.p)
					if err := g.crossEntropyGrad(dl.gpu, logits.gpu, target.gpu, lseIn.gpu, dloss.gpu, c.p.IgnoreIndex, c.p.LabelSmoothing); err != nil {
						t.Fatal(err)
					}
					compare(t, "dlogits", dl.gpuValues(t, g), dl.cpuValues(), rowTol(dtype))
				})
			}
		}
	})
}

func TestCrossEntropyReportsATargetOutOfRange(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		logits := newPair(t, g, tensor.Float32, dense(4, 5), func(i int) float64 { return float64(i) })
		target := newPair(t, g, tensor.Int32, dense(4), func(i int) float64 { return []float64{0, 4, 5, 1}[i] })
		loss, lse := outPair(t, g, tensor.Float32, dense(4)), outPair(t, g, tensor.Float32, dense(4))
		err := g.crossEntropy(loss.gpu, lse.gpu, logits.gpu, target.gpu, -100, 0)
		var ie *IndexError
		if !errors.As(err, &ie) || ie.Position != 2 || ie.Value != 5 || ie.Limit != 5 {
			t.Fatalf("err = %v, want an IndexError for target 5 at row 2", err)
		}
		// The next op on the GPU is unaffected.
		target2 := newPair(t, g, tensor.Int32, dense(4), func(i int) float64 { return 1 })
		if err := g.crossEntropy(loss.gpu, lse.gpu, logits.gpu, target2.gpu, -100, 0); err != nil {
			t.Fatal(err)
		}
	})
}

func TestLayerNormAndRMSNormMatchTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(19, 20))
		defer func() { colsumSlicesOverride = 0 }()
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, affine := range []string{"weight and bias", "weight only", "bias only", "none"} {
				for i, rc := range rowCases() {
					colsumSlicesOverride = []int{0, 3, 1, 2, 0}[i]
					t.Run(fmt.Sprintf("%v/%s/%s", dtype, affine, rc.name), func(t *testing.T) {
						shape := rc.x.shape
						rs, d := shape[:len(shape)-1], shape[len(shape)-1]
						x := newPair(t, g, dtype, rc.x, uniformIn(rng, -3, 5))
						w, b := absent, absent
						if affine == "weight and bias" || affine == "weight only" {
							w = newPair(t, g, dtype, viewSpec{len: 2 * d, off: 1, shape: []int{d}, strides: []int{2}}, uniformIn(rng, 0.5, 1.5))
						}
						if affine == "weight and bias" || affine == "bias only" {
							b = newPair(t, g, dtype, dense(d), uniformIn(rng, -1, 1))
						}
						y := outPair(t, g, dtype, dense(shape...))
						mean, rstd := outPair(t, g, dtype, dense(rs...)), outPair(t, g, dtype, dense(rs...))
						cpuRef.LayerNorm(y.cpu, mean.cpu, rstd.cpu, x.cpu, w.cpu, b.cpu, 1e-5)
						if err := g.layerNorm(y.gpu, mean.gpu, rstd.gpu, x.gpu, w.gpu, b.gpu, 1e-5); err != nil {
							t.Fatal(err)
						}
						compare(t, "y", y.gpuValues(t, g), y.cpuValues(), rowTol(dtype))
						compare(t, "mean", mean.gpuValues(t, g), mean.cpuValues(), rowTol(dtype))
						compare(t, "rstd", rstd.gpuValues(t, g), rstd.cpuValues(), rowTol(dtype))

						mv, rv := mean.cpuValues(), rstd.cpuValues()
						mIn := newPair(t, g, dtype, dense(rs...), func(i int) float64 { return mv[i] })
						rIn := newPair(t, g, dtype, dense(rs...), func(i int) float64 { return rv[i] })
						dy := newPair(t, g, dtype, dense(shape...), uniformIn(rng, -1, 1))
						dx := outPair(t, g, dtype, dense(shape...))
						dw, db := absent, absent
						if w.buf != nil {
							dw = outPair(t, g, dtype, dense(d))
						}
						if b.buf != nil {
							db = outPair(t, g, dtype, dense(d))
						}
						cpuRef.LayerNormGrad(dx.cpu, dw.cpu, db.cpu, x.cpu, w.cpu, mIn.cpu, rIn.cpu, dy.cpu)
						if err := g.layerNormGrad(dx.gpu, dw.gpu, db.gpu, x.gpu, w.gpu, mIn.gpu, rIn.gpu, dy.gpu); err != nil {
							t.Fatal(err)
						}
						compare(t, "dx", dx.gpuValues(t, g), dx.cpuValues(), rowTol(dtype))
						if dw.buf != nil {
							compare(t, "dw", dw.gpuValues(t, g), dw.cpuValues(), rowTol(dtype))
						}
						if db.buf != nil {
							compare(t, "db", db.gpuValues(t, g), db.cpuValues(), rowTol(dtype))
						}

						if affine == "bias only" {
							return // RMSNorm has no bias
						}
						y2 := outPair(t, g, dtype, dense(shape...))
						r2 := outPair(t, g, dtype, dense(rs...))
						cpuRef.RMSNorm(y2.cpu, r2.cpu, x.cpu, w.cpu, 1e-6)
						if err := g.rmsNorm(y2.gpu, r2.gpu, x.gpu, w.gpu, 1e-6); err != nil {
							t.Fatal(err)
						}
						compare(t, "rms y", y2.gpuValues(t, g), y2.cpuValues(), rowTol(dtype))
						compare(t, "rms rstd", r2.gpuValues(t, g), r2.cpuValues(), rowTol(dtype))
						r2v := r2.cpuValues()
						r2In := newPair(t, g, dtype, dense(rs...), func(i int) float64 { return r2v[i] })
						dx2 := outPair(t, g, dtype, dense(shape...))
						dw2 := absent
						if w.buf != nil {
							dw2 = outPair(t, g, dtype, dense(d))
						}
						cpuRef.RMSNormGrad(dx2.cpu, dw2.cpu, x.cpu, w.cpu, r2In.cpu, dy.cpu)
						if err := g.rmsNormGrad(dx2.gpu, dw2.gpu, x.gpu, w.gpu, r2In.gpu, dy.gpu); err != nil {
							t.Fatal(err)
						}
						compare(t, "rms dx", dx2.gpuValues(t, g), dx2.cpuValues(), rowTol(dtype))
						if dw2.buf != nil {
							compare(t, "rms dw", dw2.gpuValues(t, g), dw2.cpuValues(), rowTol(dtype))
						}
					})
				}
			}
		}
	})
}
