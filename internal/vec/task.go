package vec

import (
	"math"
	"sync"

	"github.com/goformer/goformer/internal/parallel"
)

// op selects what a task does.
type op int

const (
	opScale op = iota
	opAddScalar
	opAdd
	opSub
	opMul
	opExp
	opTanh
	opGELU
	opGELUTanh
	opGELUBackward
	opGELUTanhBackward
	opAdamW
	opSoftmax
	opLogSoftmax
	opSoftmaxBackward
	opLayerNorm
	opLayerNormBackward
)

// floatBuf is a reusable scratch buffer.
type floatBuf struct{ b []float32 }

func (f *floatBuf) grow(n int) []float32 {
	if cap(f.b) < n {
		f.b = make([]float32, n)
	}
	return f.b[:n]
}

// task is a parallel.RangeTask for every kernel that splits its work: a
// reused struct, so that the parallel call path does not allocate.
type task struct {
	op         op
	dst, x, y  []float32
	z          []float32
	a          float32
	h          [8]float32
	cols       int
	rows       int
	chunks     int
	mean, rstd []float32
	partial    []float32
	partialBuf floatBuf
}

var tasks = sync.Pool{New: func() any { return new(task) }}

func getTask() *task { return tasks.Get().(*task) }

func putTask(t *task) {
	t.dst, t.x, t.y, t.z, t.mean, t.rstd, t.partial = nil, nil, nil, nil, nil, nil, nil
	tasks.Put(t)
}

// elementwise runs an element-wise op over all of x, in parallel when the
// input is large.
func elementwise(o op, grain int, dst, x, y []float32, a float32) {
	n := len(x)
	if n < 2*grain || parallel.Workers() == 1 {
		runElementwise(o, dst, x, y, a)
		return
	}
	t := getTask()
	t.op, t.dst, t.x, t.y, t.a = o, dst, x, y, a
	parallel.ForRange(n, grain, t)
	putTask(t)
}

func runElementwise(o op, dst, x, y []float32, a float32) {
	n := len(x)
	d, xp, yp := ptr(dst), ptr(x), ptr(y)
	switch o {
	case opScale:
		impl.scale(d, xp, a, n)
	case opAddScalar:
		impl.addScalar(d, xp, a, n)
	case opAdd:
		impl.add(d, xp, yp, n)
	case opSub:
		impl.sub(d, xp, yp, n)
	case opMul:
		impl.mul(d, xp, yp, n)
	case opExp:
		impl.exp(d, xp, n)
	case opTanh:
		impl.tanh(d, xp, n)
	case opGELU:
		impl.gelu(d, xp, n)
	case opGELUTanh:
		impl.geluTanh(d, xp, n)
	case opGELUBackward:
		impl.geluBackward(d, xp, yp, n)
	case opGELUTanhBackward:
		impl.geluTanhBackward(d, xp, yp, n)
	default:
		panic("vec: not an element-wise op")
	}
}

func sub(s []float32, lo, hi int) []float32 {
	if s == nil {
		return nil
	}
	return s[lo:hi]
}

// rowwise runs a row op over rows of cols elements, in parallel when
// there is enough work.
func rowwise(o op, rows, cols int, dst, x, y []float32) {
	t := getTask()
	t.op, t.cols, t.dst, t.x, t.y = o, cols, dst, x, y
	parallel.ForRange(rows, rowGrain(cols), t)
	putTask(t)
}

// RunRange implements parallel.RangeTask: elements [lo, hi) for
// element-wise ops, rows for row ops, chunks of rows for the backward of
// layer normalisation.
func (t *task) RunRange(lo, hi int) {
	c := t.cols
	switch t.op {
	case opAdamW:
		impl.adamw(ptr(t.dst[lo:hi]), ptr(t.x[lo:hi]), ptr(t.y[lo:hi]), ptr(t.z[lo:hi]), hi-lo, &t.h)
	case opSoftmax:
		for r := lo; r < hi; r++ {
			impl.softmaxRow(ptr(t.dst[r*c:]), ptr(t.x[r*c:]), c)
		}
	case opLogSoftmax:
		for r := lo; r < hi; r++ {
			x, d := t.x[r*c:(r+1)*c], t.dst[r*c:(r+1)*c]
			m := impl.max(ptr(x), c)
			s := impl.expShiftSum(ptr(d), ptr(x), c, m)
			impl.addScalar(ptr(d), ptr(x), -(m + float32(math.Log(float64(s)))), c)
		}
	case opSoftmaxBackward:
		for r := lo; r < hi; r++ {
			impl.softmaxBackwardRow(ptr(t.dst[r*c:]), ptr(t.x[r*c:]), ptr(t.y[r*c:]), c)
		}
	case opLayerNorm:
		for r := lo; r < hi; r++ {
			m, rs := impl.layerNormRow(ptr(t.dst[r*c:]), ptr(t.x[r*c:]), ptr(t.y), ptr(t.z), c, t.a)
			if t.mean != nil {
				t.mean[r], t.rstd[r] = m, rs
			}
		}
	case opLayerNormBackward:
		for ch := lo; ch < hi; ch++ {
			r0, r1 := ch*t.rows/t.chunks, (ch+1)*t.rows/t.chunks
			dg := ptr(t.partial[ch*c:])
			db := ptr(t.partial[(t.chunks+ch)*c:])
			for r := r0; r < r1; r++ {
				impl.layerNormBackwardRow(ptr(t.dst[r*c:]), ptr(t.x[r*c:]), ptr(t.y[r*c:]), ptr(t.z), c, t.mean[r], t.rstd[r], dg, db)
			}
		}
	default:
		runElementwise(t.op, sub(t.dst, lo, hi), sub(t.x, lo, hi), sub(t.y, lo, hi), t.a)
	}
}
