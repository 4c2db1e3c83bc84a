//go:build cgo && linux && !goformer_noemu

// Package emu runs goformer's CUDA kernels on the CPU, for tests. The
// kernels (cuda/kernels/*.cu) are compiled as C++ with the GPU built-ins
// supplied by a fiber scheduler: every GPU thread of a block is a fiber,
// switched at barriers and warp shuffles, so a kernel's indexing, shared
// memory and reductions run exactly as written. Device memory is host
// memory with a guard zone. The emulator is slow (one CPU thread runs the
// whole grid) and meant for small test inputs.
//
// It is built with cgo on Linux unless the goformer_noemu build tag is set (the
// GPU test binaries set it, so that they need nothing but libc).
package emu

/*
#cgo CXXFLAGS: -std=c++17 -O2 -fno-exceptions -fno-rtti -fno-strict-aliasing -Wno-unused-function -Wno-unused-variable
#cgo LDFLAGS: -lm
#include <stdlib.h>
#include "emu_api.h"
*/
import "C"

import (
	"errors"
	"fmt"
	"sync"
	"unsafe"
)

// Available reports whether the emulator is built in.
const Available = true

var mu sync.Mutex

// Kernel describes an emulated kernel.
type Kernel struct {
	Name       string
	ParamSizes []int
}

var kernels struct {
	once  sync.Once
	list  []Kernel
	index map[string]int
}

func load() {
	n := int(C.gf_emu_kernel_count())
	kernels.index = make(map[string]int, n)
	for k := range n {
		kn := Kernel{Name: C.GoString(C.gf_emu_kernel_name(C.int(k)))}
		for i := range int(C.gf_emu_kernel_nparams(C.int(k))) {
			kn.ParamSizes = append(kn.ParamSizes, int(C.gf_emu_kernel_param_size(C.int(k), C.int(i))))
		}
		kernels.list = append(kernels.list, kn)
		kernels.index[kn.Name] = k
	}
}

// Kernels lists every kernel the emulator can run.
func Kernels() []Kernel {
	kernels.once.Do(load)
	return kernels.list
}

// Lookup returns the index of the named kernel.
func Lookup(name string) (int, bool) {
	kernels.once.Do(load)
	k, ok := kernels.index[name]
	return k, ok
}

// Launch runs kernel k over a grid of blocks and returns when it has
// finished. args holds the parameter values, the i-th at byte offs[i] with
// size sizes[i], as a cuLaunchKernel parameter array would point to them.
func Launch(k int, grid, block [3]uint32, args unsafe.Pointer, offs, sizes []int32) error {
	if len(offs) != len(sizes) {
		return errors.New("emu: offsets and sizes differ in length")
	}
	mu.Lock()
	defer mu.Unlock()
	var buf [600]C.char
	var po, ps *C.int32_t
	if len(offs) > 0 {
		po = (*C.int32_t)(unsafe.Pointer(&offs[0]))
		ps = (*C.int32_t)(unsafe.Pointer(&sizes[0]))
	}
	if C.gf_emu_launch(C.int(k), C.uint(grid[0]), C.uint(grid[1]), C.uint(grid[2]),
		C.uint(block[0]), C.uint(block[1]), C.uint(block[2]),
		args, po, ps, C.int(len(offs)), &buf[0], C.int(len(buf))) != 0 {
		return fmt.Errorf("emu: %s", C.GoString(&buf[0]))
	}
	return nil
}

// Alloc returns n bytes of emulated device memory.
func Alloc(n int) (uint64, error) {
	p := uint64(C.gf_emu_alloc(C.size_t(n)))
	if p == 0 {
		return 0, fmt.Errorf("emu: out of memory allocating %d bytes", n)
	}
	return p, nil
}

// Free releases memory from Alloc. It reports an error when a kernel wrote
// past the end of the allocation.
func Free(p uint64) error {
	switch C.gf_emu_free(C.uint64_t(p)) {
	case 1:
		return fmt.Errorf("emu: free of %#x, which Alloc did not return", p)
	case 2:
		return fmt.Errorf("emu: a kernel wrote past the end of the buffer at %#x", p)
	}
	return nil
}

// CopyHtoD copies n bytes from host memory to emulated device memory.
func CopyHtoD(dst uint64, src unsafe.Pointer, n int) {
	C.gf_emu_copy_htod(C.uint64_t(dst), src, C.size_t(n))
}

// CopyDtoH copies n bytes from emulated device memory to host memory.
func CopyDtoH(dst unsafe.Pointer, src uint64, n int) {
	C.gf_emu_copy_dtoh(dst, C.uint64_t(src), C.size_t(n))
}

// CopyDtoD copies n bytes between emulated device buffers.
func CopyDtoD(dst, src uint64, n int) {
	C.gf_emu_copy_dtod(C.uint64_t(dst), C.uint64_t(src), C.size_t(n))
}

// Memset32 sets n 32-bit words at dst to v.
func Memset32(dst uint64, v uint32, n int) {
	C.gf_emu_memset32(C.uint64_t(dst), C.uint32_t(v), C.size_t(n))
}

// HostAlloc returns n bytes of C memory, standing in for page-locked memory.
func HostAlloc(n int) unsafe.Pointer { return C.gf_emu_host_alloc(C.size_t(n)) }

// HostFree releases memory from HostAlloc.
func HostFree(p unsafe.Pointer) { C.gf_emu_host_free(p) }

// SourceHash returns the digest of the kernel sources the emulator was
// generated from.
func SourceHash() string { return C.GoString(C.gf_emu_source_hash()) }
