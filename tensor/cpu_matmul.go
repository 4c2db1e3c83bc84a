package tensor

import (
	"fmt"

	"github.com/goformer/goformer/internal/strided"
	"github.com/goformer/goformer/tensor/internal/gemm"
)

// BatchInvariantRows is the most rows a float32 product x·Wᵀ (Linear,
// LinearAct, MatMul with a transposed right operand) may have for every
// row to round exactly as it would in a product of that row alone, on the
// CPU: such products take a path whose arithmetic per element does not
// depend on the number of rows (see the package doc, "Batch invariance").
const BatchInvariantRows = gemm.SmallRows

// gemmLayout tells how a rows×cols matrix with row stride rs and column
// stride cs maps onto a BLAS operand: row-major (trans false) or stored
// transposed (trans true), with leading dimension ld. ok is false when the
// strides fit neither (the matrix is then copied).
func gemmLayout(rows, cols, rs, cs int) (trans bool, ld int, ok bool) {
	if (cols <= 1 || cs == 1) && (rows <= 1 || rs >= max(cols, 1)) {
		if rows <= 1 {
			return false, max(cols, 1), true
		}
		return false, rs, true
	}
	if (rows <= 1 || rs == 1) && (cols <= 1 || cs >= max(rows, 1)) {
		if cols <= 1 {
			return true, max(rows, 1), true
		}
		return true, cs, true
	}
	return false, 0, false
}

// gemmOperand prepares one operand: its layout, and a contiguous copy
// when the strides need one (free it with release).
type gemmOperand struct {
	v       View
	trans   bool
	ld      int
	release func()
}

func prepareGemmOperand(v View) gemmOperand {
	r := v.Rank()
	rows, cols := v.Shape[r-2], v.Shape[r-1]
	trans, ld, ok := gemmLayout(rows, cols, v.Strides[r-2], v.Strides[r-1])
	if ok {
		return gemmOperand{v: v, trans: trans, ld: ld, release: func() {}}
	}
	// Copy the operand (batch strides included) into a contiguous buffer.
	st := cpuBackend.Alloc(v.DType(), v.Numel())
	c := View{Storage: st, Shape: v.Shape, Strides: make([]int, r)}
	contiguousStrides(c.Shape, c.Strides)
	cpuBackend.Copy(c, v)
	return gemmOperand{v: c, trans: false, ld: max(cols, 1), release: func() { cpuBackend.Free(st) }}
}

func (cpu) MatMul(dst, a, b View, alpha, beta float64) {
	r := dst.Rank()
	if r < 2 || a.Rank() != r || b.Rank() != r {
		panic(fmt.Sprintf("tensor: MatMul: ranks of %v, %v and %v differ or are below 2", a.Shape, b.Shape, dst.Shape))
	}
	m, n, k := dst.Shape[r-2], dst.Shape[r-1], a.Shape[r-1]
	if a.Shape[r-2] != m || b.Shape[r-1] != n || b.Shape[r-2] != k || !dst.IsContiguous() {
		panic(fmt.Sprintf("tensor: MatMul: shapes %v × %v → %v do not match", a.Shape, b.Shape, dst.Shape))
	}
	if m == 0 || n == 0 || dst.Numel() == 0 {
		return
	}
	if a.DType() != b.DType() || a.DType() != dst.DType() {
		panic(fmt.Sprintf("tensor: MatMul: dtypes %s, %s, %s differ", a.DType(), b.DType(), dst.DType()))
	}
	batch := dst.Shape[:r-2]
	count := numel(batch)

	// Fold the batch into the rows of a when b is shared by every product
	// and a's batch dims continue its rows: one large product instead of
	// many small ones (x·W with x [B, T, D] and W [D, E]).
	if count > 1 && strided.FoldableBatch(a.Shape, a.Strides, b.Shape, b.Strides) {
		fa := View{Storage: a.Storage, Offset: a.Offset, Shape: []int{count * m, k}, Strides: []int{a.Strides[r-2], a.Strides[r-1]}}
		fb := View{Storage: b.Storage, Offset: b.Offset, Shape: []int{k, n}, Strides: []int{b.Strides[r-2], b.Strides[r-1]}}
		fd := View{Storage: dst.Storage, Offset: dst.Offset, Shape: []int{count * m, n}, Strides: []int{n, 1}}
		matmulOne(fd, fa, fb, alpha, beta, gemm.Batch{Count: 1})
		return
	}
	var bt gemm.Batch
	bt.Count = count
	if count > 1 {
		bt.AOffsets = make([]int, count)
		bt.BOffsets = make([]int, count)
		bt.COffsets = make([]int, count)
	}
	matmulOne(dst, a, b, alpha, beta, bt)
}

// matmulOne runs the product(s) with the given batch (offsets filled here).
func matmulOne(dst, a, b View, alpha, beta float64, bt gemm.Batch) {
	r := dst.Rank()
	m, n, k := dst.Shape[r-2], dst.Shape[r-1], a.Shape[r-1]
	pa, pb := prepareGemmOperand(a), prepareGemmOperand(b)
	defer pa.release()
	defer pb.release()
	a, b = pa.v, pb.v
	if bt.Count > 1 {
		batch := dst.Shape[:r-2]
		offsets(batch, a.Strides[:r-2], a.Offset, func(i, off int) { bt.AOffsets[i] = off })
		offsets(batch, b.Strides[:r-2], b.Offset, func(i, off int) { bt.BOffsets[i] = off })
		offsets(batch, dst.Strides[:r-2], dst.Offset, func(i, off int) { bt.COffsets[i] = off })
	}
	switch dst.DType() {
	case Float32:
		as, bs, cs := f32s(a), f32s(b), f32s(dst)
		if bt.Count <= 1 {
			gemm.Sgemm(pa.trans, pb.trans, m, n, k, float32(alpha), as[a.Offset:], pa.ld, bs[b.Offset:], pb.ld, float32(beta), cs[dst.Offset:], n)
			return
		}
		gemm.SgemmBatch(pa.trans, pb.trans, m, n, k, float32(alpha), as, pa.ld, bs, pb.ld, float32(beta), cs, n, bt)
	case Float64:
		as, bs, cs := f64s(a), f64s(b), f64s(dst)
		if bt.Count <= 1 {
			gemm.Dgemm(pa.trans, pb.trans, m, n, k, alpha, as[a.Offset:], pa.ld, bs[b.Offset:], pb.ld, beta, cs[dst.Offset:], n)
			return
		}
		gemm.DgemmBatch(pa.trans, pb.trans, m, n, k, alpha, as, pa.ld, bs, pb.ld, beta, cs, n, bt)
	default:
		unsupported("MatMul", dst.DType())
	}
}
