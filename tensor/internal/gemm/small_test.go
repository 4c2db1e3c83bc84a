package gemm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/goformer/goformer/internal/cpu"
	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/vec"
)

// dotLevels are the few-row kernel sets this machine can run, the
// portable one first, with the lane count and fusion of their arithmetic.
type dotLevel struct {
	d     *dotSet
	lanes int
	fused bool
}

func dotLevels() []dotLevel {
	ls := []dotLevel{{goDots(), goLanes, false}}
	for _, l := range cpu.Supported() {
		switch l {
		case cpu.AVX512:
			ls = append(ls, dotLevel{dotsFor(l), 16, true})
		case cpu.AVX2:
			ls = append(ls, dotLevel{dotsFor(l), 8, true})
		case cpu.NEON:
			ls = append(ls, dotLevel{dotsFor(l), 4, true})
		}
	}
	return ls
}

// fma32 returns x·y + z rounded once to float32.
func fma32(x, y, z float32) float32 {
	const prec = 1200 // exact for any float32 operands
	p := new(big.Float).SetPrec(prec).SetFloat64(float64(x))
	p.Mul(p, new(big.Float).SetPrec(prec).SetFloat64(float64(y)))
	p.Add(p, new(big.Float).SetPrec(prec).SetFloat64(float64(z)))
	f, _ := p.Float32()
	return f
}

// orderRef computes one element of C by the documented arithmetic of the
// few-row kernels with the given lanes, fused or not.
func orderRef(lanes int, fused bool, x, y []float32, alpha, beta, c float32, useBeta bool) float32 {
	acc := make([]float32, lanes)
	for p := range x {
		l := p % lanes
		if fused {
			acc[l] = fma32(x[p], y[p], acc[l])
		} else {
			acc[l] += float32(x[p] * y[p])
		}
	}
	if r := len(x) % lanes; r != 0 {
		for l := r; l < lanes; l++ {
			acc[l] += 0 // the zero-filled lanes of the last vector
		}
	}
	for h := lanes / 2; h >= 1; h /= 2 {
		for l := range h {
			acc[l] += acc[l+h]
		}
	}
	v := float32(alpha * acc[0])
	if useBeta {
		v += float32(beta * c)
	}
	return v
}

// smallCase is one product with room around every operand: A and B start
// at odd offsets and have leading dimensions above the minimum.
type smallCase struct {
	m, n, k       int
	a, b, c       []float32
	aOff, bOff    int
	lda, ldb, ldc int
}

func newSmallCase(rng *rand.Rand, m, n, k int) smallCase {
	s := smallCase{m: m, n: n, k: k, aOff: 1 + rng.IntN(7), bOff: 3 + rng.IntN(5), lda: k + rng.IntN(3), ldb: k + 1 + rng.IntN(2), ldc: n + rng.IntN(3)}
	s.a = to32(randSlice(rng, s.aOff+m*s.lda))
	s.b = to32(randSlice(rng, s.bOff+n*s.ldb))
	s.c = to32(randSlice(rng, m*s.ldc))
	return s
}

func TestSmallKernelsFollowTheDocumentedOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(21, 22))
	for _, lv := range dotLevels() {
		t.Run(lv.d.name, func(t *testing.T) {
			for _, sh := range [][3]int{{1, 1, 1}, {1, 9, 16}, {2, 25, 17}, {3, 26, 40}, {4, 30, 7}, {5, 49, 33}, {13, 27, 100}, {16, 24, 15}} {
				for _, ab := range [][2]float32{{1, 0}, {-0.75, 1.5}} {
					s := newSmallCase(rng, sh[0], sh[1], sh[2])
					c := append([]float32(nil), s.c...)
					old := parallel.SetWorkers(2)
					sgemmSmall(lv.d, 2, s.m, s.n, s.k, ab[0], s.a[s.aOff:], s.lda, s.b[s.bOff:], s.ldb, ab[1], c, s.ldc)
					parallel.SetWorkers(old)
					for i := range s.m {
						for j := range s.n {
							x := s.a[s.aOff+i*s.lda:][:s.k]
							y := s.b[s.bOff+j*s.ldb:][:s.k]
							want := orderRef(lv.lanes, lv.fused, x, y, ab[0], ab[1], s.c[i*s.ldc+j], ab[1] != 0)
							if got := c[i*s.ldc+j]; math.Float32bits(got) != math.Float32bits(want) {
								t.Fatalf("m=%d n=%d k=%d alpha,beta=%v: C[%d,%d] = %v, the documented order gives %v", s.m, s.n, s.k, ab, i, j, got, want)
							}
						}
						for j := s.n; j < s.ldc; j++ {
							if c[i*s.ldc+j] != s.c[i*s.ldc+j] {
								t.Fatalf("m=%d n=%d k=%d: C[%d,%d] past the last column was written", s.m, s.n, s.k, i, j)
							}
						}
					}
				}
			}
		})
	}
}

func TestSmallPathMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(23, 24))
	for _, lv := range dotLevels() {
		t.Run(lv.d.name, func(t *testing.T) {
			for m := 1; m <= SmallRows; m++ {
				for _, n := range []int{1, 5, 23, 24, 25, 50, 97} {
					k := []int{1, 3, 15, 16, 17, 31, 64, 100, 257}[(m+n)%9]
					for _, ab := range [][2]float64{{1, 0}, {0.5, -2}, {-1, 1}} {
						s := newSmallCase(rng, m, n, k)
						a64, b64, c64 := to64(s.a[s.aOff:]), to64(s.b[s.bOff:]), to64(s.c)
						want := append([]float64(nil), c64...)
						naive(false, true, m, n, k, ab[0], a64, s.lda, b64, s.ldb, ab[1], want, s.ldc)
						c := append([]float32(nil), s.c...)
						if ab[1] == 0 {
							for i := range c {
								c[i] = float32(math.NaN()) // beta 0 ignores C
							}
						}
						sgemmSmall(lv.d, 3, m, n, k, float32(ab[0]), s.a[s.aOff:], s.lda, s.b[s.bOff:], s.ldb, float32(ab[1]), c, s.ldc)
						for i := range m {
							for j := range n {
								w := want[i*s.ldc+j]
								if d := math.Abs(float64(c[i*s.ldc+j]) - w); !(d <= 1e-5*(1+math.Abs(w))*math.Sqrt(float64(k))) {
									t.Fatalf("m=%d n=%d k=%d alpha,beta=%v: C[%d,%d]=%v want %v", m, n, k, ab, i, j, c[i*s.ldc+j], w)
								}
							}
						}
					}
				}
			}
		})
	}
}

func to64(s []float32) []float64 {
	r := make([]float64, len(s))
	for i, v := range s {
		r[i] = float64(v)
	}
	return r
}

// The point of the path: a row's result does not depend on the other rows
// of the product, nor on where its columns fall in the blocks and chunks.
func TestSmallPathRowsDoNotDependOnTheBatch(t *testing.T) {
	rng := rand.New(rand.NewPCG(25, 26))
	for _, lv := range dotLevels() {
		t.Run(lv.d.name, func(t *testing.T) {
			for _, nk := range [][2]int{{61, 77}, {200, 768}, {1000, 130}} {
				n, k := nk[0], nk[1]
				s := newSmallCase(rng, SmallRows, n, k)
				a, b := s.a[s.aOff:], s.b[s.bOff:]
				// Every row alone, all columns, one worker.
				alone := make([]float32, SmallRows*n)
				for i := range SmallRows {
					sgemmSmall(lv.d, 1, 1, n, k, 1, a[i*s.lda:], s.lda, b, s.ldb, 0, alone[i*n:], n)
				}
				for m := 1; m <= SmallRows; m++ {
					for _, w := range []int{1, 2, 3} {
						r0 := rng.IntN(SmallRows - m + 1)
						j0 := rng.IntN(n / 2)
						cols := n - j0
						c := make([]float32, m*cols)
						old := parallel.SetWorkers(w)
						sgemmSmall(lv.d, w, m, cols, k, 1, a[r0*s.lda:], s.lda, b[j0*s.ldb:], s.ldb, 0, c, cols)
						parallel.SetWorkers(old)
						for i := range m {
							for j := range cols {
								got, want := c[i*cols+j], alone[(r0+i)*n+j0+j]
								if math.Float32bits(got) != math.Float32bits(want) {
									t.Fatalf("n=%d k=%d: row %d of B's rows from %d in a product of %d rows (from row %d, %d workers): C[%d,%d] = %v, alone %v",
										n, k, r0+i, j0, m, r0, w, i, j, got, want)
								}
							}
						}
					}
				}
			}
		})
	}
}

func TestSgemmFewRowsAreBatchInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(27, 28))
	n, k := 300, 257
	a := to32(randSlice(rng, SmallRows*k))
	b := to32(randSlice(rng, n*k))
	alone := make([]float32, SmallRows*n)
	for i := range SmallRows {
		Sgemm(false, true, 1, n, k, 1, a[i*k:], k, b, k, 0, alone[i*n:], n)
	}
	for m := 1; m <= SmallRows; m++ {
		c := make([]float32, m*n)
		Sgemm(false, true, m, n, k, 1, a, k, b, k, 0, c, n)
		// The same rows as a batch of products of m rows each.
		count := SmallRows / m
		cb := make([]float32, count*m*n)
		bt := Batch{Count: count, AOffsets: make([]int, count), COffsets: make([]int, count)}
		for p := range count {
			bt.AOffsets[p], bt.COffsets[p] = p*m*k, p*m*n
		}
		SgemmBatch(false, true, m, n, k, 1, a, k, b, k, 0, cb, n, bt)
		for i := range m {
			for j := range n {
				if got, want := c[i*n+j], alone[i*n+j]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("Sgemm with %d rows: C[%d,%d] = %v, the row alone %v", m, i, j, got, want)
				}
			}
		}
		for i := range count * m {
			for j := range n {
				if got, want := cb[i*n+j], alone[i*n+j]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("SgemmBatch of %d products of %d rows: row %d, column %d = %v, the row alone %v", count, m, i, j, got, want)
				}
			}
		}
	}
}

func TestSmallPathSpecialValues(t *testing.T) {
	inf := float32(math.Inf(1))
	nan := float32(math.NaN())
	for _, lv := range dotLevels() {
		t.Run(lv.d.name, func(t *testing.T) {
			for _, k := range []int{5, 16, 37} {
				m, n := 3, 11
				a := make([]float32, m*k)
				b := make([]float32, n*k)
				for i := range a {
					a[i] = 0.5
				}
				for i := range b {
					b[i] = 0.25
				}
				a[0*k+k-1] = nan  // row 0: NaN everywhere
				a[1*k+k/2] = inf  // row 1: +Inf against positive B, NaN against B's 0 and -Inf
				b[3*k+k/2] = 0    // column 3
				b[4*k+k/2] = -inf // column 4
				b[5*k] = inf      // column 5: +Inf for rows 1 and 2 (0.5·Inf)
				b[6*k] = float32(math.MaxFloat32)
				b[6*k+1] = float32(math.MaxFloat32) // column 6 overflows for row 2 only if k small
				c := make([]float32, m*n)
				for i := range c {
					c[i] = nan
				}
				sgemmSmall(lv.d, 1, m, n, k, 1, a, k, b, k, 0, c, n)
				for i := range m {
					for j := range n {
						var ref float64
						for p := range k {
							ref += float64(a[i*k+p]) * float64(b[j*k+p])
						}
						got := c[i*n+j]
						switch {
						case math.IsNaN(ref):
							if !math.IsNaN(float64(got)) {
								t.Errorf("k=%d C[%d,%d] = %v, want NaN", k, i, j, got)
							}
						case math.IsInf(ref, 0) || math.Abs(ref) > math.MaxFloat32:
							if !math.IsInf(float64(got), int(math.Copysign(1, ref))) {
								t.Errorf("k=%d C[%d,%d] = %v, want %v", k, i, j, got, ref)
							}
						default:
							if math.Abs(float64(got)-ref) > 1e-5*(1+math.Abs(ref)) {
								t.Errorf("k=%d C[%d,%d] = %v, want %v", k, i, j, got, ref)
							}
						}
					}
				}
			}
		})
	}
}

func BenchmarkSgemmFewRows(b *testing.B) {
	for _, nk := range [][2]int{{2304, 768}, {768, 3072}, {50257, 768}} {
		n, k := nk[0], nk[1]
		rng := rand.New(rand.NewPCG(1, 1))
		w := to32(randSlice(rng, n*k))
		for _, m := range []int{1, 2, 4, 8, 16, 32, 64} {
			x := to32(randSlice(rng, m*k))
			c := make([]float32, m*n)
			b.Run(fmt.Sprintf("n=%d,k=%d/m=%d", n, k, m), func(b *testing.B) {
				b.ReportAllocs()
				for range b.N {
					Sgemm(false, true, m, n, k, 1, x, k, w, k, 0, c, n)
				}
				sec := b.Elapsed().Seconds()
				b.ReportMetric(float64(n*k*4)*float64(b.N)/sec/1e9, "GB/s")
				b.ReportMetric(2*float64(m*n*k)*float64(b.N)/sec/1e9, "GFLOP/s")
			})
		}
	}
}

