package cuda

import (
	"errors"
	"fmt"
	"math"
	"sync/atomic"
	"unsafe"

	"github.com/goformer/goformer/tensor"
)

func init() {
	tensor.RegisterBackend(tensor.DeviceCUDA, func(index int) (tensor.Backend, error) {
		g, err := Open(index)
		if err != nil {
			return nil, err
		}
		return NewBackend(g, tensor.CUDA(index)), nil
	})
}

// Device returns the tensor device of the GPU with the given ordinal, for
// moving tensors there: x.To(cuda.Device(0)).
func Device(ordinal int) tensor.Device { return tensor.CUDA(ordinal) }

// Backend runs tensor ops on a GPU; it implements tensor.Backend. The
// package registers one for every CUDA device, so programs use it through
// the tensor package (x.To(cuda.Device(0))) and rarely name it.
//
// Every op runs on the GPU, asynchronously and in order on the GPU's
// stream; Download waits for the data. The exceptions fall back to the
// host (tensor.HostFallback) and are rare: operands whose strides do not
// coalesce into eight dimensions. Ops that take indices (IndexSelect,
// IndexAdd, CrossEntropy and its gradient) read back a word the kernels
// set on a bad index, a synchronisation that lets them panic exactly as
// the CPU backend does.
type Backend struct {
	tensor.HostFallback
	gpu *GPU
	dev tensor.Device
}

// NewBackend returns a backend running on g that labels its tensors dev.
// The package registers one per CUDA device already; this is for tests and
// for placing a GPU under another device label.
func NewBackend(g *GPU, dev tensor.Device) *Backend {
	b := &Backend{gpu: g, dev: dev}
	b.HostFallback = tensor.HostFallback{Dev: b}
	return b
}

// GPU returns the device the backend runs on.
func (b *Backend) GPU() *GPU { return b.gpu }

// Storage is the storage of GPU tensors: a device buffer of n elements of
// one dtype.
type Storage struct {
	buf   *Buffer
	dtype tensor.DType
	n     int
	dev   tensor.Device
	freed atomic.Bool
}

// Device reports the GPU that holds the elements.
func (s *Storage) Device() tensor.Device { return s.dev }

// DType reports the element type.
func (s *Storage) DType() tensor.DType { return s.dtype }

// Len reports the number of elements.
func (s *Storage) Len() int { return s.n }

// Buffer returns the device memory, for code that hands it to its own
// kernels.
func (s *Storage) Buffer() *Buffer { return s.buf }

// Device reports the device the backend runs on.
func (b *Backend) Device() tensor.Device { return b.dev }

// Alloc returns uninitialised device storage. It panics (with an error
// matching ErrOutOfMemory) when the GPU's memory is exhausted even after
// the allocator returned its cache and collected unreachable tensors.
func (b *Backend) Alloc(dtype tensor.DType, n int) tensor.Storage {
	if n < 0 {
		panic(fmt.Sprintf("cuda: Alloc: negative length %d", n))
	}
	buf, err := b.gpu.Alloc(n * dtype.Size())
	if err != nil {
		panic(fmt.Errorf("cuda: Alloc of %d %s elements: %w", n, dtype, err))
	}
	return &Storage{buf: buf, dtype: dtype, n: n, dev: b.dev}
}

// Free returns the storage's memory to the GPU's cache at once.
func (b *Backend) Free(st tensor.Storage) {
	s, ok := st.(*Storage)
	if !ok || s.freed.Swap(true) {
		return
	}
	s.buf.Free()
}

func (b *Backend) storage(op string, v tensor.View) *Storage {
	s, ok := v.Storage.(*Storage)
	if !ok {
		panic(fmt.Sprintf("cuda: %s: %s backend given %T storage on %s", op, b.dev, v.Storage, v.Storage.Device()))
	}
	return s
}

// op converts a view to an operand; the zero View becomes the zero operand.
func (b *Backend) op(name string, v tensor.View) operand {
	if !v.Valid() {
		return operand{}
	}
	s := b.storage(name, v)
	return operand{base: s.buf.Ptr(), off: v.Offset, shape: v.Shape, strides: v.Strides, dtype: int(s.dtype)}
}

// check turns an op's error into the package's panics; it reports true
// when the op must fall back to the host.
func (b *Backend) check(name string, err error) (fallback bool) {
	if err == nil {
		return false
	}
	if errors.Is(err, errRankTooHigh) {
		return true
	}
	var ie *IndexError
	if errors.As(err, &ie) {
		if name == "CrossEntropy" || name == "CrossEntropyGrad" {
			panic(fmt.Sprintf("tensor: %s: target %d at row %d is out of range [0, %d)", name, ie.Value, ie.Position, ie.Limit))
		}
		panic(fmt.Sprintf("tensor: %s: index %d at position %d is out of range [0, %d)", name, ie.Value, ie.Position, ie.Limit))
	}
	panic(fmt.Errorf("cuda: %s on %s: %w", name, b.dev, err))
}

