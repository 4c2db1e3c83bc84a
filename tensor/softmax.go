package tensor

import (
	"fmt"

	"github.com/goformer/goformer/internal/parallel"
	"github.com/goformer/goformer/internal/vec"
)

// axisLastPerm returns the permutation moving axis to the end.
func axisLastPerm(axis, rank int) []int {
	perm := make([]int, 0, rank)
	for i := range rank {
		if i != axis {
			perm = append(perm, i)
		}
	}
	return append(perm, axis)
}

func softmax(x *Tensor, axis int, log bool) *Tensor {
	name := "Softmax"
	if log {
		name = "LogSoftmax"
	}
	checkNotNil(name, x)
	checkFloat(name, x)
	if len(x.shape) == 0 {
		normAxis(name, axis, 1)
		return softmax(x.Reshape(1), 0, log).Reshape()
	}
	axis = normAxis(name, axis, len(x.shape))
	perm := axisLastPerm(axis, len(x.shape))
	out := newLike(x, x.dtype, x.shape)
	// A tensor with no elements (rows of length 0, or no rows) has nothing
	// to normalise; backends are only handed non-empty rows.
	empty := out.Numel() == 0
	if !empty {
		x.backend().Softmax(out.permuteRaw(perm).view(), x.permuteRaw(perm).view(), log)
	}
	if x.needsGrad() {
		record(out, name, func(g *Tensor) []*Tensor {
			dx := newLike(g, g.dtype, g.shape)
			if !empty {
				g.backend().SoftmaxGrad(dx.permuteRaw(perm).view(), out.permuteRaw(perm).view(), g.permuteRaw(perm).view(), log)
			}
			return []*Tensor{dx}
		}, x)
	}
	return out
}

// Softmax returns e^t / Σ e^t along axis (negative counts from the end),
// computed stably. A slice of all -Inf gives NaN, as in PyTorch.
func (t *Tensor) Softmax(axis int) *Tensor { return softmax(t, axis, false) }

// LogSoftmax returns the logarithm of Softmax along axis, computed stably
// (t - LogSumExp(t)).
func (t *Tensor) LogSoftmax(axis int) *Tensor { return softmax(t, axis, true) }

// normRows checks a normalization's operands and returns x and the
// parameters seen as [rows..., D] and [D], with the stats shape.
func normRows(op string, x, w, b *Tensor) (xv *Tensor, wv, bv View, d int, stats []int) {
	checkNotNil(op, x)
	checkFloat(op, x)
	nd := 1
	if w != nil {
		nd = len(w.shape)
	} else if b != nil {
		nd = len(b.shape)
	}
	if len(x.shape) < nd || nd == 0 {
		panic(fmt.Sprintf("tensor: %s: input of shape %v cannot be normalized over %d trailing dims", op, x.shape, nd))
	}
	trail := x.shape[len(x.shape)-nd:]
	for _, p := range []*Tensor{w, b} {
		if p == nil {
			continue
		}
		checkSameDevice2(op, x, p)
		checkSameDType2(op, x, p)
		if !equalShapes(p.shape, trail) {
			panic(fmt.Sprintf("tensor: %s: parameter shape %v does not match the trailing dims %v of input %v", op, p.shape, trail, x.shape))
		}
	}
	d = numel(trail)
	stats = x.shape[:len(x.shape)-nd]
	xv = x
	if nd != 1 {
		xv = x.reshapeRaw(append(append([]int(nil), stats...), d))
	}
	flat := func(p *Tensor) View {
		if p == nil {
			return View{}
		}
		if nd == 1 {
			return p.view()
		}
		return p.reshapeRaw([]int{d}).view()
	}
	return xv, flat(w), flat(b), d, stats
}

// LayerNorm normalizes x over its trailing dimensions (those of w's shape,
// or the last one when w is nil) to zero mean and unit variance, then
// scales by w and shifts by b: y = (x-μ)/√(σ²+eps)·w + b, σ² biased, as
// PyTorch's layer_norm. w and b may be nil.
func LayerNorm(x, w, b *Tensor, eps float64) *Tensor {
	xv, wv, bv, d, stats := normRows("LayerNorm", x, w, b)
	out := newLike(x, x.dtype, xv.shape)
	mean := newLike(x, x.dtype, stats)
	rstd := newLike(x, x.dtype, stats)
	x.backend().LayerNorm(out.view(), mean.view(), rstd.view(), xv.view(), wv, bv, eps)
	return layerNormRecord(x, w, b, xv, wv, out, mean, rstd, d)
}

// layerNormRecord reshapes the LayerNorm output out (of xv's shape) to
// x's and records its backward pass, or releases the statistics when no
// gradient is wanted.
func layerNormRecord(x, w, b, xv *Tensor, wv View, out, mean, rstd *Tensor, d int) *Tensor {
	y := out
	if len(xv.shape) != len(x.shape) {
		y = out.reshapeRaw(x.shape)
	}
	if !anyNeedsGrad(x, w, b) {
		mean.release()
		rstd.release()
		return y
	}
	record(y, "LayerNorm", func(g *Tensor) []*Tensor {
		gv := g.reshapeRaw(xv.shape)
		var dx, dw, db *Tensor
		var dxv, dwv, dbv View
		if x.needsGrad() {
			dx = newLike(g, g.dtype, xv.shape)
			dxv = dx.view()
		}
		if w != nil && w.needsGrad() {
			dw = newLike(g, g.dtype, w.shape)
			dwv = dw.reshapeRaw([]int{d}).view()
		}
		if b != nil && b.needsGrad() {
			db = newLike(g, g.dtype, b.shape)
			dbv = db.reshapeRaw([]int{d}).view()
		}
		g.backend().LayerNormGrad(dxv, dwv, dbv, xv.view(), wv, mean.view(), rstd.view(), gv.view())
		if dx != nil {
			dx = dx.reshapeRaw(x.shape)
		}
		return []*Tensor{dx, dw, db}
	}, x, w, b)
	y.node.scratch = []*Tensor{mean, rstd}
	return y
}

