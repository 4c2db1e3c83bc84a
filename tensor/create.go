package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// Empty returns a tensor of the given dtype and shape on dev whose elements
// are unspecified (recycled memory): fill it before reading it.
func Empty(dev Device, dtype DType, shape ...int) *Tensor {
	checkShape("Empty", shape)
	if !dtype.valid() {
		panic(fmt.Sprintf("tensor: Empty: unknown dtype %d", dtype))
	}
	return newTensor(mustBackend("Empty", dev), dtype, shape)
}

// FullOn returns a tensor of the given dtype and shape on dev with every
// element set to v.
func FullOn(dev Device, dtype DType, v float64, shape ...int) *Tensor {
	t := Empty(dev, dtype, shape...)
	t.backend().Fill(t.view(), v)
	return t
}

// Zeros returns a float32 CPU tensor of zeros.
func Zeros(shape ...int) *Tensor { return FullOn(CPU, Float32, 0, shape...) }

// Ones returns a float32 CPU tensor of ones.
func Ones(shape ...int) *Tensor { return FullOn(CPU, Float32, 1, shape...) }

// Full returns a float32 CPU tensor with every element v.
func Full(v float64, shape ...int) *Tensor { return FullOn(CPU, Float32, v, shape...) }

// Scalar returns a float32 CPU tensor of rank 0 holding v.
func Scalar(v float64) *Tensor { return Full(v) }

// FullLike returns a tensor of t's shape, dtype and device filled with v.
func FullLike(t *Tensor, v float64) *Tensor { return FullOn(t.Device(), t.dtype, v, t.shape...) }

// ZerosLike returns zeros of t's shape, dtype and device.
func ZerosLike(t *Tensor) *Tensor { return FullLike(t, 0) }

// OnesLike returns ones of t's shape, dtype and device.
func OnesLike(t *Tensor) *Tensor { return FullLike(t, 1) }

// Element is the set of Go element types a tensor can be built from.
type Element interface{ float32 | float64 | int32 }

// FromSlice returns a CPU tensor of the given shape over data, whose Go
// type sets the dtype. The tensor uses data as its storage without copying
// it (as gonum's mat.NewDense): the caller must not modify data while the
// tensor is in use. With no shape the tensor is 1-D; one dimension may be
// -1 (inferred).
func FromSlice[T Element](data []T, shape ...int) *Tensor {
	if len(shape) == 0 {
		shape = []int{len(data)}
	}
	shape = inferShape("FromSlice", shape, len(data))
	checkShape("FromSlice", shape)
	st := NewCPUStorage(data)
	tb := &tensorAndBuffer{}
	tb.b = buffer{storage: st, backend: cpuBackend}
	t := &tb.t
	t.buf = &tb.b
	t.dtype = st.dtype
	t.setRank(len(shape))
	copy(t.shape, shape)
	contiguousStrides(t.shape, t.strides)
	return t
}

// FromStorage returns a contiguous tensor of the given shape over existing
// storage, starting at element offset, on the backend of the storage's
// device. It is for backends and loaders; the storage must hold enough
// elements.
func FromStorage(st Storage, offset int, shape ...int) *Tensor {
	checkShape("FromStorage", shape)
	if offset < 0 || (numel(shape) > 0 && offset+numel(shape) > st.Len()) {
		panic(fmt.Sprintf("tensor: FromStorage: %d elements at offset %d exceed a storage of %d", numel(shape), offset, st.Len()))
	}
	b := mustBackend("FromStorage", st.Device())
	tb := &tensorAndBuffer{}
	tb.b = buffer{storage: st, backend: b}
	t := &tb.t
	t.buf = &tb.b
	t.dtype = st.DType()
	t.offset = offset
	t.setRank(len(shape))
	copy(t.shape, shape)
	contiguousStrides(t.shape, t.strides)
	return t
}

// Arange returns the float32 values start, start+step, ... below stop
// (above it for a negative step), as PyTorch's arange. Use As(Int32) for
// integer positions.
func Arange(start, stop, step float64) *Tensor {
	if step == 0 || math.IsNaN(step) || math.IsInf(start, 0) || math.IsInf(stop, 0) {
		panic(fmt.Sprintf("tensor: Arange: bad range start=%v stop=%v step=%v", start, stop, step))
	}
	n := int(math.Ceil((stop - start) / step))
	n = max(n, 0)
	data := make([]float32, n)
	for i := range data {
		data[i] = float32(start + float64(i)*step)
	}
	return FromSlice(data)
}

// Eye returns the n×n float32 identity matrix.
func Eye(n int) *Tensor {
	t := Zeros(n, n)
	d := t.buf.storage.(*CPUStorage).f32
	for i := range n {
		d[i*n+i] = 1
	}
	return t
}

// Rand returns a float32 CPU tensor of draws uniform on [0, 1) from rng.
// The same rng state gives the same tensor.
func Rand(rng *rand.Rand, shape ...int) *Tensor {
	if rng == nil {
		panic("tensor: Rand: the random source rng is nil")
	}
	t := Zeros(shape...)
	d := t.buf.storage.(*CPUStorage).f32
	for i := range d {
		d[i] = rng.Float32()
	}
	return t
}

// RandN returns a float32 CPU tensor of standard normal draws from rng.
func RandN(rng *rand.Rand, shape ...int) *Tensor {
	if rng == nil {
		panic("tensor: RandN: the random source rng is nil")
	}
	t := Zeros(shape...)
	d := t.buf.storage.(*CPUStorage).f32
	for i := range d {
		d[i] = float32(rng.NormFloat64())
	}
	return t
}

// FromBits16 returns a CPU tensor of dtype Float16 or BFloat16 whose
// storage is bits, the raw 16-bit patterns (as in a safetensors file),
// without copying them. Shape works as in FromSlice.
func FromBits16(dtype DType, bits []uint16, shape ...int) *Tensor {
	if dtype != Float16 && dtype != BFloat16 {
		panic(fmt.Sprintf("tensor: FromBits16: dtype %s is not float16 or bfloat16", dtype))
	}
	if len(shape) == 0 {
		shape = []int{len(bits)}
	}
	shape = inferShape("FromBits16", shape, len(bits))
	checkShape("FromBits16", shape)
	st := &CPUStorage{dtype: dtype, n: len(bits), u16: bits, class: -1}
	return FromStorage(st, 0, shape...)
}
