package tensor

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
)

// DeviceKind names a family of devices (the CPU, NVIDIA GPUs).
type DeviceKind uint8

// The device kinds. A backend registers itself for one kind.
const (
	DeviceCPU DeviceKind = iota
	DeviceCUDA
)

// String returns "cpu", "cuda" or "device(N)".
func (k DeviceKind) String() string {
	switch k {
	case DeviceCPU:
		return "cpu"
	case DeviceCUDA:
		return "cuda"
	}
	return "device(" + strconv.Itoa(int(k)) + ")"
}

// Device identifies where a tensor's storage lives and where its ops run.
// Devices are comparable values: two tensors are on the same device when
// their Devices are equal.
type Device struct {
	Kind  DeviceKind
	Index int // which device of that kind; always 0 for the CPU
}

// CPU is the host processor; every tensor is created there unless a
// function says otherwise.
var CPU = Device{Kind: DeviceCPU}

// CUDA returns the NVIDIA GPU with the given ordinal. Using it needs the
// cuda package linked in (it registers the backend from its init function).
func CUDA(index int) Device { return Device{Kind: DeviceCUDA, Index: index} }

// String returns "cpu" or "<kind>:<index>", as PyTorch writes devices.
func (d Device) String() string {
	if d.Kind == DeviceCPU {
		return "cpu"
	}
	return d.Kind.String() + ":" + strconv.Itoa(d.Index)
}

// ParseDevice parses "cpu", "cuda" (device 0) or "cuda:N".
func ParseDevice(s string) (Device, error) {
	name, idx, hasIdx := strings.Cut(strings.TrimSpace(s), ":")
	var d Device
	switch strings.ToLower(name) {
	case "cpu":
		d.Kind = DeviceCPU
	case "cuda", "gpu":
		d.Kind = DeviceCUDA
	default:
		return Device{}, fmt.Errorf("tensor: unknown device %q (want cpu, cuda or cuda:N)", s)
	}
	if hasIdx {
		n, err := strconv.Atoi(idx)
		if err != nil || n < 0 || (d.Kind == DeviceCPU && n != 0) {
			return Device{}, fmt.Errorf("tensor: bad device index in %q", s)
		}
		d.Index = n
	}
	return d, nil
}

// Storage is a flat buffer of elements of one dtype on one device, owned by
// a Backend. Tensors are strided views into a Storage; several tensors may
// share one. The tensor package never looks inside a Storage: it hands it
// back to the Backend that made it. Implementations must be comparable
// (pointer types, as *CPUStorage): the package compares Storages to tell
// whether tensors share a buffer.
type Storage interface {
	// Device reports where the elements live.
	Device() Device
	// DType reports the element type.
	DType() DType
	// Len reports the number of elements.
	Len() int
}

// View is a strided window into a Storage, the form in which every operand
// reaches a Backend: element (i0, i1, ...) of the view is element
// Offset + i0*Strides[0] + i1*Strides[1] + ... of Storage. Strides are in
// elements and may be zero (a broadcast dimension) but never negative.
// Ops hand broadcast operands and transposed or sliced views to backends as
// Views, so no op copies an operand to change its layout.
//
// The zero View (nil Storage) means "absent": optional operands such as a
// LayerNorm without bias, or a gradient that is not wanted.
type View struct {
	Storage Storage
	Offset  int
	Shape   []int
	Strides []int
}

// DType returns the element type of the view's storage.
func (v View) DType() DType { return v.Storage.DType() }

// Valid reports whether the view refers to storage (is not the zero View).
func (v View) Valid() bool { return v.Storage != nil }

// Rank returns the number of dimensions.
func (v View) Rank() int { return len(v.Shape) }

// Numel returns the number of elements of the view.
func (v View) Numel() int { return numel(v.Shape) }

// IsContiguous reports whether the view's elements are laid out densely in
// row-major order (size-1 dimensions may have any stride).
func (v View) IsContiguous() bool { return isContiguous(v.Shape, v.Strides) }

// UnaryOp selects an elementwise function of one operand for
// Backend.Unary and Backend.UnaryGrad. Ops marked "params" read
// UnaryParams.
type UnaryOp uint8

