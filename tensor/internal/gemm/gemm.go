// Package gemm multiplies row-major matrices: C = alpha·op(A)·op(B) + beta·C,
// where op(X) is X or its transpose, for float32 (Sgemm) and float64 (Dgemm),
// single or batched.
//
// Matrices are row-major slices with a leading dimension (the distance
// between the starts of two rows), as in CBLAS with CblasRowMajor. When
// transA is false A is m×k with lda ≥ k; when true A is stored k×m with
// lda ≥ m. Likewise B is k×n (ldb ≥ n) or stored n×k (ldb ≥ k). C is m×n with
// ldc ≥ n. When beta is 0, C is not read (NaNs in C do not propagate), as in
// BLAS.
//
// Callers (the tensor package) check shapes; these functions panic on
// slices too short for the given dimensions.
package gemm

import (
	"fmt"

	"github.com/goformer/goformer/internal/parallel"
)

// Batch describes a batched product: Count products whose operands start at
// the given element offsets into the shared A, B and C slices. Offsets let
// the tensor package express broadcast batch dimensions (an offset repeated)
// without copies. A nil AOffsets or BOffsets means every product uses the
// matrix at offset 0; COffsets may be nil only when Count ≤ 1, since outputs
// must not overlap.
type Batch struct {
	Count    int
	AOffsets []int
	BOffsets []int
	COffsets []int
}

func checkLen(name string, have, rows, cols, ld int) {
	if rows == 0 || cols == 0 {
		return
	}
	if ld < cols {
		panic(fmt.Sprintf("gemm: leading dimension of %s is %d, below its %d columns", name, ld, cols))
	}
	if need := (rows-1)*ld + cols; have < need {
		panic(fmt.Sprintf("gemm: %s has %d elements, needs %d for %d×%d with ld %d", name, have, need, rows, cols, ld))
	}
}

func checkArgs(transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int) {
	if m < 0 || n < 0 || k < 0 {
		panic(fmt.Sprintf("gemm: negative dimension m=%d n=%d k=%d", m, n, k))
	}
	if transA {
		checkLen("A", lenA, k, m, lda)
	} else {
		checkLen("A", lenA, m, k, lda)
	}
	if transB {
		checkLen("B", lenB, n, k, ldb)
	} else {
		checkLen("B", lenB, k, n, ldb)
	}
	checkLen("C", lenC, m, n, ldc)
}

// Sgemm computes C = alpha·op(A)·op(B) + beta·C in float32, using every core
// for large products.
func Sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	sgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

// Dgemm computes C = alpha·op(A)·op(B) + beta·C in float64.
func Dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	checkArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc)
	dgemm(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func offset(offs []int, i int) int {
	if offs == nil {
		return 0
	}
	return offs[i]
}

func checkBatch(bt Batch) {
	if bt.Count < 0 {
		panic(fmt.Sprintf("gemm: negative batch count %d", bt.Count))
	}
	for _, o := range [][]int{bt.AOffsets, bt.BOffsets, bt.COffsets} {
		if o != nil && len(o) < bt.Count {
			panic(fmt.Sprintf("gemm: batch of %d products has only %d offsets", bt.Count, len(o)))
		}
	}
	if bt.Count > 1 && bt.COffsets == nil {
		panic("gemm: a batch of several products needs COffsets (outputs must not overlap)")
	}
}

// checkBatchArgs checks every product of a batch before any work starts,
// so that a bad offset panics in the caller rather than in a worker.
func checkBatchArgs(transA, transB bool, m, n, k, lenA, lda, lenB, ldb, lenC, ldc int, bt Batch) {
	checkBatch(bt)
	// An empty operand (k = 0 for A and B, m or n = 0 for C) is never
	// touched, so its offset may point anywhere, as strided views of empty
	// tensors do.
	emptyA, emptyB, emptyC := m == 0 || k == 0, k == 0 || n == 0, m == 0 || n == 0
	for i := range bt.Count {
		ao, bo, co := offset(bt.AOffsets, i), offset(bt.BOffsets, i), offset(bt.COffsets, i)
		if (!emptyA && (ao < 0 || ao > lenA)) || (!emptyB && (bo < 0 || bo > lenB)) || (!emptyC && (co < 0 || co > lenC)) {
			panic(fmt.Sprintf("gemm: batch product %d has offsets A %d, B %d, C %d outside slices of %d, %d, %d elements", i, ao, bo, co, lenA, lenB, lenC))
		}
		restA, restB, restC := 0, 0, 0
		if !emptyA {
			restA = lenA - ao
		}
		if !emptyB {
			restB = lenB - bo
		}
		if !emptyC {
			restC = lenC - co
		}
		checkArgs(transA, transB, m, n, k, restA, lda, restB, ldb, restC, ldc)
	}
}

// SgemmBatch computes bt.Count float32 products; product i reads A from
// a[bt.AOffsets[i]:], B from b[bt.BOffsets[i]:] and writes C at
// c[bt.COffsets[i]:]. Output matrices must not overlap. Small products are
// spread over the workers one whole product each; large ones use every
// worker in turn.
func SgemmBatch(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, bt Batch) {
	checkBatchArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc, bt)
	if alpha != 0 && small(transA, transB, m, n, k) {
		smallBatch(sDots, parallel.Workers(), m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bt)
		return
	}
	runBatch(&sJobs, sKernel, sBlock, parallel.Workers(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bt)
}

// DgemmBatch is SgemmBatch in float64.
func DgemmBatch(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int, bt Batch) {
	checkBatchArgs(transA, transB, m, n, k, len(a), lda, len(b), ldb, len(c), ldc, bt)
	runBatch(&dJobs, dKernel, dBlock, parallel.Workers(), transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, bt)
}
