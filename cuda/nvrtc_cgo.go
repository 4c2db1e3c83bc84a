//go:build cgo && linux

package cuda

/*
#include <dlfcn.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// NVRTC's few prototypes, declared here so that no header is needed.
typedef int nvrtcResult;
typedef struct _nvrtcProgram *nvrtcProgram;

static void *gf_nvrtc;
static nvrtcResult (*p_nvrtcVersion)(int *, int *);
static const char *(*p_nvrtcGetErrorString)(nvrtcResult);
static nvrtcResult (*p_nvrtcCreateProgram)(nvrtcProgram *, const char *, const char *, int, const char *const *, const char *const *);
static nvrtcResult (*p_nvrtcCompileProgram)(nvrtcProgram, int, const char *const *);
static nvrtcResult (*p_nvrtcGetPTXSize)(nvrtcProgram, size_t *);
static nvrtcResult (*p_nvrtcGetPTX)(nvrtcProgram, char *);
static nvrtcResult (*p_nvrtcGetProgramLogSize)(nvrtcProgram, size_t *);
static nvrtcResult (*p_nvrtcGetProgramLog)(nvrtcProgram, char *);
static nvrtcResult (*p_nvrtcDestroyProgram)(nvrtcProgram *);

// gf_nvrtc_open opens the library at path and resolves the symbols.
static int gf_nvrtc_open(const char *path, char *err, int errlen) {
	void *h = dlopen(path, RTLD_NOW | RTLD_LOCAL);
	if (!h) {
		const char *e = dlerror();
		snprintf(err, errlen, "%s", e ? e : "not found");
		return 0;
	}
#define NSYM(p, n) if (!(*(void **)&p = dlsym(h, n))) { snprintf(err, errlen, "%s has no symbol %s", path, n); dlclose(h); return 0; }
	NSYM(p_nvrtcVersion, "nvrtcVersion");
	NSYM(p_nvrtcGetErrorString, "nvrtcGetErrorString");
	NSYM(p_nvrtcCreateProgram, "nvrtcCreateProgram");
	NSYM(p_nvrtcCompileProgram, "nvrtcCompileProgram");
	NSYM(p_nvrtcGetPTXSize, "nvrtcGetPTXSize");
	NSYM(p_nvrtcGetPTX, "nvrtcGetPTX");
	NSYM(p_nvrtcGetProgramLogSize, "nvrtcGetProgramLogSize");
	NSYM(p_nvrtcGetProgramLog, "nvrtcGetProgramLog");
	NSYM(p_nvrtcDestroyProgram, "nvrtcDestroyProgram");
#undef NSYM
	gf_nvrtc = h;
	return 1;
}

static int gf_nvrtc_version(int *major, int *minor) { return p_nvrtcVersion(major, minor); }
static const char *gf_nvrtc_error(int r) { return p_nvrtcGetErrorString(r); }
static int gf_nvrtc_create(uintptr_t *prog, const char *src, const char *name, int n, const char *const *headers, const char *const *names) {
	nvrtcProgram p = NULL;
	int r = p_nvrtcCreateProgram(&p, src, name, n, headers, names);
	*prog = (uintptr_t)p;
	return r;
}
static int gf_nvrtc_compile(uintptr_t prog, int n, const char *const *opts) { return p_nvrtcCompileProgram((nvrtcProgram)prog, n, opts); }
static int gf_nvrtc_ptx_size(uintptr_t prog, size_t *n) { return p_nvrtcGetPTXSize((nvrtcProgram)prog, n); }
static int gf_nvrtc_ptx(uintptr_t prog, char *buf) { return p_nvrtcGetPTX((nvrtcProgram)prog, buf); }
static int gf_nvrtc_log_size(uintptr_t prog, size_t *n) { return p_nvrtcGetProgramLogSize((nvrtcProgram)prog, n); }
static int gf_nvrtc_log(uintptr_t prog, char *buf) { return p_nvrtcGetProgramLog((nvrtcProgram)prog, buf); }
static int gf_nvrtc_destroy(uintptr_t prog) {
	nvrtcProgram p = (nvrtcProgram)prog;
	return p_nvrtcDestroyProgram(&p);
}
*/
import "C"

import (
	"fmt"
	"os"
	"sync"
	"unsafe"
)

var nvrtcLoad struct {
	once sync.Once
	path string
	err  error
}

// nvrtcNames are tried in order when $GOFORMER_NVRTC is not set.
var nvrtcNames = []string{
	"libnvrtc.so", "libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so.11.2", "libnvrtc.so.11.1", "libnvrtc.so.11.0",
	// The toolkit's default place, often not on the loader's path.
	"/usr/local/cuda/lib64/libnvrtc.so", "/usr/local/cuda/lib64/libnvrtc.so.13", "/usr/local/cuda/lib64/libnvrtc.so.12",
}