// The elementwise functions of one operand.
const (
	OpNeg        UnaryOp = iota // -x
	OpExp                       // e^x
	OpLog                       // natural logarithm
	OpSqrt                      // √x
	OpRsqrt                     // 1/√x
	OpAbs                       // |x| (gradient sign(x), 0 at 0)
	OpTanh                      // tanh x
	OpSigmoid                   // 1/(1+e^-x)
	OpReLU                      // max(x, 0) (gradient 0 at 0)
	OpGELU                      // x·Φ(x), with the error function (PyTorch approximate='none')
	OpGELUTanh                  // 0.5x(1+tanh(√(2/π)(x+0.044715x³))) (PyTorch approximate='tanh')
	OpSiLU                      // x·sigmoid(x)
	OpSin                       // sin x
	OpCos                       // cos x
	OpSquare                    // x²
	OpReciprocal                // 1/x
	OpPow                       // x^A (params)
	OpClamp                     // min(max(x, A), B); A may be -Inf, B +Inf (params; gradient 1 inside [A, B], else 0)
	OpAffine                    // A·x + B (params)
	numUnaryOps
)

var unaryNames = [numUnaryOps]string{"Neg", "Exp", "Log", "Sqrt", "Rsqrt", "Abs", "Tanh", "Sigmoid", "ReLU", "GELU", "GELUTanh", "SiLU", "Sin", "Cos", "Square", "Reciprocal", "Pow", "Clamp", "Affine"}

// String returns the op's name ("Exp").
func (op UnaryOp) String() string {
	if op < numUnaryOps {
		return unaryNames[op]
	}
	return "UnaryOp(" + strconv.Itoa(int(op)) + ")"
}

// UnaryParams carries the scalar parameters of OpPow, OpClamp and OpAffine.
type UnaryParams struct{ A, B float64 }

// BinaryOp selects an elementwise function of two operands for
// Backend.Binary and Backend.BinaryGrad. Comparisons return 1 where true and
// 0 where false, in the operands' dtype.
type BinaryOp uint8

// The elementwise functions of two operands.
const (
	OpAdd     BinaryOp = iota // a + b
	OpSub                     // a - b
	OpMul                     // a · b
	OpDiv                     // a / b
	OpMaximum                 // max(a, b); NaN if either is NaN; ties send half the gradient each way
	OpMinimum                 // min(a, b); as OpMaximum
	OpPowT                    // a^b
	OpEq                      // a == b
	OpNe                      // a != b
	OpLt                      // a < b
	OpLe                      // a <= b
	OpGt                      // a > b
	OpGe                      // a >= b
	numBinaryOps
)

var binaryNames = [numBinaryOps]string{"Add", "Sub", "Mul", "Div", "Maximum", "Minimum", "Pow", "Eq", "Ne", "Lt", "Le", "Gt", "Ge"}

// String returns the op's name ("Add").
func (op BinaryOp) String() string {
	if op < numBinaryOps {
		return binaryNames[op]
	}
	return "BinaryOp(" + strconv.Itoa(int(op)) + ")"
}

// IsComparison reports whether op is one of OpEq ... OpGe.
func (op BinaryOp) IsComparison() bool { return op >= OpEq && op <= OpGe }

// ReduceOp selects a reduction for Backend.Reduce.
type ReduceOp uint8

// The reductions. Sums, means, variances and log-sum-exps of float32 data
// accumulate in float64 on the CPU.
const (
	ReduceSum       ReduceOp = iota // Σx
	ReduceMean                      // Σx / n
	ReduceMax                       // max x (NaN if any is NaN)
	ReduceMin                       // min x (NaN if any is NaN)
	ReduceArgMax                    // index of the first maximum (int32 output)
	ReduceArgMin                    // index of the first minimum (int32 output)
	ReduceVar                       // Σ(x-mean)² / (n - p), p the correction
	ReduceLogSumExp                 // log Σ e^x, computed stably
	numReduceOps
)

var reduceNames = [numReduceOps]string{"Sum", "Mean", "Max", "Min", "ArgMax", "ArgMin", "Var", "LogSumExp"}

// String returns the reduction's name ("Sum").
func (op ReduceOp) String() string {
	if op < numReduceOps {
		return reduceNames[op]
	}
	return "ReduceOp(" + strconv.Itoa(int(op)) + ")"
}

// Distribution selects the law of Backend.RandomFill.
type Distribution uint8

// The distributions of RandomFill.
const (
	Uniform Distribution = iota // uniform on [a, b)
	Normal                      // normal with mean a and standard deviation b
)

// CrossEntropyParams configures Backend.CrossEntropy and its gradient.
type CrossEntropyParams struct {
	// IgnoreIndex is a target value whose rows contribute no loss and no
	// gradient.
	IgnoreIndex int
	// LabelSmoothing ε mixes the one-hot target with the uniform
	// distribution: the target weight of class c is (1-ε)·[c == t] + ε/C.
	LabelSmoothing float64
}

