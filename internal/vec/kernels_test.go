package vec

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/internal/cpu"
)

// levels returns the kernel sets this machine can run other than the Go
// twins, which they are checked against.
func levels() []*kernels {
	var ks []*kernels
	for _, l := range cpu.Supported() {
		if k := kernelsFor(l); k != goKernels {
			ks = append(ks, k)
		}
	}
	return ks
}

// testSizes are every length from 0 to 300 and a few large ones, so that
// every block, single-vector and tail path runs.
func testSizes() []int {
	var s []int
	for n := 0; n <= 300; n++ {
		s = append(s, n)
	}
	return append(s, 1000, 4099, 65537)
}

// guard is the number of elements checked past the end of every output.
const guard = 19

// buf returns n random values at an unaligned offset within a larger
// slice whose extra elements are a sentinel.
func buf(rng *rand.Rand, n, offset int, scale float64) (whole, s []float32) {
	whole = make([]float32, offset+n+guard)
	for i := range whole {
		whole[i] = -12345
	}
	s = whole[offset : offset+n]
	for i := range s {
		s[i] = float32((rng.Float64()*2 - 1) * scale)
	}
	return whole, s
}

func checkGuards(t *testing.T, what string, whole []float32, offset, n int) {
	t.Helper()
	for i := 0; i < offset; i++ {
		if whole[i] != -12345 {
			t.Fatalf("%s n=%d: wrote before the start (index %d)", what, n, i-offset)
		}
	}
	for i := offset + n; i < len(whole); i++ {
		if whole[i] != -12345 {
			t.Fatalf("%s n=%d: wrote past the end (index %d)", what, n, i-offset)
		}
	}
}

// ulps returns the distance in units in the last place between two
// float32 values of the same sign (large when the signs differ).
func ulps(a, b float32) float64 {
	if a == b || (a != a && b != b) {
		return 0
	}
	if a != a || b != b {
		return math.Inf(1)
	}
	ia, ib := int64(math.Float32bits(a)), int64(math.Float32bits(b))
	if ia < 0x80000000 != (ib < 0x80000000) {
		return float64(ia&0x7fffffff + ib&0x7fffffff)
	}
	return math.Abs(float64(ia - ib))
}

// close32 reports whether got is within tolULP ulp, or atol absolute, or
// twinRel relative of want. The twins use separate multiplies and adds
// where the assembly fuses them and add reductions in another order, so
// results differ by a few rounding errors; accuracy against exact values
// is tested separately.
func close32(got, want float32, tolULP, atol float64) bool {
	if ulps(got, want) <= tolULP {
		return true
	}
	d := math.Abs(float64(got) - float64(want))
	return d <= atol || (tolULP > 0 && d <= twinRel*math.Abs(float64(want)))
}

const twinRel = 4e-6

type unaryCase struct {
	name   string
	scale  float64
	ulp    float64
	atol   float64
	kernel func(k *kernels) func(dst, x *float32, n int)
}

var unaryCases = []unaryCase{
	{"exp", 20, 2, 0, func(k *kernels) func(dst, x *float32, n int) { return k.exp }},
	{"tanh", 6, 3, 1e-7, func(k *kernels) func(dst, x *float32, n int) { return k.tanh }},
	{"gelu", 8, 4, 2e-7, func(k *kernels) func(dst, x *float32, n int) { return k.gelu }},
	{"geluTanh", 8, 4, 2e-7, func(k *kernels) func(dst, x *float32, n int) { return k.geluTanh }},
	{"scale", 100, 0, 0, func(k *kernels) func(dst, x *float32, n int) {
		return func(dst, x *float32, n int) { k.scale(dst, x, -1.75, n) }
	}},
	{"addScalar", 100, 0, 0, func(k *kernels) func(dst, x *float32, n int) {
		return func(dst, x *float32, n int) { k.addScalar(dst, x, 0.375, n) }
	}},
}

func TestUnaryKernelsMatchTwins(t *testing.T) {
	for _, k := range levels() {
		for _, c := range unaryCases {
			t.Run(k.name+"/"+c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(1, 2))
				for _, n := range testSizes() {
					off := n % 5
					_, x := buf(rng, n, off, c.scale)
					whole, got := buf(rng, n, off+1, 0)
					want := make([]float32, n)
					c.kernel(k)(ptr(got), ptr(x), n)
					c.kernel(goKernels)(ptr(want), ptr(x), n)
					checkGuards(t, c.name, whole, off+1, n)
					for i := range want {
						if !close32(got[i], want[i], c.ulp, c.atol) {
							t.Fatalf("n=%d: %s(%v) = %v, twin gives %v", n, c.name, x[i], got[i], want[i])
						}
					}
				}
			})
		}
	}
}

