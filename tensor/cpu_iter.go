package tensor

import "github.com/goformer/goformer/internal/parallel"

// maxOperands is the most views one strided loop walks together.
const maxOperands = 6

// elemGrain is the number of elements below which an elementwise loop runs
// on the calling goroutine alone.
const elemGrain = 1 << 15

// stridedLoop walks several views of one shape together. Dimensions are
// coalesced first (size-1 dimensions dropped, neighbours that are
// contiguous in every operand merged), so contiguous operands become a
// single run and the loop body sees long rows.
type stridedLoop struct {
	rank  int
	nops  int
	shape [MaxRank]int
	str   [maxOperands][MaxRank]int
	base  [maxOperands]int
}

// newLoop prepares a loop over shape for the given views, which must all
// have that shape (strides of broadcast views are zero).
func newLoop(shape []int, views ...View) stridedLoop {
	var l stridedLoop
	l.nops = len(views)
	for k, v := range views {
		l.base[k] = v.Offset
	}
	// Copy dims, skipping size-1 ones.
	r := 0
	for i, d := range shape {
		if d == 1 {
			continue
		}
		l.shape[r] = d
		for k, v := range views {
			l.str[k][r] = v.Strides[i]
		}
		r++
	}
	// Merge dimension i into i+1 (from the back) when contiguous in all.
	if r > 1 {
		out := r - 1 // the merged dim that dimension i may join
		for i := r - 2; i >= 0; i-- {
			mergeable := true
			for k := range l.nops {
				if l.str[k][i] != l.str[k][out]*l.shape[out] {
					mergeable = false
					break
				}
			}
			if mergeable {
				l.shape[out] *= l.shape[i]
			} else {
				out--
				l.shape[out] = l.shape[i]
				for k := range l.nops {
					l.str[k][out] = l.str[k][i]
				}
			}
		}
		// Shift the compacted dims [out, r) to the front.
		n := r - out
		for i := range n {
			l.shape[i] = l.shape[out+i]
			for k := range l.nops {
				l.str[k][i] = l.str[k][out+i]
			}
		}
		r = n
	}
	if r == 0 { // a single element (or a scalar)
		l.shape[0] = 1
		r = 1
		if numel(shape) == 0 {
			l.shape[0] = 0
		}
	}
	l.rank = r
	return l
}

// size returns the number of elements the loop visits.
func (l *stridedLoop) size() int {
	n := 1
	for i := range l.rank {
		n *= l.shape[i]
	}
	return n
}

// inner returns the length of the innermost run and each operand's stride
// along it.
func (l *stridedLoop) inner() (n int, inc [maxOperands]int) {
	for k := range l.nops {
		inc[k] = l.str[k][l.rank-1]
	}
	return l.shape[l.rank-1], inc
}

// run calls body for every innermost run, with each operand's offset of
// its first element and the run's length, splitting the work over the
// worker pool when there are at least grain elements.
func (l *stridedLoop) run(grain int, body func(off *[maxOperands]int, n int)) {
	l.runIndexed(grain, func(_ int, off *[maxOperands]int, n int) { body(off, n) })
}

// runIndexed is run with the row-major index of each run's first element
// passed to body as well.
func (l *stridedLoop) runIndexed(grain int, body func(idx int, off *[maxOperands]int, n int)) {
	total := l.size()
	if total == 0 {
		return
	}
	in := l.shape[l.rank-1]
	units := total / in // rows, or elements of the single run when rank is 1
	if l.rank == 1 {
		units = in
	}
	if total <= grain || parallel.Workers() <= 1 {
		l.span(0, units, body)
		return
	}
	// The workers get their own copy, so that l itself stays on the
	// caller's stack when the loop runs inline.
	lc := *l
	g := grain
	if lc.rank > 1 {
		g = max(1, grain/in)
	}
	parallel.For(units, g, func(lo, hi int) { lc.span(lo, hi, body) })
}

// span runs units [lo, hi): elements of the single run when rank is 1,
// else rows.
func (l *stridedLoop) span(lo, hi int, body func(idx int, off *[maxOperands]int, n int)) {
	var off [maxOperands]int
	if l.rank == 1 {
		for k := range l.nops {
			off[k] = l.base[k] + lo*l.str[k][0]
		}
		body(lo, &off, hi-lo)
		return
	}
	in := l.shape[l.rank-1]
	var idx [MaxRank]int
	// Decompose row lo into a multi-index over dims [0, rank-1).
	r := lo
	for d := l.rank - 2; d >= 0; d-- {
		idx[d] = r % l.shape[d]
		r /= l.shape[d]
	}
	for k := range l.nops {
		o := l.base[k]
		for d := 0; d < l.rank-1; d++ {
			o += idx[d] * l.str[k][d]
		}
		off[k] = o
	}
	for row := lo; row < hi; row++ {
		body(row*in, &off, in)
		// Advance the multi-index by one row.
		for d := l.rank - 2; d >= 0; d-- {
			idx[d]++
			for k := range l.nops {
				off[k] += l.str[k][d]
			}
			if idx[d] < l.shape[d] {
				break
			}
			for k := range l.nops {
				off[k] -= l.str[k][d] * l.shape[d]
			}
			idx[d] = 0
		}
	}
}

// offsets calls f with the offset of every element of a strided shape in
// row-major order, sequentially. It is for small index computations
// (batch offsets), not for element loops.
func offsets(shape, strides []int, base int, f func(i, off int)) {
	n := numel(shape)
	if n == 0 {
		return
	}
	var idx [MaxRank]int
	off := base
	for i := range n {
		f(i, off)
		for d := len(shape) - 1; d >= 0; d-- {
			idx[d]++
			off += strides[d]
			if idx[d] < shape[d] {
				break
			}
			off -= strides[d] * shape[d]
			idx[d] = 0
		}
	}
}
