package tensor

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/vec"
)

// redBlock describes the reduced block of a reduction: coalesced dims and
// x's strides along them.
type redBlock struct {
	rank  int
	n     int
	shape [MaxRank]int
	str   [MaxRank]int
}

func newRedBlock(shape, strides []int) redBlock {
	v := View{Offset: 0, Shape: shape, Strides: strides}
	l := newLoop(shape, v)
	r := redBlock{rank: l.rank, n: l.size()}
	for i := range l.rank {
		r.shape[i] = l.shape[i]
		r.str[i] = l.str[0][i]
	}
	return r
}

// runs calls f for each contiguous-in-index run of the block starting at
// base: the run's offset, length and stride.
func (r *redBlock) runs(base int, f func(off, n, inc int)) {
	if r.n == 0 {
		return
	}
	in, inc := r.shape[r.rank-1], r.str[r.rank-1]
	if r.rank == 1 {
		f(base, in, inc)
		return
	}
	var idx [MaxRank]int
	off := base
	for {
		f(off, in, inc)
		d := r.rank - 2
		for ; d >= 0; d-- {
			idx[d]++
			off += r.str[d]
			if idx[d] < r.shape[d] {
				break
			}
			off -= r.str[d] * r.shape[d]
			idx[d] = 0
		}
		if d < 0 {
			return
		}
	}
}

func (cpu) Reduce(op ReduceOp, dst, x View, p float64) {
	k := dst.Rank()
	if x.Rank() < k || !equalShapes(x.Shape[:k], dst.Shape) {
		panic(fmt.Sprintf("tensor: Reduce: output %v is not a prefix of input %v", dst.Shape, x.Shape))
	}
	if op == ReduceArgMax || op == ReduceArgMin {
		if dst.DType() != Int32 {
			panic("tensor: Reduce: ArgMax/ArgMin output must be int32")
		}
	} else if dst.DType() != x.DType() {
		panic(fmt.Sprintf("tensor: Reduce: dtypes %s and %s differ", dst.DType(), x.DType()))
	}
	switch x.DType() {
	case Float32:
		reduceTyped[float32](op, dst, x, p)
	case Float64:
		reduceTyped[float64](op, dst, x, p)
	case Int32:
		switch op {
		case ReduceSum, ReduceMax, ReduceMin, ReduceArgMax, ReduceArgMin:
			reduceTyped[int32](op, dst, x, p)
		default:
			unsupported("Reduce "+op.String(), Int32)
		}
	default:
		unsupported("Reduce "+op.String(), x.DType())
	}
}

// reduceTyped reduces x's trailing dims into dst, one output element per
// outer index, with float64 accumulation.
func reduceTyped[T number](op ReduceOp, dst, x View, p float64) {
	k := dst.Rank()
	xs := data[T](x)
	rb := newRedBlock(x.Shape[k:], x.Strides[k:])
	store := storeReduced[T](op, dst)
	outer := numel(dst.Shape)
	if outer == 0 {
		return
	}
	// Whole-block reductions of one big run: split the run over workers.
	if outer == 1 && rb.rank == 1 && rb.n >= 4*elemGrain && parallel.Workers() > 1 {
		v, idx := reduceSplit(op, xs, x.Offset, rb.n, rb.str[0], p)
		store(dst.Offset, v, idx)
		return
	}
	// Column reductions (reduced dims outside the kept ones in memory):
	// accumulate whole rows of kept elements at a time.
	xo := View{Offset: x.Offset, Shape: x.Shape[:k], Strides: x.Strides[:k]}
	ol := newLoop(dst.Shape, dst, xo)
	if ol.rank == 1 && ol.str[1][0] == 1 && ol.str[0][0] == 1 && rb.n > 1 && rb.str[rb.rank-1] != 1 &&
		(op == ReduceSum || op == ReduceMean || op == ReduceMax || op == ReduceMin) {
		reduceColumns(op, xs, x.Offset, dst.Offset, ol.shape[0], &rb, store)
		return
	}
	grain := max(1, elemGrain/max(rb.n, 1))
	// Output index i maps to an x offset through the coalesced outer loop.
	ol.run(grain, func(off *[maxOperands]int, n int) {
		do, xoff := off[0], off[1]
		for range n {
			v, ai := reduceBlockOf(op, xs, xoff, &rb, p)
			store(do, v, ai)
			do += ol.str[0][ol.rank-1]
			xoff += ol.str[1][ol.rank-1]
		}
	})
}

// storeReduced returns a function writing a result at storage offset o
// of dst.
func storeReduced[T number](op ReduceOp, dst View) func(o int, v float64, idx int) {
	if op == ReduceArgMax || op == ReduceArgMin {
		d := i32s(dst)
		return func(o int, _ float64, idx int) { d[o] = int32(idx) }
	}
	d := data[T](dst)
	return func(o int, v float64, _ int) { d[o] = T(v) }
}

