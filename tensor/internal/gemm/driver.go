package gemm

import (
	"sync"
	"sync/atomic"
	"unsafe"

	"github.com/goformer/goformer/internal/cpu"
	"github.com/goformer/goformer/internal/parallel"
)

// The product is computed BLIS-style. C is cut into column blocks of at
// most nc columns and the k dimension into blocks of at most kc; each pair
// (column block, k block) is a stage. In a stage, the kc×nc block of op(B)
// is packed once into nr-wide panels that every worker shares (it lives in
// L3), then row chunks of C (at most mc rows) are handed out: the worker
// packs its mc×kc block of op(A) (which stays in its private L2) into mr-row
// panels, and for each B panel (kept in L1) runs the micro-kernel down the
// rows. Workers pack the B panels of a stage together and may start packing
// the next stage while others finish the current one (B is double
// buffered), so the only waits are for panels another worker is packing.

// blocking holds the cache block sizes for one kernel.
type blocking struct {
	kc, mc, nc int
	aInner     bool // loop over B panels inside the loop over A tiles
}

// blockSizes derives the cache blocking from the cache sizes: a kc×nr B
// panel fills about half of L1, an mc×kc A block about half of L2, and a
// kc×nc B block at most a third of L3.
func blockSizes(mr, nr, size int, c cpu.CacheSizes) blocking {
	kc := c.L1D / 2 / (nr * size)
	kc = min(max(kc&^7, 64), 1024)
	mc := c.L2 / 2 / (kc * size)
	mc = min(max(mc/mr*mr, mr), 4096/mr*mr)
	nc := c.L3 / 3 / (kc * size)
	nc = min(max(nc/nr*nr, nr), 8192/nr*nr)
	return blocking{kc: kc, mc: mc, nc: nc}
}

// cacheLine is the alignment of packed buffers.
const cacheLine = 64

// alignedBuf is a reusable buffer whose view starts on a cache line.
type alignedBuf[T float32 | float64] struct {
	raw []T
}

// slice returns n cache-line-aligned elements, reusing the buffer when it
// is large enough.
func (b *alignedBuf[T]) slice(n int) []T {
	var zero T
	size := int(unsafe.Sizeof(zero))
	pad := cacheLine / size
	if len(b.raw) < n+pad {
		b.raw = make([]T, n+pad)
	}
	off := int(uintptr(unsafe.Pointer(&b.raw[0]))%cacheLine) / size
	if off != 0 {
		off = pad - off
	}
	return b.raw[off : off+n : off+n]
}

// stageCounter tracks one stage, on its own cache line.
type stageCounter struct {
	nextPack atomic.Int32 // pack items claimed
	packed   atomic.Int32 // pack items finished
	computed atomic.Int32 // compute items finished
	_        [cacheLine - 12]byte
}

// Compute item states.
const (
	itemFree int32 = iota
	itemClaimed
	itemDone
)

// workerBufs are one worker's private buffers.
type workerBufs[T float32 | float64] struct {
	a, tile       []T // packed A block; an mr×nr tile for the edges of C
	aBuf, tileBuf alignedBuf[T]
	_             [cacheLine]byte
}

// job is one call of the product, shared by the workers.
type job[T float32 | float64] struct {
	k *kernel[T]

	transA, transB bool
	m, n, kk       int
	alpha, beta    T
	a, b, c        []T
	lda, ldb, ldc  int

	kc, nc       int // block sizes for this product
	aInner       bool
	kBlocks      int // stages per column block
	stages       int
	chunkRows    int // rows of C per compute item (a multiple of mr)
	chunks       int // compute items per stage
	packPerStage int // maximum pack items per stage

	ctr     []stageCounter
	items   []atomic.Int32 // state of compute item c of stage s at s·chunks+c
	workers int
	bpanels [2][]T
	bBufs   [2]alignedBuf[T]
	bufs    []workerBufs[T]
}

func ceilDiv(a, b int) int { return (a + b - 1) / b }

// stageShape returns the column block and k block of stage s.
func (j *job[T]) stageShape(s int) (jc, ncur, pc, kcur int) {
	jb, pb := s/j.kBlocks, s%j.kBlocks
	jc = jb * j.nc
	ncur = min(j.nc, j.n-jc)
	pc, kcur = kBlock(j.kk, j.kBlocks, pb)
	return
}

// kBlock returns the start and size of block b when kk elements are cut
// into blocks blocks as even as possible: the first kk%blocks get one
// more.
func kBlock(kk, blocks, b int) (pc, kcur int) {
	base, extra := kk/blocks, kk%blocks
	pc = b*base + min(b, extra)
	kcur = base
	if b < extra {
		kcur++
	}
	return
}

