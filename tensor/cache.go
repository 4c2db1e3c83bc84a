package tensor

import (
	"fmt"
	"math"
	"math/bits"
	"runtime"
	"runtime/debug"
	"runtime/metrics"
	"sync"
	"unsafe"
	"weak"
)

// The CPU's buffer cache.
//
// Buffers of at least poolMin elements are rounded up to one of eight size
// classes per power of two (at most 12.5% waste) and, once released, kept
// on a list per dtype and class, so that the next tensor of that size
// reuses memory that is mapped and likely in the processor's cache instead
// of fresh zeroed pages. An allocation takes the most recently cached
// buffer of its class or, when that class has none, of one of the next
// bestFit classes: shapes that vary from step to step (sequence lengths)
// share buffers instead of each keeping its own.
//
// The cache holds at most its bound in bytes (SetCacheLimit; by default
// an automatic bound, see autoBound) and lets go of the least recently
// cached buffers beyond it. It holds a buffer in one of two ways:
//
//   - strongly, when it comes back at a release point: the collector counts
//     it as live;
//   - weakly (a weak pointer to the array): the collector counts it as
//     garbage, so that it neither keeps it nor raises its heap goal for it,
//     yet until the next collection frees it the buffer serves allocations
//     like any other. Buffers the collector found unreachable (through
//     their finalizer, see arm) are held this way, and so is a buffer that
//     stays in the cache through two collections: it is freed at the
//     third.
//
// Without a bound the cache fed itself: the collector runs when fresh
// memory has been allocated, and allocations served by the cache are not
// fresh, so the garbage the collector finds and hands back grew from
// collection to collection, and cached buffers it counted as live raised
// its next goal — a pre-training run with batches of varying shapes grew to
// 17 GB. With the bound, the memory circulating through the cache is
// bounded, and so is the part the collector counts as live.
const (
	poolMin      = 64   // smallest cached buffer, in elements
	finalizerMin = 1024 // smallest buffer that the garbage collector returns to the cache
	poolOctaves  = 48
	poolSubsteps = 8
	poolClasses  = poolOctaves * poolSubsteps
	// bestFit is how many classes above its own an allocation looks in
	// when its own class is empty: up to the class twice as large, so
	// that the buffers of a long batch serve the shorter ones that follow.
	bestFit = poolSubsteps
	// window is how many recent collections set the automatic bound.
	window = 4
)

// The automatic bound (autoBound) is the largest of cacheFloor, the live
// heap outside the cache at the last few collections (their mean) and
// twice the memory allocated in the largest scope closed since, but at
// most a 1/cacheCeilingShare of the memory the process may use (physical
// memory, its cgroup's limit or GOMEMLIMIT, the smallest known). The live
// heap outside the cache covers the garbage that the collector returns (a
// program without the cache makes as much between two collections); the
// largest scope covers a training step's buffers, which a scoped loop
// needs back at the next step; the floor lets small programs reuse freely.
var (
	cacheFloor        int64 = 64 << 20
	cacheCeilingShare int64 = 4 // a quarter
)

// entryState says how the cache holds a buffer.
type entryState uint8

const (
	notCached entryState = iota
	heldStrong
	heldWeak
)

// cacheEntry is the cache's bookkeeping in a free CPUStorage: its place in
// its class's list and in the strong or weak list, and while held weakly
// the weak pointer to its array (the storage's slice is then nil).
type cacheEntry struct {
	class    links // in the class's list
	hold     links // in the strong or the weak list
	array    weak.Pointer[byte]
	capacity int
	gcs      int // collections seen when it was cached
	state    entryState
}

// links are a storage's place in one doubly linked storageList.
type links struct{ prev, next *CPUStorage }

// classLinks and holdLinks select the links of a free storage in its
// class's list and in the strong or weak list.
func classLinks(s *CPUStorage) *links { return &s.entry.class }
func holdLinks(s *CPUStorage) *links  { return &s.entry.hold }