type binaryCase struct {
	name   string
	ulp    float64
	atol   float64
	kernel func(k *kernels) func(dst, x, y *float32, n int)
}

var binaryCases = []binaryCase{
	{"add", 0, 0, func(k *kernels) func(dst, x, y *float32, n int) { return k.add }},
	{"sub", 0, 0, func(k *kernels) func(dst, x, y *float32, n int) { return k.sub }},
	{"mul", 0, 0, func(k *kernels) func(dst, x, y *float32, n int) { return k.mul }},
	{"geluBackward", 8, 4e-7, func(k *kernels) func(dst, x, y *float32, n int) { return k.geluBackward }},
	{"geluTanhBackward", 8, 4e-7, func(k *kernels) func(dst, x, y *float32, n int) { return k.geluTanhBackward }},
	{"softmaxBackwardRow", 8, 1e-6, func(k *kernels) func(dst, x, y *float32, n int) { return k.softmaxBackwardRow }},
	{"axpy", 1, 1e-6, func(k *kernels) func(dst, x, y *float32, n int) {
		return func(dst, x, y *float32, n int) {
			copy(view(dst, n), view(y, n))
			k.axpy(0.625, x, dst, n)
		}
	}},
}

func TestBinaryKernelsMatchTwins(t *testing.T) {
	for _, k := range levels() {
		for _, c := range binaryCases {
			t.Run(k.name+"/"+c.name, func(t *testing.T) {
				rng := rand.New(rand.NewPCG(3, 4))
				for _, n := range testSizes() {
					off := (n + 2) % 7
					_, x := buf(rng, n, off, 5)
					_, y := buf(rng, n, off+2, 5)
					whole, got := buf(rng, n, 3, 0)
					want := make([]float32, n)
					c.kernel(k)(ptr(got), ptr(x), ptr(y), n)
					c.kernel(goKernels)(ptr(want), ptr(x), ptr(y), n)
					checkGuards(t, c.name, whole, 3, n)
					// Bound cancellation: dy - Σ y·dy and the like lose
					// relative accuracy but not absolute.
					var mag float64
					for i := range x {
						mag += math.Abs(float64(x[i]) * float64(y[i]))
					}
					for i := range want {
						atol := c.atol * float64(1+n/64)
						switch c.name {
						case "softmaxBackwardRow":
							atol = 1e-6 * (mag + math.Abs(float64(y[i]))) * math.Abs(float64(x[i]))
						case "geluBackward", "geluTanhBackward":
							// dx = dy·GELU'(x): the error of GELU' scales with dy.
							atol = c.atol * max(1, math.Abs(float64(y[i])))
						}
						if !close32(got[i], want[i], c.ulp, atol) {
							t.Fatalf("n=%d i=%d: %s(%v, %v) = %v, twin gives %v", n, i, c.name, x[i], y[i], got[i], want[i])
						}
					}
				}
			})
		}
	}
}

func TestReductionsMatchTwins(t *testing.T) {
	for _, k := range levels() {
		t.Run(k.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			for _, n := range testSizes() {
				_, x := buf(rng, n, n%3, 3)
				_, y := buf(rng, n, n%5, 3)
				tol := 1e-6 * float64(n+1)
				for _, r := range []struct {
					name      string
					got, want float32
				}{
					{"dot", k.dot(ptr(x), ptr(y), n), dotGo(ptr(x), ptr(y), n)},
					{"sum", k.sum(ptr(x), n), sumGo(ptr(x), n)},
					{"max", k.max(ptr(x), n), maxGo(ptr(x), n)},
					{"expShiftSum", k.expShiftSum(ptr(make([]float32, n)), ptr(x), n, 0.5), expShiftSumGo(ptr(make([]float32, n)), ptr(x), n, 0.5)},
				} {
					if math.Abs(float64(r.got-r.want)) > tol*(1+math.Abs(float64(r.want))) && !(math.IsInf(float64(r.got), -1) && math.IsInf(float64(r.want), -1)) {
						t.Fatalf("%s n=%d = %v, twin gives %v", r.name, n, r.got, r.want)
					}
				}
			}
		})
	}
}

