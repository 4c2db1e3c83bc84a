package gemm

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/goformer/goformer/internal/cpu"
	"github.com/goformer/goformer/internal/parallel"
)

// naive computes the product in float64 straight from the definition.
func naive(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	for i := range m {
		for j := range n {
			var s float64
			for p := range k {
				var x, y float64
				if transA {
					x = a[p*lda+i]
				} else {
					x = a[i*lda+p]
				}
				if transB {
					y = b[j*ldb+p]
				} else {
					y = b[p*ldb+j]
				}
				s += x * y
			}
			if beta == 0 {
				c[i*ldc+j] = alpha * s
			} else {
				c[i*ldc+j] = alpha*s + beta*c[i*ldc+j]
			}
		}
	}
}

func TestSgemmMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{0, 0, 0}, {1, 1, 1}, {3, 5, 0}, {0, 4, 3}, {7, 3, 5}, {17, 33, 9}, {64, 65, 66}, {130, 7, 257}}
	for _, s := range shapes {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]float64{{1, 0}, {0.5, 1}, {-2, 0.25}, {0, 3}} {
				lda, ldb, ldc := k+2, n+1, n+3
				if tr[0] {
					lda = m + 2
				}
				if tr[1] {
					ldb = k + 1
				}
				rowsA, rowsB := m, k
				if tr[0] {
					rowsA = k
				}
				if tr[1] {
					rowsB = n
				}
				a64 := randSlice(rng, rowsA*lda)
				b64 := randSlice(rng, rowsB*ldb)
				c64 := randSlice(rng, m*ldc)
				a32, b32, c32 := to32(a64), to32(b64), to32(c64)
				if ab[1] == 0 { // beta 0 must ignore NaNs in C
					for i := range c32 {
						c32[i] = float32(math.NaN())
					}
				}
				want := append([]float64(nil), c64...)
				naive(tr[0], tr[1], m, n, k, ab[0], a64, lda, b64, ldb, ab[1], want, ldc)
				Sgemm(tr[0], tr[1], m, n, k, float32(ab[0]), a32, lda, b32, ldb, float32(ab[1]), c32, ldc)
				got64 := append([]float64(nil), c64...)
				Dgemm(tr[0], tr[1], m, n, k, ab[0], a64, lda, b64, ldb, ab[1], got64, ldc)
				for i := range m {
					for j := range n {
						w := want[i*ldc+j]
						if d := math.Abs(float64(c32[i*ldc+j]) - w); d > 1e-4*(1+math.Abs(w))*math.Sqrt(float64(k+1)) {
							t.Fatalf("Sgemm m=%d n=%d k=%d trans=%v alpha,beta=%v: C[%d,%d]=%v want %v", m, n, k, tr, ab, i, j, c32[i*ldc+j], w)
						}
						if d := math.Abs(got64[i*ldc+j] - w); d > 1e-12*(1+math.Abs(w))*float64(k+1) {
							t.Fatalf("Dgemm m=%d n=%d k=%d trans=%v: C[%d,%d]=%v want %v", m, n, k, tr, i, j, got64[i*ldc+j], w)
						}
					}
				}
			}
		}
	}
}

func TestSgemmBatchUsesOffsets(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, n, k := 3, 4, 5
	a := to32(randSlice(rng, 2*m*k))
	b := to32(randSlice(rng, k*n)) // shared: broadcast over the batch
	c := make([]float32, 2*m*n)
	SgemmBatch(false, false, m, n, k, 1, a, k, b, n, 0, c, n, Batch{Count: 2, AOffsets: []int{0, m * k}, COffsets: []int{0, m * n}})
	for bi := range 2 {
		want := make([]float32, m*n)
		Sgemm(false, false, m, n, k, 1, a[bi*m*k:], k, b, n, 0, want, n)
		for i := range want {
			if c[bi*m*n+i] != want[i] {
				t.Fatalf("batch %d element %d = %v, want %v", bi, i, c[bi*m*n+i], want[i])
			}
		}
	}
}

func TestSgemmPanicsOnShortSlices(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a B slice shorter than k×n")
		}
	}()
	Sgemm(false, false, 2, 2, 2, 1, make([]float32, 4), 2, make([]float32, 3), 2, 0, make([]float32, 4), 2)
}