func floatOnly(op string, d tensor.DType) {
	if d != tensor.Float32 && d != tensor.Float64 {
		panic(fmt.Sprintf("tensor: %s: dtype %s not supported on %s (cast to float32 first)", op, d, "the GPU"))
	}
}

// hostBytes returns the bytes of a host slice and its element type.
func hostBytes(x any) ([]byte, tensor.DType, int, bool) {
	switch d := x.(type) {
	case []float32:
		return sliceBytes(d), tensor.Float32, len(d), true
	case []float64:
		return sliceBytes(d), tensor.Float64, len(d), true
	case []int32:
		return sliceBytes(d), tensor.Int32, len(d), true
	case []uint16:
		return sliceBytes(d), tensor.Float16, len(d), true
	}
	return nil, 0, 0, false
}

func sliceBytes[T any](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	var z T
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(z)))
}

func sameKind(host, dev tensor.DType) bool {
	if host == tensor.Float16 {
		return dev == tensor.Float16 || dev == tensor.BFloat16
	}
	return host == dev
}

// Upload copies host data into the contiguous view dst.
func (b *Backend) Upload(dst tensor.View, src any) {
	s := b.storage("Upload", dst)
	raw, dt, n, ok := hostBytes(src)
	if !ok {
		panic(fmt.Sprintf("tensor: Upload of %T", src))
	}
	if !sameKind(dt, s.dtype) {
		panic(fmt.Sprintf("tensor: Upload: %T into a %s storage", src, s.dtype))
	}
	if n != dst.Numel() {
		panic(fmt.Sprintf("tensor: Upload: %d host elements for a view of %d", n, dst.Numel()))
	}
	if n == 0 {
		return
	}
	if err := b.gpu.CopyToDevice(s.buf, dst.Offset*s.dtype.Size(), raw); err != nil {
		panic(fmt.Errorf("cuda: Upload: %w", err))
	}
}

// Download copies the contiguous view src into a host slice and returns
// once the data are there.
func (b *Backend) Download(dst any, src tensor.View) {
	s := b.storage("Download", src)
	raw, dt, n, ok := hostBytes(dst)
	if !ok {
		panic(fmt.Sprintf("tensor: Download into %T", dst))
	}
	if !sameKind(dt, s.dtype) {
		panic(fmt.Sprintf("tensor: Download: a %s storage into %T", s.dtype, dst))
	}
	if n != src.Numel() {
		panic(fmt.Sprintf("tensor: Download: %d host elements for a view of %d", n, src.Numel()))
	}
	if n == 0 {
		return
	}
	if err := b.gpu.CopyFromDevice(raw, s.buf, src.Offset*s.dtype.Size()); err != nil {
		panic(fmt.Errorf("cuda: Download: %w", err))
	}
}

// Copy copies src into dst (same shape and dtype).
func (b *Backend) Copy(dst, src tensor.View) {
	if dst.DType() != src.DType() {
		panic(fmt.Sprintf("tensor: Copy: dtypes %s and %s differ", dst.DType(), src.DType()))
	}
	if b.check("Copy", b.gpu.copyStrided(b.op("Copy", dst), b.op("Copy", src))) {
		b.copyThroughHost(dst, src)
	}
}

// copyThroughHost copies views whose strides exceed the kernels' rank.
func (b *Backend) copyThroughHost(dst, src tensor.View) {
	cpu := tensor.CPUBackend()
	hs := cpu.Alloc(src.DType(), src.Numel())
	hc := tensor.View{Storage: hs, Shape: src.Shape, Strides: contiguousStridesOf(src.Shape)}
	// Gather src element by element through a contiguous device copy of
	// its underlying storage range is not possible without the kernels, so
	// walk it on the host: download the whole storage once.
	s := b.storage("Copy", src)
	whole := cpu.Alloc(s.dtype, s.n)
	b.Download(hostSliceOf(whole), tensor.View{Storage: s, Shape: []int{s.n}, Strides: []int{1}})
	cpu.Copy(hc, tensor.View{Storage: whole, Offset: src.Offset, Shape: src.Shape, Strides: src.Strides})
	d := b.storage("Copy", dst)
	dwhole := cpu.Alloc(d.dtype, d.n)
	b.Download(hostSliceOf(dwhole), tensor.View{Storage: d, Shape: []int{d.n}, Strides: []int{1}})
	cpu.Copy(tensor.View{Storage: dwhole, Offset: dst.Offset, Shape: dst.Shape, Strides: dst.Strides}, hc)
	b.Upload(tensor.View{Storage: d, Shape: []int{d.n}, Strides: []int{1}}, hostSliceOf(dwhole))
}

