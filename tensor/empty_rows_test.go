package tensor

import "testing"

func TestSoftmaxOfRowsWithoutElementsIsEmpty(t *testing.T) {
	for _, log := range []bool{false, true} {
		x := Zeros(3, 0).SetRequiresGrad(true)
		var y *Tensor
		if log {
			y = x.LogSoftmax(-1)
		} else {
			y = x.Softmax(-1)
		}
		if got := y.Shape(); len(got) != 2 || got[0] != 3 || got[1] != 0 {
			t.Fatalf("log=%v: shape %v, want [3 0]", log, got)
		}
		y.Backward(WithGrad(ZerosLike(y)))
		if g := x.Grad(); g == nil || g.Numel() != 0 {
			t.Fatalf("log=%v: gradient %v, want an empty tensor", log, g)
		}
		// Softmax over the empty axis of [0, 4] rows: no rows at all.
		if z := Zeros(0, 4).Softmax(0); z.Numel() != 0 {
			t.Fatalf("log=%v: softmax over an empty axis gave %d elements", log, z.Numel())
		}
	}
}

func TestBatchedMatMulWithEmptyInnerDimensionIsZero(t *testing.T) {
	a := Ones(2, 3, 0).SetRequiresGrad(true)
	b := Ones(2, 0, 4).SetRequiresGrad(true)
	c := a.MatMul(b)
	if got := c.Shape(); len(got) != 3 || got[0] != 2 || got[1] != 3 || got[2] != 4 {
		t.Fatalf("shape %v, want [2 3 4]", got)
	}
	for i, v := range c.Float32s() {
		if v != 0 {
			t.Fatalf("element %d = %v, want 0 (a sum over nothing)", i, v)
		}
	}
	c.Sum().Backward()
	if a.Grad().Numel() != 0 || b.Grad().Numel() != 0 {
		t.Fatalf("gradients of empty operands have %d and %d elements", a.Grad().Numel(), b.Grad().Numel())
	}
	// Broadcast batch dimensions over an empty inner dimension.
	if d := Ones(5, 1, 2, 0).MatMul(Ones(3, 0, 6)); d.Numel() != 5*3*2*6 {
		t.Fatalf("broadcast product has %d elements, want %d", d.Numel(), 5*3*2*6)
	}
}
