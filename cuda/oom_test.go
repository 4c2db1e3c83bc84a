package cuda

import (
	"errors"
	"runtime"
	"testing"

	"github.com/goformer/goformer/cuda/internal/emu"
)

// budgetEngine is the emulator with a memory limit, reporting the driver's
// out-of-memory error beyond it.
type budgetEngine struct {
	*emuEngine
	limit, used int
	sizes       map[uint64]int
}

func (e *budgetEngine) alloc(n int) (uint64, error) {
	if e.used+n > e.limit {
		return 0, &Error{Op: "cuMemAlloc_v2", Code: cudaErrorOutOfMemory, Name: "CUDA_ERROR_OUT_OF_MEMORY", Text: "out of memory"}
	}
	p, err := e.emuEngine.alloc(n)
	if err == nil {
		e.used += n
		e.sizes[p] = n
	}
	return p, err
}

func (e *budgetEngine) free(p uint64) error {
	e.used -= e.sizes[p]
	delete(e.sizes, p)
	return e.emuEngine.free(p)
}

func TestAllocationEmptiesTheCacheAndCollectsGarbageBeforeReportingOutOfMemory(t *testing.T) {
	if !emu.Available {
		t.Skip("needs the kernel emulator (cgo)")
	}
	base := newEmulatedGPU()
	eng := &budgetEngine{emuEngine: base.eng.(*emuEngine), limit: 1 << 20, sizes: map[uint64]int{}}
	g := newGPU(base.props, eng, true)
	g.mem.gcManual = true

	// A cached block is returned to the driver to make room.
	a, err := g.Alloc(600 << 10)
	if err != nil {
		t.Fatal(err)
	}
	a.Free()
	b, err := g.Alloc(700 << 10) // another class: needs the cached block's memory
	if err != nil {
		t.Fatalf("allocation after a free: %v", err)
	}
	if s := g.MemStats(); s.Retries == 0 || s.DriverFrees == 0 {
		t.Errorf("stats %+v: want a retry that freed the cache", s)
	}
	b.Free()

	// An unreachable buffer is collected to make room.
	func() {
		lost, err := g.Alloc(800 << 10)
		if err != nil {
			t.Fatal(err)
		}
		_ = lost
	}()
	runtime.GC()
	c, err := g.Alloc(900 << 10)
	if err != nil {
		t.Fatalf("allocation with garbage to collect: %v", err)
	}

	// Beyond the limit: an error matching ErrOutOfMemory.
	_, err = g.Alloc(2 << 20)
	if !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("over the limit: %v, want ErrOutOfMemory", err)
	}
	c.Free()
}

func TestAllocationStartsACollectionBeforeTheDeviceIsFull(t *testing.T) {
	if !emu.Available {
		t.Skip("needs the kernel emulator (cgo)")
	}
	base := newEmulatedGPU()
	props := base.props
	props.TotalMemory = 4 << 20
	g := newGPU(props, base.eng, true)
	var keep []*Buffer
	for range 4 {
		b, err := g.Alloc(900 << 10)
		if err != nil {
			t.Fatal(err)
		}
		keep = append(keep, b)
	}
	g.mem.mu.Lock()
	runs := g.mem.gcRuns
	g.mem.mu.Unlock()
	if runs == 0 {
		t.Error("no collection started at 3.5 of 4 MiB")
	}
	for _, b := range keep {
		b.Free()
	}
}