// AddLayerNorm returns the residual sum s = x + r and its LayerNorm
// y = LayerNorm(s, w, b, eps), computed in one pass over the rows: the
// step between two sublayers of a transformer (post-LN: y goes on; pre-LN:
// s is the residual stream and y the next sublayer's input). x and r have
// one shape; w and b are as in LayerNorm. Both results are differentiable.
func AddLayerNorm(x, r, w, b *Tensor, eps float64) (sum, y *Tensor) {
	checkNotNil("AddLayerNorm", x, r)
	if !equalShapes(x.shape, r.shape) {
		panic(fmt.Sprintf("tensor: AddLayerNorm: shapes %v and %v differ", x.shape, r.shape))
	}
	checkSameDType2("AddLayerNorm", x, r)
	checkSameDevice2("AddLayerNorm", x, r)
	xv, wv, bv, d, stats := normRows("AddLayerNorm", x, w, b)
	sum = newLike2(x, r, x.dtype, x.shape)
	sv := sum.reshapeRaw(xv.shape)
	out := newLike(sum, x.dtype, xv.shape)
	mean := newLike(sum, x.dtype, stats)
	rstd := newLike(sum, x.dtype, stats)
	be := x.backend()
	if !addLayerNormCPU(be, sv, out, mean, rstd, xv, r.reshapeRaw(xv.shape), wv, bv, eps) {
		be.Binary(OpAdd, sum.view(), x.view(), r.view())
		be.LayerNorm(out.view(), mean.view(), rstd.view(), sv.view(), wv, bv, eps)
	}
	if anyNeedsGrad(x, r) {
		record(sum, "Add", func(g *Tensor) []*Tensor { return []*Tensor{g, g} }, x, r)
	}
	return sum, layerNormRecord(sum, w, b, sv, wv, out, mean, rstd, d)
}

// addLayerNormCPU runs AddLayerNorm on dense float32 rows, a block of rows
// at a time so that the sum is normalized while in cache.
func addLayerNormCPU(be Backend, sum, out, mean, rstd, x, r *Tensor, w, b View, eps float64) bool {
	if be != cpuBackend || x.dtype != Float32 {
		return false
	}
	xs, ok1 := dense32(x.view())
	rs, ok2 := dense32(r.view())
	ss, _ := dense32(sum.view())
	ys, _ := dense32(out.view())
	ms, _ := dense32(mean.view())
	vs, _ := dense32(rstd.view())
	ws, ok3 := optional32(w)
	bs, ok4 := optional32(b)
	cols := lastCols(x.view())
	if !ok1 || !ok2 || !ok3 || !ok4 || cols == 0 {
		return false
	}
	rows := len(xs) / cols
	const block = 8
	parallel.For(rows, block, func(lo, hi int) {
		for r0 := lo; r0 < hi; r0 += block {
			r1 := min(hi, r0+block)
			a, z := r0*cols, r1*cols
			vec.Add(ss[a:z], xs[a:z], rs[a:z])
			vec.LayerNorm(ys[a:z], ss[a:z], ws, bs, cols, float32(eps), ms[r0:r1], vs[r0:r1])
		}
	})
	return true
}

// RMSNorm normalizes x by the root mean square of its trailing dimensions
// (those of w's shape, or the last one when w is nil) and scales by w:
// y = x/√(mean(x²)+eps)·w, as T5's and LLaMA's RMSNorm. w may be nil.
func RMSNorm(x, w *Tensor, eps float64) *Tensor {
	xv, wv, _, d, stats := normRows("RMSNorm", x, w, nil)
	out := newLike(x, x.dtype, xv.shape)
	rstd := newLike(x, x.dtype, stats)
	be := x.backend()
	be.RMSNorm(out.view(), rstd.view(), xv.view(), wv, eps)
	y := out
	if len(xv.shape) != len(x.shape) {
		y = out.reshapeRaw(x.shape)
	}
	if anyNeedsGrad(x, w) {
		record(y, "RMSNorm", func(g *Tensor) []*Tensor {
			gv := g.reshapeRaw(xv.shape)
			var dx, dw *Tensor
			var dxv, dwv View
			if x.needsGrad() {
				dx = newLike(g, g.dtype, xv.shape)
				dxv = dx.view()
			}
			if w != nil && w.needsGrad() {
				dw = newLike(g, g.dtype, w.shape)
				dwv = dw.reshapeRaw([]int{d}).view()
			}
			g.backend().RMSNormGrad(dxv, dwv, xv.view(), wv, rstd.view(), gv.view())
			if dx != nil {
				dx = dx.reshapeRaw(x.shape)
			}
			return []*Tensor{dx, dw}
		}, x, w)
		y.node.scratch = []*Tensor{rstd}
	} else {
		rstd.release()
	}
	return y
}
