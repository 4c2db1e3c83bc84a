package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
)

var reduceOps = []tensor.ReduceOp{tensor.ReduceSum, tensor.ReduceMean, tensor.ReduceMax, tensor.ReduceMin,
	tensor.ReduceArgMax, tensor.ReduceArgMin, tensor.ReduceVar, tensor.ReduceLogSumExp}

type reduceLayout struct {
	name string
	x    viewSpec
	k    int // kept leading dims
}

func reduceLayouts() []reduceLayout {
	return []reduceLayout{
		{"rows of a matrix", dense(37, 53), 1},
		{"the whole tensor", dense(3, 5, 7), 0},
		{"columns of a matrix", transposed(53, 37), 1}, // x [53, 37] with strides [1, 53]
		{"two trailing dims", dense(4, 6, 9), 1},       // R = 6·9 contiguous
		{"a middle dim moved last", viewSpec{len: 4 * 6 * 9, shape: []int{4, 9, 6}, strides: []int{54, 1, 9}}, 2},
		{"a broadcast input", viewSpec{len: 11, shape: []int{5, 11}, strides: []int{0, 1}}, 1},
		{"an empty block", viewSpec{len: 1, shape: []int{4, 0}, strides: []int{0, 1}}, 1},
		{"blocks of one", dense(7, 1), 1},
		{"long rows", dense(3, 5000), 1},
	}
}

func TestReduceMatchesTheCPUBackendInEveryLaunchShape(t *testing.T) {
	shapes := []*reduceShape{nil, {"warp", 1}, {"block", 1}, {"thread", 1}, {"warp", 3}, {"block", 2}, {"thread", 5}}
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(13, 14))
		defer func() { reduceOverride = nil }()
		for _, sh := range shapes {
			name := "chosen"
			if sh != nil {
				name = fmt.Sprintf("%s×%d", sh.mode, sh.splits)
			}
			reduceOverride = sh
			for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int32} {
				for _, op := range reduceOps {
					if dtype == tensor.Int32 && (op == tensor.ReduceMean || op == tensor.ReduceVar || op == tensor.ReduceLogSumExp) {
						continue
					}
					for _, lc := range reduceLayouts() {
						if dtype == tensor.Int32 && (op == tensor.ReduceMax || op == tensor.ReduceMin) && lc.x.numel() == 0 {
							continue // NaN has no int32 value: unspecified
						}
						t.Run(fmt.Sprintf("%s/%v/%v/%s", name, dtype, op, lc.name), func(t *testing.T) {
							fill := uniformIn(rng, -3, 3)
							if dtype == tensor.Int32 || op == tensor.ReduceArgMax || op == tensor.ReduceArgMin {
								fill = func(int) float64 { return float64(rng.IntN(7) - 3) } // ties
							}
							x := newPair(t, g, dtype, lc.x, fill)
							odt := dtype
							if op == tensor.ReduceArgMax || op == tensor.ReduceArgMin {
								odt = tensor.Int32
							}
							y := outPair(t, g, odt, dense(lc.x.shape[:lc.k]...))
							cpuRef.Reduce(op, y.cpu, x.cpu, 1)
							if err := g.reduce(int(op), y.gpu, x.gpu, 1); err != nil {
								t.Fatal(err)
							}
							tl := tolReduceF32
							switch {
							case odt == tensor.Int32:
								tl = tolExact
							case dtype == tensor.Float64:
								tl = tolReduceF64
							}
							compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tl)
						})
					}
				}
			}
		}
	})
}

func TestReduceTreatsNaNAndInfinityAsTheCPUDoes(t *testing.T) {
	rows := [][]float64{
		{1, math.NaN(), 3, math.NaN()},
		{math.Inf(-1), math.Inf(-1), math.Inf(-1), math.Inf(-1)},
		{math.Inf(1), 2, math.Inf(1), -1},
		{math.Inf(-1), 0, 5, 5},
		{2, 2, 2, 2},
	}
	forEachGPU(t, func(t *testing.T, g *GPU) {
		defer func() { reduceOverride = nil }()
		for _, sh := range []*reduceShape{{"warp", 1}, {"block", 1}, {"thread", 2}} {
			reduceOverride = sh
			for _, op := range reduceOps {
				t.Run(fmt.Sprintf("%s×%d/%v", sh.mode, sh.splits, op), func(t *testing.T) {
					x := newPair(t, g, tensor.Float32, dense(5, 4), func(i int) float64 { return rows[i/4][i%4] })
					odt := tensor.Float32
					if op == tensor.ReduceArgMax || op == tensor.ReduceArgMin {
						odt = tensor.Int32
					}
					y := outPair(t, g, odt, dense(5))
					cpuRef.Reduce(op, y.cpu, x.cpu, 0)
					if err := g.reduce(int(op), y.gpu, x.gpu, 0); err != nil {
						t.Fatal(err)
					}
					compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tolReduceF32)
				})
			}
		}
	})
}