func hostSliceOf(st tensor.Storage) any {
	s := st.(*tensor.CPUStorage)
	switch s.DType() {
	case tensor.Float32:
		return s.Float32s()
	case tensor.Float64:
		return s.Float64s()
	case tensor.Int32:
		return s.Int32s()
	}
	return s.Uint16s()
}

// Cast converts src into dst of another dtype.
func (b *Backend) Cast(dst, src tensor.View) {
	if b.check("Cast", b.gpu.cast(b.op("Cast", dst), b.op("Cast", src))) {
		b.HostFallback.Cast(dst, src)
	}
}

// Fill sets every element of dst to v, converted as the CPU converts it.
func (b *Backend) Fill(dst tensor.View, v float64) {
	var bits uint64
	switch dst.DType() {
	case tensor.Float32:
		bits = uint64(math.Float32bits(float32(v)))
	case tensor.Float64:
		bits = math.Float64bits(v)
	case tensor.Int32:
		bits = uint64(uint32(int32(v)))
	case tensor.Float16:
		bits = uint64(tensor.Float32ToFloat16(float32(v)))
	case tensor.BFloat16:
		bits = uint64(tensor.Float32ToBFloat16(float32(v)))
	}
	if b.check("Fill", b.gpu.fill(b.op("Fill", dst), bits)) {
		b.HostFallback.Fill(dst, v)
	}
}

// RandomFill fills dst with Philox draws, as the CPU does.
func (b *Backend) RandomFill(dst tensor.View, dist tensor.Distribution, lo, hi float64, seed, offset uint64) {
	floatOnly("RandomFill", dst.DType())
	if dist != tensor.Uniform && dist != tensor.Normal {
		panic(fmt.Sprintf("tensor: RandomFill: unknown distribution %d", dist))
	}
	if b.check("RandomFill", b.gpu.randomFill(b.op("RandomFill", dst), int(dist), lo, hi, seed, offset)) {
		b.HostFallback.RandomFill(dst, dist, lo, hi, seed, offset)
	}
}

// Unary sets dst = op(x).
func (b *Backend) Unary(op tensor.UnaryOp, dst, x tensor.View, p tensor.UnaryParams) {
	floatOnly("Unary "+op.String(), dst.DType())
	if int(op) >= numUnaryOps {
		panic(fmt.Sprintf("tensor: Unary: unknown op %v", op))
	}
	if b.check("Unary", b.gpu.unary(int(op), b.op("Unary", dst), b.op("Unary", x), p.A, p.B)) {
		b.HostFallback.Unary(op, dst, x, p)
	}
}

// UnaryGrad sets dx = dy·op'(x).
func (b *Backend) UnaryGrad(op tensor.UnaryOp, dx, x, y, dy tensor.View, p tensor.UnaryParams) {
	floatOnly("UnaryGrad "+op.String(), dx.DType())
	if int(op) >= numUnaryOps {
		panic(fmt.Sprintf("tensor: UnaryGrad: unknown op %v", op))
	}
	n := "UnaryGrad"
	if b.check(n, b.gpu.unaryGrad(int(op), b.op(n, dx), b.op(n, x), b.op(n, y), b.op(n, dy), p.A, p.B)) {
		b.HostFallback.UnaryGrad(op, dx, x, y, dy, p)
	}
}

// Binary sets dst = op(a, b).
func (b *Backend) Binary(op tensor.BinaryOp, dst, a, bv tensor.View) {
	switch dst.DType() {
	case tensor.Float32, tensor.Float64:
	case tensor.Int32:
		if op == tensor.OpDiv || op == tensor.OpPowT {
			panic(fmt.Sprintf("tensor: Binary %v: dtype int32 not supported", op))
		}
	default:
		panic(fmt.Sprintf("tensor: Binary %v: dtype %s not supported on the GPU (cast to float32 first)", op, dst.DType()))
	}
	if int(op) >= numBinaryOps {
		panic(fmt.Sprintf("tensor: Binary: unknown op %v", op))
	}
	if b.check("Binary", b.gpu.binary(int(op), b.op("Binary", dst), b.op("Binary", a), b.op("Binary", bv))) {
		b.HostFallback.Binary(op, dst, a, bv)
	}
}

