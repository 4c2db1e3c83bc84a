package vec

import (
	"math"
	"unsafe"
)

// The portable twins of the assembly kernels. They follow the same
// algorithms (range reduction, polynomials, order of the three passes of a
// row) so that every path gives results within a few ulp of the others.

func view(p *float32, n int) []float32 {
	if n == 0 {
		return nil
	}
	return unsafe.Slice(p, n)
}

// lanes is the number of partial sums the twins keep in reductions, like
// the vector registers of the assembly: it keeps their rounding close.
const lanes = 16

func dotGo(x, y *float32, n int) float32 {
	xs, ys := view(x, n), view(y, n)
	var acc [lanes]float32
	for i, v := range xs {
		acc[i%lanes] += v * ys[i]
	}
	return addLanes(&acc)
}

func addLanes(acc *[lanes]float32) float32 {
	for w := lanes / 2; w > 0; w /= 2 {
		for i := range w {
			acc[i] += acc[i+w]
		}
	}
	return acc[0]
}

func sumGo(x *float32, n int) float32 {
	var acc [lanes]float32
	for i, v := range view(x, n) {
		acc[i%lanes] += v
	}
	return addLanes(&acc)
}

func maxGo(x *float32, n int) float32 {
	m := float32(math.Inf(-1))
	for _, v := range view(x, n) {
		if v != v {
			return v
		}
		if v > m {
			m = v
		}
	}
	return m
}

func axpyGo(a float32, x, y *float32, n int) {
	xs, ys := view(x, n), view(y, n)
	for i, v := range xs {
		ys[i] += a * v
	}
}

func scaleGo(dst, x *float32, a float32, n int) {
	d, xs := view(dst, n), view(x, n)
	for i, v := range xs {
		d[i] = a * v
	}
}

func addScalarGo(dst, x *float32, a float32, n int) {
	d, xs := view(dst, n), view(x, n)
	for i, v := range xs {
		d[i] = v + a
	}
}

func addGo(dst, x, y *float32, n int) {
	d, xs, ys := view(dst, n), view(x, n), view(y, n)
	for i := range d {
		d[i] = xs[i] + ys[i]
	}
}

func subGo(dst, x, y *float32, n int) {
	d, xs, ys := view(dst, n), view(x, n), view(y, n)
	for i := range d {
		d[i] = xs[i] - ys[i]
	}
}

func mulGo(dst, x, y *float32, n int) {
	d, xs, ys := view(dst, n), view(x, n), view(y, n)
	for i := range d {
		d[i] = xs[i] * ys[i]
	}
}

// Coefficients shared with the assembly (see internal/_asm/vec).
var (
	expPoly   = [...]float32{1.000000001e+00, 1.000000036e+00, 4.999999214e-01, 1.666641990e-01, 4.166821102e-02, 8.374837571e-03, 1.383771015e-03}
	erfcPoly  = [...]float32{2.257034292e-01, 2.250203829e-01, 2.143455768e-01, 1.323796618e-01, 2.641928852e-01, -2.695911578e-01, 5.295520981e-01, -4.853206375e-01, 1.922446516e-01, -2.852688113e-02}
	tanhPoly  = [...]float32{-3.333328223e-01, 1.333144865e-01, -5.374018391e-02, 2.064045695e-02, -5.706382659e-03}
	ln2hi     = math.Float32frombits(0x3f317200)
	ln2lo     = float32(math.Ln2 - float64(math.Float32frombits(0x3f317200)))
	log2e     = float32(math.Log2E)
	erfcScale = float32(0.4 / math.Sqrt2)
	rsqrt2pi  = float32(1 / math.Sqrt(2*math.Pi))
	sqrt2pi   = float32(math.Sqrt(2 / math.Pi))
	geluCubic = float32(0.044715)
)

func horner(x float32, c []float32) float32 {
	p := c[len(c)-1]
	for i := len(c) - 2; i >= 0; i-- {
		p = p*x + c[i]
	}
	return p
}

