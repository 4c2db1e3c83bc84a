package cuda

import (
	"fmt"
	"sync"
	"time"
	"unsafe"

	"github.com/goformer/goformer/cuda/internal/emu"
)

// emuEngine runs the kernels on the CPU emulator (internal/emu): the same
// kernel sources, launch code, allocator and transfers as on a GPU, so the
// package's tests exercise all of it on machines without one.
type emuEngine struct {
	mu     sync.Mutex
	events map[uintptr]time.Time
	nextEv uintptr
}

func newEmulatedGPU() *GPU {
	props := Properties{
		Ordinal: 0, Name: "goformer kernel emulator", Major: 9, Minor: 0,
		Multiprocessors: 4, TotalMemory: 1 << 34, MaxThreadsPerBlock: 1024,
		MaxThreadsPerMultiprocessor: 2048, SharedMemoryPerBlock: 48 << 10,
		SharedMemoryPerBlockOptin: 227 << 10, RegistersPerBlock: 65536, WarpSize: 32,
	}
	return newGPU(props, &emuEngine{events: map[uintptr]time.Time{}}, true)
}

func (e *emuEngine) alloc(bytes int) (uint64, error) { return emu.Alloc(bytes) }
func (e *emuEngine) free(ptr uint64) error           { return emu.Free(ptr) }
func (e *emuEngine) memInfo() (uint64, uint64, error) {
	return 1 << 34, 1 << 34, nil
}
func (e *emuEngine) hostAlloc(bytes int) (unsafe.Pointer, error) {
	p := emu.HostAlloc(bytes)
	if p == nil {
		return nil, fmt.Errorf("emu: host allocation of %d bytes failed", bytes)
	}
	return p, nil
}
func (e *emuEngine) hostFree(p unsafe.Pointer) error { emu.HostFree(p); return nil }
func (e *emuEngine) copyHtoD(dst uint64, src unsafe.Pointer, bytes int) error {
	emu.CopyHtoD(dst, src, bytes)
	return nil
}
func (e *emuEngine) copyDtoH(dst unsafe.Pointer, src uint64, bytes int) error {
	emu.CopyDtoH(dst, src, bytes)
	return nil
}
func (e *emuEngine) copyDtoD(dst, src uint64, bytes int) error {
	emu.CopyDtoD(dst, src, bytes)
	return nil
}
func (e *emuEngine) memsetD32(dst uint64, value uint32, count int) error {
	emu.Memset32(dst, value, count)
	return nil
}
func (e *emuEngine) loadModule(name string, ptx []byte) (uintptr, error) { return 1, nil }
func (e *emuEngine) function(module uintptr, name string) (uintptr, error) {
	k, ok := emu.Lookup(name)
	if !ok {
		return 0, fmt.Errorf("emu: no kernel %s", name)
	}
	return uintptr(k + 1), nil
}
func (e *emuEngine) functionInfo(fn uintptr) (kernelInfo, error) {
	return kernelInfo{MaxThreads: 1024, emulated: true}, nil
}
func (e *emuEngine) launch(fn uintptr, grid, block dim3, sharedBytes int, args *argBuffer) error {
	offs := make([]int32, args.n)
	sizes := make([]int32, args.n)
	copy(offs, args.offs[:args.n])
	copy(sizes, args.sizes[:args.n])
	return emu.Launch(int(fn)-1, [3]uint32{grid.x, grid.y, grid.z}, [3]uint32{block.x, block.y, block.z},
		unsafe.Pointer(&args.words[0]), offs, sizes)
}
func (e *emuEngine) synchronize() error { return nil }
func (e *emuEngine) eventCreate() (uintptr, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.nextEv++
	return e.nextEv, nil
}
func (e *emuEngine) eventDestroy(ev uintptr) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	delete(e.events, ev)
	return nil
}
func (e *emuEngine) eventRecord(ev uintptr) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.events[ev] = time.Now()
	return nil
}
func (e *emuEngine) eventSynchronize(ev uintptr) error { return nil }
func (e *emuEngine) eventElapsed(start, end uintptr) (float32, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return float32(e.events[end].Sub(e.events[start]).Seconds() * 1e3), nil
}
func (e *emuEngine) close() error { return nil }
