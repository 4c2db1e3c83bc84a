package tensor

import (
	"fmt"
	"math/bits"
	"runtime"
	"sync"
	"unsafe"
)

// CPUStorage is the Storage of CPU tensors: a Go slice of one element type.
// Its accessors return the slice itself (shared, not copied), for code that
// needs raw access to a contiguous CPU tensor's elements, such as
// serializers and the host fallback of other backends.
type CPUStorage struct {
	dtype DType
	n     int
	f32   []float32
	f64   []float64
	i32   []int32
	u16   []uint16 // Float16 and BFloat16 bits
	class int      // size class in the cache, or -1 when never cached
	armed bool     // a finalizer returns the array to the cache
}

// Device returns CPU.
func (s *CPUStorage) Device() Device { return CPU }

// DType returns the element type.
func (s *CPUStorage) DType() DType { return s.dtype }

// Len returns the number of elements.
func (s *CPUStorage) Len() int { return s.n }

// Float32s returns the elements of a Float32 storage.
func (s *CPUStorage) Float32s() []float32 { s.must(Float32); return s.f32 }

// Float64s returns the elements of a Float64 storage.
func (s *CPUStorage) Float64s() []float64 { s.must(Float64); return s.f64 }

// Int32s returns the elements of an Int32 storage.
func (s *CPUStorage) Int32s() []int32 { s.must(Int32); return s.i32 }

// Uint16s returns the bits of a Float16 or BFloat16 storage.
func (s *CPUStorage) Uint16s() []uint16 {
	if s.dtype != Float16 && s.dtype != BFloat16 {
		panic(fmt.Sprintf("tensor: Uint16s of a %s storage", s.dtype))
	}
	return s.u16
}

func (s *CPUStorage) must(d DType) {
	if s.dtype != d {
		panic(fmt.Sprintf("tensor: %s elements requested from a %s storage", d, s.dtype))
	}
}

// NewCPUStorage wraps a host slice ([]float32, []float64 or []int32)
// without copying it. The slice must not be modified through other
// references while tensors use it.
func NewCPUStorage(data any) *CPUStorage {
	s := &CPUStorage{class: -1}
	switch d := data.(type) {
	case []float32:
		s.dtype, s.n, s.f32 = Float32, len(d), d
	case []float64:
		s.dtype, s.n, s.f64 = Float64, len(d), d
	case []int32:
		s.dtype, s.n, s.i32 = Int32, len(d), d
	default:
		panic(fmt.Sprintf("tensor: NewCPUStorage of %T (want []float32, []float64 or []int32)", data))
	}
	return s
}

// The CPU's buffer cache: buffers of at least poolMin elements are rounded
// up to one of eight size classes per power of two (at most 12.5% waste)
// and, once released, kept on a last-in-first-out free list per dtype and
// class, so that the next tensor of that size reuses memory that is mapped
// and likely in cache instead of fresh zeroed pages. See the package
// documentation (Memory) for when buffers are released.
const (
	poolMin      = 64   // smallest cached buffer, in elements
	finalizerMin = 1024 // smallest buffer that the garbage collector returns to the cache
	poolOctaves  = 48
	poolSubsteps = 8
	poolClasses  = poolOctaves * poolSubsteps
	// cacheIdleGCs is how many garbage collections a cached buffer may
	// sit unused before the cache lets the collector have it.
	cacheIdleGCs = 4
)

// cachedArray is a free buffer with the collection count at which it was
// cached.
type cachedArray struct {
	s     *CPUStorage
	epoch uint32
}

var cpuCache struct {
	mu    sync.Mutex
	free  [numDTypes][poolClasses][]cachedArray
	bytes int64  // bytes held on the free lists
	limit int64  // most bytes held; < 0 for no limit
	epoch uint32 // garbage collections seen
	stats CacheStats
}

func init() {
	cpuCache.limit = -1
	armGCWatch()
}

// gcWatch is an object whose finalizer runs once per garbage collection
// and re-arms itself: it trims buffers that sat unused for cacheIdleGCs
// collections.
type gcWatch struct{ _ [64]byte }

func armGCWatch() {
	runtime.SetFinalizer(&gcWatch{}, func(*gcWatch) {
		trimCache()
		armGCWatch()
	})
}

func trimCache() {
	c := &cpuCache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.epoch++
	for d := range c.free {
		for k := range c.free[d] {
			l := c.free[d][k]
			n := 0
			for n < len(l) && c.epoch-l[n].epoch >= cacheIdleGCs {
				c.bytes -= l[n].s.bytes()
				n++
			}
			if n > 0 {
				clear(l[:n])
				c.free[d][k] = append(l[:0], l[n:]...)
			}
		}
	}
}