// expGo is e^x: within 2 ulp of the exact value for every float32.
func expGo(x float32) float32 {
	if x != x {
		return x
	}
	x = min(max(x, -104), 88.8)
	n := float32(math.RoundToEven(float64(x * log2e)))
	r := x - n*ln2hi // exact: ln2hi has 15 significant bits, n at most 8
	r -= n * ln2lo
	p := horner(r, expPoly[:])
	// 2^n as two normal factors so that a subnormal result rounds once.
	ni := int32(n)
	n1 := ni >> 1
	n2 := ni - n1
	p *= math.Float32frombits(uint32(n1+127) << 23)
	return p * math.Float32frombits(uint32(n2+127)<<23)
}

func tanhGo(x float32) float32 {
	ax := float32(math.Abs(float64(x)))
	if ax < 0.625 {
		z := x * x
		return x + x*z*horner(z, tanhPoly[:])
	}
	e := expGo(ax + ax)
	t := 1 - 2/(e+1)
	if x < 0 || x != x {
		return -t
	}
	return t
}

// halfErfc returns 0.5·erfc(|x|/√2) and e^{-x²/2}, as the assembly
// computes them: 1 + 0.4t = 1 + (0.4/√2)|x| and -t² = -x²/2 with
// t = |x|/√2, |x| clamped at 14.85.
func halfErfc(x float32) (h, e float32) {
	ax := min(float32(math.Abs(float64(x))), 14.85)
	if x != x {
		ax = x
	}
	u := 1 / (1 + erfcScale*ax)
	q := horner(u, erfcPoly[:]) * u
	e = expGo(ax * ax * -0.5)
	return e * q * 0.5, e
}

func phi(x, h float32) float32 {
	if x < 0 {
		return h
	}
	return 1 - h
}

func geluGo(x float32) float32 {
	h, _ := halfErfc(x)
	return x * phi(x, h)
}

func geluGradGo(x float32) float32 {
	h, e := halfErfc(x)
	return phi(x, h) + x*(e*rsqrt2pi)
}

// geluTanhParts returns s = 1/(1+e^{-2y}) for y = √(2/π)(x+0.044715x³).
func geluTanhParts(x float32) float32 {
	y := (geluCubic*(x*x) + 1) * x * sqrt2pi
	return 1 / (expGo(-2*y) + 1)
}

func geluTanhGo(x float32) float32 { return x * geluTanhParts(x) }

func geluTanhGradGo(x float32) float32 {
	s := geluTanhParts(x)
	d := ((x*x)*(3*geluCubic) + 1) * (2 * sqrt2pi)
	return d*(s*(1-s))*x + s
}

func expSliceGo(dst, x *float32, n int) {
	d, xs := view(dst, n), view(x, n)
	for i, v := range xs {
		d[i] = expGo(v)
	}
}

func tanhSliceGo(dst, x *float32, n int) {
	d, xs := view(dst, n), view(x, n)
	for i, v := range xs {
		d[i] = tanhGo(v)
	}
}

func geluSliceGo(dst, x *float32, n int) {
	d, xs := view(dst, n), view(x, n)
	for i, v := range xs {
		d[i] = geluGo(v)
	}
}

func geluTanhSliceGo(dst, x *float32, n int) {
	d, xs := view(dst, n), view(x, n)
	for i, v := range xs {
		d[i] = geluTanhGo(v)
	}
}

func geluBackwardGo(dx, x, dy *float32, n int) {
	d, xs, g := view(dx, n), view(x, n), view(dy, n)
	for i, v := range xs {
		d[i] = g[i] * geluGradGo(v)
	}
}

func geluTanhBackwardGo(dx, x, dy *float32, n int) {
	d, xs, g := view(dx, n), view(x, n), view(dy, n)
	for i, v := range xs {
		d[i] = g[i] * geluTanhGradGo(v)
	}
}

func expShiftSumGo(dst, x *float32, n int, shift float32) float32 {
	d, xs := view(dst, n), view(x, n)
	var acc [lanes]float32
	for i, v := range xs {
		e := expGo(v - shift)
		d[i] = e
		acc[i%lanes] += e
	}
	return addLanes(&acc)
}

