package cuda

import (
	"embed"
	"fmt"
	"path"
	"sort"
	"strings"
	"sync"

	"github.com/goformer/goformer/cuda/internal/ptxtarget"
)

//go:generate go run ./internal/ptxgen

// ptxFiles holds the kernels compiled by `go generate` (internal/ptxgen):
// ptx/<file>.sm_80.ptx for each kernels/<file>.cu, and
// ptx/<file>.<arch>.ptx for another target only where clang's PTX for it
// differs from the sm_80 PTX by more than the .version and .target
// directives; elsewhere the sm_80 PTX is retargeted at load, so that each
// binary carries the PTX of a kernel once.
//
//go:embed ptx/*.ptx
var ptxFiles embed.FS

// param is one kernel parameter: its kind and, for a struct, its size.
type param struct {
	kind paramKind
	size int
}

// kernel is an entry point of the embedded PTX and the parameters the Go
// launch code passes it. TestPTXSignatures checks every kernel against
// the PTX's .entry declarations.
type kernel struct {
	id     int
	module string // the .cu file, without extension
	name   string
	params []param
}

var kernelRegistry []*kernel

// defKernel declares a kernel; it is called from package-level variable
// initialisers, so the registry is complete before main runs.
func defKernel(module, name string, params ...param) *kernel {
	k := &kernel{id: len(kernelRegistry), module: module, name: name, params: params}
	kernelRegistry = append(kernelRegistry, k)
	return k
}

var (
	ptr = param{kind: pPtr, size: 8}
	i32 = param{kind: pI32, size: 4}
	i64 = param{kind: pI64, size: 8}
	f32 = param{kind: pF32, size: 4}
	f64 = param{kind: pF64, size: 8}
)

// structParam is a struct parameter of size bytes.
func structParam(size int) param { return param{kind: pStruct, size: size} }

// ptxFor returns the best PTX of a module for a device of compute
// capability major.minor (internal/ptxtarget lists the targets: sm_90a
// only on 9.0 and only for files that ask for it, sm_90 on 9.0 and newer,
// sm_80 on 8.0 and newer).
func ptxFor(module string, major, minor int) (arch string, image []byte, err error) {
	for _, t := range ptxtarget.Targets {
		if !t.Runs(major, minor) {
			continue
		}
		if b, err := ptxImage(module, t); err == nil {
			return t.Arch, b, nil
		}
	}
	return "", nil, fmt.Errorf("cuda: no PTX of %s for compute capability %d.%d", module, major, minor)
}

// ptxImage returns a module's PTX for target t: the file embedded for it,
// or, for a target that is not opt-in, the sm_80 file retargeted.
func ptxImage(module string, t ptxtarget.Target) ([]byte, error) {
	b, err := ptxFiles.ReadFile(path.Join("ptx", module+"."+t.Arch+".ptx"))
	if err == nil || t.OptIn || t.Arch == ptxtarget.Base {
		return b, err
	}
	base, err := ptxFiles.ReadFile(path.Join("ptx", module+"."+ptxtarget.Base+".ptx"))
	if err != nil {
		return nil, err
	}
	return ptxtarget.Retarget(base, t)
}

// ptxImages returns every (module, target) PTX that ptxFor can hand out,
// by module and then best target first, for the tests.
func ptxImages() []ptxImageOf {
	var out []ptxImageOf
	for _, m := range modules() {
		for _, t := range ptxtarget.Targets {
			if b, err := ptxImage(m, t); err == nil {
				out = append(out, ptxImageOf{module: m, arch: t.Arch, ptx: b})
			}
		}
	}
	return out
}

type ptxImageOf struct {
	module, arch string
	ptx          []byte
}

// modules returns the names of the embedded modules.
func modules() []string {
	entries, _ := ptxFiles.ReadDir("ptx")
	seen := map[string]bool{}
	var out []string
	for _, e := range entries {
		m, _, _ := strings.Cut(e.Name(), ".")
		if !seen[m] {
			seen[m] = true
			out = append(out, m)
		}
	}
	sort.Strings(out)
	return out
}