// CacheStats describes the CPU buffer cache (see the package
// documentation, Memory).
type CacheStats struct {
	// CachedBytes is the memory held on the free lists now.
	CachedBytes int64
	// Hits and Misses count the allocations of cacheable size served from
	// the free lists and from new memory.
	Hits, Misses uint64
	// Released counts the buffers returned to the cache at a release point
	// (Backward, ZeroGrad, Scope.Close, Release, fused-op scratch);
	// Collected those the garbage collector found unreachable.
	Released, Collected uint64
}

// BufferCache returns the statistics of the CPU buffer cache.
func BufferCache() CacheStats {
	cpuCache.mu.Lock()
	defer cpuCache.mu.Unlock()
	st := cpuCache.stats
	st.CachedBytes = cpuCache.bytes
	return st
}

// SetCacheLimit bounds the memory the CPU buffer cache holds for reuse to
// n bytes (n < 0: no bound, the default; 0 disables the cache) and drops
// cached buffers above the bound. Buffers the cache does not keep go to
// the garbage collector.
func SetCacheLimit(n int64) {
	c := &cpuCache
	c.mu.Lock()
	defer c.mu.Unlock()
	c.limit = n
	for d := range c.free {
		for k := range c.free[d] {
			for n >= 0 && c.bytes > n && len(c.free[d][k]) > 0 {
				l := c.free[d][k]
				c.bytes -= l[0].s.bytes()
				l[0] = cachedArray{}
				c.free[d][k] = l[1:]
			}
		}
	}
}