// storageList is a doubly linked list of free storages, oldest first,
// threaded through the links that at selects.
type storageList struct{ head, tail *CPUStorage }

// push appends s to l.
func (l *storageList) push(s *CPUStorage, at func(*CPUStorage) *links) {
	*at(s) = links{prev: l.tail}
	if l.tail != nil {
		at(l.tail).next = s
	} else {
		l.head = s
	}
	l.tail = s
}

// unlink removes s from l.
func (l *storageList) unlink(s *CPUStorage, at func(*CPUStorage) *links) {
	e := at(s)
	if e.prev != nil {
		at(e.prev).next = e.next
	} else {
		l.head = e.next
	}
	if e.next != nil {
		at(e.next).prev = e.prev
	} else {
		l.tail = e.prev
	}
	*e = links{}
}

// bufferCache is the CPU's buffer cache (there is one, cpuCache).
type bufferCache struct {
	mu           sync.Mutex
	class        [numDTypes][poolClasses]storageList
	strong, weak storageList
	strongBytes  int64
	weakBytes    int64
	limit        int64         // as set by SetCacheLimit: < 0 automatic, 0 off
	auto         int64         // the automatic bound now
	gcs          int           // collections seen
	live         [window]int64 // live heap outside the cache at the last collections
	scope        [window]int64 // largest Scope.Close in the cycles since them
	machine      int64         // the memory the process may use; 0 until the first collection
	ceiling      int64         // the automatic bound's ceiling; 0 until the first collection
	stats        CacheStats
}

var cpuCache = bufferCache{limit: -1, auto: cacheFloor}

func init() { armGCWatch() }

// gcWatch is an object whose finalizer runs once per garbage collection
// and re-arms itself.
type gcWatch struct{ _ [64]byte }

func armGCWatch() {
	runtime.SetFinalizer(&gcWatch{}, func(*gcWatch) {
		cpuCache.collected()
		armGCWatch()
	})
}

var liveHeapSample = []metrics.Sample{{Name: "/gc/heap/live:bytes"}}

// collected runs after every garbage collection: it records the live
// heap outside the cache, recomputes the automatic bound, forgets the
// weakly held buffers the collector freed and holds weakly those cached
// before the previous collection.
func (c *bufferCache) collected() {
	metrics.Read(liveHeapSample)
	var live int64
	if v := liveHeapSample[0].Value; v.Kind() == metrics.KindUint64 {
		live = int64(min(v.Uint64(), math.MaxInt64))
	}
	memLimit := debug.SetMemoryLimit(-1)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.machine == 0 {
		c.machine = machineMemory()
		if c.machine <= 0 {
			c.machine = math.MaxInt64
		}
	}
	c.ceiling = c.machine / cacheCeilingShare
	if memLimit > 0 && memLimit < math.MaxInt64 {
		c.ceiling = min(c.ceiling, memLimit/cacheCeilingShare)
	}
	// The collector counted the strongly held buffers as live (those
	// cached since it marked are few).
	c.gcs++
	c.live[c.gcs%window] = max(live-c.strongBytes, 0)
	c.scope[c.gcs%window] = 0
	c.auto = autoBound(c.live[:], c.scope[:], c.ceiling)
	for s := c.weak.head; s != nil; {
		next := s.entry.hold.next
		if s.entry.array.Value() == nil {
			c.unlink(s)
			c.stats.Expired++
		}
		s = next
	}
	for c.strong.head != nil && c.strong.head.entry.gcs+1 < c.gcs {
		c.demote(c.strong.head)
	}
}

// autoBound returns the automatic bound: the largest of cacheFloor, the
// mean of the recent live heaps outside the cache (a mean, as a
// collection in the middle of a step counts its activations, one between
// steps does not) and twice the recent largest scopes, at most ceiling.
func autoBound(live, scope []int64, ceiling int64) int64 {
	var sum int64
	b := cacheFloor
	for i := range live {
		sum += live[i]
		b = max(b, scope[i])
	}
	b = max(b, sum/int64(len(live)))
	return min(b, ceiling)
}

