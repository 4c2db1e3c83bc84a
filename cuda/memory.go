package cuda

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"
	"unsafe"
)

// Buffer is a block of device memory from a GPU's caching allocator. Free
// returns it to the GPU's cache; a Buffer that becomes unreachable without
// Free is returned by the garbage collector.
type Buffer struct {
	gpu     *GPU
	ptr     uint64
	size    int
	class   int
	freed   atomic.Bool
	cleanup runtime.Cleanup
}

// block is a device allocation as the allocator tracks it.
type block struct {
	ptr   uint64
	class int
	size  int
}

// Ptr returns the buffer's device address (a CUdeviceptr), 0 for an empty
// buffer.
func (b *Buffer) Ptr() uint64 { return b.ptr }

// Size returns the number of bytes requested.
func (b *Buffer) Size() int { return b.size }

// GPU returns the device the buffer lives on.
func (b *Buffer) GPU() *GPU { return b.gpu }

// Free returns the buffer to its GPU's cache. Work already enqueued that
// reads or writes the buffer still completes correctly, because all work
// runs in order on one stream. Freeing a buffer twice panics.
func (b *Buffer) Free() {
	if b == nil {
		return
	}
	if b.freed.Swap(true) {
		panic("cuda: Buffer freed twice")
	}
	b.cleanup.Stop()
	b.gpu.mem.release(block{b.ptr, b.class, b.size})
}

// MemStats describes a GPU's caching allocator.
type MemStats struct {
	InUse        uint64 // bytes in live buffers, rounded up to their size class
	Requested    uint64 // bytes the live buffers asked for
	Cached       uint64 // bytes in free blocks kept for reuse
	Reserved     uint64 // InUse + Cached: bytes held from the driver
	PeakInUse    uint64 // the largest InUse seen
	Live         int    // live buffers
	Allocs       uint64 // Alloc calls that returned memory
	Frees        uint64 // buffers returned, by Free or the garbage collector
	CacheHits    uint64 // Allocs served from the cache
	DriverAllocs uint64 // cuMemAlloc calls
	DriverFrees  uint64 // cuMemFree calls
	Retries      uint64 // allocations retried after emptying the cache
	Trimmed      uint64 // cached blocks returned to the driver to stay within Limit or make room
	Limit        uint64 // the bound on Cached in effect (see SetCacheLimit)
}

// allocator keeps freed blocks by size class for reuse.
//
// Its policy: an allocation takes the most recently freed block of its
// class or, when that class has none, the smallest cached block at most
// twice as large (bestFit), so that shapes that vary from step to step
// share blocks. The cache holds at most a bound: SetCacheLimit's, or by
// default as much as the most the program ever had in use (PeakInUse, at
// least minAutoLimit), so that the memory held from the driver stays within
// twice the program's peak instead of filling the device with sizes that
// no longer come up. The bound is enforced when an allocation must ask
// the driver for memory — never when a block is freed, which would
// synchronise the stream in the middle of a step: the least recently
// freed blocks are returned, with one synchronisation, down to three
// quarters of the bound. When the device is full anyway, the least
// recently freed blocks are returned first, then the whole cache, then
// the garbage collector is asked for unreachable buffers. This policy is
// tested on the emulator only (cache_test.go); it has not run on a GPU.
type allocator struct {
	gpu      *GPU
	mu       sync.Mutex
	free     map[int][]freeBlock
	classes  []int // the classes with free blocks, ascending
	seq      uint64
	limit    int64 // < 0 automatic, 0 off, > 0 bytes
	stats    MemStats
	gcMark   uint64 // Reserved when a collection was last started
	gcRuns   uint64
	gcManual bool // tests switch the early collections off
}

// freeBlock is a cached block and when it was freed.
type freeBlock struct {
	ptr uint64
	seq uint64
}

// minAutoLimit is the least the automatic bound lets the cache hold (a
// variable for the tests).
var minAutoLimit int64 = 256 << 20

func (a *allocator) init(g *GPU) {
	a.gpu = g
	a.free = map[int][]freeBlock{}
	a.limit = -1
}

// Size classes: multiples of 512 bytes up to 1 MiB, then four classes per
// power of two, so a block wastes less than a quarter of itself.
const (
	minBlock   = 512
	smallLimit = 1 << 20
)