func randSlice(rng *rand.Rand, n int) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = rng.Float64()*2 - 1
	}
	return s
}

func to32(s []float64) []float32 {
	r := make([]float32, len(s))
	for i, v := range s {
		r[i] = float32(v)
	}
	return r
}

// checkKernel runs kernel k through the driver on shapes and block sizes
// chosen to exercise every path: edge tiles in m and n, several k blocks,
// several column blocks, several row chunks, one to three workers, all
// four transpose cases, alpha and beta, leading dimensions above the
// minimum.
func checkKernel[T float32 | float64](t *testing.T, k *kernel[T]) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(k.mr*100+k.nr)))
	small := blocking{kc: 16, mc: 2 * k.mr, nc: 2 * k.nr}
	shapes := [][3]int{
		{1, 1, 1}, {k.mr, k.nr, 1}, {k.mr + 1, k.nr - 1, 7}, {2*k.mr - 1, 3*k.nr + 5, 33},
		{5*k.mr + 3, 5*k.nr + 2, 50}, {3, 2 * k.nr, 17}, {4 * k.mr, 1, 64}, {1, 4 * k.nr, 40},
	}
	var pool jobPool[T]
	for _, s := range shapes {
		m, n, kk := s[0], s[1], s[2]
		for _, bl := range []blocking{small, blockSizes(k.mr, k.nr, int(unsafe.Sizeof(T(0))), cpu.Caches())} {
			for _, w := range []int{1, 2, 3} {
				for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
					for _, ab := range [][2]float64{{1, 0}, {-0.5, 1}, {2, -0.25}} {
						lda, ldb, ldc := kk+3, n+1, n+2
						rowsA, rowsB := m, kk
						if tr[0] {
							lda, rowsA = m+1, kk
						}
						if tr[1] {
							ldb, rowsB = kk+2, n
						}
						a64 := randSlice(rng, rowsA*lda)
						b64 := randSlice(rng, rowsB*ldb)
						c64 := randSlice(rng, m*ldc)
						want := append([]float64(nil), c64...)
						naive(tr[0], tr[1], m, n, kk, ab[0], a64, lda, b64, ldb, ab[1], want, ldc)
						a, b, c := conv[T](a64), conv[T](b64), conv[T](c64)
						if ab[1] == 0 {
							for i := range c {
								c[i] = T(math.NaN())
							}
						}
						run(&pool, k, bl, w, tr[0], tr[1], m, n, kk, T(ab[0]), a, lda, b, ldb, T(ab[1]), c, ldc)
						tol := 1e-5 * math.Sqrt(float64(kk+1))
						if _, ok := any(c).([]float64); ok {
							tol = 1e-13 * float64(kk+1)
						}
						for i := range m {
							for j := range ldc {
								got, wv := float64(c[i*ldc+j]), want[i*ldc+j]
								if j >= n { // padding between rows is left alone
									if ab[1] == 0 {
										continue
									}
									wv = float64(T(c64[i*ldc+j]))
								}
								if !(math.Abs(got-wv) <= tol*(1+math.Abs(wv))) {
									t.Fatalf("%s m=%d n=%d k=%d blocks=%+v workers=%d trans=%v alpha,beta=%v: C[%d,%d]=%v want %v",
										k.name, m, n, kk, bl, w, tr, ab, i, j, got, wv)
								}
							}
						}
					}
				}
			}
		}
	}
}

func conv[T float32 | float64](s []float64) []T {
	r := make([]T, len(s))
	for i, v := range s {
		r[i] = T(v)
	}
	return r
}

func TestGoKernelMatchesDefinition(t *testing.T) {
	t.Run("float32", func(t *testing.T) { checkKernel(t, goKernel[float32]()) })
	t.Run("float64", func(t *testing.T) { checkKernel(t, goKernel[float64]()) })
}

func TestEveryKernelLevelMatchesDefinition(t *testing.T) {
	for _, l := range cpu.Supported() {
		sk, dk := kernelsFor(l)
		t.Run(l.String()+"/float32/"+sk.name, func(t *testing.T) { checkKernel(t, sk) })
		t.Run(l.String()+"/float64/"+dk.name, func(t *testing.T) { checkKernel(t, dk) })
	}
}

