package tensor

import "fmt"

// As returns t converted to dtype (t itself when it already has it).
// Conversions between float types are differentiable; conversion to Int32
// truncates toward zero and is not.
func (t *Tensor) As(dtype DType) *Tensor {
	if !dtype.valid() {
		panic(fmt.Sprintf("tensor: As: unknown dtype %d", dtype))
	}
	if t.dtype == dtype {
		return t
	}
	out := newLike(t, dtype, t.shape)
	t.backend().Cast(out.view(), t.view())
	if t.needsGrad() && dtype.IsFloat() {
		src := t.dtype
		record(out, "As", func(g *Tensor) []*Tensor {
			dx := newLike(g, src, g.shape)
			g.backend().Cast(dx.view(), g.view())
			return []*Tensor{dx}
		}, t)
	}
	return out
}

// To returns t on device dev: t itself when it is already there, else a
// copy. The copy is differentiable: its gradient is copied back to t's
// device, so To on a parameter that requires a gradient does not give a
// new leaf (use Detach().To(dev).SetRequiresGrad(true) to move a
// parameter). It panics when dev has no backend (see Available).
func (t *Tensor) To(dev Device) *Tensor {
	src := t.Device()
	if src == dev {
		return t
	}
	b := mustBackend("To", dev)
	out := newIn(t.buf.scope, b, t.dtype, t.shape)
	transfer(out, t)
	if t.needsGrad() {
		record(out, "To", func(g *Tensor) []*Tensor {
			dx := newIn(g.buf.scope, t.backend(), g.dtype, g.shape)
			transfer(dx, g)
			return []*Tensor{dx}
		}, t)
	}
	return out
}

// transfer copies src into the contiguous tensor dst of the same shape and
// dtype on another device, through the host.
func transfer(dst, src *Tensor) {
	c := src
	if !src.IsContiguous() {
		c = src.clone()
	}
	n := c.Numel()
	if n == 0 {
		return
	}
	switch {
	case c.Device() == CPU:
		dst.backend().Upload(dst.view(), hostSlice(c.Storage().(*CPUStorage), c.offset, n))
	case dst.Device() == CPU:
		c.backend().Download(hostSlice(dst.Storage().(*CPUStorage), dst.offset, n), c.view())
	default:
		h := allocHost(c.dtype, n)
		c.backend().Download(h, c.view())
		dst.backend().Upload(dst.view(), h)
	}
}

// hostSlice returns n elements of a CPU storage from off, typed for
// Upload and Download.
func hostSlice(s *CPUStorage, off, n int) any {
	switch s.dtype {
	case Float32:
		return s.f32[off : off+n]
	case Float64:
		return s.f64[off : off+n]
	case Int32:
		return s.i32[off : off+n]
	default:
		return s.u16[off : off+n]
	}
}

func allocHost(d DType, n int) any {
	switch d {
	case Float32:
		return make([]float32, n)
	case Float64:
		return make([]float64, n)
	case Int32:
		return make([]int32, n)
	default:
		return make([]uint16, n)
	}
}

// hostContiguous returns t's elements in row-major order in a CPU
// storage of dtype d (a copy unless t already is exactly that), and the
// offset of the first element.
func (t *Tensor) hostContiguous(d DType) (*CPUStorage, int) {
	c := t.Detach()
	if c.Device() != CPU {
		c = c.To(CPU)
	}
	if c.dtype != d {
		c = c.As(d)
	}
	if !c.IsContiguous() {
		c = c.clone()
	}
	return c.Storage().(*CPUStorage), c.offset
}

// Float32s returns a new slice of t's elements in row-major order,
// converted to float32. It copies from any device.
func (t *Tensor) Float32s() []float32 {
	s, off := t.hostContiguous(Float32)
	return append([]float32(nil), s.f32[off:off+t.Numel()]...)
}

// Float64s returns a new slice of t's elements in row-major order,
// converted to float64.
func (t *Tensor) Float64s() []float64 {
	s, off := t.hostContiguous(Float64)
	return append([]float64(nil), s.f64[off:off+t.Numel()]...)
}

// Int32s returns a new slice of t's elements in row-major order, converted
// to int32 (floats truncate toward zero).
func (t *Tensor) Int32s() []int32 {
	s, off := t.hostContiguous(Int32)
	return append([]int32(nil), s.i32[off:off+t.Numel()]...)
}

// Item returns the value of a one-element tensor as float64.
func (t *Tensor) Item() float64 {
	if t.Numel() != 1 {
		panic(fmt.Sprintf("tensor: Item: tensor of shape %v has %d elements, want 1", t.shape, t.Numel()))
	}
	return t.Float64s()[0]
}

// At returns the element at the given index (one per dimension; negative
// counts from the end) as float64.
func (t *Tensor) At(index ...int) float64 {
	if len(index) != len(t.shape) {
		panic(fmt.Sprintf("tensor: At: %d indices for shape %v", len(index), t.shape))
	}
	off := t.offset
	for i, x := range index {
		n := t.shape[i]
		if x < -n || x >= n {
			panic(fmt.Sprintf("tensor: At: index %v out of range for shape %v", index, t.shape))
		}
		if x < 0 {
			x += n
		}
		off += x * t.strides[i]
	}
	return viewOf(t, off, nil, nil).Item()
}

// Bits16 returns a new slice of the raw 16-bit patterns of a Float16 or
// BFloat16 tensor, in row-major order.
func (t *Tensor) Bits16() []uint16 {
	if t.dtype != Float16 && t.dtype != BFloat16 {
		panic(fmt.Sprintf("tensor: Bits16 of a %s tensor", t.dtype))
	}
	s, off := t.hostContiguous(t.dtype)
	return append([]uint16(nil), s.u16[off:off+t.Numel()]...)
}