func sizeClass(n int) int {
	if n <= smallLimit {
		return (n + minBlock - 1) &^ (minBlock - 1)
	}
	p := bits.Len(uint(n-1)) - 1 // 2^p < n <= 2^(p+1)
	step := 1 << (p - 2)
	return (n + step - 1) &^ (step - 1)
}

// oomWaits are the pauses before successive retries of an allocation that
// found the device full (about a third of a second in all).
var oomWaits = []time.Duration{0, time.Millisecond, 5 * time.Millisecond, 20 * time.Millisecond, 50 * time.Millisecond, 100 * time.Millisecond, 150 * time.Millisecond}

// Alloc returns a buffer of at least bytes bytes. The memory is not
// cleared. When the driver is out of memory, Alloc returns the cache to
// the driver, lets the garbage collector return unreachable buffers and
// tries again before it fails with an error matching ErrOutOfMemory.
func (g *GPU) Alloc(bytes int) (*Buffer, error) {
	if bytes < 0 {
		panic(fmt.Sprintf("cuda: Alloc of %d bytes", bytes))
	}
	if bytes == 0 {
		return &Buffer{gpu: g}, nil
	}
	blk, err := g.mem.get(bytes)
	if err != nil {
		return nil, err
	}
	b := &Buffer{gpu: g, ptr: blk.ptr, size: bytes, class: blk.class}
	b.cleanup = runtime.AddCleanup(b, g.mem.releaseCollected, blk)
	return b, nil
}

func (a *allocator) get(n int) (block, error) {
	class := sizeClass(n)
	a.mu.Lock()
	if c, p, ok := a.take(class); ok {
		a.stats.CacheHits++
		a.took(c, n)
		a.mu.Unlock()
		return block{p, c, n}, nil
	}
	a.maybeCollect(class)
	// The cache is about to grow: bring it back within its bound first.
	var excess int64
	if b := a.bound(); b > 0 && int64(a.stats.Cached) > b {
		excess = int64(a.stats.Cached) - b/4*3
	}
	a.mu.Unlock()
	if excess > 0 {
		if err := a.trim(excess); err != nil {
			return block{}, err
		}
	}

	p, err := a.gpu.eng.alloc(class)
	// Out of memory: return the least recently freed blocks to the
	// driver, then the whole cache, then let the garbage collector find
	// unreachable buffers (their cleanups run after a collection, on their
	// own goroutine, so give them a moment), and try again with growing
	// patience.
	for attempt := 0; err != nil && errors.Is(err, ErrOutOfMemory) && attempt < len(oomWaits); attempt++ {
		a.mu.Lock()
		a.stats.Retries++
		a.mu.Unlock()
		var ferr error
		switch attempt {
		case 0:
			ferr = a.trim(int64(class))
		case 1:
			ferr = a.emptyCache()
		default:
			runtime.GC()
			time.Sleep(oomWaits[attempt])
			ferr = a.emptyCache()
		}
		if ferr != nil {
			return block{}, ferr
		}
		p, err = a.gpu.eng.alloc(class)
	}
	if err != nil {
		return block{}, fmt.Errorf("cuda: allocate %d bytes on GPU %d: %w", class, a.gpu.props.Ordinal, err)
	}
	a.mu.Lock()
	a.stats.DriverAllocs++
	a.stats.Reserved += uint64(class)
	a.took(class, n)
	a.mu.Unlock()
	return block{p, class, n}, nil
}

// maybeCollect starts a garbage collection in the background when the
// memory held from the driver passes three quarters of the device and has
// grown by a tenth of it since the last one: unreachable tensors then come
// back through their cleanups before the device is full. a.mu is held.
func (a *allocator) maybeCollect(class int) {
	total := a.gpu.props.TotalMemory
	r := a.stats.InUse + a.stats.Cached + uint64(class)
	if a.gcManual || total == 0 || r < total/4*3 || r < a.gcMark+total/10 {
		return
	}
	a.gcMark = r
	a.gcRuns++
	go runtime.GC()
}

// took records a block handed out; a.mu is held.
func (a *allocator) took(class, n int) {
	a.stats.InUse += uint64(class)
	a.stats.Requested += uint64(n)
	a.stats.Live++
	a.stats.Allocs++
	a.stats.PeakInUse = max(a.stats.PeakInUse, a.stats.InUse)
}

// bestFit is the largest cached block an allocation of the class may
// take: twice the class, so that the blocks of a long batch serve the
// shorter ones that follow.
func bestFit(class int) int { return 2 * class }

