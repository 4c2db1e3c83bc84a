package gemm

import (
	"sync"
	"sync/atomic"

	"github.com/goformer/goformer/internal/parallel"
)

// Products x·Wᵀ with many rows (a prompt of T tokens through nn.Linear:
// x [T, in], W [out, in]) would pack the whole of W into transposed panels
// at every call, though W is usually the larger operand (a GPT-2 layer's
// weights are 768×2304 against 128×768 for 128 tokens; the LM head
// 50257×768). Computed the other way round, Cᵀ = W·xᵀ, the rows of W are
// what the row micro-kernel reads, and it reads them in place: only x is
// packed, and the kernel stores its tiles transposed (kernel.rt).
//
// The loop nest keeps everything where it is reused: x is packed once per
// block of tokens (sized to the L2 cache), the workers share out the rows
// of W eight at a time, and for each 8-row tile of W (in L1) and each
// 32-token panel of x, the k blocks run innermost, so that the tile of C
// they accumulate into stays in L1 and W streams from memory once per
// token block.
//
// Each element of C is computed by the same operations as by the packed
// product (run): the fused products in increasing k within each k block
// of the same sizes, each block's sum stored as alpha·s + beta·C with
// beta = 1 after the first. With alpha = 1 (every Linear) the two paths
// agree bit for bit, so which one a product takes never shows in its
// result.

// useXW reports whether a float32 product takes the swapped path: A
// row-major, B transposed, a kernel that stores transposed, and from one
// whole panel of rows (32) to a few hundred, above which packing W costs
// little per row and the packed product is as fast.
func useXW(k *kernel[float32], transA, transB bool, m, n int) bool {
	return k.rt != nil && !transA && transB && m >= k.nr && m <= 256 && n >= k.mr
}

// xwTask is one product C = alpha·x·Wᵀ + beta·C on the swapped path.
type xwTask struct {
	k             *kernel[float32]
	m, n, kk      int
	alpha, beta   float32
	x, w, c       []float32
	ldx, ldw, ldc int

	kBlocks int // k blocks, sized as run sizes them
	t0, tb  int // the token block: rows [t0, t0+tb) of x and C
	xp      []float32
	xpBuf   alignedBuf[float32]
	bufs    []xwBufs
	packer  xwPacker
	grain   int // tiles of W per claim
	next    atomic.Int64
}

// xwBufs are one worker's buffers: a padded copy of the last, partial
// tile of W, and a tile of C for the edges.
type xwBufs struct {
	a, tile       []float32
	aBuf, tileBuf alignedBuf[float32]
	_             [cacheLine]byte
}

var xwTasks = sync.Pool{New: func() any { return new(xwTask) }}

// kBlock returns the start and size of k block b, sized as run sizes
// them.
func (t *xwTask) kBlock(b int) (pc, kcur int) { return kBlock(t.kk, t.kBlocks, b) }

// xwPacker is the parallel.RangeTask that packs the token panels
// [lo, hi) of the current block: panel q, k block b at
// xp[q·kk·nr + pc·nr].
type xwPacker struct{ t *xwTask }

func (p *xwPacker) RunRange(lo, hi int) {
	t := p.t
	nr := t.k.nr
	for q := lo; q < hi; q++ {
		tok := t.t0 + q*nr
		w := min(nr, t.t0+t.tb-tok)
		for b := range t.kBlocks {
			pc, kcur := t.kBlock(b)
			d := t.xp[q*t.kk*nr+pc*nr : q*t.kk*nr+(pc+kcur)*nr]
			src := t.x[tok*t.ldx+pc:]
			if w < nr {
				packCols(d, src, kcur, t.ldx, nr, w, 1)
				continue
			}
			kfull := kcur / t.k.btStep * t.k.btStep
			if kfull > 0 {
				t.k.packBT(&d[0], &src[0], kcur, t.ldx, 1)
			}
			packColsFrom(d, src, kcur, t.ldx, nr, nr, 1, kfull)
		}
	}
}