// scopeClosed records the memory a closing scope allocated, all of which
// the next step of a loop allocates again. The bound follows twice that:
// the step, and as much again for the gradients and optimizer buffers
// released outside it and for steps of other shapes.
func (c *bufferCache) scopeClosed(n int64) {
	n *= 2
	c.mu.Lock()
	defer c.mu.Unlock()
	k := c.gcs % window
	if n <= c.scope[k] {
		return
	}
	c.scope[k] = n
	if c.ceiling != 0 {
		c.auto = max(c.auto, min(n, c.ceiling))
	} else {
		c.auto = max(c.auto, n)
	}
}

// bound returns the most bytes the cache holds; c.mu is held.
func (c *bufferCache) bound() int64 {
	if c.limit >= 0 {
		return c.limit
	}
	return c.auto
}

// take returns a cached buffer of the class or of one of the bestFit
// classes above it, or nil.
func (c *bufferCache) take(d DType, class int) *CPUStorage {
	c.mu.Lock()
	defer c.mu.Unlock()
	for k := class; k <= class+bestFit && k < poolClasses; k++ {
		l := &c.class[d][k]
		for l.tail != nil {
			s := l.tail
			weakly := s.entry.state == heldWeak
			c.unlink(s)
			if weakly && !s.revive() {
				c.stats.Expired++
				continue
			}
			c.stats.Hits++
			return s
		}
	}
	c.stats.Misses++
	return nil
}

// put caches a free buffer; collected tells whether the garbage collector
// found it (it is then held weakly), otherwise a release point returned it.
// A storage freed twice is ignored: one the cache holds (pushing it again
// would tie its list links into a loop and hand it out twice), and one it
// let go of (it has no array left).
func (c *bufferCache) put(s *CPUStorage, collected bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if s.entry.state != notCached || s.capacity() == 0 {
		return
	}
	if collected {
		c.stats.Collected++
	} else {
		c.stats.Released++
	}
	if c.limit == 0 {
		return
	}
	size := s.bytes()
	b := c.bound()
	if size > b {
		c.stats.Dropped++
		return
	}
	c.enforce(b - size)
	s.entry.capacity = s.capacity()
	s.entry.gcs = c.gcs
	c.class[s.dtype][s.class].push(s, classLinks)
	c.strong.push(s, holdLinks)
	s.entry.state = heldStrong
	c.strongBytes += size
	if collected {
		c.demote(s)
	}
}

// enforce lets go of cached buffers until at most b bytes are cached: the
// weakly held ones first (idle through a collection, or found by it),
// then the least recently cached; c.mu is held.
func (c *bufferCache) enforce(b int64) {
	for c.strongBytes+c.weakBytes > b {
		s := c.weak.head
		if s == nil {
			s = c.strong.head
		}
		c.drop(s)
		c.stats.Dropped++
	}
}

// drop takes a buffer out of the cache and forgets it; c.mu is held.
func (c *bufferCache) drop(s *CPUStorage) {
	c.unlink(s)
	s.entry.array = weak.Pointer[byte]{}
	s.setData(nil)
}

// demote holds a strongly cached buffer weakly; c.mu is held.
func (c *bufferCache) demote(s *CPUStorage) {
	size := s.bytes()
	s.entry.array = weak.Make((*byte)(s.data()))
	s.setData(nil)
	c.strong.unlink(s, holdLinks)
	c.weak.push(s, holdLinks)
	s.entry.state = heldWeak
	c.strongBytes -= size
	c.weakBytes += size
}