// reduceBlockOf reduces one block whose first element is at base.
func reduceBlockOf[T number](op ReduceOp, xs []T, base int, rb *redBlock, p float64) (float64, int) {
	n := rb.n
	switch op {
	case ReduceSum, ReduceMean:
		var s float64
		rb.runs(base, func(off, m, inc int) { s += sumRun(xs, off, m, inc) })
		if op == ReduceMean {
			s /= float64(n)
		}
		return s, 0
	case ReduceMax, ReduceMin:
		if n == 0 {
			return math.NaN(), 0
		}
		best := float64(xs[base])
		rb.runs(base, func(off, m, inc int) { best = extremeRun(op == ReduceMax, best, xs, off, m, inc) })
		return best, 0
	case ReduceArgMax, ReduceArgMin:
		best, bi, i := 0.0, 0, 0
		rb.runs(base, func(off, m, inc int) {
			for range m {
				v := float64(xs[off])
				if i == 0 || better(op == ReduceArgMax, v, best) {
					best, bi = v, i
				}
				off += inc
				i++
			}
		})
		return best, bi
	case ReduceVar:
		var s float64
		rb.runs(base, func(off, m, inc int) { s += sumRun(xs, off, m, inc) })
		mean := s / float64(n)
		var q float64
		rb.runs(base, func(off, m, inc int) {
			for range m {
				d := float64(xs[off]) - mean
				q += d * d
				off += inc
			}
		})
		return q / (float64(n) - p), 0
	case ReduceLogSumExp:
		if n == 0 {
			return math.Inf(-1), 0
		}
		mx := float64(xs[base])
		rb.runs(base, func(off, m, inc int) { mx = extremeRun(true, mx, xs, off, m, inc) })
		if math.IsInf(mx, 0) || mx != mx {
			return mx, 0
		}
		var s float64
		rb.runs(base, func(off, m, inc int) {
			for range m {
				s += math.Exp(float64(xs[off]) - mx)
				off += inc
			}
		})
		return mx + math.Log(s), 0
	}
	panic(fmt.Sprintf("tensor: Reduce: unknown op %v", op))
}

// better reports whether v beats the current best for ArgMax (max true)
// or ArgMin; a NaN beats everything but an earlier NaN.
func better(max bool, v, best float64) bool {
	if best != best {
		return false
	}
	if v != v {
		return true
	}
	if max {
		return v > best
	}
	return v < best
}

func sumRun[T number](xs []T, off, n, inc int) float64 {
	var s float64
	if inc == 1 {
		for _, v := range xs[off : off+n] {
			s += float64(v)
		}
		return s
	}
	for range n {
		s += float64(xs[off])
		off += inc
	}
	return s
}

// extremeRun folds a run into best (max or min), propagating NaN.
func extremeRun[T number](max bool, best float64, xs []T, off, n, inc int) float64 {
	if best != best {
		return best
	}
	for range n {
		v := float64(xs[off])
		if v != v {
			return v
		}
		if (max && v > best) || (!max && v < best) {
			best = v
		}
		off += inc
	}
	return best
}

