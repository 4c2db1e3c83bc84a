package tensor

import (
	"math"
	"math/rand/v2"
	"testing"
)

// The float32 fast paths of cpu_vec.go must agree with the generic
// kernels they bypass (which compute in float64) to float32 accuracy, and
// must step aside for views they do not handle.

func vecTestTensor(rng *rand.Rand, scale float64, shape ...int) *Tensor {
	t := RandN(rng, shape...)
	s := t.Float32s()
	for i := range s {
		s[i] *= float32(scale)
	}
	return FromSlice(s, shape...)
}

func closeSlices(t *testing.T, what string, got, want []float32, rel, abs float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d elements, want %d", what, len(got), len(want))
	}
	for i := range got {
		g, w := float64(got[i]), float64(want[i])
		if !(math.Abs(g-w) <= abs+rel*math.Abs(w)) && !(g != g && w != w) {
			t.Fatalf("%s: element %d = %v, generic kernel gives %v", what, i, g, w)
		}
	}
}

func TestVecFastPathsMatchTheGenericKernels(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 32))
	rows, cols := 37, 300
	x := vecTestTensor(rng, 3, rows, cols)
	y := vecTestTensor(rng, 1, rows, cols)

	for _, op := range []UnaryOp{OpExp, OpTanh, OpGELU, OpGELUTanh} {
		fast, slow := Zeros(rows, cols), Zeros(rows, cols)
		cpuBackend.Unary(op, fast.view(), x.view(), UnaryParams{})
		unaryStrided[float32](op, UnaryParams{}, slow.view(), x.view())
		closeSlices(t, op.String(), fast.Float32s(), slow.Float32s(), 4e-6, 1e-7)
		if op == OpGELU || op == OpGELUTanh {
			cpuBackend.UnaryGrad(op, fast.view(), x.view(), Zeros(rows, cols).view(), y.view(), UnaryParams{})
			unaryGradStrided[float32](op, UnaryParams{}, slow.view(), x.view(), Zeros(rows, cols).view(), y.view())
			closeSlices(t, op.String()+" gradient", fast.Float32s(), slow.Float32s(), 1e-5, 1e-6)
		}
	}
	for _, op := range []BinaryOp{OpAdd, OpSub, OpMul} {
		fast, slow := Zeros(rows, cols), Zeros(rows, cols)
		cpuBackend.Binary(op, fast.view(), x.view(), y.view())
		binaryStrided[float32](op, slow.view(), x.view(), y.view())
		closeSlices(t, op.String(), fast.Float32s(), slow.Float32s(), 0, 0)
	}
	// A broadcast row (a bias) on either side, on a rank-3 shape and on
	// enough rows to split across workers.
	for _, shape := range [][]int{{rows, cols}, {3, 5, cols}, {300, cols}} {
		n := numel(shape)
		xs := vecTestTensor(rng, 3, shape...)
		row := vecTestTensor(rng, 1, cols).Expand(shape...)
		if row.IsContiguous() || row.view().Strides[0] != 0 {
			t.Fatalf("%v: the row is not a broadcast view", shape)
		}
		for _, op := range []BinaryOp{OpAdd, OpSub, OpMul} {
			for _, pair := range [][2]*Tensor{{xs, row}, {row, xs}} {
				fast, slow := Zeros(n), Zeros(n)
				fv, sv := fast.Reshape(shape...).view(), slow.Reshape(shape...).view()
				if !vecBinary(op, fv, pair[0].view(), pair[1].view()) {
					t.Fatalf("%s %v: the row broadcast did not take the vector path", op, shape)
				}
				binaryStrided[float32](op, sv, pair[0].view(), pair[1].view())
				closeSlices(t, op.String()+" with a broadcast row", fast.Float32s(), slow.Float32s(), 0, 0)
			}
		}
		// Two broadcast rows, or a row that is not last-dim contiguous, are
		// left to the generic kernel.
		if vecBinary(OpAdd, Zeros(shape...).view(), row.view(), row.view()) {
			t.Fatalf("%v: two broadcast rows took the vector path", shape)
		}
		col := vecTestTensor(rng, 1, shape[0], 1).Expand(shape[0], n/shape[0])
		if vecBinary(OpAdd, Zeros(shape[0], n/shape[0]).view(), xs.Reshape(shape[0], n/shape[0]).view(), col.view()) {
			t.Fatalf("%v: a broadcast column took the vector path", shape)
		}
	}
	for _, log := range []bool{false, true} {
		fast, slow := Zeros(rows, cols), Zeros(rows, cols)
		cpuBackend.Softmax(fast.view(), x.view(), log)
		softmaxRows[float32](slow.view(), x.view(), log)
		closeSlices(t, "softmax", fast.Float32s(), slow.Float32s(), 3e-6, 1e-9)
		if !log {
			gf, gs := Zeros(rows, cols), Zeros(rows, cols)
			cpuBackend.SoftmaxGrad(gf.view(), fast.view(), y.view(), false)
			softmaxGradRows[float32](gs.view(), slow.view(), y.view(), false)
			closeSlices(t, "softmax gradient", gf.Float32s(), gs.Float32s(), 1e-5, 1e-7)
		}
	}

	w, b := vecTestTensor(rng, 1, cols), vecTestTensor(rng, 1, cols)
	for _, affine := range []bool{true, false} {
		wv, bv := w.view(), b.view()
		if !affine {
			wv, bv = View{}, View{}
		}
		fast, slow := Zeros(rows, cols), Zeros(rows, cols)
		mf, rf, ms, rs := Zeros(rows), Zeros(rows), Zeros(rows), Zeros(rows)
		cpuBackend.LayerNorm(fast.view(), mf.view(), rf.view(), x.view(), wv, bv, 1e-5)
		layerNormRows[float32](slow.view(), ms.view(), rs.view(), x.view(), wv, bv, 1e-5)
		closeSlices(t, "layer norm", fast.Float32s(), slow.Float32s(), 1e-5, 1e-5)
		closeSlices(t, "layer norm mean", mf.Float32s(), ms.Float32s(), 1e-5, 1e-6)
		closeSlices(t, "layer norm rstd", rf.Float32s(), rs.Float32s(), 1e-5, 0)

		dxf, dxs := Zeros(rows, cols), Zeros(rows, cols)
		dwf, dws, dbf, dbs := Zeros(cols), Zeros(cols), Zeros(cols), Zeros(cols)
		dwv, dbv := dwf.view(), dbf.view()
		dwsv, dbsv := dws.view(), dbs.view()
		if !affine {
			dwv, dbv, dwsv, dbsv = View{}, View{}, View{}, View{}
		}
		cpuBackend.LayerNormGrad(dxf.view(), dwv, dbv, x.view(), wv, ms.view(), rs.view(), y.view())
		layerNormGradRows[float32](dxs.view(), dwsv, dbsv, x.view(), wv, ms.view(), rs.view(), y.view())
		closeSlices(t, "layer norm dx", dxf.Float32s(), dxs.Float32s(), 1e-4, 1e-5)
		if affine {
			closeSlices(t, "layer norm dw", dwf.Float32s(), dws.Float32s(), 1e-4, 1e-5)
			closeSlices(t, "layer norm db", dbf.Float32s(), dbs.Float32s(), 1e-4, 1e-5)
		}
	}

	p := AdamWParams{LR: 1e-3, Beta1: 0.9, Beta2: 0.999, Eps: 1e-8, WeightDecay: 0.01, Step: 3}
	pf := vecTestTensor(rng, 1, rows, cols)
	ps := FromSlice(pf.Float32s(), rows, cols) // Float32s copies
	mf := vecTestTensor(rng, 0.1, rows, cols)
	sq := vecTestTensor(rng, 0.1, rows, cols).Float32s() // v of the scale of m²
	for i, v := range sq {
		sq[i] = v * v
	}
	vf := FromSlice(sq, rows, cols)
	ms, vs := FromSlice(mf.Float32s(), rows, cols), FromSlice(vf.Float32s(), rows, cols)
	cpuBackend.AdamW(pf.view(), y.view(), mf.view(), vf.view(), p)
	adamWStrided[float32](ps.view(), y.view(), ms.view(), vs.view(), p)
	closeSlices(t, "AdamW parameters", pf.Float32s(), ps.Float32s(), 1e-6, 2e-7)
	closeSlices(t, "AdamW first moment", mf.Float32s(), ms.Float32s(), 1e-6, 2e-8)
	closeSlices(t, "AdamW second moment", vf.Float32s(), vs.Float32s(), 1e-6, 1e-9)
}

func TestVecFastPathsStepAsideForStridedOrOverlappingViews(t *testing.T) {
	rng := rand.New(rand.NewPCG(33, 34))
	x := vecTestTensor(rng, 1, 8, 16)
	dst := Zeros(16, 8)
	if vecUnary(OpExp, dst.view(), x.T().view()) {
		t.Error("exp took the fast path for a transposed input")
	}
	if !vecUnary(OpExp, x.view(), x.view()) {
		t.Error("exp did not take the fast path in place")
	}
	buf := Zeros(200)
	a := FromStorage(buf.view().Storage, 0, 8, 16)
	b := FromStorage(buf.view().Storage, 5, 8, 16)
	if vecUnary(OpExp, b.view(), a.view()) {
		t.Error("exp took the fast path for overlapping, shifted views")
	}
	if vecSoftmax(x.view(), x.view(), true) {
		t.Error("log-softmax took the fast path in place")
	}
	if vecUnary(OpSin, dst.view(), x.T().Contiguous().view()) {
		t.Error("an op without a SIMD kernel took the fast path")
	}
}
