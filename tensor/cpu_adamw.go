package tensor

import "math"

func (cpu) AdamW(param, grad, m, v View, p AdamWParams) {
	switch param.DType() {
	case Float32:
		if vecAdamW(param, grad, m, v, p) {
			return
		}
		adamWStrided[float32](param, grad, m, v, p)
	case Float64:
		adamWStrided[float64](param, grad, m, v, p)
	default:
		unsupported("AdamW", param.DType())
	}
}

// adamWRow applies one AdamW step to contiguous rows, in float64 with one
// rounding per stored value.
func adamWRow[T float](param, grad, m, v []T, p AdamWParams) {
	n := len(param)
	grad, m, v = grad[:n], m[:n], v[:n]
	bc1 := 1 - math.Pow(p.Beta1, float64(p.Step))
	bc2 := 1 - math.Pow(p.Beta2, float64(p.Step))
	stepSize := p.LR / bc1
	bc2s := math.Sqrt(bc2)
	decay := 1 - p.LR*p.WeightDecay
	for i := range param {
		g := float64(grad[i])
		mi := p.Beta1*float64(m[i]) + (1-p.Beta1)*g
		vi := p.Beta2*float64(v[i]) + (1-p.Beta2)*g*g
		m[i], v[i] = T(mi), T(vi)
		param[i] = T(float64(param[i])*decay - stepSize*mi/(math.Sqrt(vi)/bc2s+p.Eps))
	}
}

func adamWStrided[T float](param, grad, m, v View, p AdamWParams) {
	l := newLoop(param.Shape, param, grad, m, v)
	ps, gs, ms, vs := data[T](param), data[T](grad), data[T](m), data[T](v)
	_, inc := l.inner()
	l.run(elemGrain, func(off *[maxOperands]int, n int) {
		if inc[0] == 1 && inc[1] == 1 && inc[2] == 1 && inc[3] == 1 {
			adamWRow(ps[off[0]:off[0]+n], gs[off[1]:off[1]+n], ms[off[2]:off[2]+n], vs[off[3]:off[3]+n], p)
			return
		}
		var tp, tg, tm, tv [blockLen]T
		for i := 0; i < n; i += blockLen {
			k := min(blockLen, n-i)
			gather(tp[:k], ps, off[0]+i*inc[0], inc[0])
			gather(tg[:k], gs, off[1]+i*inc[1], inc[1])
			gather(tm[:k], ms, off[2]+i*inc[2], inc[2])
			gather(tv[:k], vs, off[3]+i*inc[3], inc[3])
			adamWRow(tp[:k], tg[:k], tm[:k], tv[:k], p)
			scatter(ps, off[0]+i*inc[0], inc[0], tp[:k])
			scatter(ms, off[2]+i*inc[2], inc[2], tm[:k])
			scatter(vs, off[3]+i*inc[3], inc[3], tv[:k])
		}
	})
}