func TestMaxPropagatesNaNAndSkipsTheTail(t *testing.T) {
	for _, k := range append(levels(), goKernels) {
		for _, n := range []int{1, 7, 15, 16, 17, 33, 100} {
			x := make([]float32, n+5)
			for i := range x {
				x[i] = -float32(i)
			}
			x[n] = 99 // past the end: must not be seen
			if got := k.max(ptr(x), n); got != 0 {
				t.Errorf("%s n=%d: max = %v, want 0", k.name, n, got)
			}
			x[n-1] = float32(math.NaN())
			if got := k.max(ptr(x), n); got == got {
				t.Errorf("%s n=%d: max with a NaN = %v, want NaN", k.name, n, got)
			}
		}
		if got := k.max(nil, 0); !math.IsInf(float64(got), -1) {
			t.Errorf("%s: max of nothing = %v, want -Inf", k.name, got)
		}
	}
}

func TestRowKernelsMatchTwins(t *testing.T) {
	for _, k := range levels() {
		t.Run(k.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, 8))
			for _, n := range testSizes() {
				if n == 0 {
					continue
				}
				_, x := buf(rng, n, n%3, 4)
				_, gm := buf(rng, n, 1, 1)
				_, bt := buf(rng, n, 2, 1)
				_, dy := buf(rng, n, 3, 1)
				// softmax
				whole, got := buf(rng, n, 1, 0)
				want := make([]float32, n)
				k.softmaxRow(ptr(got), ptr(x), n)
				softmaxRowGo(ptr(want), ptr(x), n)
				checkGuards(t, "softmaxRow", whole, 1, n)
				for i := range want {
					if !close32(got[i], want[i], 8, 1e-9) {
						t.Fatalf("softmaxRow n=%d i=%d: %v, twin %v", n, i, got[i], want[i])
					}
				}
				// layer norm forward
				whole, got = buf(rng, n, 2, 0)
				m1, r1 := k.layerNormRow(ptr(got), ptr(x), ptr(gm), ptr(bt), n, 1e-5)
				m2, r2 := layerNormRowGo(ptr(want), ptr(x), ptr(gm), ptr(bt), n, 1e-5)
				checkGuards(t, "layerNormRow", whole, 2, n)
				if math.Abs(float64(m1-m2)) > 1e-6 || math.Abs(float64(r1-r2)) > 1e-5*math.Abs(float64(r2)) {
					t.Fatalf("layerNormRow n=%d: mean, rstd = %v, %v; twin %v, %v", n, m1, r1, m2, r2)
				}
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > 2e-5*(1+math.Abs(float64(want[i]))) {
						t.Fatalf("layerNormRow n=%d i=%d: %v, twin %v", n, i, got[i], want[i])
					}
				}
				// layer norm backward
				dg1, db1 := make([]float32, n), make([]float32, n)
				dg2, db2 := make([]float32, n), make([]float32, n)
				for i := range dg1 {
					dg1[i], db1[i] = float32(i), -float32(i)
					dg2[i], db2[i] = float32(i), -float32(i)
				}
				whole, got = buf(rng, n, 4, 0)
				k.layerNormBackwardRow(ptr(got), ptr(dy), ptr(x), ptr(gm), n, m2, r2, ptr(dg1), ptr(db1))
				layerNormBackwardRowGo(ptr(want), ptr(dy), ptr(x), ptr(gm), n, m2, r2, ptr(dg2), ptr(db2))
				checkGuards(t, "layerNormBackwardRow", whole, 4, n)
				for i := range want {
					if math.Abs(float64(got[i]-want[i])) > 5e-5*(1+math.Abs(float64(want[i]))) ||
						math.Abs(float64(dg1[i]-dg2[i])) > 1e-5*(1+math.Abs(float64(dg2[i]))) ||
						math.Abs(float64(db1[i]-db2[i])) > 1e-5*(1+math.Abs(float64(db2[i]))) {
						t.Fatalf("layerNormBackwardRow n=%d i=%d: dx %v dgamma %v dbeta %v; twin %v %v %v", n, i, got[i], dg1[i], db1[i], want[i], dg2[i], db2[i])
					}
				}
			}
		})
	}
}