// packItems returns how many pack items stage s has and how many panels
// each covers.
func (j *job[T]) packItems(s int) (items, perItem int) {
	_, ncur, _, _ := j.stageShape(s)
	panels := ceilDiv(ncur, j.k.nr)
	items = min(panels, j.packPerStage)
	perItem = ceilDiv(panels, items)
	return ceilDiv(panels, perItem), perItem
}

// setup fills the job for a product and sizes its buffers for w workers.
func (j *job[T]) setup(k *kernel[T], bl blocking, w int, transA, transB bool, m, n, kk int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	j.k = k
	j.transA, j.transB = transA, transB
	j.m, j.n, j.kk = m, n, kk
	j.alpha, j.beta = alpha, beta
	j.a, j.b, j.c = a, b, c
	j.lda, j.ldb, j.ldc = lda, ldb, ldc

	j.aInner = bl.aInner
	j.kBlocks = ceilDiv(kk, bl.kc)
	j.kc = ceilDiv(kk, j.kBlocks)
	j.nc = min(bl.nc, ceilDiv(n, k.nr)*k.nr)
	j.stages = ceilDiv(n, j.nc) * j.kBlocks

	tiles := ceilDiv(m, k.mr)
	chunks := max(ceilDiv(m, bl.mc), min(w, tiles))
	j.chunkRows = ceilDiv(tiles, chunks) * k.mr
	j.chunks = ceilDiv(m, j.chunkRows)
	j.packPerStage = 2 * w
	if w == 1 {
		j.packPerStage = 1
	}

	j.workers = w
	if cap(j.ctr) < j.stages {
		j.ctr = make([]stageCounter, j.stages)
	}
	j.ctr = j.ctr[:j.stages]
	for i := range j.ctr {
		j.ctr[i].nextPack.Store(0)
		j.ctr[i].packed.Store(0)
		j.ctr[i].computed.Store(0)
	}
	if n := j.stages * j.chunks; cap(j.items) < n {
		j.items = make([]atomic.Int32, n)
	} else {
		j.items = j.items[:n]
	}
	for i := range j.items {
		j.items[i].Store(itemFree)
	}
	bsize := j.kc * ceilDiv(j.nc, k.nr) * k.nr
	nbuf := min(j.stages, 2)
	for i := range nbuf {
		j.bpanels[i] = j.bBufs[i].slice(bsize)
	}
	if len(j.bufs) < w {
		j.bufs = append(j.bufs, make([]workerBufs[T], w-len(j.bufs))...)
	}
	asize := j.kc * j.chunkRows
	for i := range w {
		j.bufs[i].a = j.bufs[i].aBuf.slice(asize)
		j.bufs[i].tile = j.bufs[i].tileBuf.slice(k.mr * k.nr)
	}
}

// release drops the references to the caller's matrices.
func (j *job[T]) release() {
	j.a, j.b, j.c = nil, nil, nil
	j.k = nil
}

// Run is the parallel.Task: every worker walks the stages in order, packs
// B panels while any are left, then computes row chunks. A worker starts
// with the chunks it computed in the previous stage (so C rows stay in its
// cache and it rarely waits) and then takes any chunk still free.
//
// Waits, all for items another worker has claimed and is running: a
// compute item waits for the stage's B panels; packing into a buffer waits
// until the stage that last used it is computed; chunk c of a k block after
// the first waits for chunk c of the previous k block, which accumulates
// into the same rows of C.
func (j *job[T]) Run(worker int) {
	buf := &j.bufs[worker]
	first := worker * j.chunks / j.workers
	for s := 0; s < j.stages; s++ {
		ctr := &j.ctr[s]
		packs, perItem := j.packItems(s)
		waitedPrev := false
		for {
			i := int(ctr.nextPack.Add(1) - 1)
			if i >= packs {
				break
			}
			if s >= 2 && !waitedPrev {
				waitFor(&j.ctr[s-2].computed, int32(j.chunks))
				waitedPrev = true
			}
			j.packB(s, i*perItem, perItem)
			ctr.packed.Add(1)
		}
		items := j.items[s*j.chunks : (s+1)*j.chunks]
		for t := range j.chunks {
			c := (first + t) % j.chunks
			if items[c].Load() != itemFree || !items[c].CompareAndSwap(itemFree, itemClaimed) {
				continue
			}
			waitFor(&ctr.packed, int32(packs))
			if s%j.kBlocks != 0 {
				waitFor(&j.items[(s-1)*j.chunks+c], itemDone)
			}
			j.compute(s, c, buf)
			items[c].Store(itemDone)
			ctr.computed.Add(1)
		}
	}
}