// take pops the most recently freed block of the class or of the
// smallest class with free blocks within bestFit; a.mu is held.
func (a *allocator) take(class int) (c int, p uint64, ok bool) {
	i, _ := slices.BinarySearch(a.classes, class)
	if i == len(a.classes) || a.classes[i] > bestFit(class) {
		return 0, 0, false
	}
	c = a.classes[i]
	l := a.free[c]
	p = l[len(l)-1].ptr
	if len(l) == 1 {
		delete(a.free, c)
		a.classes = slices.Delete(a.classes, i, i+1)
	} else {
		a.free[c] = l[:len(l)-1]
	}
	a.stats.Cached -= uint64(c)
	return c, p, true
}

// bound returns the most bytes the cache holds; a.mu is held.
func (a *allocator) bound() int64 {
	if a.limit >= 0 {
		return a.limit
	}
	return max(int64(a.stats.PeakInUse), minAutoLimit)
}

func (a *allocator) release(b block) {
	if b.class == 0 {
		return
	}
	a.mu.Lock()
	a.stats.InUse -= uint64(b.class)
	a.stats.Requested -= uint64(b.size)
	a.stats.Live--
	a.stats.Frees++
	if a.limit == 0 {
		// No cache: the block goes back to the driver once the work
		// enqueued before, which may use it, is done (or to the cache
		// after all if the driver fails).
		a.mu.Unlock()
		err := a.gpu.eng.synchronize()
		if err == nil {
			err = a.gpu.eng.free(b.ptr)
		}
		a.mu.Lock()
		if err == nil {
			a.stats.Reserved -= uint64(b.class)
			a.stats.DriverFrees++
			a.mu.Unlock()
			return
		}
	}
	l, ok := a.free[b.class]
	if !ok {
		i, _ := slices.BinarySearch(a.classes, b.class)
		a.classes = slices.Insert(a.classes, i, b.class)
	}
	a.seq++
	a.free[b.class] = append(l, freeBlock{b.ptr, a.seq})
	a.stats.Cached += uint64(b.class)
	a.mu.Unlock()
}

