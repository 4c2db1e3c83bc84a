package tensor

import (
	"math"

	"github.com/goformer/goformer/internal/parallel"
)

// This file holds the CPU kernels that work row by row along the last
// dimension: softmax, LayerNorm, RMSNorm. Each op has a contiguous-row
// kernel over plain slices (the seam for vectorised versions) and a driver
// that finds the rows of strided views, gathering a row into a scratch
// buffer when its elements are not adjacent.

// rowOffsets returns the storage offset of the first element of every row
// (all dims but the last) of v, in row-major order.
func rowOffsets(v View) []int {
	r := v.Rank()
	shape, strides := v.Shape[:max(r-1, 0)], v.Strides[:max(r-1, 0)]
	offs := make([]int, numel(shape))
	offsets(shape, strides, v.Offset, func(i, off int) { offs[i] = off })
	return offs
}

// statOffsets returns the offsets of a stats view [rows...] (mean, rstd,
// lse), one per row.
func statOffsets(v View) []int {
	offs := make([]int, v.Numel())
	offsets(v.Shape, v.Strides, v.Offset, func(i, off int) { offs[i] = off })
	return offs
}

func lastStride(v View) int {
	if v.Rank() == 0 {
		return 1
	}
	return v.Strides[v.Rank()-1]
}

func lastDim(v View) int {
	if v.Rank() == 0 {
		return 1
	}
	return v.Shape[v.Rank()-1]
}

// rowGrain returns how many rows of d elements a worker takes at least.
func rowGrain(d int) int { return max(1, elemGrain/max(d, 1)) }

// rowIO reads rows from a strided view into a scratch slice, or returns the
// storage slice itself when the row is contiguous.
type rowIO[T float] struct {
	data []T
	inc  int
	d    int
}

func newRowIO[T float](v View) rowIO[T] {
	return rowIO[T]{data: data[T](v), inc: lastStride(v), d: lastDim(v)}
}

// read returns row elements starting at off, gathered into buf if needed.
func (r rowIO[T]) read(off int, buf []T) []T {
	if r.inc == 1 {
		return r.data[off : off+r.d]
	}
	gather(buf[:r.d], r.data, off, r.inc)
	return buf[:r.d]
}

// target returns where to write a row at off: the storage slice itself,
// or buf, which must then be passed to flush.
func (r rowIO[T]) target(off int, buf []T) []T {
	if r.inc == 1 {
		return r.data[off : off+r.d]
	}
	return buf[:r.d]
}

func (r rowIO[T]) flush(off int, buf []T) {
	if r.inc != 1 {
		scatter(r.data, off, r.inc, buf[:r.d])
	}
}

// softmaxRow sets dst to softmax(x), or log-softmax when log is true.
func softmaxRow[T float](dst, x []T, log bool) {
	x = x[:len(dst)]
	mx := math.Inf(-1)
	for _, v := range x {
		if f := float64(v); f > mx || f != f {
			mx = f
			if f != f {
				break
			}
		}
	}
	var s float64
	if log {
		for _, v := range x {
			s += math.Exp(float64(v) - mx)
		}
		c := mx + math.Log(s)
		for i, v := range x {
			dst[i] = T(float64(v) - c)
		}
		return
	}
	for i, v := range x {
		e := math.Exp(float64(v) - mx)
		dst[i] = T(e)
		s += e
	}
	inv := 1 / s
	for i, v := range dst {
		dst[i] = T(float64(v) * inv)
	}
}

// softmaxGradRow sets dx from the forward output y and upstream dy.
func softmaxGradRow[T float](dx, y, dy []T, log bool) {
	n := len(dx)
	y, dy = y[:n], dy[:n]
	var s float64
	if log {
		for _, g := range dy {
			s += float64(g)
		}
		for i, g := range dy {
			dx[i] = T(float64(g) - math.Exp(float64(y[i]))*s)
		}
		return
	}
	for i, g := range dy {
		s += float64(g) * float64(y[i])
	}
	for i, g := range dy {
		dx[i] = T(float64(y[i]) * (float64(g) - s))
	}
}

