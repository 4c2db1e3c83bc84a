//go:build amd64 && !purego

package vec

import "github.com/goformer/goformer/internal/cpu"

var avx512Kernels = &kernels{
	name:                 "avx512",
	dot:                  dotAVX512,
	sum:                  sumAVX512,
	max:                  maxAVX512,
	axpy:                 axpyAVX512,
	scale:                scaleAVX512,
	addScalar:            addScalarAVX512,
	add:                  addAVX512,
	sub:                  subAVX512,
	mul:                  mulAVX512,
	exp:                  expAVX512,
	tanh:                 tanhAVX512,
	gelu:                 geluAVX512,
	geluTanh:             geluTanhAVX512,
	geluBackward:         geluBackwardAVX512,
	geluTanhBackward:     geluTanhBackwardAVX512,
	expShiftSum:          expShiftSumAVX512,
	softmaxRow:           softmaxRowAVX512,
	softmaxBackwardRow:   softmaxBackwardRowAVX512,
	layerNormRow:         layerNormRowAVX512,
	layerNormBackwardRow: layerNormBackwardRowAVX512,
	adamw:                adamwAVX512,
	colSum64:             colSum64AVX512,
	gradStep:             gradStepAVX512,
	adaGradPair:          adaGradPairAVX512,
	prefetch:             prefetchAMD64,
}

var avx2Kernels = &kernels{
	name:                 "avx2",
	dot:                  dotAVX2,
	sum:                  sumAVX2,
	max:                  maxAVX2,
	axpy:                 axpyAVX2,
	scale:                scaleAVX2,
	addScalar:            addScalarAVX2,
	add:                  addAVX2,
	sub:                  subAVX2,
	mul:                  mulAVX2,
	exp:                  expAVX2,
	tanh:                 tanhAVX2,
	gelu:                 geluAVX2,
	geluTanh:             geluTanhAVX2,
	geluBackward:         geluBackwardAVX2,
	geluTanhBackward:     geluTanhBackwardAVX2,
	expShiftSum:          expShiftSumAVX2,
	softmaxRow:           softmaxRowAVX2,
	softmaxBackwardRow:   softmaxBackwardRowAVX2,
	layerNormRow:         layerNormRowAVX2,
	layerNormBackwardRow: layerNormBackwardRowAVX2,
	adamw:                adamwAVX2,
	colSum64:             colSum64AVX2,
	gradStep:             gradStepAVX2,
	adaGradPair:          adaGradPairAVX2,
	prefetch:             prefetchAMD64,
}

func kernelsFor(l cpu.Level) *kernels {
	switch l {
	case cpu.AVX512:
		return avx512Kernels
	case cpu.AVX2:
		return avx2Kernels
	}
	return goKernels
}
