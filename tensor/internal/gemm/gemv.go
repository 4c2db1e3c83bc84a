package gemm

import (
	"sync"

	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/vec"
)

// Products with one row (m = 1, a vector times a matrix) are bound by
// reading B once; packing B and padding the row to a full micro-tile would
// triple the memory traffic and waste most of the arithmetic. With B
// transposed and A not they take the few-row path (small.go), like every
// such product of up to SmallRows rows; the others run here as dot
// products or as axpys over the rows of B, split by columns across
// workers. The same holds for one column (n = 1), by symmetry
// Cᵀ = op(B)ᵀ·op(A)ᵀ.

// gemvTask computes y[j] = alpha·Σ_p x[p]·M[p, j] + beta·y[j] for a row
// vector x of k elements and a k×n matrix M stored row-major (ldm) or
// transposed (element (p, j) at m[j·ldm + p]); x and y have strides incx,
// incy.
type gemvTask struct {
	trans       bool
	n, k        int
	alpha, beta float32
	x           []float32
	incx        int
	m           []float32
	ldm         int
	y           []float32
	incy        int
	xbuf, ybuf  []float32
}

var gemvTasks = sync.Pool{New: func() any { return new(gemvTask) }}

// RunRange computes the columns [lo, hi).
func (t *gemvTask) RunRange(lo, hi int) {
	x := t.x
	if t.incx != 1 {
		// The caller gathered x into xbuf.
		x = t.xbuf
	}
	w := hi - lo
	var out []float32
	if t.incy == 1 {
		out = t.y[lo:hi]
	} else {
		out = t.ybuf[lo:hi]
		for j := range out {
			out[j] = t.y[(lo+j)*t.incy]
		}
	}
	if t.trans {
		for j := range out {
			o := (lo + j) * t.ldm
			d := t.alpha * vec.Dot(x[:t.k], t.m[o:o+t.k])
			if t.beta == 0 {
				out[j] = d
			} else {
				out[j] = d + t.beta*out[j]
			}
		}
	} else {
		if t.beta == 0 {
			clear(out)
		} else if t.beta != 1 {
			vec.Scale(out, t.beta, out)
		}
		for p := range t.k {
			if s := t.alpha * x[p]; s != 0 {
				vec.Axpy(s, t.m[p*t.ldm+lo:p*t.ldm+lo+w], out)
			}
		}
	}
	if t.incy != 1 {
		for j, v := range out {
			t.y[(lo+j)*t.incy] = v
		}
	}
}

// gemv runs a gemvTask over the columns with up to w workers.
func gemv(w int, trans bool, n, k int, alpha float32, x []float32, incx int, m []float32, ldm int, beta float32, y []float32, incy int) {
	t := gemvTasks.Get().(*gemvTask)
	t.trans, t.n, t.k, t.alpha, t.beta = trans, n, k, alpha, beta
	t.x, t.incx, t.m, t.ldm, t.y, t.incy = x, incx, m, ldm, y, incy
	if incx != 1 {
		if cap(t.xbuf) < k {
			t.xbuf = make([]float32, k)
		}
		t.xbuf = t.xbuf[:k]
		for p := range t.xbuf {
			t.xbuf[p] = x[p*incx]
		}
	}
	if incy != 1 {
		if cap(t.ybuf) < n {
			t.ybuf = make([]float32, n)
		}
		t.ybuf = t.ybuf[:n]
	}
	// Columns per chunk: enough work (≥ 32K multiply-adds) to pay for a
	// hand-off; whole cache lines of y.
	grain := max(16, (1<<15)/max(k, 1)+15) &^ 15
	if w <= 1 || n*k < 1<<16 {
		t.RunRange(0, n)
	} else {
		parallel.ForRange(n, grain, t)
	}
	t.x, t.m, t.y = nil, nil, nil
	gemvTasks.Put(t)
}

// sgemmVector computes a float32 product with m = 1 or n = 1 and reports
// whether it did.
func sgemmVector(w int, transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) bool {
	switch {
	case m == 1:
		// C[0, :] = alpha·A[0, :]·op(B) + beta·C[0, :]. A's row has stride
		// lda when A is stored transposed.
		incx := 1
		if transA {
			incx = lda
		}
		gemv(w, transB, n, k, alpha, a, incx, b, ldb, beta, c, 1)
		return true
	case n == 1:
		// C[:, 0] = alpha·op(A)·B[:, 0] + beta·C[:, 0], that is
		// Cᵀ = alpha·B[:, 0]ᵀ·op(A)ᵀ + beta·Cᵀ: a row vector times op(A)ᵀ,
		// which is stored transposed exactly when A is not.
		incx := ldb
		if transB {
			incx = 1
		}
		gemv(w, !transA, m, k, alpha, b, incx, a, lda, beta, c, ldc)
		return true
	}
	return false
}