// computeTiles computes the W tiles [lo, hi) (8 rows each) of the current
// token block with buffers buf.
func (t *xwTask) computeTiles(lo, hi int, buf *xwBufs) {
	k := t.k
	mr, nr := k.mr, k.nr
	panels := ceilDiv(t.tb, nr)
	for tile := lo; tile < hi; tile++ {
		row := tile * mr
		h := min(mr, t.n-row)
		a, rs := t.w[row*t.ldw:], t.ldw
		if h < mr {
			// The last rows of W, padded with zero rows.
			for ii := range mr {
				d := buf.a[ii*t.kk : (ii+1)*t.kk]
				if ii < h {
					copy(d, t.w[(row+ii)*t.ldw:(row+ii)*t.ldw+t.kk])
				} else {
					clear(d)
				}
			}
			a, rs = buf.a, t.kk
		}
		for q := range panels {
			tok := t.t0 + q*nr
			w := min(nr, t.t0+t.tb-tok)
			for b := range t.kBlocks {
				pc, kcur := t.kBlock(b)
				beta, flags := t.beta, 0
				if b > 0 {
					beta, flags = 1, 1
				} else if t.beta != 0 {
					flags = 1
				}
				bp := &t.xp[q*t.kk*nr+pc*nr]
				if h == mr && w == nr {
					k.rt(kcur, &a[pc], bp, &t.c[tok*t.ldc+row], t.ldc, t.alpha, beta, flags, rs)
					continue
				}
				tl := buf.tile
				k.r(kcur, &a[pc], bp, &tl[0], nr, t.alpha, 0, 0, rs)
				// Element (ii, jj) of the tile is C[tok+jj, row+ii].
				for jj := range w {
					crow := t.c[(tok+jj)*t.ldc+row : (tok+jj)*t.ldc+row+h]
					for ii := range crow {
						v := tl[ii*nr+jj]
						if flags == 0 {
							crow[ii] = v
						} else {
							crow[ii] = v + float32(beta*crow[ii])
						}
					}
				}
			}
		}
	}
}

// Run is the parallel.Task of a token block: the workers claim runs of
// tiles of W.
func (t *xwTask) Run(worker int) {
	tiles := ceilDiv(t.n, t.k.mr)
	for {
		lo := int(t.next.Add(int64(t.grain))) - t.grain
		if lo >= tiles {
			return
		}
		t.computeTiles(lo, min(lo+t.grain, tiles), &t.bufs[worker])
	}
}

// runXW computes C = alpha·x·Wᵀ + beta·C for x [m, kk] (ldx) and W stored
// [n, kk] (ldw) with kernel k (k.rt not nil), using up to w workers.
func runXW(k *kernel[float32], bl blocking, w, m, n, kk int, alpha float32, x []float32, ldx int, wt []float32, ldw int, beta float32, c []float32, ldc int) {
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
	t := xwTasks.Get().(*xwTask)
	t.k, t.m, t.n, t.kk = k, m, n, kk
	t.alpha, t.beta = alpha, beta
	t.x, t.w, t.c = x, wt, c
	t.ldx, t.ldw, t.ldc = ldx, ldw, ldc
	t.kBlocks = ceilDiv(kk, bl.kc)
	nr := k.nr
	// Token blocks: the packed x of a block fills at most half the L2
	// (bl.mc·bl.kc elements is that), in whole panels, at least one.
	tb := max(nr, (bl.mc*bl.kc/kk)/nr*nr)
	blocks := ceilDiv(m, tb)
	tb = ceilDiv(ceilDiv(m, blocks), nr) * nr // even blocks
	t.xp = t.xpBuf.slice(ceilDiv(min(tb, m), nr) * nr * kk)
	if len(t.bufs) < w {
		t.bufs = append(t.bufs, make([]xwBufs, w-len(t.bufs))...)
	}
	for i := range w {
		t.bufs[i].a = t.bufs[i].aBuf.slice(k.mr * kk)
		t.bufs[i].tile = t.bufs[i].tileBuf.slice(k.mr * nr)
	}
	tiles := ceilDiv(n, k.mr)
	// Claims of at least 256K multiply-adds, and 8 claims per worker or
	// more, so that a late worker still finds work.
	t.grain = max(1, min(ceilDiv(tiles, 8*w), ceilDiv(1<<18, k.mr*kk*min(tb, m))))
	t.packer.t = t
	for t0 := 0; t0 < m; t0 += tb {
		t.t0, t.tb = t0, min(tb, m-t0)
		panels := ceilDiv(t.tb, nr)
		if w == 1 {
			t.packer.RunRange(0, panels)
			t.computeTiles(0, tiles, &t.bufs[0])
			continue
		}
		parallel.ForRange(panels, 1, &t.packer)
		t.next.Store(0)
		parallel.Run(w, t)
	}
	t.packer.t = nil
	t.x, t.w, t.c, t.k = nil, nil, nil, nil
	xwTasks.Put(t)
}