type moduleState struct {
	once   sync.Once
	handle uintptr
	arch   string
	err    error
}

// module loads a module on first use (the driver JIT-compiles its PTX,
// and caches the result on disk).
func (g *GPU) module(name string) (*moduleState, error) {
	g.modMu.Lock()
	m := g.modules[name]
	if m == nil {
		m = &moduleState{}
		g.modules[name] = m
	}
	g.modMu.Unlock()
	m.once.Do(func() {
		arch, image, err := ptxFor(name, g.props.Major, g.props.Minor)
		if err != nil {
			m.err = err
			return
		}
		m.arch = arch
		m.handle, m.err = g.eng.loadModule(name+"."+arch, image)
	})
	return m, m.err
}

// function returns the loaded kernel, loading its module if needed.
func (g *GPU) function(k *kernel) (uintptr, error) {
	if fn := g.fns[k.id].Load(); fn != 0 {
		return fn, nil
	}
	m, err := g.module(k.module)
	if err != nil {
		return 0, err
	}
	fn, err := g.eng.function(m.handle, k.name)
	if err != nil {
		return 0, err
	}
	info, err := g.eng.functionInfo(fn)
	if err != nil {
		return 0, err
	}
	g.modMu.Lock()
	g.kinfo[k.id] = info
	g.modMu.Unlock()
	g.fns[k.id].Store(fn)
	return fn, nil
}

// launch runs a kernel on the GPU's stream. The arguments must match the
// kernel's declared parameters (a mismatch is a bug in this package and
// panics).
func (g *GPU) launch(k *kernel, grid, block dim3, sharedBytes int, args *argBuffer) error {
	if args.n != len(k.params) {
		panic(fmt.Sprintf("cuda: kernel %s takes %d parameters, launched with %d", k.name, len(k.params), args.n))
	}
	for i, p := range k.params {
		if args.kinds[i] != p.kind || int(args.sizes[i]) != p.size {
			panic(fmt.Sprintf("cuda: kernel %s parameter %d is %v (%d bytes), launched with %v (%d bytes)",
				k.name, i, p.kind, p.size, args.kinds[i], args.sizes[i]))
		}
	}
	fn, err := g.function(k)
	if err != nil {
		return err
	}
	if err := g.eng.launch(fn, grid, block, sharedBytes, args); err != nil {
		return fmt.Errorf("launch %s grid (%d,%d,%d) block (%d,%d,%d): %w",
			k.name, grid.x, grid.y, grid.z, block.x, block.y, block.z, err)
	}
	return nil
}

// KernelInfo describes one kernel as the driver compiled it for this GPU.
type KernelInfo struct {
	Name          string
	Module        string
	Arch          string // the PTX target loaded: sm_80, sm_90 or sm_90a
	Registers     int    // registers per thread
	LocalBytes    int    // local memory per thread (register spills)
	SharedBytes   int    // static shared memory per block
	MaxThreads    int    // the largest block it can launch with
	BinaryVersion int    // the SASS architecture, e.g. 90
}

// Kernels loads every kernel (compiling all modules) and describes each.
// It is a diagnostic: the GPU checks print it, so that register spills or
// a failing module show at once.
func (g *GPU) Kernels() ([]KernelInfo, error) {
	var out []KernelInfo
	var errs []string
	for _, k := range kernelRegistry {
		if _, err := g.function(k); err != nil {
			errs = append(errs, fmt.Sprintf("%s: %v", k.name, err))
			continue
		}
		m, _ := g.module(k.module)
		g.modMu.Lock()
		info := g.kinfo[k.id]
		g.modMu.Unlock()
		out = append(out, KernelInfo{
			Name: k.name, Module: k.module, Arch: m.arch,
			Registers: info.Registers, LocalBytes: info.LocalBytes, SharedBytes: info.SharedBytes,
			MaxThreads: info.MaxThreads, BinaryVersion: info.BinaryVersion,
		})
	}
	if len(errs) > 0 {
		return out, fmt.Errorf("cuda: %d kernel(s) failed to load:\n%s", len(errs), strings.Join(errs, "\n"))
	}
	return out, nil
}