func loadNVRTC() error {
	nvrtcLoad.once.Do(func() {
		names := nvrtcNames
		if p := os.Getenv("GOFORMER_NVRTC"); p != "" {
			names = []string{p}
		}
		var buf [512]C.char
		var tried []string
		for _, n := range names {
			cn := C.CString(n)
			ok := C.gf_nvrtc_open(cn, &buf[0], C.int(len(buf)))
			C.free(unsafe.Pointer(cn))
			if ok != 0 {
				nvrtcLoad.path = n
				return
			}
			tried = append(tried, C.GoString(&buf[0]))
		}
		nvrtcLoad.err = fmt.Errorf("%w (set GOFORMER_NVRTC to its path): %v", ErrNoNVRTC, tried)
	})
	return nvrtcLoad.err
}

// NVRTCVersion returns the version of the NVRTC library that
// CompileNVRTC uses, opening it on first use: libnvrtc.so or a versioned
// name, or the path in $GOFORMER_NVRTC.
func NVRTCVersion() (major, minor int, err error) {
	if err := loadNVRTC(); err != nil {
		return 0, 0, err
	}
	var ma, mi C.int
	if r := C.gf_nvrtc_version(&ma, &mi); r != 0 {
		return 0, 0, nvrtcError("nvrtcVersion", r)
	}
	return int(ma), int(mi), nil
}

func nvrtcError(op string, r C.int) error {
	return &Error{Op: op, Code: int(r), Name: "NVRTC error", Text: C.GoString(C.gf_nvrtc_error(r))}
}

// CompileNVRTC compiles CUDA C source to PTX at run time with NVRTC. name
// labels the program in messages; headers maps include names to their
// text; options are NVRTC's (for example "--gpu-architecture=compute_90",
// "-std=c++17"). The compiler's log is part of the error when compilation
// fails. The error wraps ErrNoNVRTC when no NVRTC library is installed.
func CompileNVRTC(source, name string, headers map[string]string, options []string) ([]byte, error) {
	if err := loadNVRTC(); err != nil {
		return nil, err
	}
	var cstrs []*C.char
	cstr := func(s string) *C.char {
		p := C.CString(s)
		cstrs = append(cstrs, p)
		return p
	}
	defer func() {
		for _, p := range cstrs {
			C.free(unsafe.Pointer(p))
		}
	}()
	// Arrays of C strings live in C memory (cgo forbids Go pointers to Go
	// pointers).
	carray := func(list []string) **C.char {
		if len(list) == 0 {
			return nil
		}
		arr := (**C.char)(C.malloc(C.size_t(len(list)) * C.size_t(unsafe.Sizeof(uintptr(0)))))
		cstrs = append(cstrs, (*C.char)(unsafe.Pointer(arr)))
		s := unsafe.Slice(arr, len(list))
		for i, v := range list {
			s[i] = cstr(v)
		}
		return arr
	}
	var hnames, htexts []string
	for n, t := range headers {
		hnames = append(hnames, n)
		htexts = append(htexts, t)
	}
	var prog C.uintptr_t
	if r := C.gf_nvrtc_create(&prog, cstr(source), cstr(name), C.int(len(hnames)), carray(htexts), carray(hnames)); r != 0 {
		return nil, fmt.Errorf("cuda: compile %s: %w", name, nvrtcError("nvrtcCreateProgram", r))
	}
	defer C.gf_nvrtc_destroy(prog)
	if r := C.gf_nvrtc_compile(prog, C.int(len(options)), carray(options)); r != 0 {
		err := nvrtcError("nvrtcCompileProgram", r)
		var n C.size_t
		if C.gf_nvrtc_log_size(prog, &n) == 0 && n > 1 {
			log := make([]byte, int(n))
			C.gf_nvrtc_log(prog, (*C.char)(unsafe.Pointer(&log[0])))
			return nil, fmt.Errorf("cuda: compile %s: %w\n%s", name, err, log[:len(log)-1])
		}
		return nil, fmt.Errorf("cuda: compile %s: %w", name, err)
	}
	var n C.size_t
	if r := C.gf_nvrtc_ptx_size(prog, &n); r != 0 {
		return nil, nvrtcError("nvrtcGetPTXSize", r)
	}
	ptx := make([]byte, int(n))
	if n > 0 {
		if r := C.gf_nvrtc_ptx(prog, (*C.char)(unsafe.Pointer(&ptx[0]))); r != 0 {
			return nil, nvrtcError("nvrtcGetPTX", r)
		}
	}
	for len(ptx) > 0 && ptx[len(ptx)-1] == 0 {
		ptx = ptx[:len(ptx)-1]
	}
	return ptx, nil
}