// EmptyCache drops every buffer the CPU cache holds, leaving them to the
// garbage collector (as torch.cuda.empty_cache does on a GPU).
func EmptyCache() {
	c := &cpuCache
	c.mu.Lock()
	defer c.mu.Unlock()
	for d := range c.free {
		for k := range c.free[d] {
			clear(c.free[d][k])
			c.free[d][k] = nil
		}
	}
	c.bytes = 0
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
		c := &cpuCache
		c.mu.Lock()
		l := c.free[dtype][class]
		if k := len(l); k > 0 {
			s := l[k-1].s
			l[k-1] = cachedArray{}
			c.free[dtype][class] = l[:k-1]
			c.bytes -= s.bytes()
			c.stats.Hits++
			c.mu.Unlock()
			s.resize(n)
			s.arm()
			return s
		}
		c.stats.Misses++
		c.mu.Unlock()
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

// bytes returns the size of the storage's array.
func (s *CPUStorage) bytes() int64 {
	switch s.dtype {
	case Float32:
		return 4 * int64(cap(s.f32))
	case Float64:
		return 8 * int64(cap(s.f64))
	case Int32:
		return 4 * int64(cap(s.i32))
	}
	return 2 * int64(cap(s.u16))
}

// Cached arrays come back to the cache in two ways: at a release point,
// when the package knows a buffer is dead (Free), and through a finalizer
// on the array itself, which the garbage collector runs only once nothing
// at all refers to the array — no tensor, no view, no kernel still holding
// a slice of it. The finalizer puts the array back in the cache instead of
// letting it be freed. Small arrays get no finalizer (it would cost more
// than it saves) and come back at release points only.

// arm sets the finalizer of a cacheable storage's array.
func (s *CPUStorage) arm() {
	if s.class < 0 || s.n < finalizerMin {
		return
	}
	d, c := s.dtype, s.class
	switch d {
	case Float32:
		capa := cap(s.f32)
		runtime.SetFinalizer(&s.f32[:1][0], func(p *float32) {
			putCached(&CPUStorage{dtype: d, class: c, f32: unsafe.Slice(p, capa)}, true)
		})
	case Float64:
		capa := cap(s.f64)
		runtime.SetFinalizer(&s.f64[:1][0], func(p *float64) {
			putCached(&CPUStorage{dtype: d, class: c, f64: unsafe.Slice(p, capa)}, true)
		})
	case Int32:
		capa := cap(s.i32)
		runtime.SetFinalizer(&s.i32[:1][0], func(p *int32) {
			putCached(&CPUStorage{dtype: d, class: c, i32: unsafe.Slice(p, capa)}, true)
		})
	default:
		capa := cap(s.u16)
		runtime.SetFinalizer(&s.u16[:1][0], func(p *uint16) {
			putCached(&CPUStorage{dtype: d, class: c, u16: unsafe.Slice(p, capa)}, true)
		})
	}
	s.armed = true
}

// disarm clears the finalizer set by arm.
func (s *CPUStorage) disarm() {
	if !s.armed {
		return
	}
	s.armed = false
	switch s.dtype {
	case Float32:
		runtime.SetFinalizer(&s.f32[:1][0], nil)
	case Float64:
		runtime.SetFinalizer(&s.f64[:1][0], nil)
	case Int32:
		runtime.SetFinalizer(&s.i32[:1][0], nil)
	default:
		runtime.SetFinalizer(&s.u16[:1][0], nil)
	}
}

// putCached puts a free array on its free list (or drops it, above the
// cache's limit); collected tells whether the garbage collector found it.
func putCached(s *CPUStorage, collected bool) {
	c := &cpuCache
	c.mu.Lock()
	defer c.mu.Unlock()
	if collected {
		c.stats.Collected++
	} else {
		c.stats.Released++
	}
	size := s.bytes()
	if c.limit >= 0 && c.bytes+size > c.limit {
		return
	}
	c.bytes += size
	c.free[s.dtype][s.class] = append(c.free[s.dtype][s.class], cachedArray{s: s, epoch: c.epoch})
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

// cpu is the CPU backend. Its kernels live in the cpu_*.go files.
type cpu struct{}

var cpuBackend Backend = cpu{}

// CPUBackend returns the backend of the CPU, for code that implements
// another backend on top of it (HostFallback does).
func CPUBackend() Backend { return cpuBackend }

func (cpu) Device() Device { return CPU }

func (cpu) Alloc(dtype DType, n int) Storage {
	if !dtype.valid() {
		panic(fmt.Sprintf("tensor: Alloc: unknown dtype %d", dtype))
	}
	if n < 0 {
		panic(fmt.Sprintf("tensor: Alloc: negative length %d", n))
	}
	return allocCPU(dtype, n)
}

func (cpu) Free(st Storage) {
	s, ok := st.(*CPUStorage)
	if !ok || s.class < 0 {
		return
	}
	s.disarm()
	putCached(s, false)
}

func cpuStorage(op string, v View) *CPUStorage {
	s, ok := v.Storage.(*CPUStorage)
	if !ok {
		panic(fmt.Sprintf("tensor: %s: CPU backend given %T storage on %s", op, v.Storage, v.Storage.Device()))
	}
	return s
}

// f32s, f64s and i32s return the backing slice of a CPU view.
func f32s(v View) []float32 { return v.Storage.(*CPUStorage).f32 }
func f64s(v View) []float64 { return v.Storage.(*CPUStorage).f64 }
func i32s(v View) []int32   { return v.Storage.(*CPUStorage).i32 }
func u16s(v View) []uint16  { return v.Storage.(*CPUStorage).u16 }

// data returns the backing slice of a CPU view as []T.
func data[T float32 | float64 | int32](v View) []T {
	s := v.Storage.(*CPUStorage)
	var z T
	switch any(z).(type) {
	case float32:
		return any(s.f32).([]T)
	case float64:
		return any(s.f64).([]T)
	default:
		return any(s.i32).([]T)
	}
}

func (cpu) Upload(dst View, src any) {
	s := cpuStorage("Upload", dst)
	n := dst.Numel()
	lo, hi := dst.Offset, dst.Offset+n
	var got int
	switch d := src.(type) {
	case []float32:
		s.must(Float32)
		got = copy(s.f32[lo:hi], d)
	case []float64:
		s.must(Float64)
		got = copy(s.f64[lo:hi], d)
	case []int32:
		s.must(Int32)
		got = copy(s.i32[lo:hi], d)
	case []uint16:
		_ = s.Uint16s()
		got = copy(s.u16[lo:hi], d)
	default:
		panic(fmt.Sprintf("tensor: Upload of %T", src))
	}
	if got != n || sliceLen(src) != n {
		panic(fmt.Sprintf("tensor: Upload: %d host elements for a view of %d", sliceLen(src), n))
	}
}

func (cpu) Download(dst any, src View) {
	s := cpuStorage("Download", src)
	n := src.Numel()
	lo, hi := src.Offset, src.Offset+n
	if sliceLen(dst) != n {
		panic(fmt.Sprintf("tensor: Download: %d host elements for a view of %d", sliceLen(dst), n))
	}
	switch d := dst.(type) {
	case []float32:
		s.must(Float32)
		copy(d, s.f32[lo:hi])
	case []float64:
		s.must(Float64)
		copy(d, s.f64[lo:hi])
	case []int32:
		s.must(Int32)
		copy(d, s.i32[lo:hi])
	case []uint16:
		copy(d, s.Uint16s()[lo:hi])
	default:
		panic(fmt.Sprintf("tensor: Download into %T", dst))
	}
}

func sliceLen(x any) int {
	switch d := x.(type) {
	case []float32:
		return len(d)
	case []float64:
		return len(d)
	case []int32:
		return len(d)
	case []uint16:
		return len(d)
	}
	return -1
}