// serial runs the whole product on the calling goroutine with worker 0's
// buffers.
func (j *job[T]) serial() {
	for s := 0; s < j.stages; s++ {
		packs, perItem := j.packItems(s)
		for i := range packs {
			j.packB(s, i*perItem, perItem)
		}
		for c := range j.chunks {
			j.compute(s, c, &j.bufs[0])
		}
	}
}

// waitFor waits for an item another worker has claimed and is running.
func waitFor(c *atomic.Int32, want int32) { parallel.WaitAtLeast(c, want) }

// packB packs panels [q0, q0+count) of stage s.
func (j *job[T]) packB(s, q0, count int) {
	jc, ncur, pc, kcur := j.stageShape(s)
	nr := j.k.nr
	panels := ceilDiv(ncur, nr)
	q1 := min(q0+count, panels)
	dst := j.bpanels[s%2]
	full := min(q1, ncur/nr) // panels with all nr columns present
	if q0 < full {
		n := full - q0
		d := dst[q0*kcur*nr:]
		col := jc + q0*nr
		if !j.transB {
			src := j.b[pc*j.ldb+col:]
			if j.k.packBN != nil {
				j.k.packBN(&d[0], &src[0], kcur, j.ldb, n)
			} else {
				packRows(d, src, kcur, j.ldb, nr, nr, n)
			}
		} else {
			src := j.b[col*j.ldb+pc:]
			if j.k.packBT != nil {
				kfull := kcur / j.k.btStep * j.k.btStep
				if kfull > 0 {
					j.k.packBT(&d[0], &src[0], kcur, j.ldb, n)
				}
				packColsFrom(d, src, kcur, j.ldb, nr, nr, n, kfull)
			} else {
				packCols(d, src, kcur, j.ldb, nr, nr, n)
			}
		}
	}
	if q1 > full && full >= q0 { // the last, partial panel
		q := full
		w := ncur - q*nr
		d := dst[q*kcur*nr : (q+1)*kcur*nr]
		col := jc + q*nr
		if !j.transB {
			packRows(d, j.b[pc*j.ldb+col:], kcur, j.ldb, nr, w, 1)
		} else {
			packCols(d, j.b[col*j.ldb+pc:], kcur, j.ldb, nr, w, 1)
		}
	}
}

// packRows packs `panels` panels of width nr from a matrix whose rows run
// along the panel (src[p·ld + j] is element (p, j)): panel q holds, for each
// p < kc, the nr elements src[p·ld + q·nr + j]. Only the first w columns of
// each panel are read; the rest are zero.
func packRows[T float32 | float64](dst, src []T, kc, ld, nr, w, panels int) {
	for q := range panels {
		d := dst[q*kc*nr : (q+1)*kc*nr]
		for p := range kc {
			row := d[p*nr : p*nr+nr]
			copy(row[:w], src[p*ld+q*nr:p*ld+q*nr+w])
			clear(row[w:])
		}
	}
}

// packCols packs panels from a matrix stored the other way round
// (src[j·ld + p] is element (p, j)): panel q holds, for each p < kc, the nr
// elements src[(q·nr + j)·ld + p]. Only the first w of each panel's nr
// lines are read; the rest are zero.
func packCols[T float32 | float64](dst, src []T, kc, ld, nr, w, panels int) {
	for q := range panels {
		d := dst[q*kc*nr : (q+1)*kc*nr]
		for jj := range w {
			line := src[(q*nr+jj)*ld : (q*nr+jj)*ld+kc]
			for p, v := range line {
				d[p*nr+jj] = v
			}
		}
		if w < nr {
			for p := range kc {
				clear(d[p*nr+w : p*nr+nr])
			}
		}
	}
}

// packColsFrom is packCols for whole panels, filling only the values
// p0 ≤ p < kc.
func packColsFrom[T float32 | float64](dst, src []T, kc, ld, nr, w, panels, p0 int) {
	if p0 >= kc {
		return
	}
	for q := range panels {
		d := dst[q*kc*nr : (q+1)*kc*nr]
		for jj := range w {
			line := src[(q*nr+jj)*ld+p0 : (q*nr+jj)*ld+kc]
			for p, v := range line {
				d[(p0+p)*nr+jj] = v
			}
		}
	}
}