func TestSgemmBatchMatchesSeparateProducts(t *testing.T) {
	tests := []struct {
		name    string
		count   int
		m, n, k int
		shareB  bool
	}{
		{"many small products go one per worker", 24, 17, 9, 13, false},
		{"a broadcast B is read by every product", 6, 33, 40, 21, true},
		{"an odd count of large products splits each product", 3, 130, 70, 90, false},
		{"one product", 1, 5, 5, 5, false},
		{"no products", 0, 5, 5, 5, false},
	}
	rng := rand.New(rand.NewPCG(5, 6))
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			for _, tr := range [][2]bool{{false, false}, {true, true}} {
				m, n, k := tt.m, tt.n, tt.k
				a := to32(randSlice(rng, tt.count*m*k))
				nb := tt.count
				if tt.shareB {
					nb = 1
				}
				b := to32(randSlice(rng, nb*k*n))
				c := to32(randSlice(rng, tt.count*m*n))
				want := append([]float32(nil), c...)
				bt := Batch{Count: tt.count, AOffsets: make([]int, tt.count), COffsets: make([]int, tt.count)}
				if !tt.shareB {
					bt.BOffsets = make([]int, tt.count)
				}
				for i := range tt.count {
					bt.AOffsets[i], bt.COffsets[i] = i*m*k, i*m*n
					if bt.BOffsets != nil {
						bt.BOffsets[i] = i * k * n
					}
				}
				lda, ldb := k, n
				if tr[0] {
					lda = m
				}
				if tr[1] {
					ldb = k
				}
				for i := range tt.count {
					bo := 0
					if bt.BOffsets != nil {
						bo = bt.BOffsets[i]
					}
					Sgemm(tr[0], tr[1], m, n, k, 0.5, a[bt.AOffsets[i]:], lda, b[bo:], ldb, 2, want[bt.COffsets[i]:], n)
				}
				SgemmBatch(tr[0], tr[1], m, n, k, 0.5, a, lda, b, ldb, 2, c, n, bt)
				for i := range c {
					if c[i] != want[i] {
						t.Fatalf("trans=%v: element %d = %v, want %v", tr, i, c[i], want[i])
					}
				}
			}
		})
	}
}

func TestSgemmBatchPanicsOnBadOffsets(t *testing.T) {
	tests := []struct {
		name string
		bt   Batch
	}{
		{"an A offset past the end", Batch{Count: 2, AOffsets: []int{0, 100}, COffsets: []int{0, 4}}},
		{"a negative C offset", Batch{Count: 2, COffsets: []int{0, -4}}},
		{"too few offsets", Batch{Count: 3, COffsets: []int{0, 4}}},
		{"overlapping outputs left implicit", Batch{Count: 2}},
		{"the last product runs past C", Batch{Count: 2, COffsets: []int{0, 6}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			defer func() {
				if recover() == nil {
					t.Fatal("no panic")
				}
			}()
			SgemmBatch(false, false, 2, 2, 2, 1, make([]float32, 8), 2, make([]float32, 8), 2, 0, make([]float32, 8), 2, tt.bt)
		})
	}
}

