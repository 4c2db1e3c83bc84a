package cuda

import (
	"fmt"
	"math"
	"sort"
	"unsafe"
)

const idx3Size = 11 * 8

var (
	kIndexSelect = map[int]*kernel{
		2: defKernel("index", "gf_index_select_u16", structParam(idx3Size), ptr, ptr, ptr, ptr),
		4: defKernel("index", "gf_index_select_u32", structParam(idx3Size), ptr, ptr, ptr, ptr),
		8: defKernel("index", "gf_index_select_u64", structParam(idx3Size), ptr, ptr, ptr, ptr),
	}
	kIndexAdd = map[int]*kernel{
		dtF32: defKernel("index", "gf_index_add_f32", structParam(idx3Size), ptr, ptr, ptr, ptr, ptr),
		dtF64: defKernel("index", "gf_index_add_f64", structParam(idx3Size), ptr, ptr, ptr, ptr, ptr),
		dtI32: defKernel("index", "gf_index_add_i32", structParam(idx3Size), ptr, ptr, ptr, ptr, ptr),
	}
	kRandomFill = map[int]*kernel{
		dtF32: defKernel("random", "gf_random_fill_f32", structParam(layoutSize(1)), ptr, i32, f64, f64, i64, i64),
		dtF64: defKernel("random", "gf_random_fill_f64", structParam(layoutSize(1)), ptr, i32, f64, f64, i64, i64),
	}
	kDropout = map[int]*kernel{
		dtF32: defKernel("random", "gf_dropout_f32", structParam(layoutSize(2)), ptr, ptr, f64, f64, i64, i64),
		dtF64: defKernel("random", "gf_dropout_f64", structParam(layoutSize(2)), ptr, ptr, f64, f64, i64, i64),
	}
	kPhiloxTest = defKernel("random", "gf_philox_test", ptr, i32, i32, i32, i32, i32, i32)
	kAdamW      = map[int]*kernel{
		dtF32: defKernel("optim", "gf_adamw_f32", structParam(layoutSize(4)), ptr, ptr, ptr, ptr, f64, f64, f64, f64, f64, f64),
		dtF64: defKernel("optim", "gf_adamw_f64", structParam(layoutSize(4)), ptr, ptr, ptr, ptr, f64, f64, f64, f64, f64, f64),
	}
)

// idx3 is a gf_idx3.
type idx3 struct {
	outer, k, inner, n int64
	ds, ss             [3]int64
	is                 int64
}

func (a *argBuffer) idx3(s *idx3) {
	p := a.slot(pStruct, idx3Size, 8)
	*(*idx3)(p) = *s
}

// indexSelect gathers dst[o, i, j] = x[o, index[i], j].
func (g *GPU) indexSelect(dst, x, index operand) error {
	s := idx3{
		outer: int64(dst.shape[0]), k: int64(dst.shape[1]), inner: int64(dst.shape[2]), n: int64(x.shape[1]),
		ds: [3]int64{int64(dst.strides[0]), int64(dst.strides[1]), int64(dst.strides[2])},
		ss: [3]int64{int64(x.strides[0]), int64(x.strides[1]), int64(x.strides[2])},
		is: int64(index.strides[0]),
	}
	total := s.outer * s.k * s.inner
	if s.k == 0 {
		return nil
	}
	k := kIndexSelect[dtypeSize(dst.dtype)]
	return g.withIndexCheck("IndexSelect", int(s.n), func(errPtr uint64) error {
		if total == 0 {
			return g.checkIndicesOnly(index, int(s.n), errPtr)
		}
		var a argBuffer
		a.idx3(&s)
		a.ptr(dst.ptr())
		a.ptr(x.ptr())
		a.ptr(index.ptr())
		a.ptr(errPtr)
		grid, block := g.elementwiseGrid(total)
		return g.launch(k, grid, block, 0, &a)
	})
}

// checkIndicesOnly validates an index when there is nothing to gather
// (inner or outer is 0), so that bad input still fails as on the CPU.
func (g *GPU) checkIndicesOnly(index operand, n int, errPtr uint64) error {
	idx, err := g.readIndex(index)
	if err != nil {
		return err
	}
	for i, v := range idx {
		if v < 0 || int(v) >= n {
			w := [4]int32{1, int32(i), v, 0}
			return g.eng.copyHtoD(errPtr, unsafe.Pointer(&w[0]), 16)
		}
	}
	return nil
}

// readIndex downloads a 1-D int32 operand.
func (g *GPU) readIndex(index operand) ([]int32, error) {
	k := index.shape[0]
	out := make([]int32, k)
	if k == 0 {
		return out, nil
	}
	src := index.ptr()
	if index.strides[0] != 1 && k > 1 {
		tmp, err := g.Alloc(4 * k)
		if err != nil {
			return nil, err
		}
		defer tmp.Free()
		if err := g.copyStrided(operand{base: tmp.Ptr(), shape: index.shape, strides: []int{1}, dtype: dtI32}, index); err != nil {
			return nil, err
		}
		src = tmp.Ptr()
	}
	if err := g.dtoh(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 4*k), src); err != nil {
		return nil, err
	}
	return out, nil
}

// upload copies host data into a fresh buffer.
func (g *GPU) uploadTemp(data []byte) (*Buffer, error) {
	b, err := g.Alloc(len(data))
	if err != nil {
		return nil, err
	}
	if len(data) > 0 {
		if err := g.htod(b.Ptr(), data); err != nil {
			b.Free()
			return nil, err
		}
	}
	return b, nil
}