func TestAdamWMatchesTwin(t *testing.T) {
	h := AdamW{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01}
	hp := [8]float32{float32(h.LR * h.WeightDecay), float32(h.Beta1), float32(1 - h.Beta1), float32(h.Beta2), float32(1 - h.Beta2), float32(h.LR / 0.1), float32(1 / math.Sqrt(0.001)), float32(h.Eps)}
	for _, k := range levels() {
		t.Run(k.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, 10))
			for _, n := range testSizes() {
				_, p := buf(rng, n, 1, 1)
				_, g := buf(rng, n, 2, 1)
				_, m := buf(rng, n, 3, 0.1)
				_, v := buf(rng, n, 0, 0.01)
				for i := range v {
					v[i] = float32(math.Abs(float64(v[i])))
				}
				p2, m2, v2 := append([]float32(nil), p...), append([]float32(nil), m...), append([]float32(nil), v...)
				k.adamw(ptr(p), ptr(g), ptr(m), ptr(v), n, &hp)
				adamwGo(ptr(p2), ptr(g), ptr(m2), ptr(v2), n, &hp)
				for i := range p {
					atol := 1e-7 * (math.Abs(float64(m2[i])) + math.Abs(float64(g[i])))
					if !close32(p[i], p2[i], 4, 1e-9) || !close32(m[i], m2[i], 4, atol) || !close32(v[i], v2[i], 4, 0) {
						t.Fatalf("n=%d i=%d: p, m, v = %v, %v, %v; twin %v, %v, %v", n, i, p[i], m[i], v[i], p2[i], m2[i], v2[i])
					}
				}
			}
		})
	}
}

// allKernels lists the Go twins and every assembly level.
func allKernels() []*kernels { return append([]*kernels{goKernels}, levels()...) }

// float32s returns the float32 values from lo to hi (inclusive, same sign
// or across zero), visiting every step-th bit pattern plus the ends.
func float32Sweep(step uint32, fn func(x float32)) {
	for b := uint64(0); b < 1<<32; b += uint64(step) {
		fn(math.Float32frombits(uint32(b)))
	}
	for _, x := range []float32{0, float32(math.Copysign(0, -1)), 1, -1, 88.72283, 88.72284, -87.33655, -103.97208, -103.97209, -104, 89, float32(math.Inf(1)), float32(math.Inf(-1)), math.MaxFloat32, math.SmallestNonzeroFloat32} {
		fn(x)
	}
}

// sweepStep is the stride through all 2^32 float32 bit patterns in the
// default test run; the long test (go test -tags long) visits every one.
var sweepStep uint32 = 4099

func TestExpIsWithinTwoULP(t *testing.T) {
	for _, k := range allKernels() {
		t.Run(k.name, func(t *testing.T) {
			const batch = 4096
			xs := make([]float32, 0, batch)
			ys := make([]float32, batch)
			worst, worstX := 0.0, float32(0)
			flush := func() {
				k.exp(ptr(ys), ptr(xs), len(xs))
				for i, x := range xs {
					want := float32(math.Exp(float64(x)))
					if e := ulps(ys[i], want); e > worst {
						worst, worstX = e, x
					}
				}
				xs = xs[:0]
			}
			float32Sweep(sweepStep, func(x float32) {
				xs = append(xs, x)
				if len(xs) == batch {
					flush()
				}
			})
			flush()
			t.Logf("%s: worst error %.0f ulp at x=%v", k.name, worst, worstX)
			if worst > 2 {
				t.Fatalf("exp is %.0f ulp from e^x at x=%v", worst, worstX)
			}
		})
	}
}

