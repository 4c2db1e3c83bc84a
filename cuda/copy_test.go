package cuda

import (
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/goformer/goformer/tensor"
)

// upload copies host values into a fresh device buffer.
func upload[T any](t *testing.T, g *GPU, host []T) *Buffer {
	t.Helper()
	var z T
	n := len(host) * int(unsafe.Sizeof(z))
	b, err := g.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	if n > 0 {
		if err := g.CopyToDevice(b, 0, unsafe.Slice((*byte)(unsafe.Pointer(&host[0])), n)); err != nil {
			t.Fatal(err)
		}
	}
	return b
}

// download copies n values of a device buffer to the host.
func download[T any](t *testing.T, g *GPU, b *Buffer, n int) []T {
	t.Helper()
	out := make([]T, n)
	var z T
	if n > 0 {
		if err := g.CopyFromDevice(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), n*int(unsafe.Sizeof(z))), b, 0); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

// poisoned returns a device buffer of n float32 NaNs, so that an element a
// kernel forgets to write fails the comparison.
func poisoned(t *testing.T, g *GPU, n int) *Buffer {
	t.Helper()
	b, err := g.Alloc(4 * n)
	if err != nil {
		t.Fatal(err)
	}
	if err := g.Memset32(b, 0, 0x7fc00000, n); err != nil {
		t.Fatal(err)
	}
	return b
}

func contiguousStrides(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}

func TestCopyMovesStridedViewsElementByElement(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(1, 2))
		src := make([]float32, 7*5*3)
		for i := range src {
			src[i] = rng.Float32()
		}
		tests := []struct {
			name    string
			shape   []int
			strides []int // of the source, over the 7×5×3 storage
			off     int
		}{
			{"contiguous", []int{7, 5, 3}, []int{15, 3, 1}, 0},
			{"transposed", []int{3, 5, 7}, []int{1, 3, 15}, 0},
			{"a slice with an offset", []int{2, 3}, []int{15, 1}, 4},
			{"a broadcast row", []int{4, 3}, []int{0, 1}, 6},
			{"one element", []int{1, 1}, []int{0, 0}, 11},
			{"no elements", []int{0, 4}, []int{4, 1}, 0},
		}
		sb := upload(t, g, src)
		defer sb.Free()
		for _, tt := range tests {
			t.Run(tt.name, func(t *testing.T) {
				n := 1
				for _, d := range tt.shape {
					n *= d
				}
				db := poisoned(t, g, max(n, 1))
				defer db.Free()
				dst := operand{base: db.Ptr(), shape: tt.shape, strides: contiguousStrides(tt.shape), dtype: dtF32}
				s := operand{base: sb.Ptr(), off: tt.off, shape: tt.shape, strides: tt.strides, dtype: dtF32}
				if err := g.copyStrided(dst, s); err != nil {
					t.Fatal(err)
				}
				got := download[float32](t, g, db, n)
				i := 0
				var walk func(d, off int)
				walk = func(d, off int) {
					if d == len(tt.shape) {
						if got[i] != src[off] {
							t.Errorf("element %d = %v, want %v", i, got[i], src[off])
						}
						i++
						return
					}
					for j := 0; j < tt.shape[d]; j++ {
						walk(d+1, off+j*tt.strides[d])
					}
				}
				walk(0, tt.off)
			})
		}
	})
}

func TestCastFromFloat64ToHalfTypesRoundsOnceAsTheCPUDoes(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		// Values just above a half-way point of float16 and bfloat16 that
		// float32 would round onto it (a double rounding).
		vals := []float64{
			1 + math.Ldexp(1, -11) + math.Ldexp(1, -40), // float16: just above the tie between 1 and 1+2^-10
			1 + math.Ldexp(1, -8) + math.Ldexp(1, -40),  // bfloat16: just above the tie between 1 and 1+2^-7
			-(1 + math.Ldexp(1, -11) + math.Ldexp(1, -40)),
			1e-7, 65519.99, 3.0000001, math.Inf(-1), math.NaN(),
		}
		for _, dt := range []tensor.DType{tensor.Float16, tensor.BFloat16} {
			x := newPair(t, g, tensor.Float64, dense(len(vals)), func(i int) float64 { return vals[i] })
			hb, err := g.Alloc(2 * len(vals))
			if err != nil {
				t.Fatal(err)
			}
			defer hb.Free()
			y := operand{base: hb.Ptr(), shape: []int{len(vals)}, strides: []int{1}, dtype: int(dt)}
			if err := g.cast(y, x.gpu); err != nil {
				t.Fatal(err)
			}
			got := download[uint16](t, g, hb, len(vals))
			want := tensor.FromSlice(vals).As(dt).Bits16()
			for i := range vals {
				if got[i] != want[i] {
					t.Errorf("%v of %v = %#04x, want %#04x", dt, vals[i], got[i], want[i])
				}
			}
		}
	})
}