func (cpu) Softmax(dst, x View, log bool) {
	switch x.DType() {
	case Float32:
		if vecSoftmax(dst, x, log) {
			return
		}
		softmaxRows[float32](dst, x, log)
	case Float64:
		softmaxRows[float64](dst, x, log)
	default:
		unsupported("Softmax", x.DType())
	}
}

func softmaxRows[T float](dst, x View, log bool) {
	xo, do := rowOffsets(x), rowOffsets(dst)
	xr, dr := newRowIO[T](x), newRowIO[T](dst)
	d := lastDim(x)
	parallel.For(len(xo), rowGrain(d), func(lo, hi int) {
		var xb, db []T
		if xr.inc != 1 || dr.inc != 1 {
			xb, db = make([]T, d), make([]T, d)
		}
		for i := lo; i < hi; i++ {
			out := dr.target(do[i], db)
			softmaxRow(out, xr.read(xo[i], xb), log)
			dr.flush(do[i], out)
		}
	})
}

func (cpu) SoftmaxGrad(dx, y, dy View, log bool) {
	switch y.DType() {
	case Float32:
		if vecSoftmaxGrad(dx, y, dy, log) {
			return
		}
		softmaxGradRows[float32](dx, y, dy, log)
	case Float64:
		softmaxGradRows[float64](dx, y, dy, log)
	default:
		unsupported("SoftmaxGrad", y.DType())
	}
}

func softmaxGradRows[T float](dx, y, dy View, log bool) {
	xo, yo, go_ := rowOffsets(dx), rowOffsets(y), rowOffsets(dy)
	xr, yr, gr := newRowIO[T](dx), newRowIO[T](y), newRowIO[T](dy)
	d := lastDim(y)
	parallel.For(len(yo), rowGrain(d), func(lo, hi int) {
		xb, yb, gb := make([]T, d), make([]T, d), make([]T, d)
		for i := lo; i < hi; i++ {
			out := xr.target(xo[i], xb)
			softmaxGradRow(out, yr.read(yo[i], yb), gr.read(go_[i], gb), log)
			xr.flush(xo[i], out)
		}
	})
}

// vecOf returns the elements of an optional 1-D parameter view (LayerNorm
// weight or bias) as a contiguous slice, or nil when absent.
func vecOf[T float](v View) []T {
	if !v.Valid() {
		return nil
	}
	r := newRowIO[T](v)
	return r.read(v.Offset, make([]T, r.d))
}

// layerNormRow normalizes one row; it returns the mean and 1/σ.
func layerNormRow[T float](y, x, w, b []T, eps float64) (mean, rstd float64) {
	n := len(y)
	x = x[:n]
	var s float64
	for _, v := range x {
		s += float64(v)
	}
	mean = s / float64(n)
	var q float64
	for _, v := range x {
		d := float64(v) - mean
		q += d * d
	}
	rstd = 1 / math.Sqrt(q/float64(n)+eps)
	switch {
	case w != nil && b != nil:
		for i, v := range x {
			y[i] = T((float64(v)-mean)*rstd*float64(w[i]) + float64(b[i]))
		}
	case w != nil:
		for i, v := range x {
			y[i] = T((float64(v) - mean) * rstd * float64(w[i]))
		}
	case b != nil:
		for i, v := range x {
			y[i] = T((float64(v)-mean)*rstd + float64(b[i]))
		}
	default:
		for i, v := range x {
			y[i] = T((float64(v) - mean) * rstd)
		}
	}
	return mean, rstd
}

// layerNormGradRow sets dx for one row.
func layerNormGradRow[T float](dx, x, w, dy []T, mean, rstd float64) {
	n := len(dx)
	x, dy = x[:n], dy[:n]
	var sg, sgx float64
	for i, g := range dy {
		gw := float64(g)
		if w != nil {
			gw *= float64(w[i])
		}
		sg += gw
		sgx += gw * (float64(x[i]) - mean) * rstd
	}
	sg /= float64(n)
	sgx /= float64(n)
	for i, g := range dy {
		gw := float64(g)
		if w != nil {
			gw *= float64(w[i])
		}
		xh := (float64(x[i]) - mean) * rstd
		dx[i] = T(rstd * (gw - sg - xh*sgx))
	}
}

