package tensor

import (
	"fmt"
	"math"

	"github.com/goformer/goformer/internal/parallel"
)

// logSumExpRow returns log Σ e^x, computed stably (-Inf for an empty row).
func logSumExpRow[T float](x []T) float64 {
	mx := math.Inf(-1)
	for _, v := range x {
		if f := float64(v); f > mx || f != f {
			mx = f
		}
	}
	if math.IsInf(mx, 0) || mx != mx {
		return mx
	}
	var s float64
	for _, v := range x {
		s += math.Exp(float64(v) - mx)
	}
	return mx + math.Log(s)
}

// crossEntropyRow returns the loss -Σ q_c·(x_c - lse) of a row for target
// t with smoothing eps, given its log-sum-exp.
func crossEntropyRow[T float](x []T, t int, eps, lse float64) float64 {
	loss := (1 - eps) * (lse - float64(x[t]))
	if eps != 0 {
		var sum float64
		for _, v := range x {
			sum += float64(v)
		}
		loss += eps * (lse - sum/float64(len(x)))
	}
	return loss
}

// crossEntropyGradRow sets dx = g·(softmax(x) - q).
func crossEntropyGradRow[T float](dx, x []T, t int, eps, lse, g float64) {
	n := len(dx)
	x = x[:n]
	u := eps / float64(n)
	for i, v := range x {
		dx[i] = T(g * (math.Exp(float64(v)-lse) - u))
	}
	dx[t] -= T(g * (1 - eps))
}

func targets(op string, target View, n, classes, ignore int) []int32 {
	if target.DType() != Int32 {
		panic(fmt.Sprintf("tensor: %s: targets have dtype %s, want int32", op, target.DType()))
	}
	src, inc := i32s(target), lastStride(target)
	out := make([]int32, n)
	for i := range n {
		v := src[target.Offset+i*inc]
		if int(v) != ignore && (v < 0 || int(v) >= classes) {
			panic(fmt.Sprintf("tensor: %s: target %d at row %d is out of range [0, %d) and not the ignore index %d", op, v, i, classes, ignore))
		}
		out[i] = v
	}
	return out
}

func (cpu) CrossEntropy(loss, lse, logits, target View, p CrossEntropyParams) {
	switch logits.DType() {
	case Float32:
		crossEntropyRows[float32](loss, lse, logits, target, p)
	case Float64:
		crossEntropyRows[float64](loss, lse, logits, target, p)
	default:
		unsupported("CrossEntropy", logits.DType())
	}
}

func crossEntropyRows[T float](loss, lse, logits, target View, p CrossEntropyParams) {
	n, c := logits.Shape[0], logits.Shape[1]
	ts := targets("CrossEntropy", target, n, c, p.IgnoreIndex)
	xr := newRowIO[T](logits)
	ls, es := data[T](loss), data[T](lse)
	li, ei := lastStride(loss), lastStride(lse)
	parallel.For(n, rowGrain(c), func(lo, hi int) {
		xb := make([]T, c)
		for i := lo; i < hi; i++ {
			x := xr.read(logits.Offset+i*logits.Strides[0], xb)
			e := logSumExpRow(x)
			es[lse.Offset+i*ei] = T(e)
			if t := int(ts[i]); t == p.IgnoreIndex {
				ls[loss.Offset+i*li] = 0
			} else {
				ls[loss.Offset+i*li] = T(crossEntropyRow(x, t, p.LabelSmoothing, e))
			}
		}
	})
}

func (cpu) CrossEntropyGrad(dlogits, logits, target, lse, dloss View, p CrossEntropyParams) {
	switch logits.DType() {
	case Float32:
		crossEntropyGradRows[float32](dlogits, logits, target, lse, dloss, p)
	case Float64:
		crossEntropyGradRows[float64](dlogits, logits, target, lse, dloss, p)
	default:
		unsupported("CrossEntropyGrad", logits.DType())
	}
}

func crossEntropyGradRows[T float](dlogits, logits, target, lse, dloss View, p CrossEntropyParams) {
	n, c := logits.Shape[0], logits.Shape[1]
	ts := targets("CrossEntropyGrad", target, n, c, p.IgnoreIndex)
	xr, dr := newRowIO[T](logits), newRowIO[T](dlogits)
	es, gs := data[T](lse), data[T](dloss)
	ei, gi := lastStride(lse), lastStride(dloss)
	parallel.For(n, rowGrain(c), func(lo, hi int) {
		xb, db := make([]T, c), make([]T, c)
		for i := lo; i < hi; i++ {
			doff := dlogits.Offset + i*dlogits.Strides[0]
			out := dr.target(doff, db)
			t := int(ts[i])
			if t == p.IgnoreIndex {
				clear(out)
			} else {
				x := xr.read(logits.Offset+i*logits.Strides[0], xb)
				crossEntropyGradRow(out, x, t, p.LabelSmoothing, float64(es[lse.Offset+i*ei]), float64(gs[dloss.Offset+i*gi]))
			}
			dr.flush(doff, out)
		}
	})
}
