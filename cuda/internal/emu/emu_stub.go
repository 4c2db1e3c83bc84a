//go:build !cgo || !linux || goformer_noemu

package emu

import (
	"errors"
	"unsafe"
)

// Available reports whether the emulator is built in: it needs cgo on
// Linux and is left out under the goformer_noemu build tag.
const Available = false

var errNoEmu = errors.New("emu: the kernel emulator is not built in (needs cgo on Linux, without the goformer_noemu tag)")

// Kernel describes an emulated kernel.
type Kernel struct {
	Name       string
	ParamSizes []int
}

// Kernels lists every kernel the emulator can run: none.
func Kernels() []Kernel { return nil }

// Lookup returns the index of the named kernel.
func Lookup(string) (int, bool) { return 0, false }

// Launch reports that the emulator is not built in.
func Launch(int, [3]uint32, [3]uint32, unsafe.Pointer, []int32, []int32) error { return errNoEmu }

// Alloc reports that the emulator is not built in.
func Alloc(int) (uint64, error) { return 0, errNoEmu }

// Free reports that the emulator is not built in.
func Free(uint64) error { return errNoEmu }

// CopyHtoD does nothing without the emulator.
func CopyHtoD(uint64, unsafe.Pointer, int) {}

// CopyDtoH does nothing without the emulator.
func CopyDtoH(unsafe.Pointer, uint64, int) {}

// CopyDtoD does nothing without the emulator.
func CopyDtoD(uint64, uint64, int) {}

// Memset32 does nothing without the emulator.
func Memset32(uint64, uint32, int) {}

// HostAlloc returns nil without the emulator.
func HostAlloc(int) unsafe.Pointer { return nil }

// HostFree does nothing without the emulator.
func HostFree(unsafe.Pointer) {}

// SourceHash returns "" without the emulator.
func SourceHash() string { return "" }
