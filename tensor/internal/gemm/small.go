package gemm

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/goformer/goformer/internal/cpu"
	"github.com/goformer/goformer/internal/parallel"
)

// Products with few rows and a transposed B, C = alpha·A·Bᵀ + beta·C with
// A [m, k] row-major and B stored [n, k] (x·Wᵀ for a weight W [out, in],
// as nn.Linear keeps it), are what a decoder runs at every generated
// token, one row per sequence. Packing B for them would cost more than the
// product: every element of C is a dot product of a row of A and a row of
// B, both contiguous, so the few-row path reads B in place, once for all
// the rows of A, register-blocked over up to 4 rows of A and 6 to 8 rows
// of B, and splits the columns of C (rows of B) across the workers.
//
// Batch invariance: each element of C is computed by the same arithmetic
// whatever the block, the split and the number of rows (see
// internal/_asm/gemm/dot.go for the order: W-lane partial sums of
// fused products, summed by halving, then alpha and beta). A row of C
// therefore depends only on its row of A, on B and on the kernel level in
// use — never on how many rows the product has, nor where in the product
// the row sits — for every product this path takes: m ≤ SmallRows, B
// transposed, A not.

// SmallRows is the largest number of rows of A for which a product with a
// transposed B takes the few-row path (and so rounds each row alike
// whatever the number of rows).
const SmallRows = 16

// dotFunc computes an mr×nr block of C = alpha·A·Bᵀ (+ beta·C when flags
// bit 0 is set) from the rows a + i·lda of A and b + j·ldb of B, k
// elements each.
type dotFunc func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int)

// dotSet is one kernel level's few-row kernels: block[mr] computes mr rows
// by nr[mr] columns, edge[mr] mr rows by one column.
type dotSet struct {
	name  string
	nr    [5]int
	block [5]dotFunc
	edge  [5]dotFunc
}

// dotCols is the column block of the driver: a multiple of every nr, so
// that only the last block of a product has partial kernels.
const dotCols = 24

// goLanes is the number of partial sums per dot product in the portable
// kernel.
const goLanes = 8

// dotGo is the portable kernel of any mr×nr block, with the arithmetic of
// the assembly kernels on 8 lanes, unfused: lane l sums the products of
// the elements p ≡ l (mod 8), the lanes are summed by halving, and the sum
// s is stored as alpha·s (+ beta·C), each operation rounded. The explicit
// conversions keep the compiler from fusing a multiply into an add, so
// that the result is the same on every architecture.
func dotGo(mr, nr, k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int) {
	as := unsafe.Slice(a, (mr-1)*lda+k)
	bs := unsafe.Slice(b, (nr-1)*ldb+k)
	cs := unsafe.Slice(c, (mr-1)*ldc+nr)
	for i := range mr {
		x := as[i*lda : i*lda+k : i*lda+k]
		for j := range nr {
			s := dotLanes(x, bs[j*ldb:j*ldb+k:j*ldb+k])
			v := float32(alpha * s)
			if flags&1 != 0 {
				v += float32(beta * cs[i*ldc+j])
			}
			cs[i*ldc+j] = v
		}
	}
}

// dotLanes is the 8-lane dot product of dotGo.
func dotLanes(x, y []float32) float32 {
	var s0, s1, s2, s3, s4, s5, s6, s7 float32
	y = y[:len(x)]
	p := 0
	for ; p+goLanes <= len(x); p += goLanes {
		xs, ys := x[p:p+goLanes:p+goLanes], y[p:p+goLanes:p+goLanes]
		s0 += float32(xs[0] * ys[0])
		s1 += float32(xs[1] * ys[1])
		s2 += float32(xs[2] * ys[2])
		s3 += float32(xs[3] * ys[3])
		s4 += float32(xs[4] * ys[4])
		s5 += float32(xs[5] * ys[5])
		s6 += float32(xs[6] * ys[6])
		s7 += float32(xs[7] * ys[7])
	}
	if r := len(x) - p; r > 0 {
		// Zero-filled lanes, as the masked loads of the kernels.
		var xs, ys [goLanes]float32
		copy(xs[:], x[p:])
		copy(ys[:], y[p:])
		s0 += float32(xs[0] * ys[0])
		s1 += float32(xs[1] * ys[1])
		s2 += float32(xs[2] * ys[2])
		s3 += float32(xs[3] * ys[3])
		s4 += float32(xs[4] * ys[4])
		s5 += float32(xs[5] * ys[5])
		s6 += float32(xs[6] * ys[6])
		s7 += float32(xs[7] * ys[7])
	}
	s0, s1, s2, s3 = s0+s4, s1+s5, s2+s6, s3+s7
	s0, s1 = s0+s2, s1+s3
	return s0 + s1
}

// goDots returns the portable few-row kernels.
func goDots() *dotSet {
	d := &dotSet{name: "go"}
	for mr := 1; mr <= 4; mr++ {
		d.nr[mr] = 4
		d.block[mr] = func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int) {
			dotGo(mr, 4, k, a, lda, b, ldb, c, ldc, alpha, beta, flags)
		}
		d.edge[mr] = func(k int, a *float32, lda int, b *float32, ldb int, c *float32, ldc int, alpha, beta float32, flags int) {
			dotGo(mr, 1, k, a, lda, b, ldb, c, ldc, alpha, beta, flags)
		}
	}
	return d
}

