package cuda

import (
	"testing"
	"unsafe"
)

// nullEngine accepts every call and does nothing: it isolates the host
// side of an op (layout, arguments, launch bookkeeping) from the device.
type nullEngine struct{ emuEngine }

func (*nullEngine) alloc(n int) (uint64, error)                       { return 1 << 20, nil }
func (*nullEngine) free(uint64) error                                 { return nil }
func (*nullEngine) function(uintptr, string) (uintptr, error)         { return 1, nil }
func (*nullEngine) loadModule(string, []byte) (uintptr, error)        { return 1, nil }
func (*nullEngine) launch(uintptr, dim3, dim3, int, *argBuffer) error { return nil }
func (*nullEngine) copyHtoD(uint64, unsafe.Pointer, int) error        { return nil }

func nullGPU() *GPU {
	return newGPU(Properties{Name: "null", Major: 9, Multiprocessors: 132, TotalMemory: 1 << 40}, &nullEngine{}, false)
}

// BenchmarkHostOverheadOfAnElementwiseOp measures what the host spends to
// launch one strided binary op (no device work).
func BenchmarkHostOverheadOfAnElementwiseOp(b *testing.B) {
	g := nullGPU()
	shape := []int{8, 128, 768}
	st := []int{128 * 768, 768, 1}
	bias := []int{0, 0, 1}
	dst := operand{base: 1 << 20, shape: shape, strides: st, dtype: dtF32}
	x := operand{base: 2 << 20, shape: shape, strides: st, dtype: dtF32}
	y := operand{base: 3 << 20, shape: shape, strides: bias, dtype: dtF32}
	b.ReportAllocs()
	for b.Loop() {
		if err := g.binary(0, dst, x, y); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHostOverheadOfAMatMul measures the host side of one batched
// product.
func BenchmarkHostOverheadOfAMatMul(b *testing.B) {
	g := nullGPU()
	a := operand{base: 1 << 20, shape: []int{12, 128, 64}, strides: []int{128 * 64, 64, 1}, dtype: dtF32}
	w := operand{base: 2 << 20, shape: []int{12, 64, 128}, strides: []int{128 * 64, 1, 64}, dtype: dtF32}
	c := operand{base: 3 << 20, shape: []int{12, 128, 128}, strides: []int{128 * 128, 128, 1}, dtype: dtF32}
	b.ReportAllocs()
	for b.Loop() {
		if err := g.matMul(c, a, w, 1, 0); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkCachedAllocation measures an Alloc and Free served by the cache.
func BenchmarkCachedAllocation(b *testing.B) {
	g := nullGPU()
	buf, _ := g.Alloc(1 << 20)
	buf.Free()
	b.ReportAllocs()
	for b.Loop() {
		buf, err := g.Alloc(1 << 20)
		if err != nil {
			b.Fatal(err)
		}
		buf.Free()
	}
}
