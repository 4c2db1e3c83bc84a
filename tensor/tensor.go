package tensor

import (
	"fmt"
)

// inlineRank is the rank up to which a tensor keeps its shape and strides
// inside its own struct, saving two allocations per tensor.
const inlineRank = 6

// buffer is the storage shared by a tensor and all its views, with the
// backend that owns it and a version counter that in-place ops bump so that
// autograd can detect a saved tensor modified before its backward ran.
type buffer struct {
	storage Storage
	backend Backend
	version uint32
	// owned is true when the package allocated the storage (and may hand
	// it back to the backend when the buffer is released); false for
	// storage wrapped from a caller's slice or storage.
	owned bool
	// dead is set when the storage was released; why says by what.
	dead bool
	why  releaseReason
	// scope is the Scope that ops on this buffer allocate their results
	// in (nil: none); scoped is true when that scope's Close releases the
	// buffer itself.
	scope  *Scope
	scoped bool
}

// Tensor is an n-dimensional array of one dtype on one device: a strided
// view into storage that other tensors (its views) may share. Tensors are
// immutable values except through the in-place methods (CopyFrom, Fill,
// AddInPlace, ...) and the gradient fields; many goroutines may read one
// tensor, and run ops on it, at the same time.
//
// A tensor that requires a gradient, and every tensor computed from one,
// takes part in automatic differentiation: see Backward.
type Tensor struct {
	buf     *buffer
	offset  int
	shape   []int
	strides []int
	dtype   DType

	requiresGrad bool    // set on leaves by SetRequiresGrad
	gradOwned    bool    // grad was made by Backward (ZeroGrad releases it)
	grad         *Tensor // accumulated gradient of a leaf
	node         *node   // the op that computed this tensor, when differentiable

	dims [2 * inlineRank]int // backing array of shape and strides for small ranks
}

// tensorAndBuffer lets a fresh tensor and its buffer share one allocation.
type tensorAndBuffer struct {
	t Tensor
	b buffer
}

// newHeader returns a tensor header over buf with room for rank dims.
func newHeader(buf *buffer, dtype DType, rank int) *Tensor {
	t := &Tensor{buf: buf, dtype: dtype}
	t.setRank(rank)
	return t
}

func (t *Tensor) setRank(rank int) {
	if rank <= inlineRank {
		t.shape = t.dims[:rank:rank]
		t.strides = t.dims[inlineRank : inlineRank+rank : inlineRank+rank]
	} else {
		s := make([]int, 2*rank)
		t.shape = s[:rank:rank]
		t.strides = s[rank:]
	}
}

// newTensor allocates an uninitialised contiguous tensor on backend b,
// outside any scope.
func newTensor(b Backend, dtype DType, shape []int) *Tensor {
	return newIn(nil, b, dtype, shape)
}

// newIn allocates an uninitialised contiguous tensor on backend b in scope
// sc (nil: none).
func newIn(sc *Scope, b Backend, dtype DType, shape []int) *Tensor {
	n := numel(shape)
	tb := &tensorAndBuffer{}
	tb.b = buffer{storage: b.Alloc(dtype, n), backend: b, owned: true}
	if sc != nil {
		sc.adopt(&tb.b)
	}
	t := &tb.t
	t.buf = &tb.b
	t.dtype = dtype
	t.setRank(len(shape))
	copy(t.shape, shape)
	contiguousStrides(t.shape, t.strides)
	return t
}

// newLike allocates an uninitialised contiguous tensor with t's backend,
// in t's scope.
func newLike(t *Tensor, dtype DType, shape []int) *Tensor {
	return newIn(t.buf.scope, t.buf.backend, dtype, shape)
}

// newLike2 is newLike for an op of two operands: the result goes to the
// scope of either (a's first).
func newLike2(a, b *Tensor, dtype DType, shape []int) *Tensor {
	return newIn(scopeOf(a, b), a.buf.backend, dtype, shape)
}