func TestCastConvertsBetweenEveryPairOfDTypes(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		vals := []float64{0, 1, -1.5, 3.14159, 65504, 70000, 1e-8, -2.5e-6, math.Inf(1), math.NaN(), 12345.678, -0.0}
		n := len(vals)
		f64 := upload(t, g, vals)
		defer f64.Free()
		shape, strides := []int{n}, []int{1}
		f32b := poisoned(t, g, n)
		defer f32b.Free()
		if err := g.cast(operand{base: f32b.Ptr(), shape: shape, strides: strides, dtype: dtF32},
			operand{base: f64.Ptr(), shape: shape, strides: strides, dtype: dtF64}); err != nil {
			t.Fatal(err)
		}
		got := download[float32](t, g, f32b, n)
		for i, v := range vals {
			if w := float32(v); math.Float32bits(got[i]) != math.Float32bits(w) && !(w != w && got[i] != got[i]) {
				t.Errorf("float64 %v → float32 = %v, want %v", v, got[i], w)
			}
		}
		// float32 → float16 → float32 and → bfloat16 → float32.
		for _, half := range []int{dtF16, dtBF16} {
			hb, err := g.Alloc(2 * n)
			if err != nil {
				t.Fatal(err)
			}
			back := poisoned(t, g, n)
			if err := g.cast(operand{base: hb.Ptr(), shape: shape, strides: strides, dtype: half},
				operand{base: f32b.Ptr(), shape: shape, strides: strides, dtype: dtF32}); err != nil {
				t.Fatal(err)
			}
			if err := g.cast(operand{base: back.Ptr(), shape: shape, strides: strides, dtype: dtF32},
				operand{base: hb.Ptr(), shape: shape, strides: strides, dtype: half}); err != nil {
				t.Fatal(err)
			}
			bits := download[uint16](t, g, hb, n)
			rt := download[float32](t, g, back, n)
			for i, v := range got {
				var want uint16
				var wantBack float32
				if half == dtF16 {
					want = refF32ToF16(v)
					wantBack = refF16ToF32(want)
				} else {
					want = refF32ToBF16(v)
					wantBack = math.Float32frombits(uint32(want) << 16)
				}
				if bits[i] != want {
					t.Errorf("dtype %d: %v → bits %#04x, want %#04x", half, v, bits[i], want)
				}
				if math.Float32bits(rt[i]) != math.Float32bits(wantBack) && !(rt[i] != rt[i] && wantBack != wantBack) {
					t.Errorf("dtype %d: %v → %v and back, want %v", half, v, rt[i], wantBack)
				}
			}
			hb.Free()
			back.Free()
		}
		// float32 → int32 truncates toward zero.
		ib := poisoned(t, g, n)
		defer ib.Free()
		if err := g.cast(operand{base: ib.Ptr(), shape: shape, strides: strides, dtype: dtI32},
			operand{base: f32b.Ptr(), shape: shape, strides: strides, dtype: dtF32}); err != nil {
			t.Fatal(err)
		}
		ints := download[int32](t, g, ib, n)
		for i, v := range got {
			if math.IsNaN(float64(v)) || math.Abs(float64(v)) > 2e9 {
				continue // unspecified
			}
			if ints[i] != int32(v) {
				t.Errorf("float32 %v → int32 %d, want %d", v, ints[i], int32(v))
			}
		}
	})
}

// refF32ToF16 and friends restate the conversions independently of the
// kernels (the tensor package has its own, which the backend tests use).
func refF32ToF16(f float32) uint16 {
	if f != f {
		return uint16(math.Float32bits(f)>>16)&0x8000 | 0x7e00
	}
	// Round through float64: exact halfway cases decide by the even rule.
	x := float64(f)
	sign := uint16(0)
	if math.Signbit(x) {
		sign, x = 0x8000, -x
	}
	if x >= 65520 { // rounds to Inf
		return sign | 0x7c00
	}
	if x < math.Ldexp(1, -14) { // subnormal: multiples of 2^-24
		q := math.RoundToEven(x * (1 << 24))
		return sign | uint16(q)
	}
	e := math.Floor(math.Log2(x))
	if math.Ldexp(1, int(e)) > x {
		e--
	}
	m := math.RoundToEven(math.Ldexp(x, -int(e)+10)) // 1024..2048
	if m == 2048 {
		m, e = 1024, e+1
	}
	return sign | uint16(int(e)+15)<<10 | uint16(m-1024)
}

func refF16ToF32(h uint16) float32 {
	sign := 1.0
	if h&0x8000 != 0 {
		sign = -1
	}
	e := int(h>>10) & 0x1f
	m := float64(h & 0x3ff)
	switch e {
	case 0:
		return float32(sign * m * math.Ldexp(1, -24))
	case 0x1f:
		if m != 0 {
			return float32(math.NaN())
		}
		return float32(sign * math.Inf(1))
	}
	return float32(sign * (1 + m/1024) * math.Ldexp(1, e-15))
}

func refF32ToBF16(f float32) uint16 {
	if f != f {
		return uint16(math.Float32bits(f)>>16) | 0x40
	}
	b := math.Float32bits(f)
	hi, lo := b>>16, b&0xffff
	if lo > 0x8000 || (lo == 0x8000 && hi&1 == 1) {
		hi++
	}
	return uint16(hi)
}