// trim returns the least recently freed blocks, at least n bytes of them
// (or all), to the driver. Blocks may still be in use by enqueued work,
// so it synchronises first.
func (a *allocator) trim(n int64) error {
	if err := a.gpu.eng.synchronize(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	returned, err := a.returnOldest(n)
	a.stats.Trimmed += uint64(returned)
	if err != nil {
		return fmt.Errorf("cuda: return cached blocks to the driver: %w", err)
	}
	return nil
}

// returnOldest returns cached blocks to the driver, least recently freed
// first, until at least n bytes are returned or none is left, and stops
// at the first block the driver refuses: the cache then keeps that block
// and the ones not reached, and forgets every block returned. It reports
// how many blocks it returned; a.mu is held and the stream synchronised.
func (a *allocator) returnOldest(n int64) (returned int, err error) {
	type aged struct {
		class int
		freeBlock
	}
	var all []aged
	for c, l := range a.free {
		for _, f := range l {
			all = append(all, aged{c, f})
		}
	}
	slices.SortFunc(all, func(x, y aged) int { return cmp.Compare(x.seq, y.seq) })
	var freed int64
	gone := map[uint64]bool{}
	for _, f := range all {
		if freed >= n {
			break
		}
		if err = a.gpu.eng.free(f.ptr); err != nil {
			break
		}
		gone[f.ptr] = true
		freed += int64(f.class)
		returned++
		a.stats.Cached -= uint64(f.class)
		a.stats.Reserved -= uint64(f.class)
		a.stats.DriverFrees++
	}
	a.classes = a.classes[:0]
	for c, l := range a.free {
		l = slices.DeleteFunc(l, func(f freeBlock) bool { return gone[f.ptr] })
		if len(l) == 0 {
			delete(a.free, c)
			continue
		}
		a.free[c] = l
		a.classes = append(a.classes, c)
	}
	slices.Sort(a.classes)
	return returned, err
}

func (a *allocator) releaseCollected(b block) { a.release(b) }

// emptyCache returns every cached block to the driver. Blocks may still
// be in use by enqueued work, so it synchronises first.
func (a *allocator) emptyCache() error {
	if err := a.gpu.eng.synchronize(); err != nil {
		return err
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	_, err := a.returnOldest(math.MaxInt64)
	return err
}

// MemStats returns the allocator's counters.
func (g *GPU) MemStats() MemStats {
	g.mem.mu.Lock()
	defer g.mem.mu.Unlock()
	s := g.mem.stats
	s.Reserved = s.InUse + s.Cached
	s.Limit = uint64(g.mem.bound())
	return s
}

// SetCacheLimit bounds the free device memory the GPU's allocator keeps
// for reuse (MemStats.Cached) to n bytes. With n < 0 the bound is
// automatic, the default: as much as the most the program ever had in use
// (MemStats.PeakInUse), at least 256 MiB, so that the memory held from the
// driver stays within twice the program's peak. With n == 0 the cache is
// off: every freed block goes back to the driver, which waits for the work
// enqueued before it (slow; for sharing the device or finding leaks). The
// bound is enforced when an allocation next asks the driver for memory,
// by returning the least recently freed blocks down to three quarters of
// it; programs need not call SetCacheLimit. The bound has been tested on
// the kernel emulator only, not yet on a GPU.
func (g *GPU) SetCacheLimit(n int64) error {
	a := &g.mem
	a.mu.Lock()
	a.limit = max(n, -1)
	b := a.bound()
	excess := int64(a.stats.Cached) - b
	a.mu.Unlock()
	if excess > 0 {
		if err := a.trim(excess); err != nil {
			return fmt.Errorf("cuda: set cache limit: %w", err)
		}
	}
	return nil
}

// EmptyCache returns the allocator's free blocks to the driver, so that
// other processes (or other libraries in this one) can use the memory.
func (g *GPU) EmptyCache() error {
	if err := g.mem.emptyCache(); err != nil {
		return fmt.Errorf("cuda: empty cache: %w", err)
	}
	return nil
}

// HostBuffer is page-locked ("pinned") host memory, which the GPU reads
// and writes by DMA at full bus speed.
type HostBuffer struct {
	gpu *GPU
	p   unsafe.Pointer
	n   int
}

// AllocHost returns n bytes of page-locked host memory. Free it with Free.
func (g *GPU) AllocHost(n int) (*HostBuffer, error) {
	if n <= 0 {
		return nil, fmt.Errorf("cuda: AllocHost of %d bytes", n)
	}
	p, err := g.eng.hostAlloc(n)
	if err != nil {
		return nil, fmt.Errorf("cuda: allocate %d pinned bytes: %w", n, err)
	}
	return &HostBuffer{gpu: g, p: p, n: n}, nil
}

// Bytes returns the buffer's memory; it is valid until Free.
func (h *HostBuffer) Bytes() []byte { return unsafe.Slice((*byte)(h.p), h.n) }

// Free releases the buffer. It waits for enqueued work first, since a copy
// may still be using it.
func (h *HostBuffer) Free() error {
	if h.p == nil {
		return nil
	}
	if err := h.gpu.eng.synchronize(); err != nil {
		return err
	}
	err := h.gpu.eng.hostFree(h.p)
	h.p = nil
	return err
}

// Transfers below stagingThreshold go straight from Go memory (the driver
// stages pageable memory itself); larger ones go through two page-locked
// chunks so that filling one overlaps the DMA of the other.
const (
	stagingThreshold = 1 << 20
	stagingChunk     = 4 << 20
)

type staging struct {
	gpu  *GPU
	mu   sync.Mutex
	buf  [2]unsafe.Pointer
	ev   [2]uintptr
	busy [2]bool
	err  error
	once sync.Once
}

func (s *staging) setup() error {
	s.once.Do(func() {
		for k := range s.buf {
			p, err := s.gpu.eng.hostAlloc(stagingChunk)
			if err != nil {
				s.err = err
				return
			}
			s.buf[k] = p
			ev, err := s.gpu.eng.eventCreate()
			if err != nil {
				s.err = err
				return
			}
			s.ev[k] = ev
		}
	})
	return s.err
}

func (s *staging) chunk(k, n int) []byte { return unsafe.Slice((*byte)(s.buf[k]), n) }

func checkRange(op string, b *Buffer, off, n int) {
	if off < 0 || n < 0 || off+n > b.size {
		panic(fmt.Sprintf("cuda: %s: bytes [%d, %d) outside a buffer of %d", op, off, off+n, b.size))
	}
}

// CopyToDevice copies src into dst at byte offset off. src may be reused
// as soon as it returns.
func (g *GPU) CopyToDevice(dst *Buffer, off int, src []byte) error {
	checkRange("CopyToDevice", dst, off, len(src))
	if len(src) == 0 {
		return nil
	}
	if err := g.htod(dst.ptr+uint64(off), src); err != nil {
		return fmt.Errorf("cuda: copy %d bytes to GPU %d: %w", len(src), g.props.Ordinal, err)
	}
	return nil
}

// CopyFromDevice copies len(dst) bytes from src at byte offset off into
// dst, after all enqueued work has finished; the data are in dst when it
// returns.
func (g *GPU) CopyFromDevice(dst []byte, src *Buffer, off int) error {
	checkRange("CopyFromDevice", src, off, len(dst))
	if len(dst) == 0 {
		return nil
	}
	if err := g.dtoh(dst, src.ptr+uint64(off)); err != nil {
		return fmt.Errorf("cuda: copy %d bytes from GPU %d: %w", len(dst), g.props.Ordinal, err)
	}
	return nil
}

// CopyDeviceToDevice enqueues a copy of n bytes between two buffers.
func (g *GPU) CopyDeviceToDevice(dst *Buffer, dstOff int, src *Buffer, srcOff, n int) error {
	checkRange("CopyDeviceToDevice", dst, dstOff, n)
	checkRange("CopyDeviceToDevice", src, srcOff, n)
	if n == 0 {
		return nil
	}
	if err := g.eng.copyDtoD(dst.ptr+uint64(dstOff), src.ptr+uint64(srcOff), n); err != nil {
		return fmt.Errorf("cuda: copy %d bytes on GPU %d: %w", n, g.props.Ordinal, err)
	}
	return nil
}

// Memset32 enqueues setting count 32-bit words from byte offset off to
// value (the bits of a float32 or an int32).
func (g *GPU) Memset32(dst *Buffer, off int, value uint32, count int) error {
	checkRange("Memset32", dst, off, count*4)
	if count == 0 {
		return nil
	}
	if err := g.eng.memsetD32(dst.ptr+uint64(off), value, count); err != nil {
		return fmt.Errorf("cuda: memset on GPU %d: %w", g.props.Ordinal, err)
	}
	return nil
}

func (g *GPU) htod(dst uint64, src []byte) error {
	s := &g.staging
	if len(src) < stagingThreshold || s.setup() != nil {
		return g.eng.copyHtoD(dst, unsafe.Pointer(&src[0]), len(src))
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, off := 0, 0; off < len(src); i, off = i+1, off+stagingChunk {
		k := i % 2
		n := min(stagingChunk, len(src)-off)
		if s.busy[k] {
			if err := g.eng.eventSynchronize(s.ev[k]); err != nil {
				return err
			}
			s.busy[k] = false
		}
		copy(s.chunk(k, n), src[off:off+n])
		if err := g.eng.copyHtoD(dst+uint64(off), s.buf[k], n); err != nil {
			return err
		}
		if err := g.eng.eventRecord(s.ev[k]); err != nil {
			return err
		}
		s.busy[k] = true
	}
	return nil
}

func (g *GPU) dtoh(dst []byte, src uint64) error {
	s := &g.staging
	if len(dst) < stagingThreshold || s.setup() != nil {
		if err := g.eng.copyDtoH(unsafe.Pointer(&dst[0]), src, len(dst)); err != nil {
			return err
		}
		// Pageable copies complete before they return; the emulator's
		// and the driver's alike. Synchronising keeps the contract
		// independent of that.
		return g.eng.synchronize()
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	nchunks := (len(dst) + stagingChunk - 1) / stagingChunk
	issue := func(i int) error {
		k, off := i%2, i*stagingChunk
		n := min(stagingChunk, len(dst)-off)
		if err := g.eng.copyDtoH(s.buf[k], src+uint64(off), n); err != nil {
			return err
		}
		s.busy[k] = true
		return g.eng.eventRecord(s.ev[k])
	}
	if err := issue(0); err != nil {
		return err
	}
	for i := 0; i < nchunks; i++ {
		if i+1 < nchunks {
			if err := issue(i + 1); err != nil {
				return err
			}
		}
		k, off := i%2, i*stagingChunk
		n := min(stagingChunk, len(dst)-off)
		if err := g.eng.eventSynchronize(s.ev[k]); err != nil {
			return err
		}
		s.busy[k] = false
		copy(dst[off:off+n], s.chunk(k, n))
	}
	return nil
}
