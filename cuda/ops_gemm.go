package cuda

import (
	"fmt"
	"os"

	"github.com/goformer/goformer/internal/strided"
)

// gemmFamily is one tile configuration's four kernels, by (transA, transB).
type gemmFamily struct {
	k      [2][2]*kernel
	bm, bn int
}

func defGemm(prefix string, bm, bn int) gemmFamily {
	p := []param{structParam(layoutSize(3)), ptr, ptr, ptr, i64, i64, i64, i64, i64, i64, f64, f64}
	var f gemmFamily
	f.bm, f.bn = bm, bn
	for ta, a := range []string{"n", "t"} {
		for tb, b := range []string{"n", "t"} {
			f.k[ta][tb] = defKernel("gemm", prefix+"_"+a+b, p...)
		}
	}
	return f
}

var (
	kSgemm128    = defGemm("gf_sgemm128", 128, 128)
	kSgemm128x64 = defGemm("gf_sgemm128x64", 128, 64)
	kSgemm64     = defGemm("gf_sgemm64", 64, 64)
	kDgemm64     = defGemm("gf_dgemm64", 64, 64)
)

// gemmLayout maps a rows×cols matrix with row stride rs and column stride
// cs onto a BLAS operand: row-major (trans false) or stored transposed
// (trans true) with leading dimension ld; ok is false when the strides fit
// neither and the matrix must be copied.
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

// gemmForce picks the float32 tile configuration ("64", "128x64" or
// "128") regardless of the shape; tests set it, and so does the
// environment variable GOFORMER_CUDA_GEMM_TILE, for comparing the tiles
// on a GPU.
var gemmForce = os.Getenv("GOFORMER_CUDA_GEMM_TILE")

// matMul sets dst = alpha·a·b + beta·dst for [batch..., m, k] × [batch...,
// k, n] → [batch..., m, n]; dst is contiguous, a and b any strides (zero
// batch strides included). When beta is 0, dst is not read.
func (g *GPU) matMul(dst, a, b operand, alpha, beta float64) error {
	r := len(dst.shape)
	m, n, k := dst.shape[r-2], dst.shape[r-1], a.shape[r-1]
	if m == 0 || n == 0 {
		return nil
	}
	batch := dst.shape[:r-2]
	count := 1
	for _, d := range batch {
		count *= d
	}
	if count == 0 {
		return nil
	}
	// Fold the batch into the rows of a when b is shared (x·W).
	if count > 1 && strided.FoldableBatch(a.shape, a.strides, b.shape, b.strides) {
		a = operand{base: a.base, off: a.off, shape: []int{count * m, k}, strides: []int{a.strides[r-2], a.strides[r-1]}, dtype: a.dtype}
		b = operand{base: b.base, off: b.off, shape: []int{k, n}, strides: []int{b.strides[r-2], b.strides[r-1]}, dtype: b.dtype}
		dst = operand{base: dst.base, off: dst.off, shape: []int{count * m, n}, strides: []int{n, 1}, dtype: dst.dtype}
		return g.matMul(dst, a, b, alpha, beta)
	}
	var release []*Buffer
	defer func() {
		for _, b := range release {
			b.Free()
		}
	}()
	prep := func(o operand) (operand, bool, int, error) {
		rows, cols := o.shape[r-2], o.shape[r-1]
		trans, ld, ok := gemmLayout(rows, cols, o.strides[r-2], o.strides[r-1])
		if ok {
			return o, trans, ld, nil
		}
		// Copy into a contiguous buffer (batch dims included).
		buf, err := g.Alloc(max(1, o.numel()) * dtypeSize(o.dtype))
		if err != nil {
			return o, false, 0, err
		}
		release = append(release, buf)
		c := operand{base: buf.Ptr(), shape: o.shape, strides: contiguousStridesOf(o.shape), dtype: o.dtype}
		if err := g.copyStrided(c, o); err != nil {
			return o, false, 0, err
		}
		return c, false, max(cols, 1), nil
	}
	a, ta, lda, err := prep(a)
	if err != nil {
		return err
	}
	b, tb, ldb, err := prep(b)
	if err != nil {
		return err
	}
	bl, ok := makeLayout(batch, a.strides[:r-2], b.strides[:r-2], dst.strides[:r-2])
	if !ok {
		return errRankTooHigh
	}
	var fam gemmFamily
	switch dst.dtype {
	case dtF32:
		switch {
		case gemmForce == "64":
			fam = kSgemm64
		case gemmForce == "128x64":
			fam = kSgemm128x64
		case gemmForce == "128":
			fam = kSgemm128
		case g.smallGemm(m, n, count):
			fam = kSgemm64
		default:
			fam = kSgemm128
		}
	case dtF64:
		fam = kDgemm64
	default:
		panic(fmt.Sprintf("cuda: MatMul: dtype %d not supported", dst.dtype))
	}
	kern := fam.k[b2i(ta)][b2i(tb)]
	var args argBuffer
	args.layout(&bl)
	args.ptr(a.ptr())
	args.ptr(b.ptr())
	args.ptr(dst.ptr())
	args.i64(int64(m))
	args.i64(int64(n))
	args.i64(int64(k))
	args.i64(int64(lda))
	args.i64(int64(ldb))
	args.i64(int64(n))
	args.f64(alpha)
	args.f64(beta)
	grid := dim3{uint32((n + fam.bn - 1) / fam.bn), uint32((m + fam.bm - 1) / fam.bm), uint32(min(count, 65535))}
	if grid.y > 65535 {
		return fmt.Errorf("cuda: MatMul: %d rows exceed the grid", m)
	}
	return g.launch(kern, grid, dim3{256, 1, 1}, 0, &args)
}

// smallGemm reports whether 128×128 tiles would leave the GPU mostly idle,
// so that 64×64 tiles are the better choice.
func (g *GPU) smallGemm(m, n, count int) bool {
	tiles := ((m + 127) / 128) * ((n + 127) / 128) * count
	return tiles < 2*max(1, g.props.Multiprocessors)
}

func contiguousStridesOf(shape []int) []int {
	s := make([]int, len(shape))
	acc := 1
	for i := len(shape) - 1; i >= 0; i-- {
		s[i] = acc
		acc *= shape[i]
	}
	return s
}