// TestTranscendentalAccuracy measures tanh, GELU and their tanh forms
// against float64 references, and fails beyond the documented bounds:
// ulp relative, or an absolute error near the function's zeros and in the
// far negative tail of GELU.
func TestTranscendentalAccuracy(t *testing.T) {
	gelu := func(x float64) float64 { return 0.5 * x * math.Erfc(-x/math.Sqrt2) }
	geluTanh := func(x float64) float64 {
		y := math.Sqrt(2/math.Pi) * (x + 0.044715*x*x*x)
		return x / (1 + math.Exp(-2*y))
	}
	geluGrad := func(x float64) float64 {
		return 0.5*math.Erfc(-x/math.Sqrt2) + x*math.Exp(-x*x/2)/math.Sqrt(2*math.Pi)
	}
	geluTanhGrad := func(x float64) float64 {
		const h = 1e-6
		return (geluTanh(x+h) - geluTanh(x-h)) / (2 * h)
	}
	type fn struct {
		name string
		ref  func(float64) float64
		run  func(k *kernels, dst, x []float32)
		ulp  float64
		atol float64 // relative to max(1, |x|)
	}
	fns := []fn{
		{"tanh", math.Tanh, func(k *kernels, d, x []float32) { k.tanh(ptr(d), ptr(x), len(x)) }, 3, 0},
		{"gelu", gelu, func(k *kernels, d, x []float32) { k.gelu(ptr(d), ptr(x), len(x)) }, 4, 1e-7},
		{"geluTanh", geluTanh, func(k *kernels, d, x []float32) { k.geluTanh(ptr(d), ptr(x), len(x)) }, 4, 1e-7},
		{"geluBackward", geluGrad, func(k *kernels, d, x []float32) {
			ones := make([]float32, len(x))
			for i := range ones {
				ones[i] = 1
			}
			k.geluBackward(ptr(d), ptr(x), ptr(ones), len(x))
		}, 8, 2e-7},
		{"geluTanhBackward", geluTanhGrad, func(k *kernels, d, x []float32) {
			ones := make([]float32, len(x))
			for i := range ones {
				ones[i] = 1
			}
			k.geluTanhBackward(ptr(d), ptr(x), ptr(ones), len(x))
		}, 8, 5e-7},
	}
	var xs []float32
	for x := -20.0; x <= 20; x += 1.0 / 1024 {
		xs = append(xs, float32(x))
	}
	for x := 1e-30; x < 1; x *= 1.37 {
		xs = append(xs, float32(x), -float32(x))
	}
	for _, k := range allKernels() {
		for _, f := range fns {
			t.Run(k.name+"/"+f.name, func(t *testing.T) {
				got := make([]float32, len(xs))
				f.run(k, got, xs)
				worstULP, worstAbs := 0.0, 0.0
				for i, x := range xs {
					want := f.ref(float64(x))
					w32 := float32(want)
					e := ulps(got[i], w32)
					abs := math.Abs(float64(got[i])-want) / math.Max(1, math.Abs(float64(x)))
					if e > f.ulp && abs > f.atol {
						t.Fatalf("%s(%v) = %v, want %v (%.0f ulp, %.2g absolute)", f.name, x, got[i], want, e, abs)
					}
					if e <= f.ulp {
						worstULP = math.Max(worstULP, e)
					} else {
						worstAbs = math.Max(worstAbs, abs)
					}
				}
				t.Logf("worst %.0f ulp; where beyond that, worst absolute error %.2g", worstULP, worstAbs)
			})
		}
	}
}

func TestSpecialValues(t *testing.T) {
	inf, nan := float32(math.Inf(1)), float32(math.NaN())
	for _, k := range allKernels() {
		x := []float32{inf, -inf, nan, 0, 1e-40, -1e-40, 100, -100, 89, -110}
		d := make([]float32, len(x))
		k.exp(ptr(d), ptr(x), len(x))
		want := []float32{inf, 0, nan, 1, 1, 1, inf, float32(math.Exp(-100)), inf, 0}
		for i := range want {
			if ulps(d[i], want[i]) > 0 {
				t.Errorf("%s: exp(%v) = %v, want %v", k.name, x[i], d[i], want[i])
			}
		}
		k.tanh(ptr(d), ptr(x), len(x))
		want = []float32{1, -1, nan, 0, 1e-40, -1e-40, 1, -1, 1, -1}
		for i := range want {
			if ulps(d[i], want[i]) > 0 {
				t.Errorf("%s: tanh(%v) = %v, want %v", k.name, x[i], d[i], want[i])
			}
		}
		k.gelu(ptr(d), ptr(x), len(x))
		for i, w := range []float32{inf, d[1], nan, 0, 5e-41, -5e-41, 100, 0, 89, 0} {
			if i == 1 {
				continue // -Inf·Φ(-Inf) is 0·Inf; PyTorch gives NaN too
			}
			if math.Abs(float64(d[i]-w)) > 1e-44 && !(w != w && d[i] != d[i]) {
				t.Errorf("%s: gelu(%v) = %v, want %v", k.name, x[i], d[i], w)
			}
		}
	}
}