// BenchmarkFewRowsPaths compares, in one binary, the few-row path with the
// packed path that products with few rows took before it, at the shapes of
// a GPT-2-small decoding step (QKV, MLP down, LM head):
//
//	GOFORMER_THREADS=1 go test -run XXX -bench FewRowsPaths -benchtime 1x ./tensor/internal/gemm/
//
// The paths alternate call by call (see abCPU); GB/s is the weight matrix
// streamed per second of CPU time.
func BenchmarkFewRowsPaths(b *testing.B) {
	for _, nk := range [][2]int{{2304, 768}, {768, 3072}, {50257, 768}} {
		n, k := nk[0], nk[1]
		rng := rand.New(rand.NewPCG(1, 1))
		w := to32(randSlice(rng, n*k))
		for _, m := range []int{1, 2, 4, 8, 16} {
			x := to32(randSlice(rng, m*k))
			c := make([]float32, m*n)
			b.Run(fmt.Sprintf("n=%d,k=%d/m=%d", n, k, m), func(b *testing.B) {
				paths := []string{"packed", "dot"}
				if m == 1 {
					paths = append(paths, "read") // the matrix read once, summed: the bandwidth to match
				}
				abCPU(b, paths, func(path string) {
					switch path {
					case "read":
						readSink += vec.Sum(w)
					case "dot":
						sgemmSmall(sDots, parallel.Workers(), m, n, k, 1, x, k, w, k, 0, c, n)
					default:
						run(&sJobs, sKernel, sBlock, parallel.Workers(), false, true, m, n, k, 1, x, k, w, k, 0, c, n)
					}
				}, func(path string, sec float64) {
					b.ReportMetric(float64(n*k*4)/sec/1e9, path+"-GB/s")
				})
			})
		}
	}
}

var readSink float32

// abCPU times each of paths by the median CPU time of one call over 15
// rounds in which the paths alternate (A B A B ...), so that a shared
// machine's load falls on every path alike, and reports it as
// path-ms (and whatever report adds, from the seconds per call).
func abCPU(b *testing.B, paths []string, do func(path string), report func(path string, sec float64)) {
	b.Helper()
	reps := 1
	c0 := cpuTime()
	for _, p := range paths {
		do(p) // warm-up, and a first estimate of the time per call
	}
	if per := (cpuTime() - c0) / time.Duration(len(paths)); per > 0 {
		reps = max(1, int(20*time.Millisecond/per))
	}
	times := make(map[string][]time.Duration)
	for range 15 {
		for _, p := range paths {
			c0 := cpuTime()
			for range reps {
				do(p)
			}
			times[p] = append(times[p], (cpuTime()-c0)/time.Duration(reps))
		}
	}
	for _, p := range paths {
		t := times[p]
		slices.Sort(t)
		sec := t[len(t)/2].Seconds()
		b.ReportMetric(sec*1e3, p+"-ms")
		if report != nil {
			report(p, sec)
		}
	}
}

// Above SmallRows, products x·Wᵀ take the packed path or the swapped one
// (runXW) by their row count; both compute every element alike, so a row
// still does not depend on the row count, only on which side of
// SmallRows the product falls.
func TestSgemmManyRowsAreBatchInvariant(t *testing.T) {
	rng := rand.New(rand.NewPCG(29, 30))
	const rows = 300
	n, k := 77, 450
	a := to32(randSlice(rng, rows*k))
	b := to32(randSlice(rng, n*k))
	ref := make([]float32, rows*n)
	Sgemm(false, true, rows, n, k, 1, a, k, b, k, 0, ref, n)
	for _, m := range []int{SmallRows + 1, 31, 32, 33, 100, 256, 257} {
		r0 := rng.IntN(rows - m + 1)
		c := make([]float32, m*n)
		Sgemm(false, true, m, n, k, 1, a[r0*k:], k, b, k, 0, c, n)
		for i := range m {
			for j := range n {
				if got, want := c[i*n+j], ref[(r0+i)*n+j]; math.Float32bits(got) != math.Float32bits(want) {
					t.Fatalf("row %d in a product of %d rows: C[%d,%d] = %v, in a product of %d rows %v", r0+i, m, i, j, got, rows, want)
				}
			}
		}
	}
}
