package cuda

import (
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"github.com/goformer/goformer/cuda/internal/emu"
)

// newTestGPU returns an emulated GPU with its own allocator and no early
// collections, so that the tests see the allocator's policy alone.
func newTestGPU(t *testing.T) *GPU {
	t.Helper()
	if !emu.Available {
		t.Skip("needs the kernel emulator (cgo)")
	}
	base := newEmulatedGPU()
	g := newGPU(base.props, base.eng, true)
	g.mem.gcManual = true
	t.Cleanup(func() { _ = g.EmptyCache() })
	return g
}

func mustAlloc(t *testing.T, g *GPU, n int) *Buffer {
	t.Helper()
	b, err := g.Alloc(n)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestALargerCachedBlockServesASmallerSize(t *testing.T) {
	for _, c := range []struct {
		cached, asked int
		reused        bool
	}{
		{100 << 10, 100 << 10, true},
		{100 << 10, 90 << 10, true},
		{100 << 10, 51 << 10, true},
		{100 << 10, 49 << 10, false},
		{100 << 10, 120 << 10, false},
		{8 << 20, 5 << 20, true},
		{8 << 20, 3 << 20, false},
	} {
		g := newTestGPU(t)
		a := mustAlloc(t, g, c.cached)
		p := a.Ptr()
		a.Free()
		b := mustAlloc(t, g, c.asked)
		if (b.Ptr() == p) != c.reused {
			t.Errorf("cached %d, asked %d: reused %v, want %v", c.cached, c.asked, b.Ptr() == p, c.reused)
		}
		if b.Size() != c.asked {
			t.Errorf("cached %d, asked %d: size %d", c.cached, c.asked, b.Size())
		}
		s := g.MemStats()
		b.Free()
		// The block goes back to its own class.
		if s2 := g.MemStats(); s2.InUse != 0 || s2.Cached != s.Cached+s.InUse || s2.Requested != 0 {
			t.Errorf("cached %d, asked %d: after Free %+v (before %+v)", c.cached, c.asked, s2, s)
		}
	}
}

// TestTheCacheStaysWithinItsBoundUnderVaryingSizes runs steps whose
// buffers change size every time: the memory held from the driver stays
// within the peak in use plus the bound, where the cache used to keep a
// block of every size it saw.
func TestTheCacheStaysWithinItsBoundUnderVaryingSizes(t *testing.T) {
	defer func(m int64) { minAutoLimit = m }(minAutoLimit)
	minAutoLimit = 1 << 20
	g := newTestGPU(t)
	rng := rand.New(rand.NewPCG(3, 4))
	var maxReserved uint64
	for step := range 200 {
		scale := 1 + rng.IntN(40)
		var bufs []*Buffer
		for _, n := range []int{3000, 12000, 40000, 5000} {
			before := g.MemStats()
			bufs = append(bufs, mustAlloc(t, g, n*scale))
			if s := g.MemStats(); s.DriverAllocs > before.DriverAllocs && s.Cached > s.Limit {
				t.Fatalf("step %d: %d bytes cached after growing, above the bound %d", step, s.Cached, s.Limit)
			}
		}
		for _, b := range bufs {
			b.Free()
		}
		maxReserved = max(maxReserved, g.MemStats().Reserved)
	}
	s := g.MemStats()
	t.Logf("%+v; most reserved %d", s, maxReserved)
	if s.Limit != s.PeakInUse || s.Trimmed == 0 {
		t.Errorf("%+v: want the automatic bound at the peak in use, and blocks trimmed", s)
	}
	if maxReserved > 2*s.PeakInUse+s.PeakInUse/2 {
		t.Errorf("%d bytes reserved, more than 2.5 times the peak in use %d", maxReserved, s.PeakInUse)
	}
	if s.CacheHits == 0 {
		t.Error("no allocation was served from the cache")
	}
}

func TestCacheLimits(t *testing.T) {
	t.Run("a positive limit is enforced at once and when the cache grows", func(t *testing.T) {
		g := newTestGPU(t)
		var bufs []*Buffer
		for i := range 8 {
			bufs = append(bufs, mustAlloc(t, g, (100+20*i)<<10))
		}
		for _, b := range bufs {
			b.Free()
		}
		if err := g.SetCacheLimit(300 << 10); err != nil {
			t.Fatal(err)
		}
		s := g.MemStats()
		if s.Cached > 300<<10 || s.Limit != 300<<10 || s.Trimmed == 0 {
			t.Fatalf("%+v: want at most 300 KiB cached", s)
		}
		// The most recently freed blocks stay.
		if b := mustAlloc(t, g, 240<<10); b.Ptr() != bufs[7].Ptr() {
			t.Error("the most recently freed block was returned to the driver")
		}
	})
	t.Run("zero returns every block at once", func(t *testing.T) {
		g := newTestGPU(t)
		if err := g.SetCacheLimit(0); err != nil {
			t.Fatal(err)
		}
		b := mustAlloc(t, g, 5000)
		before := g.MemStats()
		b.Free()
		if s := g.MemStats(); s.Cached != 0 || s.Reserved != 0 || s.DriverFrees != before.DriverFrees+1 {
			t.Fatalf("%+v: the freed block was kept", s)
		}
	})
	t.Run("a negative limit is automatic", func(t *testing.T) {
		g := newTestGPU(t)
		if err := g.SetCacheLimit(-3); err != nil {
			t.Fatal(err)
		}
		b := mustAlloc(t, g, 5000)
		b.Free()
		if s := g.MemStats(); s.Cached == 0 || s.Limit != uint64(minAutoLimit) {
			t.Fatalf("%+v: want the block cached under the automatic bound %d", s, minAutoLimit)
		}
	})
}

// TestAFullDeviceReturnsTheLeastRecentlyFreedBlockFirst checks that an
// allocation that finds the device full returns the oldest cached blocks,
// only as many as it needs, before it empties the whole cache.
func TestAFullDeviceReturnsTheLeastRecentlyFreedBlockFirst(t *testing.T) {
	if !emu.Available {
		t.Skip("needs the kernel emulator (cgo)")
	}
	base := newEmulatedGPU()
	eng := &budgetEngine{emuEngine: base.eng.(*emuEngine), limit: 900 << 10, sizes: map[uint64]int{}}
	g := newGPU(base.props, eng, true)
	g.mem.gcManual = true
	older, newer := mustAlloc(t, g, 400<<10), mustAlloc(t, g, 401<<10)
	po, pn := older.Ptr(), newer.Ptr()
	older.Free()
	newer.Free()
	c := mustAlloc(t, g, 190<<10) // less than half of either: no cached block serves it, and the device needs room
	s := g.MemStats()
	if s.Retries != 1 || s.Trimmed != 1 || s.Cached != uint64(sizeClass(401<<10)) {
		t.Fatalf("%+v: want one retry that returned one block", s)
	}
	if b := mustAlloc(t, g, 401<<10); b.Ptr() != pn || b.Ptr() == po {
		t.Error("the more recently freed block was not the one kept")
	}
	c.Free()
	if _, err := g.Alloc(2 << 20); !errors.Is(err, ErrOutOfMemory) {
		t.Errorf("over the device: %v, want ErrOutOfMemory", err)
	}
}

// failingFreeEngine is the emulator whose free fails for one pointer, and
// which remembers the pointers it freed.
type failingFreeEngine struct {
	*emuEngine
	fail  uint64
	freed map[uint64]bool
}

func (e *failingFreeEngine) alloc(n int) (uint64, error) {
	p, err := e.emuEngine.alloc(n)
	delete(e.freed, p)
	return p, err
}

func (e *failingFreeEngine) free(p uint64) error {
	if p == e.fail {
		return errors.New("free failed")
	}
	e.freed[p] = true
	return e.emuEngine.free(p)
}

// TestACacheThatFailsToEmptyKeepsOnlyLiveBlocks checks that when the
// driver refuses to free a block, the cache keeps the blocks it could not
// return and forgets every block it did return, whatever the order of its
// classes: a returned block still cached would be handed out again.
func TestACacheThatFailsToEmptyKeepsOnlyLiveBlocks(t *testing.T) {
	if !emu.Available {
		t.Skip("needs the kernel emulator (cgo)")
	}
	base := newEmulatedGPU()
	for round := range 10 {
		eng := &failingFreeEngine{emuEngine: base.eng.(*emuEngine), freed: map[uint64]bool{}}
		g := newGPU(base.props, eng, true)
		g.mem.gcManual = true
		var bufs []*Buffer
		for i := range 8 {
			bufs = append(bufs, mustAlloc(t, g, (i+1)<<20))
		}
		eng.fail = bufs[round%len(bufs)].Ptr()
		for _, b := range bufs {
			b.Free()
		}
		if err := g.EmptyCache(); err == nil {
			t.Fatal("EmptyCache reported no error though a free failed")
		}
		a := &g.mem
		a.mu.Lock()
		var cached uint64
		var classes []int
		for c, l := range a.free {
			classes = append(classes, c)
			for _, f := range l {
				cached += uint64(c)
				if eng.freed[f.ptr] {
					t.Errorf("round %d: block %#x of class %d was returned to the driver and is still cached", round, f.ptr, c)
				}
			}
		}
		slices.Sort(classes)
		if !slices.Equal(classes, a.classes) {
			t.Errorf("round %d: classes %v, the free lists hold %v", round, a.classes, classes)
		}
		if cached != a.stats.Cached {
			t.Errorf("round %d: Cached is %d, the free lists hold %d bytes", round, a.stats.Cached, cached)
		}
		a.mu.Unlock()
		eng.fail = 0
		if err := g.EmptyCache(); err != nil {
			t.Fatal(err)
		}
	}
}
