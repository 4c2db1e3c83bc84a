package gemm

import "github.com/goformer/goformer/tensor/internal/parallel"

// gemmRef is the plain-Go product shared by float32 and float64: rows of C
// are split across the worker pool; each row accumulates op(A)[i,p]·op(B)[p,:]
// so that the inner loop walks B and C with unit stride when B is not
// transposed.
func gemmRef[T float32 | float64](transA, transB bool, m, n, k int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	grain := max(1, (1<<16)/max(1, n*k))
	parallel.For(m, grain, func(lo, hi int) {
		for i := lo; i < hi; i++ {
			row := c[i*ldc : i*ldc+n]
			if beta == 0 {
				clear(row)
			} else if beta != 1 {
				for j := range row {
					row[j] *= beta
				}
			}
			if alpha == 0 || k == 0 {
				continue
			}
			for p := range k {
				var aip T
				if transA {
					aip = a[p*lda+i]
				} else {
					aip = a[i*lda+p]
				}
				s := alpha * aip
				if s == 0 {
					continue
				}
				if transB {
					for j := range row {
						row[j] += s * b[j*ldb+p]
					}
				} else {
					bp := b[p*ldb : p*ldb+n]
					for j, v := range bp {
						row[j] += s * v
					}
				}
			}
		}
	})
}

func sgemm(transA, transB bool, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}

func dgemm(transA, transB bool, m, n, k int, alpha float64, a []float64, lda int, b []float64, ldb int, beta float64, c []float64, ldc int) {
	gemmRef(transA, transB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
}
