package tensor

import "fmt"

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
	entry cacheEntry
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
	cpuCache.put(s, false)
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