// compute runs compute item c of stage s: rows [c·chunkRows, ...) of C
// against every B panel of the stage.
func (j *job[T]) compute(s, c int, buf *workerBufs[T]) {
	jc, ncur, pc, kcur := j.stageShape(s)
	k := j.k
	mr, nr := k.mr, k.nr
	i0 := c * j.chunkRows
	rows := min(j.chunkRows, j.m-i0)
	tiles := ceilDiv(rows, mr)

	// Pack A: tile t occupies a[t·mr·kcur : (t+1)·mr·kcur].
	pa := buf.a[:tiles*mr*kcur]
	fn := k.r
	if j.transA {
		// op(A)[i, p] = a[p·lda + i]: mr consecutive elements per p.
		fn = k.p
		packRows(pa, j.a[pc*j.lda+i0:], kcur, j.lda, mr, mr, rows/mr)
		if r := rows % mr; r != 0 {
			t := rows / mr
			packRows(pa[t*mr*kcur:], j.a[pc*j.lda+i0+t*mr:], kcur, j.lda, mr, r, 1)
		}
	} else {
		// Row by row: tile row ii at pa[t·mr·kcur + ii·kcur].
		for i := range tiles * mr {
			d := pa[i*kcur : (i+1)*kcur]
			if i < rows {
				o := (i0+i)*j.lda + pc
				copy(d, j.a[o:o+kcur])
			} else {
				clear(d)
			}
		}
	}

	beta, flags := j.beta, 0
	if pc > 0 {
		beta, flags = 1, 1
	} else if j.beta != 0 {
		flags = 1
	}
	panels := ceilDiv(ncur, nr)
	bp := j.bpanels[s%2]
	tile := func(q, t int) {
		bq := &bp[q*kcur*nr]
		col := jc + q*nr
		w := min(nr, ncur-q*nr)
		at := &pa[t*mr*kcur]
		i := i0 + t*mr
		h := min(mr, j.m-i)
		if h == mr && w == nr {
			fn(kcur, at, bq, &j.c[i*j.ldc+col], j.ldc, j.alpha, beta, flags, kcur)
			return
		}
		tile := buf.tile
		fn(kcur, at, bq, &tile[0], nr, j.alpha, 0, 0, kcur)
		for ii := range h {
			row := j.c[(i+ii)*j.ldc+col : (i+ii)*j.ldc+col+w]
			tr := tile[ii*nr : ii*nr+w]
			if flags == 0 {
				copy(row, tr)
			} else {
				for jj, v := range tr {
					row[jj] = v + T(beta*row[jj]) // C·beta rounded, as the kernels round it
				}
			}
		}
	}
	if j.aInner {
		// A micro-panel in L1, B panels streamed: fewer passes over C
		// with a long kc.
		for t := range tiles {
			for q := range panels {
				tile(q, t)
			}
		}
		return
	}
	for q := range panels {
		for t := range tiles {
			tile(q, t)
		}
	}
}

// scaleC sets C = beta·C (C = 0 when beta is 0), for products with k = 0
// or alpha = 0.
func scaleC[T float32 | float64](m, n int, beta T, c []T, ldc int) {
	for i := range m {
		row := c[i*ldc : i*ldc+n]
		if beta == 0 {
			clear(row)
		} else if beta != 1 {
			for j := range row {
				row[j] *= beta
			}
		}
	}
}

// jobPool keeps jobs, with their packing buffers, between calls. Unlike a
// sync.Pool it is not emptied by the garbage collector, so steady-state
// products never allocate.
type jobPool[T float32 | float64] struct {
	mu   sync.Mutex
	free []*job[T]
}

func (p *jobPool[T]) get() *job[T] {
	p.mu.Lock()
	defer p.mu.Unlock()
	if n := len(p.free); n > 0 {
		j := p.free[n-1]
		p.free = p.free[:n-1]
		return j
	}
	return new(job[T])
}

// maxFreeJobs bounds the memory kept for concurrent callers.
const maxFreeJobs = 8

func (p *jobPool[T]) put(j *job[T]) {
	j.release()
	p.mu.Lock()
	defer p.mu.Unlock()
	if len(p.free) < maxFreeJobs {
		p.free = append(p.free, j)
	}
}

// minParallelFlops is the smallest product (in multiply-adds) split across
// workers; below it the hand-off costs more than it saves.
const minParallelFlops = 1 << 18