// rowMax is the maximum of a row for softmax: NaNs may be skipped (they
// reach the output through exp anyway).
func rowMax(xs []float32) float32 {
	m := float32(math.Inf(-1))
	for _, v := range xs {
		if v > m {
			m = v
		}
	}
	return m
}

func softmaxRowGo(dst, x *float32, n int) {
	m := rowMax(view(x, n))
	s := expShiftSumGo(dst, x, n, m)
	inv := 1 / s
	d := view(dst, n)
	for i := range d {
		d[i] *= inv
	}
}

func softmaxBackwardRowGo(dx, y, dy *float32, n int) {
	s := dotGo(y, dy, n)
	d, ys, g := view(dx, n), view(y, n), view(dy, n)
	for i := range d {
		d[i] = (g[i] - s) * ys[i]
	}
}

func layerNormRowGo(dst, x, gamma, beta *float32, n int, eps float32) (mean, rstd float32) {
	xs := view(x, n)
	mean = sumGo(x, n) / float32(n)
	var acc [lanes]float32
	for i, v := range xs {
		d := v - mean
		acc[i%lanes] += d * d
	}
	ss := addLanes(&acc)
	rstd = 1 / float32(math.Sqrt(float64(ss/float32(n)+eps)))
	d, g, b := view(dst, n), view(gamma, n), view(beta, n)
	for i, v := range xs {
		d[i] = (v-mean)*rstd*g[i] + b[i]
	}
	return mean, rstd
}

func layerNormBackwardRowGo(dx, dy, x, gamma *float32, n int, mean, rstd float32, dgamma, dbeta *float32) {
	xs, g, gm := view(x, n), view(dy, n), view(gamma, n)
	dg, db := view(dgamma, n), view(dbeta, n)
	var sg, sgx [lanes]float32
	for i, v := range xs {
		xh := (v - mean) * rstd
		dg[i] += g[i] * xh
		db[i] += g[i]
		gi := g[i] * gm[i]
		sg[i%lanes] += gi
		sgx[i%lanes] += gi * xh
	}
	a, b := addLanes(&sg)/float32(n), addLanes(&sgx)/float32(n)
	d := view(dx, n)
	for i, v := range xs {
		xh := (v - mean) * rstd
		d[i] = (g[i]*gm[i] - a - xh*b) * rstd
	}
}

func adamwGo(p, g, m, v *float32, n int, h *[8]float32) {
	ps, gs, ms, vs := view(p, n), view(g, n), view(m, n), view(v, n)
	for i := range ps {
		gi := gs[i]
		mi := ms[i]*h[1] + gi*h[2]
		ms[i] = mi
		vi := vs[i]*h[3] + gi*gi*h[4]
		vs[i] = vi
		den := float32(math.Sqrt(float64(vi)))*h[6] + h[7]
		pi := ps[i] - ps[i]*h[0]
		ps[i] = pi - mi*h[5]/den
	}
}

func colSum64Go(acc *float64, x *float32, n, rows, ld int) {
	if n == 0 || rows == 0 {
		return
	}
	a := unsafe.Slice(acc, n)
	xs := unsafe.Slice(x, (rows-1)*ld+n)
	for r := range rows {
		for j, v := range xs[r*ld : r*ld+n] {
			a[j] += float64(v)
		}
	}
}

func gradStepGo(g float32, h, w, e *float32, n int) {
	hs, ws, es := view(h, n), view(w, n), view(e, n)
	for i, hv := range hs {
		wv := ws[i]
		es[i] += g * wv
		ws[i] = wv + g*hv
	}
}

func adaGradPairGo(f float32, w1, w2, g1, g2 *float32, n int) {
	a, b, p, q := view(w1, n), view(w2, n), view(g1, n), view(g2, n)
	for i := range a {
		t1 := f * b[i]
		t2 := f * a[i]
		a[i] -= t1 / float32(math.Sqrt(float64(p[i])))
		b[i] -= t2 / float32(math.Sqrt(float64(q[i])))
		p[i] += t1 * t1
		q[i] += t2 * t2
	}
}
