package cuda

import (
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
)

func TestIndexSelectMatchesTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(21, 22))
		cases := []struct {
			name string
			x    viewSpec
			k    int
		}{
			{"embedding rows", dense(1, 50, 16), 23},
			{"a middle dim", dense(3, 9, 5), 12},
			{"strided source", viewSpec{len: 7 * 9 * 2, shape: []int{7, 9, 1}, strides: []int{1, 7, 63}}, 10},
			{"empty index", dense(2, 4, 3), 0},
		}
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int32} {
			for _, c := range cases {
				t.Run(fmt.Sprintf("%v/%s", dtype, c.name), func(t *testing.T) {
					x := newPair(t, g, dtype, c.x, func(i int) float64 { return float64(i) })
					n := c.x.shape[1]
					index := newPair(t, g, tensor.Int32, viewSpec{len: 2*c.k + 1, off: 1, shape: []int{c.k}, strides: []int{2}},
						func(int) float64 { return float64(rng.IntN(n)) })
					y := outPair(t, g, dtype, dense(c.x.shape[0], c.k, c.x.shape[2]))
					cpuRef.IndexSelect(y.cpu, x.cpu, index.cpu)
					if err := g.indexSelect(y.gpu, x.gpu, index.gpu); err != nil {
						t.Fatal(err)
					}
					compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tolExact)
				})
			}
		}
	})
}

func TestIndexAddMatchesTheCPUBackendWithRepeatedRows(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(23, 24))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64, tensor.Int32} {
			for _, shape := range [][3]int{{1, 40, 8}, {3, 6, 5}} {
				t.Run(fmt.Sprintf("%v/%v", dtype, shape), func(t *testing.T) {
					outer, n, inner := shape[0], shape[1], shape[2]
					k := 3 * n
					fill := uniformIn(rng, -1, 1)
					if dtype == tensor.Int32 {
						fill = func(int) float64 { return float64(rng.IntN(100)) }
					}
					// dst is read and added to: both sides start from the same values.
					init := make([]float64, outer*n*inner)
					for i := range init {
						init[i] = fill(i)
					}
					dst := newPair(t, g, dtype, dense(outer, n, inner), func(i int) float64 { return init[i] })
					dstCPU := newPair(t, g, dtype, dense(outer, n, inner), func(i int) float64 { return init[i] })
					dst.cpu = dstCPU.cpu
					index := newPair(t, g, tensor.Int32, dense(k), func(int) float64 { return float64(rng.IntN(n / 2)) })
					src := newPair(t, g, dtype, transposedLast(outer, k, inner), fill)
					cpuRef.IndexAdd(dst.cpu, index.cpu, src.cpu)
					if err := g.indexAdd(dst.gpu, index.gpu, src.gpu); err != nil {
						t.Fatal(err)
					}
					compare(t, "dst", dst.gpuValues(t, g), dst.cpuValues(), tolExact)
				})
			}
		}
	})
}

// transposedLast is [a, b, c] stored as [a, c, b].
func transposedLast(a, b, c int) viewSpec {
	return viewSpec{len: a * b * c, shape: []int{a, b, c}, strides: []int{b * c, 1, b}}
}

func TestIndexOpsReportIndicesOutOfRange(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		x := newPair(t, g, tensor.Float32, dense(1, 5, 2), func(i int) float64 { return float64(i) })
		for _, bad := range []float64{5, -1} {
			index := newPair(t, g, tensor.Int32, dense(3), func(i int) float64 { return []float64{0, bad, 1}[i] })
			y := outPair(t, g, tensor.Float32, dense(1, 3, 2))
			var ie *IndexError
			if err := g.indexSelect(y.gpu, x.gpu, index.gpu); !errors.As(err, &ie) || ie.Position != 1 || ie.Value != int(bad) {
				t.Errorf("IndexSelect with index %v: err = %v, want an IndexError at position 1", bad, err)
			}
			src := newPair(t, g, tensor.Float32, dense(1, 3, 2), func(int) float64 { return 1 })
			if err := g.indexAdd(x.gpu, index.gpu, src.gpu); !errors.As(err, &ie) || ie.Position != 1 {
				t.Errorf("IndexAdd with index %v: err = %v, want an IndexError at position 1", bad, err)
			}
		}
	})
}