// AdamWParams are the hyper-parameters of one fused AdamW step
// (Loshchilov & Hutter), with the exact arithmetic of PyTorch's
// torch.optim.AdamW (single-tensor path):
//
//	param ← param·(1 - LR·WeightDecay)
//	m ← Beta1·m + (1-Beta1)·g
//	v ← Beta2·v + (1-Beta2)·g²
//	param ← param - (LR/(1-Beta1^Step)) · m / (√v/√(1-Beta2^Step) + Eps)
type AdamWParams struct {
	LR, Beta1, Beta2, Eps, WeightDecay float64
	Step                               int // 1 for the first step
}

// Backend runs tensor ops on one device. The tensor package implements it
// for the CPU; the cuda package implements it for NVIDIA GPUs and registers
// it with RegisterBackend. Every op of the package is written once against
// this interface, so a backend that implements it runs a transformer's
// forward pass, backward pass and optimizer step without host round trips.
//
// # Contract
//
// Operands arrive as Views (storage, offset, shape, strides); the package
// has already checked shapes, dtypes and devices, and has broadcast
// operands to the output's shape with zero strides, so a backend never
// broadcasts or checks shapes itself. Unless a method says otherwise:
//
//   - outputs come first in the argument list, inputs follow;
//   - inputs may have any non-negative strides, including zero;
//   - outputs have no zero strides, and do not overlap inputs, except that
//     the elementwise methods (Copy, Cast, Unary, Binary, Where) accept an
//     output identical to an input (same storage, offset, shape and strides)
//     and then work in place;
//   - outputs are overwritten, never accumulated into;
//   - gradient methods (…Grad) receive the upstream gradient dy and return
//     the gradient with respect to the inputs;
//   - float ops receive Float32 or Float64 operands, all of one dtype,
//     except where a method names Int32 operands (indices, targets, ArgMax
//     results); Copy, Cast, Fill, Upload and Download also see Int32,
//     Float16 and BFloat16;
//   - methods may run asynchronously on the device, but Download must
//     return only once the data is on the host, and ops on one backend
//     execute in the order they were issued.
//
// Methods panic on conditions the package cannot check in advance (an
// index out of range, an unsupported dtype), with a message naming the op.
//
// # Required methods and the fallback
//
// Device, Alloc, Free, Upload, Download and Copy must be implemented
// natively. Every other method may be taken from HostFallback, which
// copies operands to the host, runs the CPU kernel and copies results back;
// a backend embeds HostFallback and overrides what it implements natively.
// A backend meant for training should implement all of them natively.
//
// # Random numbers
//
// RandomFill and Dropout are counter-based so that every backend produces
// the same numbers from the same seed and offset: element i of the output
// (its row-major index) draws from counter e = offset + i with Philox4x32-10
// (Salmon et al., Random123): key (k0, k1) = (low, high 32 bits of seed),
// counter (c0, c1, c2, c3) = (low, high 32 bits of e/4, 0, 0); of the four
// 32-bit output words, element e takes word e%4, call it w. Then
//
//	uniform u = (w >> 8) · 2^-24, in [0, 1)
//	Uniform:  a + (b-a)·u
//	Dropout:  x/(1-p) if u >= p, else 0 (all zeros when p == 1)
//	Normal:   words (0, 1) and (2, 3) form Box-Muller pairs (w0, w1):
//	          u1 = ((w0 >> 8) + 1)·2^-24, u2 = (w1 >> 8)·2^-24,
//	          r = √(-2 ln u1); the even word takes a + b·r·cos(2πu2),
//	          the odd word a + b·r·sin(2πu2).
//
// The CPU computes the transcendental functions in float64; other backends
// may differ from it by the rounding of those functions only.
type Backend interface {
	// Device reports the device the backend runs on.
	Device() Device

	// Alloc returns storage for n elements of dtype. Its contents are
	// unspecified: the package fills every element it reads.
	Alloc(dtype DType, n int) Storage
	// Free tells the backend that no tensor refers to s any more, so its
	// memory may be recycled at once. It is only a hint: storage that is
	// never freed this way must be reclaimed when it becomes unreachable
	// (attach a cleanup with runtime.AddCleanup to device memory).
	Free(s Storage)
	// Upload copies host data into the contiguous view dst. src is a
	// []float32, []float64, []int32 (for those dtypes) or []uint16 (the
	// bits of Float16 or BFloat16) with exactly dst.Numel() elements.
	Upload(dst View, src any)
	// Download copies the contiguous view src into the host slice dst,
	// typed as for Upload, and returns once the copy is complete.
	Download(dst any, src View)
	// Copy copies src into dst, of the same shape and dtype.
	Copy(dst, src View)
	// Cast converts src into dst, of the same shape and another dtype.
	// Float to Int32 truncates toward zero; out-of-range values are
	// unspecified (as in C and PyTorch).
	Cast(dst, src View)
	// Fill sets every element of dst to v, converted to dst's dtype.
	Fill(dst View, v float64)
	// RandomFill fills the float view dst with draws from dist (see Random
	// numbers): Uniform on [a, b), or Normal with mean a and deviation b.
	RandomFill(dst View, dist Distribution, a, b float64, seed, offset uint64)

	// Unary sets dst = op(x), element by element.
	Unary(op UnaryOp, dst, x View, p UnaryParams)
	// UnaryGrad sets dx = dy · op'(x). y is the forward output op(x)
	// (always given; Exp, Sqrt, Rsqrt, Tanh and Sigmoid may use it instead
	// of x).
	UnaryGrad(op UnaryOp, dx, x, y, dy View, p UnaryParams)
	// Binary sets dst = op(a, b), element by element. Comparisons are not
	// differentiable. Int32 operands are allowed for Add, Sub, Mul,
	// Maximum, Minimum and the comparisons.
	Binary(op BinaryOp, dst, a, b View)
	// BinaryGrad sets da = dy·∂op/∂a and db = dy·∂op/∂b, each of the
	// output's shape (the package sums them down to the operands' shapes).
	// y is the forward output. Either of da and db may be absent (zero View)
	// when that gradient is not needed. op is OpAdd ... OpPowT.
	BinaryGrad(op BinaryOp, da, db, a, b, y, dy View)
	// Where sets dst = a where cond != 0, else b. cond is Float32, Float64
	// or Int32, of any dtype relative to a and b (which share dst's dtype,
	// Int32 allowed).
	Where(dst, cond, a, b View)

	// Reduce reduces the trailing dimensions of x: x has shape
	// dst.Shape + R, where R (one or more dimensions, possibly of size 0)
	// are reduced together and dst is contiguous. p is the correction of
	// ReduceVar. ArgMax and ArgMin write Int32 row-major indices into the
	// flattened R block (the first extreme value wins; NaN counts as the
	// extreme). Over an empty block: Sum 0, Mean and Var NaN, Max and Min
	// NaN, LogSumExp -Inf, ArgMax and ArgMin 0.
	Reduce(op ReduceOp, dst, x View, p float64)
	// MatMul sets dst = alpha·a·b + beta·dst for a batch of matrices:
	// a is [batch..., m, k], b is [batch..., k, n] and dst is
	// [batch..., m, n], contiguous, with the same batch dimensions (a and b
	// may have zero batch strides, and any matrix strides: a transposed
	// operand arrives with swapped strides). When beta is 0, dst is not read.
	MatMul(dst, a, b View, alpha, beta float64)

	// Softmax sets dst to the softmax of x along the last dimension, or to
	// its logarithm when log is true. dst has x's shape.
	Softmax(dst, x View, log bool)
	// SoftmaxGrad sets dx from the forward output y (softmax, or log-softmax
	// when log is true) and the upstream gradient dy, all of one shape:
	// dx = y·(dy - Σdy·y) for softmax, dx = dy - e^y·Σdy for log-softmax.
	SoftmaxGrad(dx, y, dy View, log bool)
	// LayerNorm normalizes x [rows..., D] over its last dimension:
	// y = (x-μ)·r·w + b with r = 1/√(σ²+eps), σ² the biased variance.
	// w and b are [D] and may be absent (no affine). mean and rstd,
	// contiguous [rows...], receive μ and r for the gradient.
	LayerNorm(y, mean, rstd, x, w, b View, eps float64)
	// LayerNormGrad sets dx and, unless absent, dw = Σ_rows dy·x̂ and
	// db = Σ_rows dy, where x̂ = (x-μ)·r. w may be absent (then w = 1).
	LayerNormGrad(dx, dw, db, x, w, mean, rstd, dy View)
	// RMSNorm sets y = x·r·w with r = 1/√(mean(x²)+eps) over the last
	// dimension of x [rows..., D]; w [D] may be absent. rstd [rows...]
	// receives r.
	RMSNorm(y, rstd, x, w View, eps float64)
	// RMSNormGrad sets dx and, unless absent, dw = Σ_rows dy·x·r.
	RMSNormGrad(dx, dw, x, w, rstd, dy View)

	// IndexSelect gathers along the middle dimension: x is [outer, n,
	// inner], index is a 1-D Int32 view of length k with values in [0, n),
	// dst is [outer, k, inner] and dst[o, i, j] = x[o, index[i], j].
	IndexSelect(dst, x, index View)
	// IndexAdd scatters with accumulation, the gradient of IndexSelect:
	// dst [outer, n, inner] += src [outer, k, inner] at rows index [k].
	// Unlike other outputs, dst is read and added to; repeated indices
	// accumulate, in index order on the CPU.
	IndexAdd(dst, index, src View)

	// CrossEntropy computes, for logits [N, C] and Int32 targets [N], the
	// per-row loss [N] = -Σ_c q_c·log softmax(logits)_c with the target
	// distribution q of p.LabelSmoothing, and lse [N] = log Σ_c e^logits
	// for the gradient. Rows whose target is p.IgnoreIndex get loss 0.
	// Other targets must lie in [0, C).
	CrossEntropy(loss, lse, logits, target View, p CrossEntropyParams)
	// CrossEntropyGrad sets dlogits [N, C] = dloss_i·(softmax - q), and 0
	// on ignored rows. dloss [N] is the upstream gradient of each row's
	// loss (often a broadcast scalar).
	CrossEntropyGrad(dlogits, logits, target, lse, dloss View, p CrossEntropyParams)
	// Dropout sets dst = x/(1-p) where the counter-based uniform draw (see
	// Random numbers) is >= p, else 0. The gradient is Dropout of dy with
	// the same seed and offset.
	Dropout(dst, x View, p float64, seed, offset uint64)
	// AdamW performs one fused AdamW step in place on param and the moment
	// buffers m and v (see AdamWParams), all of grad's shape and dtype.
	AdamW(param, grad, m, v View, p AdamWParams)
}

