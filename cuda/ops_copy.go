package cuda

import "fmt"

// dtype codes shared with the kernels; they are tensor.DType's values.
const (
	dtF32  = 0
	dtF64  = 1
	dtI32  = 2
	dtF16  = 3
	dtBF16 = 4
)

func dtypeSize(dt int) int {
	switch dt {
	case dtF32, dtI32:
		return 4
	case dtF64:
		return 8
	case dtF16, dtBF16:
		return 2
	}
	panic(fmt.Sprintf("cuda: unknown dtype %d", dt))
}

// operand is a strided view of device memory: element (i0, i1, ...) is at
// byte base + (off + Σ i_d·strides[d])·size.
type operand struct {
	base    uint64
	off     int
	shape   []int
	strides []int
	dtype   int
}

// ptr returns the address of the operand's first element.
func (o operand) ptr() uint64 { return o.base + uint64(o.off*dtypeSize(o.dtype)) }

func (o operand) numel() int {
	n := 1
	for _, d := range o.shape {
		n *= d
	}
	return n
}

var (
	kCopy = map[int]*kernel{
		2: defKernel("copy", "gf_copy_u16", structParam(layoutSize(2)), ptr, ptr),
		4: defKernel("copy", "gf_copy_u32", structParam(layoutSize(2)), ptr, ptr),
		8: defKernel("copy", "gf_copy_u64", structParam(layoutSize(2)), ptr, ptr),
	}
	kFill16 = defKernel("copy", "gf_fill_u16", structParam(layoutSize(1)), ptr, i32)
	kFill32 = defKernel("copy", "gf_fill_u32", structParam(layoutSize(1)), ptr, i32)
	kFill64 = defKernel("copy", "gf_fill_u64", structParam(layoutSize(1)), ptr, i64)
	kCast   = defKernel("copy", "gf_cast", structParam(layoutSize(2)), ptr, ptr, i32, i32)
)

// elementwiseGrid returns the launch shape of a grid-stride loop over n
// elements: 256 threads a block, enough blocks to fill the device a few
// times over.
func (g *GPU) elementwiseGrid(n int64) (grid, block dim3) {
	const threads = 256
	blocks := (n + threads - 1) / threads
	limit := int64(max(1, g.props.Multiprocessors) * 32)
	if g.emulated {
		limit = 4
	}
	blocks = max(1, min(blocks, limit))
	return dim3{uint32(blocks), 1, 1}, dim3{threads, 1, 1}
}

// copyStrided copies src into dst (same shape and element size).
func (g *GPU) copyStrided(dst, src operand) error {
	size := dtypeSize(dst.dtype)
	l, ok := makeLayout(dst.shape, dst.strides, src.strides)
	if !ok {
		return errRankTooHigh
	}
	if l.n == 0 {
		return nil
	}
	if l.contiguous() {
		return g.eng.copyDtoD(dst.ptr(), src.ptr(), int(l.n)*size)
	}
	var a argBuffer
	a.layout(&l)
	a.ptr(dst.ptr())
	a.ptr(src.ptr())
	grid, block := g.elementwiseGrid(l.n)
	return g.launch(kCopy[size], grid, block, 0, &a)
}

// fill sets every element of dst to the raw bits v (of dst's size).
func (g *GPU) fill(dst operand, v uint64) error {
	size := dtypeSize(dst.dtype)
	l, ok := makeLayout(dst.shape, dst.strides)
	if !ok {
		return errRankTooHigh
	}
	if l.n == 0 {
		return nil
	}
	if size == 4 && l.contiguous() {
		return g.eng.memsetD32(dst.ptr(), uint32(v), int(l.n))
	}
	var a argBuffer
	a.layout(&l)
	a.ptr(dst.ptr())
	var k *kernel
	switch size {
	case 2:
		k = kFill16
		a.u32(uint32(v))
	case 4:
		k = kFill32
		a.u32(uint32(v))
	default:
		k = kFill64
		a.u64(v)
	}
	grid, block := g.elementwiseGrid(l.n)
	return g.launch(k, grid, block, 0, &a)
}

// cast converts src into dst elementwise (any two dtypes, same shape).
func (g *GPU) cast(dst, src operand) error {
	l, ok := makeLayout(dst.shape, dst.strides, src.strides)
	if !ok {
		return errRankTooHigh
	}
	if l.n == 0 {
		return nil
	}
	var a argBuffer
	a.layout(&l)
	a.ptr(dst.ptr())
	a.ptr(src.ptr())
	a.i32(dst.dtype)
	a.i32(src.dtype)
	grid, block := g.elementwiseGrid(l.n)
	return g.launch(kCast, grid, block, 0, &a)
}