// BinaryGrad sets da and db (either may be absent).
func (b *Backend) BinaryGrad(op tensor.BinaryOp, da, db, a, bv, y, dy tensor.View) {
	floatOnly("BinaryGrad "+op.String(), dy.DType())
	if op > tensor.OpPowT {
		panic(fmt.Sprintf("tensor: BinaryGrad: op %v has no gradient", op))
	}
	n := "BinaryGrad"
	if b.check(n, b.gpu.binaryGrad(int(op), b.op(n, da), b.op(n, db), b.op(n, a), b.op(n, bv), b.op(n, y), b.op(n, dy))) {
		b.HostFallback.BinaryGrad(op, da, db, a, bv, y, dy)
	}
}

// Where sets dst = a where cond != 0, else b.
func (b *Backend) Where(dst, cond, a, bv tensor.View) {
	switch dst.DType() {
	case tensor.Float32, tensor.Float64, tensor.Int32:
	default:
		panic(fmt.Sprintf("tensor: Where: dtype %s not supported on the GPU", dst.DType()))
	}
	switch cond.DType() {
	case tensor.Float32, tensor.Float64, tensor.Int32:
	default:
		panic(fmt.Sprintf("tensor: Where (condition): dtype %s not supported on the GPU", cond.DType()))
	}
	if b.check("Where", b.gpu.where(b.op("Where", dst), b.op("Where", cond), b.op("Where", a), b.op("Where", bv))) {
		b.HostFallback.Where(dst, cond, a, bv)
	}
}

// Reduce reduces the trailing dimensions of x into dst.
func (b *Backend) Reduce(op tensor.ReduceOp, dst, x tensor.View, p float64) {
	k := dst.Rank()
	if x.Rank() < k {
		panic(fmt.Sprintf("tensor: Reduce: output %v is not a prefix of input %v", dst.Shape, x.Shape))
	}
	switch x.DType() {
	case tensor.Float32, tensor.Float64:
	case tensor.Int32:
		if op == tensor.ReduceMean || op == tensor.ReduceVar || op == tensor.ReduceLogSumExp {
			panic(fmt.Sprintf("tensor: Reduce %v: dtype int32 not supported", op))
		}
	default:
		panic(fmt.Sprintf("tensor: Reduce %v: dtype %s not supported on the GPU", op, x.DType()))
	}
	if b.check("Reduce", b.gpu.reduce(int(op), b.op("Reduce", dst), b.op("Reduce", x), p)) {
		b.HostFallback.Reduce(op, dst, x, p)
	}
}

// MatMul sets dst = alpha·a·b + beta·dst.
func (b *Backend) MatMul(dst, a, bv tensor.View, alpha, beta float64) {
	floatOnly("MatMul", dst.DType())
	if b.check("MatMul", b.gpu.matMul(b.op("MatMul", dst), b.op("MatMul", a), b.op("MatMul", bv), alpha, beta)) {
		b.HostFallback.MatMul(dst, a, bv, alpha, beta)
	}
}

// Softmax sets dst to softmax(x) or log-softmax(x) along the last dim.
func (b *Backend) Softmax(dst, x tensor.View, log bool) {
	floatOnly("Softmax", x.DType())
	if b.check("Softmax", b.gpu.softmax(b.op("Softmax", dst), b.op("Softmax", x), log)) {
		b.HostFallback.Softmax(dst, x, log)
	}
}

// SoftmaxGrad sets dx from the forward output and the upstream gradient.
func (b *Backend) SoftmaxGrad(dx, y, dy tensor.View, log bool) {
	floatOnly("SoftmaxGrad", y.DType())
	n := "SoftmaxGrad"
	if b.check(n, b.gpu.softmaxGrad(b.op(n, dx), b.op(n, y), b.op(n, dy), log)) {
		b.HostFallback.SoftmaxGrad(dx, y, dy, log)
	}
}

// LayerNorm normalises x over its last dimension.
func (b *Backend) LayerNorm(y, mean, rstd, x, w, bias tensor.View, eps float64) {
	floatOnly("LayerNorm", x.DType())
	n := "LayerNorm"
	if b.check(n, b.gpu.layerNorm(b.op(n, y), b.op(n, mean), b.op(n, rstd), b.op(n, x), b.op(n, w), b.op(n, bias), eps)) {
		b.HostFallback.LayerNorm(y, mean, rstd, x, w, bias, eps)
	}
}

