package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"
	"unsafe"

	"github.com/goformer/goformer/tensor"
)

// pair holds the same data as a CPU view (for tensor.CPUBackend(), the
// reference) and as a GPU operand.
type pair struct {
	cpu tensor.View
	gpu operand
	buf *Buffer
	len int // elements of the storage
}

// viewSpec is a strided view over a storage of len elements.
type viewSpec struct {
	len     int
	off     int
	shape   []int
	strides []int
}

func dense(shape ...int) viewSpec {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return viewSpec{len: n, shape: shape, strides: contiguousStrides(shape)}
}

// transposed returns the dense [d1, d0] storage viewed as [d0, d1].
func transposed(d0, d1 int) viewSpec {
	return viewSpec{len: d0 * d1, shape: []int{d0, d1}, strides: []int{1, d0}}
}

func (s viewSpec) numel() int {
	n := 1
	for _, d := range s.shape {
		n *= d
	}
	return n
}

// positions returns the storage offset of every element in row-major order.
func (s viewSpec) positions() []int {
	n := s.numel()
	out := make([]int, 0, n)
	if n == 0 {
		return out
	}
	idx := make([]int, len(s.shape))
	for range n {
		off := s.off
		for d, i := range idx {
			off += i * s.strides[d]
		}
		out = append(out, off)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < s.shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

func toDT(d tensor.DType) int { return int(d) }

// newPair makes a view filled by fill (element i of the storage).
func newPair(t *testing.T, g *GPU, dtype tensor.DType, s viewSpec, fill func(i int) float64) pair {
	t.Helper()
	var data any
	var raw []byte
	switch dtype {
	case tensor.Float32:
		d := make([]float32, s.len)
		for i := range d {
			d[i] = float32(fill(i))
		}
		data, raw = d, bytesOf(d)
	case tensor.Float64:
		d := make([]float64, s.len)
		for i := range d {
			d[i] = fill(i)
		}
		data, raw = d, bytesOf(d)
	case tensor.Int32:
		d := make([]int32, s.len)
		for i := range d {
			d[i] = int32(fill(i))
		}
		data, raw = d, bytesOf(d)
	default:
		t.Fatalf("newPair: dtype %v", dtype)
	}
	buf, err := g.Alloc(len(raw))
	if err != nil {
		t.Fatal(err)
	}
	if err := g.CopyToDevice(buf, 0, raw); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(buf.Free)
	st := tensor.NewCPUStorage(data)
	return pair{
		cpu: tensor.View{Storage: st, Offset: s.off, Shape: s.shape, Strides: s.strides},
		gpu: operand{base: buf.Ptr(), off: s.off, shape: s.shape, strides: s.strides, dtype: toDT(dtype)},
		buf: buf, len: s.len,
	}
}

// poison is the value outputs hold before a kernel runs: NaN, or for
// int32 a large sentinel.
func poison(dtype tensor.DType) float64 {
	if dtype == tensor.Int32 {
		return -123456789
	}
	return math.NaN()
}

// outPair makes an output view: zero on the CPU, poisoned on the GPU.
func outPair(t *testing.T, g *GPU, dtype tensor.DType, s viewSpec) pair {
	t.Helper()
	p := newPair(t, g, dtype, s, func(int) float64 { return poison(dtype) })
	zero := newPair(t, g, dtype, s, func(int) float64 { return 0 })
	p.cpu = zero.cpu
	return p
}

// absent is the zero View and zero operand.
var absent = pair{}

func bytesOf[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

// values returns the view's elements (row-major) from the CPU storage.
func (p pair) cpuValues() []float64 {
	spec := viewSpec{len: p.len, off: p.cpu.Offset, shape: p.cpu.Shape, strides: p.cpu.Strides}
	st := p.cpu.Storage.(*tensor.CPUStorage)
	var out []float64
	for _, o := range spec.positions() {
		switch st.DType() {
		case tensor.Float32:
			out = append(out, float64(st.Float32s()[o]))
		case tensor.Float64:
			out = append(out, st.Float64s()[o])
		default:
			out = append(out, float64(st.Int32s()[o]))
		}
	}
	return out
}

// gpuValues downloads the storage and returns the view's elements.
func (p pair) gpuValues(t *testing.T, g *GPU) []float64 {
	t.Helper()
	if err := g.Synchronize(); err != nil {
		t.Fatal(err)
	}
	spec := viewSpec{len: p.len, off: p.gpu.off, shape: p.gpu.shape, strides: p.gpu.strides}
	var out []float64
	switch p.gpu.dtype {
	case dtF32:
		d := download[float32](t, g, p.buf, p.len)
		for _, o := range spec.positions() {
			out = append(out, float64(d[o]))
		}
	case dtF64:
		d := download[float64](t, g, p.buf, p.len)
		for _, o := range spec.positions() {
			out = append(out, d[o])
		}
	default:
		d := download[int32](t, g, p.buf, p.len)
		for _, o := range spec.positions() {
			out = append(out, float64(d[o]))
		}
	}
	return out
}

// tol is an error bound |got - want| <= atol + rtol·|want|.
type tol struct{ rtol, atol float64 }

var (
	tolExact       = tol{0, 0}
	tolElementF32  = tol{1e-5, 1e-6}
	tolReduceF32   = tol{1e-4, 1e-5}
	tolElementF64  = tol{1e-12, 1e-13}
	tolReduceF64   = tol{1e-10, 1e-11}
	tolTransF64    = tol{1e-10, 1e-12} // float64 transcendental functions
	tolGradsF32    = tol{1e-4, 1e-5}
	tolTrainingF32 = tol{1e-4, 1e-5}
)

// within reports whether got matches want; NaN matches only NaN, and
// infinities only themselves.
func (tl tol) within(got, want float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	if math.IsInf(want, 0) || math.IsInf(got, 0) {
		return got == want
	}
	return math.Abs(got-want) <= tl.atol+tl.rtol*math.Abs(want)
}

// compare fails the test at the first few mismatches.
func compare(t *testing.T, what string, got, want []float64, tl tol) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	bad := 0
	for i := range got {
		if !tl.within(got[i], want[i]) {
			if bad < 5 {
				t.Errorf("%s: element %d = %v, want %v (diff %.3g, bound %.3g)", what, i, got[i], want[i],
					math.Abs(got[i]-want[i]), tl.atol+tl.rtol*math.Abs(want[i]))
			}
			bad++
		}
	}
	if bad > 5 {
		t.Errorf("%s: %d of %d elements differ", what, bad, len(got))
	}
}

// uniformIn returns a fill function of uniform draws on [lo, hi).
func uniformIn(rng *rand.Rand, lo, hi float64) func(int) float64 {
	return func(int) float64 { return lo + (hi-lo)*rng.Float64() }
}

func dtypeName(d tensor.DType) string { return fmt.Sprint(d) }