// run computes the product with kernel k, using up to w workers.
func run[T float32 | float64](pool *jobPool[T], k *kernel[T], bl blocking, w int, transA, transB bool, m, n, kk int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if kk == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	if m*n*kk < minParallelFlops {
		w = 1
	}
	j := pool.get()
	j.setup(k, bl, w, transA, transB, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc)
	if w == 1 {
		j.serial()
	} else {
		parallel.Run(w, j)
	}
	pool.put(j)
}

// batchJob spreads the products of a batch over the workers, each product
// computed whole by one worker with its own job and buffers.
type batchJob[T float32 | float64] struct {
	k              *kernel[T]
	bl             blocking
	transA, transB bool
	m, n, kk       int
	alpha, beta    T
	a, b, c        []T
	lda, ldb, ldc  int
	bt             Batch
	next           atomic.Int64
	jobs           []*job[T]
}

func (bj *batchJob[T]) Run(worker int) {
	j := bj.jobs[worker]
	for {
		i := int(bj.next.Add(1) - 1)
		if i >= bj.bt.Count {
			return
		}
		ao, bo, co := offset(bj.bt.AOffsets, i), offset(bj.bt.BOffsets, i), offset(bj.bt.COffsets, i)
		runOn(j, bj.k, bj.bl, bj.transA, bj.transB, bj.m, bj.n, bj.kk, bj.alpha, bj.a[ao:], bj.lda, bj.b[bo:], bj.ldb, bj.beta, bj.c[co:], bj.ldc)
	}
}

var (
	sBatchJobs = sync.Pool{New: func() any { return new(batchJob[float32]) }}
	dBatchJobs = sync.Pool{New: func() any { return new(batchJob[float64]) }}
)

// runOn computes one product serially with job j.
func runOn[T float32 | float64](j *job[T], k *kernel[T], bl blocking, transA, transB bool, m, n, kk int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int) {
	if m == 0 || n == 0 {
		return
	}
	if kk == 0 || alpha == 0 {
		scaleC(m, n, beta, c, ldc)
		return
	}
	j.setup(k, bl, 1, transA, transB, m, n, kk, alpha, a, lda, b, ldb, beta, c, ldc)
	j.serial()
}

// runBatch computes a batch of products with up to w workers.
func runBatch[T float32 | float64](pool *jobPool[T], k *kernel[T], bl blocking, w int, transA, transB bool, m, n, kk int, alpha T, a []T, lda int, b []T, ldb int, beta T, c []T, ldc int, bt Batch) {
	count := bt.Count
	if m == 0 || n == 0 {
		return
	}
	if kk == 0 {
		// A and B are empty (their offsets mean nothing): C = beta·C.
		for i := range count {
			scaleC(m, n, beta, c[offset(bt.COffsets, i):], ldc)
		}
		return
	}
	size := m * n * kk
	// One product per worker at a time when there are enough products to
	// keep the workers evenly busy, or when products are too small to split.
	perProduct := count >= 2 && w > 1 && (count >= 4*w || count%w == 0 || size < minParallelFlops)
	if !perProduct || size == 0 {
		for i := range count {
			ao, bo, co := offset(bt.AOffsets, i), offset(bt.BOffsets, i), offset(bt.COffsets, i)
			run(pool, k, bl, w, transA, transB, m, n, kk, alpha, a[ao:], lda, b[bo:], ldb, beta, c[co:], ldc)
		}
		return
	}
	w = min(w, count)
	var bj *batchJob[T]
	switch p := any(&bj).(type) {
	case **batchJob[float32]:
		*p = sBatchJobs.Get().(*batchJob[float32])
	case **batchJob[float64]:
		*p = dBatchJobs.Get().(*batchJob[float64])
	}
	bj.k, bj.bl = k, bl
	bj.transA, bj.transB = transA, transB
	bj.m, bj.n, bj.kk = m, n, kk
	bj.alpha, bj.beta = alpha, beta
	bj.a, bj.b, bj.c = a, b, c
	bj.lda, bj.ldb, bj.ldc = lda, ldb, ldc
	bj.bt = bt
	bj.next.Store(0)
	bj.jobs = bj.jobs[:0]
	for range w {
		bj.jobs = append(bj.jobs, pool.get())
	}
	parallel.Run(w, bj)
	for _, j := range bj.jobs {
		pool.put(j)
	}
	clear(bj.jobs)
	bj.a, bj.b, bj.c, bj.k = nil, nil, nil, nil
	bj.bt = Batch{}
	switch p := any(bj).(type) {
	case *batchJob[float32]:
		sBatchJobs.Put(p)
	case *batchJob[float64]:
		dBatchJobs.Put(p)
	}
}