func TestSgemmDoesNotAllocate(t *testing.T) {
	if raceEnabled {
		t.Skip("allocation counts are not meaningful under the race detector")
	}
	old := parallel.SetWorkers(2)
	defer parallel.SetWorkers(old)
	rng := rand.New(rand.NewPCG(8, 9))
	m, n, k := 200, 300, 250
	a := to32(randSlice(rng, m*k))
	b := to32(randSlice(rng, k*n))
	c := make([]float32, m*n)
	bt := Batch{Count: 4, COffsets: []int{0, 50 * n, 100 * n, 150 * n}}
	for _, tr := range [][2]bool{{false, false}, {true, true}} {
		lda, ldb := k, n
		if tr[0] {
			lda = m
		}
		if tr[1] {
			ldb = k
		}
		Sgemm(tr[0], tr[1], m, n, k, 1, a, lda, b, ldb, 0, c, n) // warm the pools
		if got := testing.AllocsPerRun(20, func() { Sgemm(tr[0], tr[1], m, n, k, 1, a, lda, b, ldb, 0, c, n) }); got > 0 {
			t.Errorf("Sgemm trans=%v allocates %.1f times per call", tr, got)
		}
		Sgemm(tr[0], tr[1], 1, n, k, 1, a, lda, b, ldb, 0, c, n) // one row: the vector path
		if got := testing.AllocsPerRun(20, func() { Sgemm(tr[0], tr[1], 1, n, k, 1, a, lda, b, ldb, 0, c, n) }); got > 0 {
			t.Errorf("Sgemm with one row, trans=%v, allocates %.1f times per call", tr, got)
		}
		SgemmBatch(tr[0], tr[1], 50, n, k, 1, a, lda, b, ldb, 0, c, n, bt)
		if got := testing.AllocsPerRun(20, func() { SgemmBatch(tr[0], tr[1], 50, n, k, 1, a, lda, b, ldb, 0, c, n, bt) }); got > 0 {
			t.Errorf("SgemmBatch trans=%v allocates %.1f times per call", tr, got)
		}
	}
}

func TestSgemmWithOneRowOrColumnMatchesDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(10, 11))
	for _, s := range [][3]int{{1, 1, 7}, {1, 37, 19}, {1, 3000, 300}, {41, 1, 23}, {2500, 1, 400}, {1, 1, 5000}} {
		m, n, k := s[0], s[1], s[2]
		for _, tr := range [][2]bool{{false, false}, {true, false}, {false, true}, {true, true}} {
			for _, ab := range [][2]float64{{1, 0}, {0.5, -2}, {-1, 1}} {
				lda, ldb, ldc := k+1, n+2, n+3
				rowsA, rowsB := m, k
				if tr[0] {
					lda, rowsA = m+3, k
				}
				if tr[1] {
					ldb, rowsB = k+1, n
				}
				a64, b64, c64 := randSlice(rng, rowsA*lda), randSlice(rng, rowsB*ldb), randSlice(rng, m*ldc)
				want := append([]float64(nil), c64...)
				naive(tr[0], tr[1], m, n, k, ab[0], a64, lda, b64, ldb, ab[1], want, ldc)
				c := to32(c64)
				if ab[1] == 0 {
					for i := range c {
						c[i] = float32(math.NaN())
					}
				}
				Sgemm(tr[0], tr[1], m, n, k, float32(ab[0]), to32(a64), lda, to32(b64), ldb, float32(ab[1]), c, ldc)
				for i := range m {
					for j := range n {
						w := want[i*ldc+j]
						if d := math.Abs(float64(c[i*ldc+j]) - w); !(d <= 1e-5*(1+math.Abs(w))*math.Sqrt(float64(k))) {
							t.Fatalf("m=%d n=%d k=%d trans=%v alpha,beta=%v: C[%d,%d]=%v want %v", m, n, k, tr, ab, i, j, c[i*ldc+j], w)
						}
					}
				}
			}
		}
	}
}

func defaultTestCaches() cpu.CacheSizes { return cpu.Caches() }

func TestSgemmBatchWithEmptyInnerDimensionScalesC(t *testing.T) {
	// k = 0: A and B hold nothing, and the offsets a strided view of an
	// empty tensor produces may point past their ends.
	m, n := 2, 3
	c := []float32{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12}
	SgemmBatch(false, false, m, n, 0, 1, nil, 1, nil, n, 0.5, c, n,
		Batch{Count: 2, AOffsets: []int{0, 7}, BOffsets: []int{0, 9}, COffsets: []int{0, m * n}})
	for i, v := range c {
		if want := float32(i+1) / 2; v != want {
			t.Fatalf("C[%d] = %v, want %v (beta·C)", i, v, want)
		}
	}
	// A bad offset into a non-empty C still panics.
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for a C offset past the end of C")
		}
	}()
	SgemmBatch(false, false, m, n, 0, 1, nil, 1, nil, n, 0, c, n, Batch{Count: 2, COffsets: []int{0, 100}})
}
