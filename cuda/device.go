package cuda

import (
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
)

// Properties describes a GPU as the driver reports it.
type Properties struct {
	Ordinal                     int
	Name                        string
	Major, Minor                int    // compute capability, e.g. 9.0 for H100/H200
	Multiprocessors             int    // streaming multiprocessors
	TotalMemory                 uint64 // bytes of device memory
	MaxThreadsPerBlock          int
	MaxThreadsPerMultiprocessor int
	SharedMemoryPerBlock        int // bytes without opt-in
	SharedMemoryPerBlockOptin   int // bytes with opt-in
	RegistersPerBlock           int
	WarpSize                    int
	L2CacheBytes                int
	MemoryClockKHz              int // 0 when the driver no longer reports it
	MemoryBusWidth              int // bits
	ClockKHz                    int // 0 when the driver no longer reports it
	PCIBusID                    int
}

// ComputeCapability returns the compute capability as "major.minor".
func (p Properties) ComputeCapability() string { return fmt.Sprintf("%d.%d", p.Major, p.Minor) }

// String summarises the device on one line.
func (p Properties) String() string {
	return fmt.Sprintf("GPU %d: %s, compute %d.%d, %d SMs, %.1f GiB",
		p.Ordinal, p.Name, p.Major, p.Minor, p.Multiprocessors, float64(p.TotalMemory)/(1<<30))
}

// Available reports whether a GPU can be used: the program was built with
// cgo, the NVIDIA driver could be opened and it reports at least one
// device. It never panics; use DeviceCount or Open for the reason when it
// is false.
func Available() bool {
	n, err := DeviceCount()
	return err == nil && n > 0
}

// DeviceCount returns the number of CUDA devices. The error wraps
// ErrUnavailable when there is no usable driver.
func DeviceCount() (int, error) { return driverDeviceCount() }

// DriverVersion returns the driver's CUDA version as 1000·major + 10·minor
// (13000 for CUDA 13.0).
func DriverVersion() (int, error) { return driverVersion() }

// DeviceProperties returns the properties of the device with the given
// ordinal without opening it.
func DeviceProperties(ordinal int) (Properties, error) {
	n, err := DeviceCount()
	if err != nil {
		return Properties{}, err
	}
	if ordinal < 0 || ordinal >= n {
		return Properties{}, fmt.Errorf("cuda: device %d: %w: %d device(s) present", ordinal, ErrNoDevice, n)
	}
	return driverProperties(ordinal)
}

// MinComputeCapability is the oldest GPU generation the kernels target
// (Ampere, sm_80).
const MinComputeCapability = 80

// GPU is an opened device: its primary context, the stream that all its
// work goes to in order, a caching memory allocator and the kernels,
// loaded on first use. A GPU is safe for concurrent use; every call makes
// the context current on the calling thread, so goroutines may move
// freely between threads.
type GPU struct {
	props    Properties
	eng      engine
	emulated bool

	mem     allocator
	staging staging

	errMu   sync.Mutex // guards errWord
	errWord *Buffer    // where kernels report bad indices

	modMu   sync.Mutex
	modules map[string]*moduleState
	fns     []atomic.Uintptr // by kernel id; 0 until loaded
	kinfo   []kernelInfo
}

var opened struct {
	sync.Mutex
	gpus map[int]*GPU
}

// Open returns the GPU with the given ordinal, opening it on first use.
// Every call with the same ordinal returns the same *GPU, which lives for
// the rest of the process. The error wraps ErrUnavailable when there is no
// driver, and ErrNoDevice when the ordinal is out of range.
func Open(ordinal int) (*GPU, error) {
	opened.Lock()
	defer opened.Unlock()
	if g := opened.gpus[ordinal]; g != nil {
		return g, nil
	}
	props, err := DeviceProperties(ordinal)
	if err != nil {
		return nil, err
	}
	if cc := props.Major*10 + props.Minor; cc < MinComputeCapability {
		return nil, fmt.Errorf("cuda: %s has compute capability %d.%d; goformer's kernels need %d.%d or newer: %w",
			props.Name, props.Major, props.Minor, MinComputeCapability/10, MinComputeCapability%10, ErrUnavailable)
	}
	eng, err := openDriverEngine(ordinal)
	if err != nil {
		return nil, fmt.Errorf("cuda: open device %d: %w", ordinal, err)
	}
	g := newGPU(props, eng, false)
	if opened.gpus == nil {
		opened.gpus = map[int]*GPU{}
	}
	opened.gpus[ordinal] = g
	return g, nil
}

// ErrNoDevice is returned (wrapped) for a device ordinal that does not
// exist.
var ErrNoDevice = errors.New("cuda: no such device")

func newGPU(props Properties, eng engine, emulated bool) *GPU {
	g := &GPU{
		props:    props,
		eng:      eng,
		emulated: emulated,
		modules:  map[string]*moduleState{},
		fns:      make([]atomic.Uintptr, len(kernelRegistry)),
		kinfo:    make([]kernelInfo, len(kernelRegistry)),
	}
	g.mem.init(g)
	g.staging.gpu = g
	return g
}

// Properties returns the device's properties.
func (g *GPU) Properties() Properties { return g.props }

// Ordinal returns the device's ordinal.
func (g *GPU) Ordinal() int { return g.props.Ordinal }

// Emulated reports whether this GPU is the CPU emulator used by the
// package's tests rather than a real device.
func (g *GPU) Emulated() bool { return g.emulated }

// Synchronize waits until all work enqueued on the GPU has finished and
// returns the first error an earlier asynchronous operation raised.
func (g *GPU) Synchronize() error {
	if err := g.eng.synchronize(); err != nil {
		return fmt.Errorf("cuda: synchronize: %w", err)
	}
	return nil
}

// MemInfo returns the device's free and total memory as the driver sees
// it (memory cached by the allocator counts as used).
func (g *GPU) MemInfo() (free, total uint64, err error) { return g.eng.memInfo() }
