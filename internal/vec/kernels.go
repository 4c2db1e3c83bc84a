package vec

// kernels is one instruction set's implementation of every kernel, on
// pointers and lengths (the exported functions check the slices). A nil
// pointer is passed for an empty slice; kernels never read or write past n
// elements.
type kernels struct {
	name string

	dot  func(x, y *float32, n int) float32
	sum  func(x *float32, n int) float32
	max  func(x *float32, n int) float32
	axpy func(a float32, x, y *float32, n int)

	scale, addScalar func(dst, x *float32, a float32, n int)
	add, sub, mul    func(dst, x, y *float32, n int)

	exp, tanh, gelu, geluTanh      func(dst, x *float32, n int)
	geluBackward, geluTanhBackward func(dx, x, dy *float32, n int)

	expShiftSum        func(dst, x *float32, n int, shift float32) float32
	softmaxRow         func(dst, x *float32, n int)
	softmaxBackwardRow func(dx, y, dy *float32, n int)

	layerNormRow         func(dst, x, gamma, beta *float32, n int, eps float32) (mean, rstd float32)
	layerNormBackwardRow func(dx, dy, x, gamma *float32, n int, mean, rstd float32, dgamma, dbeta *float32)

	adamw func(p, g, m, v *float32, n int, h *[8]float32)

	// colSum64 adds rows rows (stride ld) of n columns, n a multiple of
	// 16, into float64 accumulators.
	colSum64 func(acc *float64, x *float32, n, rows, ld int)

	// The embedding trainers' row updates, and a cache hint.
	gradStep    func(g float32, h, w, e *float32, n int)
	adaGradPair func(f float32, w1, w2, g1, g2 *float32, n int)
	prefetch    func(x *float32, n int)
}

// goKernels are the portable twins.
var goKernels = &kernels{
	name:                 "purego",
	dot:                  dotGo,
	sum:                  sumGo,
	max:                  maxGo,
	axpy:                 axpyGo,
	scale:                scaleGo,
	addScalar:            addScalarGo,
	add:                  addGo,
	sub:                  subGo,
	mul:                  mulGo,
	exp:                  expSliceGo,
	tanh:                 tanhSliceGo,
	gelu:                 geluSliceGo,
	geluTanh:             geluTanhSliceGo,
	geluBackward:         geluBackwardGo,
	geluTanhBackward:     geluTanhBackwardGo,
	expShiftSum:          expShiftSumGo,
	softmaxRow:           softmaxRowGo,
	softmaxBackwardRow:   softmaxBackwardRowGo,
	layerNormRow:         layerNormRowGo,
	layerNormBackwardRow: layerNormBackwardRowGo,
	adamw:                adamwGo,
	colSum64:             colSum64Go,
	gradStep:             gradStepGo,
	adaGradPair:          adaGradPairGo,
	prefetch:             func(*float32, int) {},
}