// LayerNormGrad sets dx, dw and db (each unless absent).
func (b *Backend) LayerNormGrad(dx, dw, db, x, w, mean, rstd, dy tensor.View) {
	floatOnly("LayerNormGrad", x.DType())
	n := "LayerNormGrad"
	if b.check(n, b.gpu.layerNormGrad(b.op(n, dx), b.op(n, dw), b.op(n, db), b.op(n, x), b.op(n, w), b.op(n, mean), b.op(n, rstd), b.op(n, dy))) {
		b.HostFallback.LayerNormGrad(dx, dw, db, x, w, mean, rstd, dy)
	}
}

// RMSNorm normalises x by its root mean square over the last dimension.
func (b *Backend) RMSNorm(y, rstd, x, w tensor.View, eps float64) {
	floatOnly("RMSNorm", x.DType())
	n := "RMSNorm"
	if b.check(n, b.gpu.rmsNorm(b.op(n, y), b.op(n, rstd), b.op(n, x), b.op(n, w), eps)) {
		b.HostFallback.RMSNorm(y, rstd, x, w, eps)
	}
}

// RMSNormGrad sets dx and dw (each unless absent).
func (b *Backend) RMSNormGrad(dx, dw, x, w, rstd, dy tensor.View) {
	floatOnly("RMSNormGrad", x.DType())
	n := "RMSNormGrad"
	if b.check(n, b.gpu.rmsNormGrad(b.op(n, dx), b.op(n, dw), b.op(n, x), b.op(n, w), b.op(n, rstd), b.op(n, dy))) {
		b.HostFallback.RMSNormGrad(dx, dw, x, w, rstd, dy)
	}
}

func int32Index(op string, index tensor.View) {
	if index.DType() != tensor.Int32 {
		panic(fmt.Sprintf("tensor: %s: index dtype is %s, want int32", op, index.DType()))
	}
}

// IndexSelect gathers rows along the middle dimension.
func (b *Backend) IndexSelect(dst, x, index tensor.View) {
	int32Index("IndexSelect", index)
	n := "IndexSelect"
	b.check(n, b.gpu.indexSelect(b.op(n, dst), b.op(n, x), b.op(n, index)))
}

// IndexAdd scatters src into dst with accumulation, in index order.
func (b *Backend) IndexAdd(dst, index, src tensor.View) {
	int32Index("IndexAdd", index)
	switch dst.DType() {
	case tensor.Float32, tensor.Float64, tensor.Int32:
	default:
		panic(fmt.Sprintf("tensor: IndexAdd: dtype %s not supported", dst.DType()))
	}
	n := "IndexAdd"
	b.check(n, b.gpu.indexAdd(b.op(n, dst), b.op(n, index), b.op(n, src)))
}

// CrossEntropy computes per-row losses and log-sum-exps.
func (b *Backend) CrossEntropy(loss, lse, logits, target tensor.View, p tensor.CrossEntropyParams) {
	floatOnly("CrossEntropy", logits.DType())
	int32Index("CrossEntropy", target)
	n := "CrossEntropy"
	b.check(n, b.gpu.crossEntropy(b.op(n, loss), b.op(n, lse), b.op(n, logits), b.op(n, target), p.IgnoreIndex, p.LabelSmoothing))
}

// CrossEntropyGrad sets dlogits = dloss·(softmax - q).
func (b *Backend) CrossEntropyGrad(dlogits, logits, target, lse, dloss tensor.View, p tensor.CrossEntropyParams) {
	floatOnly("CrossEntropyGrad", logits.DType())
	int32Index("CrossEntropyGrad", target)
	n := "CrossEntropyGrad"
	b.check(n, b.gpu.crossEntropyGrad(b.op(n, dlogits), b.op(n, logits), b.op(n, target), b.op(n, lse), b.op(n, dloss), p.IgnoreIndex, p.LabelSmoothing))
}

// Dropout zeroes elements with the counter-based draws the CPU uses.
func (b *Backend) Dropout(dst, x tensor.View, p float64, seed, offset uint64) {
	floatOnly("Dropout", dst.DType())
	if b.check("Dropout", b.gpu.dropout(b.op("Dropout", dst), b.op("Dropout", x), p, seed, offset)) {
		b.HostFallback.Dropout(dst, x, p, seed, offset)
	}
}

// AdamW performs one fused AdamW step in place.
func (b *Backend) AdamW(param, grad, m, v tensor.View, p tensor.AdamWParams) {
	floatOnly("AdamW", param.DType())
	n := "AdamW"
	ap := adamWParams{p.LR, p.Beta1, p.Beta2, p.Eps, p.WeightDecay, p.Step}
	if b.check(n, b.gpu.adamW(b.op(n, param), b.op(n, grad), b.op(n, m), b.op(n, v), ap)) {
		b.HostFallback.AdamW(param, grad, m, v, p)
	}
}

var _ tensor.Backend = (*Backend)(nil)