// sDots is the few-row kernel set in use.
var sDots = dotsFor(cpu.Active)

// smallTask is one few-row product, split by blocks of dotCols columns.
type smallTask struct {
	d             *dotSet
	m, n, k       int
	alpha, beta   float32
	flags         int
	a, b, c       []float32
	lda, ldb, ldc int
}

var smallTasks = sync.Pool{New: func() any { return new(smallTask) }}

// RunRange computes the column blocks [lo, hi): for each block (its rows
// of B stay in cache), every group of up to 4 rows of A.
func (t *smallTask) RunRange(lo, hi int) {
	d := t.d
	for blk := lo; blk < hi; blk++ {
		j0, j1 := blk*dotCols, min((blk+1)*dotCols, t.n)
		for i := 0; i < t.m; i += 4 {
			mr := min(4, t.m-i)
			nr, fn, edge := d.nr[mr], d.block[mr], d.edge[mr]
			a := &t.a[i*t.lda]
			j := j0
			for ; j+nr <= j1; j += nr {
				fn(t.k, a, t.lda, &t.b[j*t.ldb], t.ldb, &t.c[i*t.ldc+j], t.ldc, t.alpha, t.beta, t.flags)
			}
			for ; j < j1; j++ {
				edge(t.k, a, t.lda, &t.b[j*t.ldb], t.ldb, &t.c[i*t.ldc+j], t.ldc, t.alpha, t.beta, t.flags)
			}
		}
	}
}

// minSmallParallel is the fewest multiply-adds worth splitting across
// workers on the few-row path.
const minSmallParallel = 1 << 16

// sgemmSmall computes C = alpha·A·Bᵀ + beta·C for 1 ≤ m ≤ SmallRows, k ≥ 1
// and A row-major, with up to w workers.
func sgemmSmall(d *dotSet, w, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	t := smallTasks.Get().(*smallTask)
	t.d, t.m, t.n, t.k = d, m, n, k
	t.alpha, t.beta, t.flags = alpha, beta, 0
	if beta != 0 {
		t.flags = 1
	}
	t.a, t.b, t.c = a, b, c
	t.lda, t.ldb, t.ldc = lda, ldb, ldc
	blocks := ceilDiv(n, dotCols)
	if work := m * n * k; w <= 1 || work < minSmallParallel || blocks == 1 {
		t.RunRange(0, blocks)
	} else {
		// Chunks of at least 64K multiply-adds, and up to 4 per worker.
		grain := max(1, minSmallParallel/(m*k*dotCols))
		parallel.ForRange(blocks, grain, t)
	}
	t.a, t.b, t.c, t.d = nil, nil, nil, nil
	smallTasks.Put(t)
}

// small reports whether a product takes the few-row path.
func small(transA, transB bool, m, n, k int) bool {
	return !transA && transB && m >= 1 && m <= SmallRows && n >= 1 && k >= 1
}

// smallBatchJob spreads the few-row products of a batch over the workers,
// one whole product each.
type smallBatchJob struct {
	d             *dotSet
	m, n, k       int
	alpha, beta   float32
	a, b, c       []float32
	lda, ldb, ldc int
	bt            Batch
	next          atomic.Int64
}

var smallBatchJobs = sync.Pool{New: func() any { return new(smallBatchJob) }}

func (j *smallBatchJob) Run(int) {
	for {
		i := int(j.next.Add(1) - 1)
		if i >= j.bt.Count {
			return
		}
		ao, bo, co := offset(j.bt.AOffsets, i), offset(j.bt.BOffsets, i), offset(j.bt.COffsets, i)
		sgemmSmall(j.d, 1, j.m, j.n, j.k, j.alpha, j.a[ao:], j.lda, j.b[bo:], j.ldb, j.beta, j.c[co:], j.ldc)
	}
}

// smallBatch computes a batch of few-row products: one product per worker
// at a time when there are several, each product split across the workers
// otherwise. Either way every product has the arithmetic of sgemmSmall.
func smallBatch(d *dotSet, w, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int, bt Batch) {
	if bt.Count < 2 || w <= 1 {
		for i := range bt.Count {
			ao, bo, co := offset(bt.AOffsets, i), offset(bt.BOffsets, i), offset(bt.COffsets, i)
			sgemmSmall(d, w, m, n, k, alpha, a[ao:], lda, b[bo:], ldb, beta, c[co:], ldc)
		}
		return
	}
	j := smallBatchJobs.Get().(*smallBatchJob)
	j.d, j.m, j.n, j.k = d, m, n, k
	j.alpha, j.beta = alpha, beta
	j.a, j.b, j.c = a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc
	j.bt = bt
	j.next.Store(0)
	parallel.Run(min(w, bt.Count), j)
	j.a, j.b, j.c, j.d = nil, nil, nil, nil
	j.bt = Batch{}
	smallBatchJobs.Put(j)
}