func int32Bytes(s []int32) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), 4*len(s))
}

// indexAdd adds src [outer, k, inner] into dst [outer, n, inner] at rows
// index [k], repeated rows accumulating in index order. The index is read
// back to the host (a synchronisation), checked, and grouped by row, so
// that the sums are deterministic and equal the CPU's.
func (g *GPU) indexAdd(dst, index, src operand) error {
	n := dst.shape[1]
	idx, err := g.readIndex(index)
	if err != nil {
		return err
	}
	for i, v := range idx {
		if v < 0 || int(v) >= n {
			return &IndexError{Op: "IndexAdd", Position: i, Value: int(v), Limit: n}
		}
	}
	if len(idx) == 0 || dst.shape[0] == 0 || dst.shape[2] == 0 {
		return nil
	}
	perm := make([]int32, len(idx))
	for i := range perm {
		perm[i] = int32(i)
	}
	sort.SliceStable(perm, func(a, b int) bool { return idx[perm[a]] < idx[perm[b]] })
	var rows, start []int32
	for p, i := range perm {
		if p == 0 || idx[i] != idx[perm[p-1]] {
			rows = append(rows, idx[i])
			start = append(start, int32(p))
		}
	}
	start = append(start, int32(len(perm)))
	var bufs [3]*Buffer
	for i, d := range [][]int32{rows, start, perm} {
		if bufs[i], err = g.uploadTemp(int32Bytes(d)); err != nil {
			return err
		}
		defer bufs[i].Free()
	}
	s := idx3{
		outer: int64(dst.shape[0]), k: int64(len(rows)), inner: int64(dst.shape[2]), n: int64(n),
		ds: [3]int64{int64(dst.strides[0]), int64(dst.strides[1]), int64(dst.strides[2])},
		ss: [3]int64{int64(src.strides[0]), int64(src.strides[1]), int64(src.strides[2])},
	}
	k := kIndexAdd[dst.dtype]
	if k == nil {
		panic(fmt.Sprintf("cuda: IndexAdd: dtype %d not supported", dst.dtype))
	}
	var a argBuffer
	a.idx3(&s)
	a.ptr(dst.ptr())
	a.ptr(src.ptr())
	a.ptr(bufs[0].Ptr())
	a.ptr(bufs[1].Ptr())
	a.ptr(bufs[2].Ptr())
	grid, block := g.elementwiseGrid(s.outer * s.k * s.inner)
	return g.launch(k, grid, block, 0, &a)
}

// randomFill fills dst with Uniform (dist 0) or Normal (1) draws.
func (g *GPU) randomFill(dst operand, dist int, lo, hi float64, seed, offset uint64) error {
	k := kernelFor(kRandomFill, "RandomFill", dst.dtype)
	return g.runElementwise(k, dst.shape, []operand{dst}, func(a *argBuffer) {
		a.i32(dist)
		a.f64(lo)
		a.f64(hi)
		a.u64(seed)
		a.u64(offset)
	})
}

// dropout sets dst = x/(1-p) where the draw is >= p, else 0.
func (g *GPU) dropout(dst, x operand, p float64, seed, offset uint64) error {
	k := kernelFor(kDropout, "Dropout", dst.dtype)
	scale := 0.0
	if p < 1 {
		scale = 1 / (1 - p)
	}
	return g.runElementwise(k, dst.shape, []operand{dst, x}, func(a *argBuffer) {
		a.f64(p)
		a.f64(scale)
		a.u64(seed)
		a.u64(offset)
	})
}

// philox runs Philox4x32-10 on the GPU (for the known-answer test).
func (g *GPU) philox(c [4]uint32, key [2]uint32) ([4]uint32, error) {
	var out [4]uint32
	b, err := g.Alloc(16)
	if err != nil {
		return out, err
	}
	defer b.Free()
	var a argBuffer
	a.ptr(b.Ptr())
	for _, v := range c {
		a.u32(v)
	}
	a.u32(key[0])
	a.u32(key[1])
	if err := g.launch(kPhiloxTest, dim3{1, 1, 1}, dim3{32, 1, 1}, 0, &a); err != nil {
		return out, err
	}
	err = g.dtoh(unsafe.Slice((*byte)(unsafe.Pointer(&out[0])), 16), b.Ptr())
	return out, err
}

// AdamWParams mirror tensor.AdamWParams.
type adamWParams struct {
	lr, beta1, beta2, eps, weightDecay float64
	step                               int
}

// adamW performs one AdamW step in place, with the CPU's arithmetic.
func (g *GPU) adamW(param, grad, m, v operand, p adamWParams) error {
	k := kernelFor(kAdamW, "AdamW", param.dtype)
	bc1 := 1 - math.Pow(p.beta1, float64(p.step))
	bc2 := 1 - math.Pow(p.beta2, float64(p.step))
	stepSize := p.lr / bc1
	bc2s := math.Sqrt(bc2)
	decay := 1 - p.lr*p.weightDecay
	return g.runElementwise(k, param.shape, []operand{param, grad, m, v}, func(a *argBuffer) {
		a.f64(p.beta1)
		a.f64(p.beta2)
		a.f64(p.eps)
		a.f64(stepSize)
		a.f64(bc2s)
		a.f64(decay)
	})
}