// TestColSum64MatchesAFloat64Loop checks every kernel set's column sums
// against a float64 loop on odd widths, row counts and strides, and that
// nothing past the columns is written.
func TestColSum64MatchesAFloat64Loop(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	for _, k := range allKernels() {
		for _, n := range []int{16, 32, 48, 160, 768} {
			for _, rows := range []int{0, 1, 2, 3, 7, 64, 301} {
				ld := n + rng.IntN(5)
				_, x := buf(rng, max(0, (rows-1)*ld+n), 3, 100)
				acc := make([]float64, n+4)
				want := make([]float64, n+4)
				for j := range acc {
					acc[j] = float64(j) / 3
					want[j] = acc[j]
				}
				for r := range rows {
					for j := range n {
						want[j] += float64(x[r*ld+j])
					}
				}
				if rows > 0 {
					k.colSum64(&acc[0], &x[0], n, rows, ld)
				}
				for j := range acc {
					if math.Abs(acc[j]-want[j]) > 1e-9*math.Max(1, math.Abs(want[j])) {
						t.Fatalf("%s n=%d rows=%d ld=%d: acc[%d] = %v, want %v", k.name, n, rows, ld, j, acc[j], want[j])
					}
				}
			}
		}
	}
}

func TestColSum64HandlesAnyWidth(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for n := 0; n <= 70; n++ {
		rows, ld := 5, n+3
		_, x := buf(rng, max(0, (rows-1)*ld+n), 1, 10)
		acc, want := make([]float64, n), make([]float64, n)
		for r := range rows {
			for j := range n {
				want[j] += float64(x[r*ld+j])
			}
		}
		ColSum64(acc, x, rows, ld)
		for j := range acc {
			if math.Abs(acc[j]-want[j]) > 1e-9 {
				t.Fatalf("n=%d: acc[%d] = %v, want %v", n, j, acc[j], want[j])
			}
		}
	}
}

// TestEmbeddingKernelsMatchTheGoTwins checks GradStep and AdaGradPair of
// every kernel set against the Go twins on every length up to 300, at
// unaligned offsets, with guards past the ends.
func TestEmbeddingKernelsMatchTheGoTwins(t *testing.T) {
	for _, k := range levels() {
		for _, n := range testSizes() {
			rng := rand.New(rand.NewPCG(uint64(n), 17))
			_, h := buf(rng, n, 1, 1)
			wa, w := buf(rng, n, 2, 1)
			ea, e := buf(rng, n, 3, 1)
			w2, e2 := append([]float32(nil), w...), append([]float32(nil), e...)
			if n > 0 {
				k.gradStep(0.37, &h[0], &w[0], &e[0], n)
				gradStepGo(0.37, &h[0], &w2[0], &e2[0], n)
			}
			checkGuards(t, k.name+" gradStep w", wa, 2, n)
			checkGuards(t, k.name+" gradStep e", ea, 3, n)
			for i := range w {
				if !close32(w[i], w2[i], 4, 1e-6) || !close32(e[i], e2[i], 4, 1e-6) {
					t.Fatalf("%s gradStep n=%d i=%d: w %v e %v, want %v %v", k.name, n, i, w[i], e[i], w2[i], e2[i])
				}
			}
			_, a1 := buf(rng, n, 0, 1)
			_, a2 := buf(rng, n, 1, 1)
			ga, g1 := buf(rng, n, 2, 1)
			_, g2 := buf(rng, n, 3, 1)
			for i := range g1 {
				g1[i], g2[i] = 1+g1[i]*g1[i], 1+g2[i]*g2[i]
			}
			b1, b2, c1, c2 := append([]float32(nil), a1...), append([]float32(nil), a2...), append([]float32(nil), g1...), append([]float32(nil), g2...)
			if n > 0 {
				k.adaGradPair(0.7, &a1[0], &a2[0], &g1[0], &g2[0], n)
				adaGradPairGo(0.7, &b1[0], &b2[0], &c1[0], &c2[0], n)
				k.prefetch(&a1[0], n)
			}
			checkGuards(t, k.name+" adaGradPair g1", ga, 2, n)
			for i := range a1 {
				if !close32(a1[i], b1[i], 4, 1e-6) || !close32(a2[i], b2[i], 4, 1e-6) || !close32(g1[i], c1[i], 4, 1e-6) || !close32(g2[i], c2[i], 4, 1e-6) {
					t.Fatalf("%s adaGradPair n=%d i=%d differs from the Go twin", k.name, n, i)
				}
			}
		}
	}
}
