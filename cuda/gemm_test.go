package cuda

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// matSpec returns a [batch..., rows, cols] operand, stored transposed in
// its last two dims when trans is true.
func matSpec(batch []int, rows, cols int, trans bool) viewSpec {
	shape := append(append([]int{}, batch...), rows, cols)
	if !trans {
		return dense(shape...)
	}
	st := append(append([]int{}, batch...), cols, rows)
	s := dense(st...)
	r := len(shape)
	s.shape = shape
	s.strides[r-2], s.strides[r-1] = s.strides[r-1], s.strides[r-2]
	return s
}

func TestMatMulMatchesTheCPUBackend(t *testing.T) {
	cases := []struct {
		name    string
		batch   []int
		m, n, k int
	}{
		{"square", nil, 64, 64, 64},
		{"odd sizes", nil, 67, 45, 33},
		{"a vector times a matrix", nil, 1, 29, 40},
		{"a matrix times a vector", nil, 31, 1, 17},
		{"empty k", nil, 5, 6, 0},
		{"batched", []int{3}, 19, 21, 23},
		{"two batch dims", []int{2, 3}, 9, 10, 11},
		{"more rows than a tile", nil, 130, 9, 20},
	}
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(29, 30))
		saved := gemmForce
		defer func() { gemmForce = saved }()
		for _, tile := range []string{"64", "128x64", "128"} {
			gemmForce = tile
			for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
				if dtype == tensor.Float64 && tile != "64" {
					continue
				}
				for _, c := range cases {
					for _, tr := range [][2]bool{{false, false}, {false, true}, {true, false}, {true, true}} {
						for _, beta := range []float64{0, 0.5} {
							t.Run(fmt.Sprintf("%s/%v/%s/transA=%v,transB=%v/beta=%v", tile, dtype, c.name, tr[0], tr[1], beta), func(t *testing.T) {
								a := newPair(t, g, dtype, matSpec(c.batch, c.m, c.k, tr[0]), uniformIn(rng, -1, 1))
								b := newPair(t, g, dtype, matSpec(c.batch, c.k, c.n, tr[1]), uniformIn(rng, -1, 1))
								shape := append(append([]int{}, c.batch...), c.m, c.n)
								init := make([]float64, dense(shape...).len)
								for i := range init {
									init[i] = rng.Float64()
								}
								y := newPair(t, g, dtype, dense(shape...), func(i int) float64 {
									if beta == 0 {
										return poison(dtype) // must not be read
									}
									return init[i]
								})
								yc := newPair(t, g, dtype, dense(shape...), func(i int) float64 { return init[i] })
								y.cpu = yc.cpu
								cpuRef.MatMul(y.cpu, a.cpu, b.cpu, 1.25, beta)
								if err := g.matMul(y.gpu, a.gpu, b.gpu, 1.25, beta); err != nil {
									t.Fatal(err)
								}
								tl := tol{1e-4, 1e-5}
								if dtype == tensor.Float64 {
									tl = tolReduceF64
								}
								compare(t, "c", y.gpuValues(t, g), y.cpuValues(), tl)
							})
						}
					}
				}
			}
		}
	})
}

func TestMatMulWithBroadcastAndCopiedOperands(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(31, 32))
		cases := []struct {
			name string
			a, b viewSpec
		}{
			{"shared weight folded into rows", dense(4, 7, 12), viewSpec{len: 12 * 5, shape: []int{4, 12, 5}, strides: []int{0, 5, 1}}},
			{"broadcast left operand", viewSpec{len: 7 * 12, shape: []int{3, 7, 12}, strides: []int{0, 12, 1}}, dense(3, 12, 5)},
			{"a non-unit inner stride (copied)", viewSpec{len: 7 * 24, shape: []int{7, 12}, strides: []int{24, 2}}, dense(12, 5)},
			{"permuted batch", viewSpec{len: 3 * 7 * 12, shape: []int{3, 7, 12}, strides: []int{12, 36, 1}}, dense(3, 12, 5)},
		}
		for _, c := range cases {
			t.Run(c.name, func(t *testing.T) {
				a := newPair(t, g, tensor.Float32, c.a, uniformIn(rng, -1, 1))
				b := newPair(t, g, tensor.Float32, c.b, uniformIn(rng, -1, 1))
				r := len(c.a.shape)
				shape := append(append([]int{}, c.a.shape[:r-1]...), c.b.shape[r-1])
				y := outPair(t, g, tensor.Float32, dense(shape...))
				cpuRef.MatMul(y.cpu, a.cpu, b.cpu, 1, 0)
				if err := g.matMul(y.gpu, a.gpu, b.gpu, 1, 0); err != nil {
					t.Fatal(err)
				}
				compare(t, "c", y.gpuValues(t, g), y.cpuValues(), tol{1e-4, 1e-5})
			})
		}
	})
}