// ErrNoBackend is returned (wrapped) when no backend is registered for a
// device kind: the package that implements it is not linked in.
var ErrNoBackend = errors.New("tensor: no backend registered for this device kind")

var registry struct {
	sync.Mutex
	open   map[DeviceKind]func(index int) (Backend, error)
	opened map[Device]Backend
}

// RegisterBackend makes a device kind usable: open is called once per
// device index, the first time a tensor is placed on that device, and its
// Backend is cached for the life of the process. A package implementing a
// backend calls RegisterBackend from its init function. Registering a kind
// twice panics; the CPU is registered by this package.
func RegisterBackend(kind DeviceKind, open func(index int) (Backend, error)) {
	registry.Lock()
	defer registry.Unlock()
	if registry.open == nil {
		registry.open = map[DeviceKind]func(int) (Backend, error){}
		registry.opened = map[Device]Backend{}
	}
	if _, dup := registry.open[kind]; dup {
		panic("tensor: backend registered twice for " + kind.String())
	}
	registry.open[kind] = open
}

// BackendFor returns the backend of dev, opening it on first use. The error
// wraps ErrNoBackend when no package registered dev's kind, or reports why
// the device could not be opened (no driver, no such index).
func BackendFor(dev Device) (Backend, error) {
	if dev == CPU {
		return cpuBackend, nil
	}
	registry.Lock()
	defer registry.Unlock()
	if b, ok := registry.opened[dev]; ok {
		return b, nil
	}
	open, ok := registry.open[dev.Kind]
	if !ok {
		hint := ""
		if dev.Kind == DeviceCUDA {
			hint = ` (import _ "github.com/goformer/goformer/cuda")`
		}
		return nil, fmt.Errorf("%s%s: %w", dev, hint, ErrNoBackend)
	}
	b, err := open(dev.Index)
	if err != nil {
		return nil, fmt.Errorf("tensor: open %s: %w", dev, err)
	}
	if b.Device() != dev {
		return nil, fmt.Errorf("tensor: backend opened for %s reports device %s", dev, b.Device())
	}
	registry.opened[dev] = b
	return b, nil
}

// Available reports whether tensors can be placed on dev: nil when its
// backend opens, or the reason it cannot.
func Available(dev Device) error {
	_, err := BackendFor(dev)
	return err
}

func mustBackend(op string, dev Device) Backend {
	b, err := BackendFor(dev)
	if err != nil {
		panic(fmt.Sprintf("tensor: %s: %v", op, err))
	}
	return b
}