// TestPhiloxMatchesTheKnownAnswers checks the generator against the
// known-answer vectors published with Random123 for Philox4x32-10.
func TestPhiloxMatchesTheKnownAnswers(t *testing.T) {
	kat := []struct {
		c    [4]uint32
		k    [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	forEachGPU(t, func(t *testing.T, g *GPU) {
		for _, v := range kat {
			got, err := g.philox(v.c, v.k)
			if err != nil {
				t.Fatal(err)
			}
			if got != v.want {
				t.Errorf("philox(%08x, %08x) = %08x, want %08x", v.c, v.k, got, v.want)
			}
		}
	})
}

func TestRandomFillAndDropoutDrawWhatTheCPUDraws(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(25, 26))
		specs := []viewSpec{dense(1001), {len: 2 * 7 * 9, off: 3, shape: []int{7, 9}, strides: []int{1, 14}}}
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for si, s := range specs {
				for _, dist := range []tensor.Distribution{tensor.Uniform, tensor.Normal} {
					t.Run(fmt.Sprintf("%v/layout %d/dist %d", dtype, si, dist), func(t *testing.T) {
						y := outPair(t, g, dtype, s)
						seed, offset := uint64(0x1234_5678_9abc), uint64(rng.IntN(1000))
						cpuRef.RandomFill(y.cpu, dist, -0.5, 2, seed, offset)
						if err := g.randomFill(y.gpu, int(dist), -0.5, 2, seed, offset); err != nil {
							t.Fatal(err)
						}
						tl := tol{1e-6, 1e-7}
						if dtype == tensor.Float64 {
							tl = tolTransF64
						}
						compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tl)
					})
				}
				for _, p := range []float64{0, 0.1, 0.5, 1} {
					t.Run(fmt.Sprintf("%v/layout %d/dropout %v", dtype, si, p), func(t *testing.T) {
						x := newPair(t, g, dtype, s, uniformIn(rng, -2, 2))
						y := outPair(t, g, dtype, dense(s.shape...))
						cpuRef.Dropout(y.cpu, x.cpu, p, 99, 1234)
						if err := g.dropout(y.gpu, x.gpu, p, 99, 1234); err != nil {
							t.Fatal(err)
						}
						compare(t, "y", y.gpuValues(t, g), y.cpuValues(), tolExact)
					})
				}
			}
		}
	})
}

func TestAdamWMatchesTheCPUBackend(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(27, 28))
		for _, dtype := range []tensor.DType{tensor.Float32, tensor.Float64} {
			for _, s := range []viewSpec{dense(517), transposed(13, 11)} {
				t.Run(fmt.Sprintf("%v/%v", dtype, s.shape), func(t *testing.T) {
					p := tensor.AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 7}
					var init [3][]float64
					for k := range init {
						init[k] = make([]float64, s.len)
						for i := range init[k] {
							init[k][i] = rng.Float64()*2 - 1
						}
					}
					init[2] = init[1] // v = m², kept non-negative below
					mk := func(k int, sq bool) (pair, pair) {
						f := func(i int) float64 {
							if sq {
								return init[k][i] * init[k][i]
							}
							return init[k][i]
						}
						a, b := newPair(t, g, dtype, s, f), newPair(t, g, dtype, s, f)
						a.cpu = b.cpu
						return a, b
					}
					param, _ := mk(0, false)
					m, _ := mk(1, false)
					v, _ := mk(2, true)
					grad := newPair(t, g, dtype, s, uniformIn(rng, -1, 1))
					cpuRef.AdamW(param.cpu, grad.cpu, m.cpu, v.cpu, p)
					if err := g.adamW(param.gpu, grad.gpu, m.gpu, v.gpu, adamWParams{p.LR, p.Beta1, p.Beta2, p.Eps, p.WeightDecay, p.Step}); err != nil {
						t.Fatal(err)
					}
					tl := tolElementF32
					if dtype == tensor.Float64 {
						tl = tolElementF64
					}
					compare(t, "param", param.gpuValues(t, g), param.cpuValues(), tl)
					compare(t, "m", m.gpuValues(t, g), m.cpuValues(), tl)
					compare(t, "v", v.gpuValues(t, g), v.cpuValues(), tl)
				})
			}
		}
	})
}
