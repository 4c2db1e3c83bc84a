// Package cuda is goformer's NVIDIA GPU backend: tensors placed on a CUDA
// device run every tensor op — forward, backward and the optimizer step —
// through goformer's own CUDA kernels.
//
// Start by importing the package for its side effect and moving tensors:
//
//	import "github.com/goformer/goformer/cuda"
//
//	if cuda.Available() {
//		x = x.To(cuda.Device(0))
//	}
//
// The package talks to the NVIDIA driver (libcuda.so.1) directly, through
// dlopen and a few prototypes declared here, so building it needs only a C
// compiler and no CUDA toolkit; a program built without cgo, or run where
// no driver is installed, sees Available() == false and clear errors
// (wrapping ErrUnavailable) from every constructor.
//
// The kernels are CUDA C in kernels/*.cu. `go generate ./cuda` compiles
// them to PTX with clang 19 (no CUDA headers: kernels/prelude.cuh defines
// the built-ins); the PTX is embedded once (for sm_80, retargeted to
// sm_90 at load, clang's sm_90 PTX being otherwise the same), and the
// driver compiles the best target for the device (sm_90 on Hopper and
// newer, sm_80 on Ampere and Ada) the first time a kernel is used. NVRTC, when its library is
// present, is an optional second compiler (CompileNVRTC).
//
// Below the tensor backend sits a small runtime usable on its own: Open
// returns a GPU (the device's primary context and one stream that all work
// goes to in order), with a caching allocator (Alloc, MemStats,
// EmptyCache, SetCacheLimit: freed blocks are reused by size class, a
// block up to twice the size serving a smaller one, and the cache holds at
// most as much as the program's peak in use unless told otherwise),
// page-locked host buffers (AllocHost), transfers and events for timing. Every call makes the context current on the calling thread,
// so a GPU may be used from any goroutine.
package cuda