// unlink takes a buffer out of the cache's lists; c.mu is held.
func (c *bufferCache) unlink(s *CPUStorage) {
	size := int64(s.entry.capacity) * int64(s.dtype.Size())
	c.class[s.dtype][s.class].unlink(s, classLinks)
	if s.entry.state == heldWeak {
		c.weak.unlink(s, holdLinks)
		c.weakBytes -= size
	} else {
		c.strong.unlink(s, holdLinks)
		c.strongBytes -= size
	}
	s.entry.state = notCached
}

// empty forgets every cached buffer; c.mu is held.
func (c *bufferCache) empty() {
	for c.strong.head != nil {
		c.drop(c.strong.head)
	}
	for c.weak.head != nil {
		c.drop(c.weak.head)
	}
}

// revive makes a weakly held storage's array strong again, or reports
// that the collector freed it.
func (s *CPUStorage) revive() bool {
	p := s.entry.array.Value()
	s.entry.array = weak.Pointer[byte]{}
	if p == nil {
		return false
	}
	s.setData(unsafe.Pointer(p))
	return true
}

// data returns the address of the storage's array.
func (s *CPUStorage) data() unsafe.Pointer {
	switch s.dtype {
	case Float32:
		return unsafe.Pointer(unsafe.SliceData(s.f32))
	case Float64:
		return unsafe.Pointer(unsafe.SliceData(s.f64))
	case Int32:
		return unsafe.Pointer(unsafe.SliceData(s.i32))
	}
	return unsafe.Pointer(unsafe.SliceData(s.u16))
}

// setData points the storage at an array of entry.capacity elements
// (length and capacity), or at none when p is nil.
func (s *CPUStorage) setData(p unsafe.Pointer) {
	s.f32, s.f64, s.i32, s.u16 = nil, nil, nil, nil
	if p == nil {
		return
	}
	n := s.entry.capacity
	switch s.dtype {
	case Float32:
		s.f32 = unsafe.Slice((*float32)(p), n)
	case Float64:
		s.f64 = unsafe.Slice((*float64)(p), n)
	case Int32:
		s.i32 = unsafe.Slice((*int32)(p), n)
	default:
		s.u16 = unsafe.Slice((*uint16)(p), n)
	}
}

// capacity returns the number of elements the storage's array holds.
func (s *CPUStorage) capacity() int {
	switch s.dtype {
	case Float32:
		return cap(s.f32)
	case Float64:
		return cap(s.f64)
	case Int32:
		return cap(s.i32)
	}
	return cap(s.u16)
}

// bytes returns the size of the storage's array.
func (s *CPUStorage) bytes() int64 { return int64(s.capacity()) * int64(s.dtype.Size()) }

// CacheStats describes the CPU buffer cache (see the package
// documentation, Memory).
type CacheStats struct {
	// CachedBytes is the memory the cache holds for reuse now; it stays
	// within Limit.
	CachedBytes int64
	// WeakBytes is the part of CachedBytes held weakly: buffers that
	// serve allocations until the next collection frees them, which the
	// collector counts as garbage (those it already freed are counted
	// until the cache notices, at the next collection or allocation).
	WeakBytes int64
	// Limit is the bound in effect: the one given to SetCacheLimit, or
	// the automatic one.
	Limit int64
	// Hits and Misses count the allocations of cacheable size served from
	// the cache and from new memory.
	Hits, Misses uint64
	// Released counts the buffers returned to the cache at a release point
	// (Backward, ZeroGrad, Scope.Close, Release, fused-op scratch);
	// Collected those the garbage collector found unreachable; Dropped
	// those the cache let go of to stay within Limit; Expired those the
	// collector freed while the cache held them weakly.
	Released, Collected, Dropped, Expired uint64
}

// BufferCache returns the statistics of the CPU buffer cache.
func BufferCache() CacheStats {
	c := &cpuCache
	c.mu.Lock()
	defer c.mu.Unlock()
	st := c.stats
	st.CachedBytes, st.WeakBytes, st.Limit = c.strongBytes+c.weakBytes, c.weakBytes, c.bound()
	return st
}