// scopeOf returns the scope of the first operand that has one.
func scopeOf(ts ...*Tensor) *Scope {
	for _, t := range ts {
		if t.buf.scope != nil {
			return t.buf.scope
		}
	}
	return nil
}

// view returns t as a View for a backend; it panics when t's storage was
// released.
func (t *Tensor) view() View {
	if t.buf.dead {
		t.panicReleased()
	}
	return View{Storage: t.buf.storage, Offset: t.offset, Shape: t.shape, Strides: t.strides}
}

// viewAs returns t's view with the given shape and strides (same storage).
func (t *Tensor) viewAs(shape, strides []int) View {
	if t.buf.dead {
		t.panicReleased()
	}
	return View{Storage: t.buf.storage, Offset: t.offset, Shape: shape, Strides: strides}
}

func (t *Tensor) backend() Backend { return t.buf.backend }

// DType returns the element type.
func (t *Tensor) DType() DType { return t.dtype }

// Device returns the device that holds the tensor.
func (t *Tensor) Device() Device { return t.buf.storage.Device() }

// Rank returns the number of dimensions (0 for a scalar).
func (t *Tensor) Rank() int { return len(t.shape) }

// Shape returns a copy of the dimensions.
func (t *Tensor) Shape() []int { return append([]int(nil), t.shape...) }

// Strides returns a copy of the strides, in elements.
func (t *Tensor) Strides() []int { return append([]int(nil), t.strides...) }

// Offset returns the position of the first element in the storage.
func (t *Tensor) Offset() int { return t.offset }

// Storage returns the buffer that holds the elements, for backends and
// serializers; most code never needs it.
func (t *Tensor) Storage() Storage {
	if t.buf.dead {
		t.panicReleased()
	}
	return t.buf.storage
}

// View returns the tensor's storage, offset, shape and strides as a View,
// the form in which backends receive operands. The slices are shared: do
// not modify them.
func (t *Tensor) View() View { return t.view() }

// Dim returns the size of dimension i; negative i counts from the end.
func (t *Tensor) Dim(i int) int { return t.shape[normAxis("Dim", i, len(t.shape))] }

// Numel returns the number of elements.
func (t *Tensor) Numel() int { return numel(t.shape) }

// IsContiguous reports whether the elements are dense and in row-major
// order in storage.
func (t *Tensor) IsContiguous() bool { return isContiguous(t.shape, t.strides) }

// SameShape reports whether t and u have the same shape.
func (t *Tensor) SameShape(u *Tensor) bool { return equalShapes(t.shape, u.shape) }

// checkSameDevice panics unless every operand is on a's device.
func checkSameDevice(op string, ts ...*Tensor) {
	d := ts[0].Device()
	for _, u := range ts[1:] {
		if u.Device() != d {
			panic(fmt.Sprintf("tensor: %s: operands on different devices %s and %s", op, d, u.Device()))
		}
	}
}

func checkSameDevice2(op string, a, b *Tensor) {
	if a.buf.storage.Device() != b.buf.storage.Device() {
		panic(fmt.Sprintf("tensor: %s: operands on different devices %s and %s", op, a.Device(), b.Device()))
	}
}

func checkSameDType2(op string, a, b *Tensor) {
	if a.dtype != b.dtype {
		panic(fmt.Sprintf("tensor: %s: dtypes %s and %s differ (convert one with As)", op, a.dtype, b.dtype))
	}
}

func checkFloat(op string, t *Tensor) {
	if t.dtype != Float32 && t.dtype != Float64 {
		panic(fmt.Sprintf("tensor: %s: needs a float32 or float64 tensor, got %s", op, t.dtype))
	}
}

func checkNotNil(op string, ts ...*Tensor) {
	for i, t := range ts {
		if t == nil {
			panic(fmt.Sprintf("tensor: %s: operand %d is nil", op, i))
		}
	}
}

// String describes the tensor briefly: shape, dtype and device, plus the
// values when there are few of them. Use fmt's %v for the full values.
func (t *Tensor) String() string {
	if t == nil {
		return "Tensor(nil)"
	}
	return fmt.Sprintf("%+v", t)
}