// reduceSplit reduces one long run (n elements, stride inc) on all
// workers: each chunk produces a partial result, combined in chunk order.
func reduceSplit[T number](op ReduceOp, xs []T, base, n, inc int, p float64) (float64, int) {
	chunks := 4 * parallel.Workers()
	size := (n + chunks - 1) / chunks
	chunks = (n + size - 1) / size
	type part struct {
		v   float64
		i   int
		aux float64
	}
	parts := make([]part, chunks)
	rbFor := func(lo, hi int) redBlock {
		r := redBlock{rank: 1, n: hi - lo}
		r.shape[0], r.str[0] = hi-lo, inc
		return r
	}
	switch op {
	case ReduceVar, ReduceMean, ReduceSum:
		parallel.For(chunks, 1, func(c0, c1 int) {
			for c := c0; c < c1; c++ {
				lo, hi := c*size, min(n, (c+1)*size)
				parts[c].v = sumRun(xs, base+lo*inc, hi-lo, inc)
			}
		})
		var s float64
		for _, pt := range parts {
			s += pt.v
		}
		switch op {
		case ReduceSum:
			return s, 0
		case ReduceMean:
			return s / float64(n), 0
		}
		mean := s / float64(n)
		parallel.For(chunks, 1, func(c0, c1 int) {
			for c := c0; c < c1; c++ {
				lo, hi := c*size, min(n, (c+1)*size)
				var q float64
				off := base + lo*inc
				for range hi - lo {
					d := float64(xs[off]) - mean
					q += d * d
					off += inc
				}
				parts[c].v = q
			}
		})
		var q float64
		for _, pt := range parts {
			q += pt.v
		}
		return q / (float64(n) - p), 0
	case ReduceLogSumExp:
		mx, _ := reduceSplit(ReduceMax, xs, base, n, inc, 0)
		if math.IsInf(mx, 0) || mx != mx {
			return mx, 0
		}
		parallel.For(chunks, 1, func(c0, c1 int) {
			for c := c0; c < c1; c++ {
				lo, hi := c*size, min(n, (c+1)*size)
				var s float64
				off := base + lo*inc
				for range hi - lo {
					s += math.Exp(float64(xs[off]) - mx)
					off += inc
				}
				parts[c].v = s
			}
		})
		var s float64
		for _, pt := range parts {
			s += pt.v
		}
		return mx + math.Log(s), 0
	default: // Max, Min, ArgMax, ArgMin
		parallel.For(chunks, 1, func(c0, c1 int) {
			for c := c0; c < c1; c++ {
				lo, hi := c*size, min(n, (c+1)*size)
				rb := rbFor(lo, hi)
				parts[c].v, parts[c].i = reduceBlockOf(op, xs, base+lo*inc, &rb, p)
				parts[c].i += lo
			}
		})
		best := parts[0]
		for _, pt := range parts[1:] {
			switch op {
			case ReduceMax, ReduceMin:
				if best.v == best.v && (pt.v != pt.v || (op == ReduceMax && pt.v > best.v) || (op == ReduceMin && pt.v < best.v)) {
					best = pt
				}
			default:
				if better(op == ReduceArgMax, pt.v, best.v) {
					best = pt
				}
			}
		}
		return best.v, best.i
	}
}

// reduceColumns handles kept elements contiguous in x (stride 1, count
// cols) with the reduced block elsewhere: for each reduced position it
// folds a whole row of cols elements into per-column accumulators.
func reduceColumns[T number](op ReduceOp, xs []T, base, dbase, cols int, rb *redBlock, store func(o int, v float64, idx int)) {
	if x32, ok := any(xs).([]float32); ok && (op == ReduceSum || op == ReduceMean) && rb.rank == 1 {
		sumColumns32(op == ReduceMean, x32, base, dbase, cols, rb.n, rb.str[0], store)
		return
	}
	const block = 512
	nb := (cols + block - 1) / block
	grain := max(1, elemGrain/max(rb.n*block, 1))
	parallel.For(nb, grain, func(b0, b1 int) {
		var acc [block]float64
		for b := b0; b < b1; b++ {
			lo := b * block
			w := min(block, cols-lo)
			first := true
			rb.runs(base+lo, func(off, m, inc int) {
				for range m {
					row := xs[off : off+w]
					switch {
					case first:
						for j, v := range row {
							acc[j] = float64(v)
						}
						first = false
					case op == ReduceSum || op == ReduceMean:
						for j, v := range row {
							acc[j] += float64(v)
						}
					case op == ReduceMax:
						for j, v := range row {
							if f := float64(v); f > acc[j] || f != f {
								if acc[j] == acc[j] {
									acc[j] = f
								}
							}
						}
					default:
						for j, v := range row {
							if f := float64(v); f < acc[j] || f != f {
								if acc[j] == acc[j] {
									acc[j] = f
								}
							}
						}
					}
					off += inc
				}
			})
			for j := range w {
				v := acc[j]
				if op == ReduceMean {
					v /= float64(rb.n)
				}
				store(dbase+lo+j, v, 0)
			}
		}
	})
}

// sumColumns32 sums the rows of a float32 matrix of `rows` rows of cols
// elements (row stride ld) into float64 accumulators with the vector
// kernels, a band of rows at a time so that the rows a column chunk walks
// stay in L1 for the next chunk (8 rows timed fastest: bands of 32 rows
// ran about 1.4× slower). Workers take blocks of columns.
func sumColumns32(mean bool, xs []float32, base, dbase, cols, rows, ld int, store func(o int, v float64, idx int)) {
	const band = 8
	block := max(256, (cols+parallel.Workers()-1)/parallel.Workers())
	block = (block + 15) &^ 15
	nb := (cols + block - 1) / block
	parallel.For(nb, 1, func(b0, b1 int) {
		acc := make([]float64, block)
		for b := b0; b < b1; b++ {
			lo := b * block
			w := min(block, cols-lo)
			a := acc[:w]
			clear(a)
			for r := 0; r < rows; r += band {
				n := min(band, rows-r)
				off := base + r*ld + lo
				vec.ColSum64(a, xs[off:off+(n-1)*ld+w], n, ld)
			}
			for j, v := range a {
				if mean {
					v /= float64(rows)
				}
				store(dbase+lo+j, v, 0)
			}
		}
	})
}