// SetCacheLimit bounds the memory the CPU buffer cache holds for reuse
// (CacheStats.CachedBytes) to n bytes, letting go at once of the least
// recently cached buffers above it. With n < 0 the bound is automatic, the
// default: the largest of 64 MiB, the live heap outside the cache at the
// last few garbage collections and the memory of the largest Scope closed
// since, but at most a quarter of the memory the process may use (physical
// memory, its cgroup's limit or GOMEMLIMIT). With n == 0 the cache is off:
// every buffer is left to the garbage collector and every allocation takes
// new memory. Programs need not call it: the automatic bound keeps the
// heap within a small factor of what the program needs without the cache.
func SetCacheLimit(n int64) {
	c := &cpuCache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = max(n, -1)
	c.enforce(c.bound())
}

// EmptyCache drops every buffer the CPU cache holds, leaving them to the
// garbage collector (as torch.cuda.empty_cache does on a GPU).
func EmptyCache() {
	c := &cpuCache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.empty()
}

// sizeClass returns the cache class of n elements and its capacity, or -1.
func sizeClass(n int) (class, capacity int) {
	if n < poolMin {
		return -1, n
	}
	e := bits.Len(uint(n)) - 1 // 2^e <= n < 2^(e+1)
	step := 1 << (e - 3)
	k := (n + step - 1) / step // 8..16
	if k == 16 {
		e, k = e+1, 8
		step <<= 1
	}
	if e >= poolOctaves {
		return -1, n
	}
	return e*poolSubsteps + (k - 8), k * step
}

func allocCPU(dtype DType, n int) *CPUStorage {
	class, capacity := sizeClass(n)
	if class >= 0 {
		if s := cpuCache.take(dtype, class); s != nil {
			s.resize(n)
			s.arm()
			return s
		}
	}
	s := &CPUStorage{dtype: dtype, n: n, class: class}
	switch dtype {
	case Float32:
		s.f32 = make([]float32, n, capacity)
	case Float64:
		s.f64 = make([]float64, n, capacity)
	case Int32:
		s.i32 = make([]int32, n, capacity)
	case Float16, BFloat16:
		s.u16 = make([]uint16, n, capacity)
	default:
		panic(fmt.Sprintf("tensor: Alloc: unknown dtype %d", dtype))
	}
	s.arm()
	return s
}

// Cached arrays come back to the cache in two ways: at a release point,
// when the package knows a buffer is dead (Free), and through a finalizer
// on the array itself, which the garbage collector runs only once nothing
// at all refers to the array — no tensor, no view, no kernel still holding
// a slice of it. The finalizer puts the array back in the cache, held
// weakly, instead of letting it be freed. Small arrays get no finalizer
// (it would cost more than it saves) and come back at release points only.

// arm sets the finalizer of a cacheable storage's array.
func (s *CPUStorage) arm() {
	if s.class < 0 || s.n < finalizerMin {
		return
	}
	d, c, capa := s.dtype, s.class, s.capacity()
	runtime.SetFinalizer((*byte)(s.data()), func(p *byte) {
		r := &CPUStorage{dtype: d, class: c, entry: cacheEntry{capacity: capa}}
		r.setData(unsafe.Pointer(p))
		cpuCache.put(r, true)
	})
	s.armed = true
}

// disarm clears the finalizer set by arm.
func (s *CPUStorage) disarm() {
	if !s.armed {
		return
	}
	s.armed = false
	runtime.SetFinalizer((*byte)(s.data()), nil)
}

func (s *CPUStorage) resize(n int) {
	s.n = n
	switch s.dtype {
	case Float32:
		s.f32 = s.f32[:n]
	case Float64:
		s.f64 = s.f64[:n]
	case Int32:
		s.i32 = s.i32[:n]
	default:
		s.u16 = s.u16[:n]
	}
}