func (cpu) LayerNorm(y, mean, rstd, x, w, b View, eps float64) {
	switch x.DType() {
	case Float32:
		if vecLayerNorm(y, mean, rstd, x, w, b, eps) {
			return
		}
		layerNormRows[float32](y, mean, rstd, x, w, b, eps)
	case Float64:
		layerNormRows[float64](y, mean, rstd, x, w, b, eps)
	default:
		unsupported("LayerNorm", x.DType())
	}
}

func layerNormRows[T float](y, mean, rstd, x, w, b View, eps float64) {
	xo, yo := rowOffsets(x), rowOffsets(y)
	mo, ro := statOffsets(mean), statOffsets(rstd)
	ms, rs := data[T](mean), data[T](rstd)
	xr, yr := newRowIO[T](x), newRowIO[T](y)
	ws, bs := vecOf[T](w), vecOf[T](b)
	d := lastDim(x)
	parallel.For(len(xo), rowGrain(d), func(lo, hi int) {
		xb, yb := make([]T, d), make([]T, d)
		for i := lo; i < hi; i++ {
			out := yr.target(yo[i], yb)
			mu, r := layerNormRow(out, xr.read(xo[i], xb), ws, bs, eps)
			yr.flush(yo[i], out)
			ms[mo[i]], rs[ro[i]] = T(mu), T(r)
		}
	})
}

func (cpu) LayerNormGrad(dx, dw, db, x, w, mean, rstd, dy View) {
	switch x.DType() {
	case Float32:
		if vecLayerNormGrad(dx, dw, db, x, w, mean, rstd, dy) {
			return
		}
		layerNormGradRows[float32](dx, dw, db, x, w, mean, rstd, dy)
	case Float64:
		layerNormGradRows[float64](dx, dw, db, x, w, mean, rstd, dy)
	default:
		unsupported("LayerNormGrad", x.DType())
	}
}

func layerNormGradRows[T float](dx, dw, db, x, w, mean, rstd, dy View) {
	xo, go_ := rowOffsets(x), rowOffsets(dy)
	mo, ro := statOffsets(mean), statOffsets(rstd)
	ms, rs := data[T](mean), data[T](rstd)
	xr, gr := newRowIO[T](x), newRowIO[T](dy)
	ws := vecOf[T](w)
	d := lastDim(x)
	if dx.Valid() {
		dxo := rowOffsets(dx)
		dr := newRowIO[T](dx)
		parallel.For(len(xo), rowGrain(d), func(lo, hi int) {
			xb, gb, ob := make([]T, d), make([]T, d), make([]T, d)
			for i := lo; i < hi; i++ {
				out := dr.target(dxo[i], ob)
				layerNormGradRow(out, xr.read(xo[i], xb), ws, gr.read(go_[i], gb), float64(ms[mo[i]]), float64(rs[ro[i]]))
				dr.flush(dxo[i], out)
			}
		})
	}
	if dw.Valid() || db.Valid() {
		columnSums(dw, db, d, len(xo), func(i int, xb, gb []T) ([]T, []T, float64, float64) {
			return xr.read(xo[i], xb), gr.read(go_[i], gb), float64(ms[mo[i]]), float64(rs[ro[i]])
		})
	}
}

// columnSums computes dw[j] = Σ_i dy[i,j]·x̂[i,j] and db[j] = Σ_i dy[i,j]
// over rows, in column blocks so that workers write disjoint outputs and
// the sums do not depend on the number of workers. row(i) returns row i
// of x and dy with its mean and rstd (x̂ = (x-mean)·rstd).
func columnSums[T float](dw, db View, d, rows int, row func(i int, xb, gb []T) (x, dy []T, mean, rstd float64)) {
	const block = 256
	nb := (d + block - 1) / block
	parallel.For(nb, max(1, rowGrain(rows*block)), func(b0, b1 int) {
		xb, gb := make([]T, d), make([]T, d)
		var sw, sb [block]float64
		for bk := b0; bk < b1; bk++ {
			lo := bk * block
			hi := min(d, lo+block)
			clear(sw[:])
			clear(sb[:])
			for i := range rows {
				x, g, mu, r := row(i, xb, gb)
				for j := lo; j < hi; j++ {
					gj := float64(g[j])
					sw[j-lo] += gj * (float64(x[j]) - mu) * r
					sb[j-lo] += gj
				}
			}
			if dw.Valid() {
				out, inc := data[T](dw), lastStride(dw)
				for j := lo; j < hi; j++ {
					out[dw.Offset+j*inc] = T(sw[j-lo])
				}
			}
			if db.Valid() {
				out, inc := data[T](db), lastStride(db)
				for j := lo; j < hi; j++ {
					out[db.Offset+j*inc] = T(sb[j-lo])
				}
			}
		}
	})
}

