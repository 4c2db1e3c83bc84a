package cuda

import (
	"fmt"
	"math"
	"unsafe"
)

// dim3 is a launch grid or block size.
type dim3 struct{ x, y, z uint32 }

// engine is what a GPU runs on: the CUDA driver, or the kernel emulator
// that the package's tests use to run the same kernels on the CPU. Device
// pointers are plain integers (CUdeviceptr); modules, functions and events
// are opaque handles. Every call happens in stream order on the engine's
// one stream, so memory freed by one operation may be reused by the next
// without a synchronisation.
type engine interface {
	// alloc returns bytes of device memory; free releases it.
	alloc(bytes int) (uint64, error)
	free(ptr uint64) error
	// memInfo reports free and total device memory.
	memInfo() (free, total uint64, err error)

	// hostAlloc returns page-locked host memory; hostFree releases it.
	hostAlloc(bytes int) (unsafe.Pointer, error)
	hostFree(p unsafe.Pointer) error

	// copyHtoD enqueues a copy from host memory. When src is pageable
	// (Go) memory the call returns once src has been read, so the caller
	// may reuse it at once; page-locked src must stay untouched until the
	// stream passes the copy (record an event).
	copyHtoD(dst uint64, src unsafe.Pointer, bytes int) error
	// copyDtoH enqueues a copy to host memory. When dst is pageable the
	// call returns once the copy is complete; page-locked dst is complete
	// only once the stream passes the copy.
	copyDtoH(dst unsafe.Pointer, src uint64, bytes int) error
	copyDtoD(dst, src uint64, bytes int) error
	// memsetD32 sets count 32-bit words at dst to value.
	memsetD32(dst uint64, value uint32, count int) error

	// loadModule loads a PTX image; function finds a kernel in it.
	loadModule(name string, ptx []byte) (uintptr, error)
	function(module uintptr, name string) (uintptr, error)
	// functionInfo reports a loaded kernel's registers per thread, local
	// (spill) bytes per thread, static shared bytes and largest block.
	functionInfo(fn uintptr) (kernelInfo, error)
	launch(fn uintptr, grid, block dim3, sharedBytes int, args *argBuffer) error

	// synchronize waits until every enqueued operation has finished.
	synchronize() error

	eventCreate() (uintptr, error)
	eventDestroy(ev uintptr) error
	eventRecord(ev uintptr) error
	eventSynchronize(ev uintptr) error
	// eventElapsed returns the milliseconds between two recorded events.
	eventElapsed(start, end uintptr) (float32, error)

	// close releases the stream and the context.
	close() error
}

// kernelInfo describes a loaded kernel, as the driver compiled it.
type kernelInfo struct {
	Registers      int // registers per thread
	LocalBytes     int // local memory per thread (register spills)
	SharedBytes    int // static shared memory per block
	MaxThreads     int // largest block the kernel can launch with
	BinaryVersion  int // SASS architecture, e.g. 90
	PTXVersion     int // PTX target architecture, e.g. 90
	emulated       bool
	emulatedReason string
}

// paramKind is the type of one kernel parameter as the PTX declares it.
type paramKind uint8

const (
	pPtr    paramKind = iota + 1 // a device pointer (.u64)
	pI32                         // a 32-bit integer (.u32 / .s32)
	pI64                         // a 64-bit integer (.u64 / .s64)
	pF32                         // a float (.f32)
	pF64                         // a double (.f64)
	pStruct                      // a struct passed by value (.b8 array)
)

// String names the kind as the PTX check reports it.
func (k paramKind) String() string {
	switch k {
	case pPtr:
		return "ptr"
	case pI32:
		return "i32"
	case pI64:
		return "i64"
	case pF32:
		return "f32"
	case pF64:
		return "f64"
	case pStruct:
		return "struct"
	}
	return fmt.Sprintf("paramKind(%d)", uint8(k))
}

// maxArgs bounds the parameters of one kernel.
const maxArgs = 24

// argBuffer holds the parameter values of one launch, each at its natural
// alignment, with the offset of each. It lives on the caller's stack.
type argBuffer struct {
	words [128]uint64 // 1024 bytes, 8-byte aligned
	offs  [maxArgs]int32
	kinds [maxArgs]paramKind
	sizes [maxArgs]int32
	n     int
	used  int
}

func (a *argBuffer) reset() { a.n, a.used = 0, 0 }

func (a *argBuffer) slot(kind paramKind, size, align int) unsafe.Pointer {
	if a.n == maxArgs {
		panic("cuda: kernel launch with more than 24 parameters")
	}
	off := (a.used + align - 1) &^ (align - 1)
	if off+size > len(a.words)*8 {
		panic("cuda: kernel parameters exceed 1024 bytes")
	}
	a.offs[a.n] = int32(off)
	a.kinds[a.n] = kind
	a.sizes[a.n] = int32(size)
	a.n++
	a.used = off + size
	return unsafe.Add(unsafe.Pointer(&a.words[0]), off)
}

func (a *argBuffer) ptr(p uint64)    { *(*uint64)(a.slot(pPtr, 8, 8)) = p }
func (a *argBuffer) i32(v int)       { *(*int32)(a.slot(pI32, 4, 4)) = int32(checkI32(v)) }
func (a *argBuffer) u32(v uint32)    { *(*uint32)(a.slot(pI32, 4, 4)) = v }
func (a *argBuffer) i64(v int64)     { *(*int64)(a.slot(pI64, 8, 8)) = v }
func (a *argBuffer) u64(v uint64)    { *(*uint64)(a.slot(pI64, 8, 8)) = v }
func (a *argBuffer) f32(v float32)   { *(*float32)(a.slot(pF32, 4, 4)) = v }
func (a *argBuffer) f64(v float64)   { *(*float64)(a.slot(pF64, 8, 8)) = v }
func (a *argBuffer) at(i int) []byte { return a.bytes()[a.offs[i] : a.offs[i]+a.sizes[i]] }

// bytesOf copies a struct parameter (a Go struct with the C layout of the
// kernel's struct: only fixed-size integer and float fields).
func (a *argBuffer) raw(p unsafe.Pointer, size, align int) {
	dst := a.slot(pStruct, size, align)
	copy(unsafe.Slice((*byte)(dst), size), unsafe.Slice((*byte)(p), size))
}

func (a *argBuffer) bytes() []byte {
	return unsafe.Slice((*byte)(unsafe.Pointer(&a.words[0])), len(a.words)*8)
}

func checkI32(v int) int {
	if v < math.MinInt32 || v > math.MaxInt32 {
		panic(fmt.Sprintf("cuda: kernel parameter %d does not fit in 32 bits", v))
	}
	return v
}
