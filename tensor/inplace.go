package tensor

import "fmt"

// In-place operations change a tensor's elements instead of returning a
// new tensor. They record no gradient (optimizers and loaders use them on
// parameters) and refuse tensors computed by differentiable ops. A tensor
// saved by autograd and then modified in place makes the later Backward
// panic instead of returning a wrong gradient.

func checkInPlace(op string, t *Tensor) {
	if t == nil {
		panic(fmt.Sprintf("tensor: %s: nil tensor", op))
	}
	if t.node != nil {
		panic(fmt.Sprintf("tensor: %s: in-place op on a tensor computed by %s (part of an autograd graph); Detach it first", op, t.node.op))
	}
	for i, s := range t.strides {
		if s == 0 && t.shape[i] > 1 {
			panic(fmt.Sprintf("tensor: %s: in-place op on a broadcast view (shape %v, strides %v): elements alias", op, t.shape, t.strides))
		}
	}
}

// CopyFrom copies src into t, broadcasting src to t's shape and converting
// its dtype; src may be on another device.
func (t *Tensor) CopyFrom(src *Tensor) {
	checkInPlace("CopyFrom", t)
	checkNotNil("CopyFrom", src)
	if !broadcastable(src.shape, t.shape) {
		panic(fmt.Sprintf("tensor: CopyFrom: source shape %v does not broadcast to %v", src.shape, t.shape))
	}
	s := src.Detach()
	if s.Device() != t.Device() {
		s = s.To(t.Device())
	}
	if s.dtype != t.dtype {
		s = s.As(t.dtype)
	}
	t.backend().Copy(t.view(), s.expandedView(t.shape))
	t.buf.version++
}

// Fill sets every element of t to v.
func (t *Tensor) Fill(v float64) {
	checkInPlace("Fill", t)
	t.backend().Fill(t.view(), v)
	t.buf.version++
}

// AddInPlace adds src (broadcast to t's shape) to t.
func (t *Tensor) AddInPlace(src *Tensor) {
	checkInPlace("AddInPlace", t)
	checkNotNil("AddInPlace", src)
	checkSameDevice2("AddInPlace", t, src)
	checkSameDType2("AddInPlace", t, src)
	if !broadcastable(src.shape, t.shape) {
		panic(fmt.Sprintf("tensor: AddInPlace: shapes %v and %v: the source does not broadcast to the target", t.shape, src.shape))
	}
	t.backend().Binary(OpAdd, t.view(), t.view(), src.expandedView(t.shape))
	t.buf.version++
}

// AddScaledInPlace adds alpha·src (broadcast) to t: the update of SGD.
func (t *Tensor) AddScaledInPlace(alpha float64, src *Tensor) {
	checkInPlace("AddScaledInPlace", t)
	checkNotNil("AddScaledInPlace", src)
	checkSameDevice2("AddScaledInPlace", t, src)
	checkSameDType2("AddScaledInPlace", t, src)
	if !broadcastable(src.shape, t.shape) {
		panic(fmt.Sprintf("tensor: AddScaledInPlace: shapes %v and %v: the source does not broadcast to the target", t.shape, src.shape))
	}
	s := rawUnary(OpAffine, src.Detach(), UnaryParams{A: alpha})
	t.backend().Binary(OpAdd, t.view(), t.view(), s.expandedView(t.shape))
	s.release()
	t.buf.version++
}

// ScaleInPlace multiplies t by s.
func (t *Tensor) ScaleInPlace(s float64) {
	checkInPlace("ScaleInPlace", t)
	checkFloat("ScaleInPlace", t)
	t.backend().Unary(OpAffine, t.view(), t.view(), UnaryParams{A: s})
	t.buf.version++
}

// AdamWStep applies one fused AdamW update (see AdamWParams) to param from
// its gradient, updating the moment estimates m and v in place; all four
// have one shape, dtype and device. m and v start as zeros and Step at 1.
func AdamWStep(param, grad, m, v *Tensor, p AdamWParams) {
	checkNotNil("AdamWStep", param, grad, m, v)
	for _, t := range []*Tensor{param, m, v} {
		checkInPlace("AdamWStep", t)
	}
	checkSameDevice("AdamWStep", param, grad, m, v)
	for _, t := range []*Tensor{grad, m, v} {
		checkSameDType2("AdamWStep", param, t)
		if !t.SameShape(param) {
			panic(fmt.Sprintf("tensor: AdamWStep: shapes %v and %v differ", param.shape, t.shape))
		}
	}
	checkFloat("AdamWStep", param)
	if p.Step < 1 {
		panic(fmt.Sprintf("tensor: AdamWStep: step %d, want ≥ 1", p.Step))
	}
	param.backend().AdamW(param.view(), grad.view(), m.view(), v.view(), p)
	param.buf.version++
	m.buf.version++
	v.buf.version++
}
