package cuda

import (
	"errors"
	"fmt"
)

// ErrUnavailable is returned (wrapped) by every constructor when the GPU
// backend cannot run: the program was built without cgo, no NVIDIA driver
// (libcuda.so.1) could be opened, or the driver reports no device.
// errors.Is(err, ErrUnavailable) tells a caller to fall back to the CPU.
var ErrUnavailable = errors.New("cuda: GPU backend unavailable")

// ErrOutOfMemory matches (errors.Is) a driver error CUDA_ERROR_OUT_OF_MEMORY,
// also after the caching allocator has released its free blocks and retried.
var ErrOutOfMemory = errors.New("cuda: out of device memory")

// ErrNoNVRTC is returned (wrapped) by the run-time compiler when no NVRTC
// library could be opened.
var ErrNoNVRTC = errors.New("cuda: NVRTC library not found")

// cudaErrorOutOfMemory is CUDA_ERROR_OUT_OF_MEMORY in the driver API.
const cudaErrorOutOfMemory = 2

// Error is a failed driver API call: the operation, the CUresult code and
// the driver's own name and description of it (cuGetErrorName and
// cuGetErrorString).
type Error struct {
	Op   string // the driver function, e.g. "cuMemAlloc_v2"
	Code int    // the CUresult value
	Name string // e.g. "CUDA_ERROR_OUT_OF_MEMORY"
	Text string // e.g. "out of memory"
}

// Error describes the failed call with the driver's name and text for
// the result.
func (e *Error) Error() string {
	name, text := e.Name, e.Text
	if name == "" {
		name = "CUDA error"
	}
	if text == "" {
		return fmt.Sprintf("cuda: %s: %s (%d)", e.Op, name, e.Code)
	}
	return fmt.Sprintf("cuda: %s: %s (%d): %s", e.Op, name, e.Code, text)
}

// Is reports whether target is ErrOutOfMemory and e is the driver's
// out-of-memory error.
func (e *Error) Is(target error) bool {
	return target == ErrOutOfMemory && e.Code == cudaErrorOutOfMemory
}

// errRankTooHigh reports a strided operand whose dimensions do not
// coalesce to maxLayoutRank or fewer; the backend then uses the host path.
var errRankTooHigh = errors.New("cuda: strided layout of more than 8 dimensions")