// rmsNormRow normalizes one row by its root mean square; it returns 1/rms.
func rmsNormRow[T float](y, x, w []T, eps float64) float64 {
	n := len(y)
	x = x[:n]
	var q float64
	for _, v := range x {
		q += float64(v) * float64(v)
	}
	r := 1 / math.Sqrt(q/float64(n)+eps)
	if w != nil {
		for i, v := range x {
			y[i] = T(float64(v) * r * float64(w[i]))
		}
	} else {
		for i, v := range x {
			y[i] = T(float64(v) * r)
		}
	}
	return r
}

// rmsNormGradRow sets dx for one row.
func rmsNormGradRow[T float](dx, x, w, dy []T, r float64) {
	n := len(dx)
	x, dy = x[:n], dy[:n]
	var sgx float64
	for i, g := range dy {
		gw := float64(g)
		if w != nil {
			gw *= float64(w[i])
		}
		sgx += gw * float64(x[i]) * r
	}
	sgx /= float64(n)
	for i, g := range dy {
		gw := float64(g)
		if w != nil {
			gw *= float64(w[i])
		}
		dx[i] = T(r * (gw - float64(x[i])*r*sgx))
	}
}

func (cpu) RMSNorm(y, rstd, x, w View, eps float64) {
	switch x.DType() {
	case Float32:
		rmsNormRows[float32](y, rstd, x, w, eps)
	case Float64:
		rmsNormRows[float64](y, rstd, x, w, eps)
	default:
		unsupported("RMSNorm", x.DType())
	}
}

func rmsNormRows[T float](y, rstd, x, w View, eps float64) {
	xo, yo, ro := rowOffsets(x), rowOffsets(y), statOffsets(rstd)
	rs := data[T](rstd)
	xr, yr := newRowIO[T](x), newRowIO[T](y)
	ws := vecOf[T](w)
	d := lastDim(x)
	parallel.For(len(xo), rowGrain(d), func(lo, hi int) {
		xb, yb := make([]T, d), make([]T, d)
		for i := lo; i < hi; i++ {
			out := yr.target(yo[i], yb)
			r := rmsNormRow(out, xr.read(xo[i], xb), ws, eps)
			yr.flush(yo[i], out)
			rs[ro[i]] = T(r)
		}
	})
}

func (cpu) RMSNormGrad(dx, dw, x, w, rstd, dy View) {
	switch x.DType() {
	case Float32:
		rmsNormGradRows[float32](dx, dw, x, w, rstd, dy)
	case Float64:
		rmsNormGradRows[float64](dx, dw, x, w, rstd, dy)
	default:
		unsupported("RMSNormGrad", x.DType())
	}
}

func rmsNormGradRows[T float](dx, dw, x, w, rstd, dy View) {
	xo, go_, ro := rowOffsets(x), rowOffsets(dy), statOffsets(rstd)
	rs := data[T](rstd)
	xr, gr := newRowIO[T](x), newRowIO[T](dy)
	ws := vecOf[T](w)
	d := lastDim(x)
	if dx.Valid() {
		dxo := rowOffsets(dx)
		dr := newRowIO[T](dx)
		parallel.For(len(xo), rowGrain(d), func(lo, hi int) {
			xb, gb, ob := make([]T, d), make([]T, d), make([]T, d)
			for i := lo; i < hi; i++ {
				out := dr.target(dxo[i], ob)
				rmsNormGradRow(out, xr.read(xo[i], xb), ws, gr.read(go_[i], gb), float64(rs[ro[i]]))
				dr.flush(dxo[i], out)
			}
		})
	}
	if dw.Valid() {
		columnSums(dw, View{}, d, len(xo), func(i int, xb, gb []T) ([]T, []T, float64, float64) {
			return xr.read(xo[i], xb), gr.read(go_[i], gb), 0, float64(rs[ro[i]])
		})
	}
}
