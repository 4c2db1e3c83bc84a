//go:build cgo && linux

package cuda

/*
#cgo LDFLAGS: -ldl
#cgo noescape gf_launch
#cgo nocallback gf_launch
#cgo noescape gf_memcpy_htod
#cgo nocallback gf_memcpy_htod
#cgo noescape gf_memcpy_dtoh
#cgo nocallback gf_memcpy_dtoh

#include <dlfcn.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

// The few driver API types and prototypes goformer uses, declared here so
// that no CUDA header is needed to build. Handles travel to Go as
// uintptr_t.
typedef int CUresult;
typedef int CUdevice;
typedef unsigned long long CUdeviceptr;
typedef struct CUctx_st *CUcontext;
typedef struct CUmod_st *CUmodule;
typedef struct CUfunc_st *CUfunction;
typedef struct CUstream_st *CUstream;
typedef struct CUevent_st *CUevent;

static void *gf_cuda;
static CUresult (*p_cuInit)(unsigned int);
static CUresult (*p_cuDriverGetVersion)(int *);
static CUresult (*p_cuGetErrorName)(CUresult, const char **);
static CUresult (*p_cuGetErrorString)(CUresult, const char **);
static CUresult (*p_cuDeviceGetCount)(int *);
static CUresult (*p_cuDeviceGet)(CUdevice *, int);
static CUresult (*p_cuDeviceGetName)(char *, int, CUdevice);
static CUresult (*p_cuDeviceGetAttribute)(int *, int, CUdevice);
static CUresult (*p_cuDeviceTotalMem)(size_t *, CUdevice);
static CUresult (*p_cuDevicePrimaryCtxRetain)(CUcontext *, CUdevice);
static CUresult (*p_cuDevicePrimaryCtxRelease)(CUdevice);
static CUresult (*p_cuCtxSetCurrent)(CUcontext);
static CUresult (*p_cuCtxSynchronize)(void);
static CUresult (*p_cuMemAlloc)(CUdeviceptr *, size_t);
static CUresult (*p_cuMemFree)(CUdeviceptr);
static CUresult (*p_cuMemGetInfo)(size_t *, size_t *);
static CUresult (*p_cuMemHostAlloc)(void **, size_t, unsigned int);
static CUresult (*p_cuMemFreeHost)(void *);
static CUresult (*p_cuMemcpyHtoDAsync)(CUdeviceptr, const void *, size_t, CUstream);
static CUresult (*p_cuMemcpyDtoHAsync)(void *, CUdeviceptr, size_t, CUstream);
static CUresult (*p_cuMemcpyDtoDAsync)(CUdeviceptr, CUdeviceptr, size_t, CUstream);
static CUresult (*p_cuMemsetD32Async)(CUdeviceptr, unsigned int, size_t, CUstream);
static CUresult (*p_cuModuleLoadDataEx)(CUmodule *, const void *, unsigned int, int *, void **);
static CUresult (*p_cuModuleUnload)(CUmodule);
static CUresult (*p_cuModuleGetFunction)(CUfunction *, CUmodule, const char *);
static CUresult (*p_cuFuncGetAttribute)(int *, int, CUfunction);
static CUresult (*p_cuLaunchKernel)(CUfunction, unsigned int, unsigned int, unsigned int,
	unsigned int, unsigned int, unsigned int, unsigned int, CUstream, void **, void **);
static CUresult (*p_cuStreamCreate)(CUstream *, unsigned int);
static CUresult (*p_cuStreamDestroy)(CUstream);
static CUresult (*p_cuStreamSynchronize)(CUstream);
static CUresult (*p_cuEventCreate)(CUevent *, unsigned int);
static CUresult (*p_cuEventDestroy)(CUevent);
static CUresult (*p_cuEventRecord)(CUevent, CUstream);
static CUresult (*p_cuEventSynchronize)(CUevent);
static CUresult (*p_cuEventElapsedTime)(float *, CUevent, CUevent);

// gf_sym finds the first of up to two names; it returns 0 and names the
// missing symbol in err when neither exists.
static int gf_sym(void **dst, const char *name, const char *alt, char *err, int errlen) {
	*dst = dlsym(gf_cuda, name);
	if (!*dst && alt) *dst = dlsym(gf_cuda, alt);
	if (!*dst) {
		snprintf(err, errlen, "libcuda has no symbol %s", name);
		return 0;
	}
	return 1;
}

// gf_open opens the driver library and resolves every symbol. It returns
// 1 on success, or 0 with a message in err.
static int gf_open(char *err, int errlen) {
	gf_cuda = dlopen("libcuda.so.1", RTLD_NOW | RTLD_LOCAL);
	if (!gf_cuda) {
		const char *e = dlerror();
		snprintf(err, errlen, "no NVIDIA driver: %s", e ? e : "libcuda.so.1 not found");
		gf_cuda = dlopen("libcuda.so", RTLD_NOW | RTLD_LOCAL);
		if (!gf_cuda) return 0;
	}
#define SYM(p, n, alt) if (!gf_sym((void **)&p, n, alt, err, errlen)) return 0
	SYM(p_cuInit, "cuInit", NULL);
	SYM(p_cuDriverGetVersion, "cuDriverGetVersion", NULL);
	SYM(p_cuGetErrorName, "cuGetErrorName", NULL);
	SYM(p_cuGetErrorString, "cuGetErrorString", NULL);
	SYM(p_cuDeviceGetCount, "cuDeviceGetCount", NULL);
	SYM(p_cuDeviceGet, "cuDeviceGet", NULL);
	SYM(p_cuDeviceGetName, "cuDeviceGetName", NULL);
	SYM(p_cuDeviceGetAttribute, "cuDeviceGetAttribute", NULL);
	SYM(p_cuDeviceTotalMem, "cuDeviceTotalMem_v2", NULL);
	SYM(p_cuDevicePrimaryCtxRetain, "cuDevicePrimaryCtxRetain", NULL);
	SYM(p_cuDevicePrimaryCtxRelease, "cuDevicePrimaryCtxRelease_v2", "cuDevicePrimaryCtxRelease");
	SYM(p_cuCtxSetCurrent, "cuCtxSetCurrent", NULL);
	SYM(p_cuCtxSynchronize, "cuCtxSynchronize", NULL);
	SYM(p_cuMemAlloc, "cuMemAlloc_v2", NULL);
	SYM(p_cuMemFree, "cuMemFree_v2", NULL);
	SYM(p_cuMemGetInfo, "cuMemGetInfo_v2", NULL);
	SYM(p_cuMemHostAlloc, "cuMemHostAlloc", NULL);
	SYM(p_cuMemFreeHost, "cuMemFreeHost", NULL);
	SYM(p_cuMemcpyHtoDAsync, "cuMemcpyHtoDAsync_v2", NULL);
	SYM(p_cuMemcpyDtoHAsync, "cuMemcpyDtoHAsync_v2", NULL);
	SYM(p_cuMemcpyDtoDAsync, "cuMemcpyDtoDAsync_v2", NULL);
	SYM(p_cuMemsetD32Async, "cuMemsetD32Async", NULL);
	SYM(p_cuModuleLoadDataEx, "cuModuleLoadDataEx", NULL);
	SYM(p_cuModuleUnload, "cuModuleUnload", NULL);
	SYM(p_cuModuleGetFunction, "cuModuleGetFunction", NULL);
	SYM(p_cuFuncGetAttribute, "cuFuncGetAttribute", NULL);
	SYM(p_cuLaunchKernel, "cuLaunchKernel", NULL);
	SYM(p_cuStreamCreate, "cuStreamCreate", NULL);
	SYM(p_cuStreamDestroy, "cuStreamDestroy_v2", NULL);
	SYM(p_cuStreamSynchronize, "cuStreamSynchronize", NULL);
	SYM(p_cuEventCreate, "cuEventCreate", NULL);
	SYM(p_cuEventDestroy, "cuEventDestroy_v2", NULL);
	SYM(p_cuEventRecord, "cuEventRecord", NULL);
	SYM(p_cuEventSynchronize, "cuEventSynchronize", NULL);
	SYM(p_cuEventElapsedTime, "cuEventElapsedTime_v2", "cuEventElapsedTime");
#undef SYM
	return 1;
}

static const char *gf_error_name(CUresult r) {
	const char *s = NULL;
	if (!p_cuGetErrorName || p_cuGetErrorName(r, &s) != 0) return NULL;
	return s;
}

static const char *gf_error_string(CUresult r) {
	const char *s = NULL;
	if (!p_cuGetErrorString || p_cuGetErrorString(r, &s) != 0) return NULL;
	return s;
}

// Every wrapper that touches a context makes it current on the calling
// OS thread first, so that Go code may call from any goroutine.
#define CTX(c) do { CUresult r_ = p_cuCtxSetCurrent((CUcontext)(c)); if (r_) return r_; } while (0)

static CUresult gf_init(void) { return p_cuInit(0); }
static CUresult gf_driver_version(int *v) { return p_cuDriverGetVersion(v); }
static CUresult gf_device_count(int *n) { return p_cuDeviceGetCount(n); }
static CUresult gf_device_get(int *dev, int ordinal) { return p_cuDeviceGet((CUdevice *)dev, ordinal); }
static CUresult gf_device_name(char *buf, int len, int dev) { return p_cuDeviceGetName(buf, len, dev); }
static CUresult gf_device_attr(int *v, int attr, int dev) { return p_cuDeviceGetAttribute(v, attr, dev); }
static CUresult gf_device_total_mem(size_t *v, int dev) { return p_cuDeviceTotalMem(v, dev); }

static CUresult gf_primary_ctx_retain(uintptr_t *ctx, int dev) {
	CUcontext c = NULL;
	CUresult r = p_cuDevicePrimaryCtxRetain(&c, dev);
	*ctx = (uintptr_t)c;
	return r;
}
static CUresult gf_primary_ctx_release(int dev) { return p_cuDevicePrimaryCtxRelease(dev); }

static CUresult gf_ctx_synchronize(uintptr_t ctx) { CTX(ctx); return p_cuCtxSynchronize(); }

static CUresult gf_mem_alloc(uintptr_t ctx, uint64_t *p, size_t n) {
	CTX(ctx);
	CUdeviceptr d = 0;
	CUresult r = p_cuMemAlloc(&d, n);
	*p = d;
	return r;
}
static CUresult gf_mem_free(uintptr_t ctx, uint64_t p) { CTX(ctx); return p_cuMemFree(p); }
static CUresult gf_mem_info(uintptr_t ctx, size_t *free, size_t *total) { CTX(ctx); return p_cuMemGetInfo(free, total); }

static void *gf_host_alloc(uintptr_t ctx, size_t n, CUresult *r) {
	void *h = NULL;
	*r = p_cuCtxSetCurrent((CUcontext)ctx);
	if (*r) return NULL;
	*r = p_cuMemHostAlloc(&h, n, 0x01); // CU_MEMHOSTALLOC_PORTABLE
	return h;
}
static CUresult gf_host_free(uintptr_t ctx, void *p) { CTX(ctx); return p_cuMemFreeHost(p); }

static CUresult gf_memcpy_htod(uintptr_t ctx, uint64_t dst, const void *src, size_t n, uintptr_t s) {
	CTX(ctx);
	return p_cuMemcpyHtoDAsync(dst, src, n, (CUstream)s);
}
static CUresult gf_memcpy_dtoh(uintptr_t ctx, void *dst, uint64_t src, size_t n, uintptr_t s) {
	CTX(ctx);
	return p_cuMemcpyDtoHAsync(dst, src, n, (CUstream)s);
}
static CUresult gf_memcpy_dtod(uintptr_t ctx, uint64_t dst, uint64_t src, size_t n, uintptr_t s) {
	CTX(ctx);
	return p_cuMemcpyDtoDAsync(dst, src, n, (CUstream)s);
}
static CUresult gf_memset_d32(uintptr_t ctx, uint64_t dst, unsigned int v, size_t n, uintptr_t s) {
	CTX(ctx);
	return p_cuMemsetD32Async(dst, v, n, (CUstream)s);
}

// gf_module_load JIT-compiles a NUL-terminated PTX image; on failure the
// driver's error log is copied into log.
static CUresult gf_module_load(uintptr_t ctx, uintptr_t *mod, const char *image, char *log, int loglen) {
	CTX(ctx);
	char elog[16384];
	elog[0] = 0;
	int opts[2] = {6, 5}; // CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES, CU_JIT_ERROR_LOG_BUFFER
	void *vals[2] = {(void *)(uintptr_t)sizeof(elog), (void *)elog};
	CUmodule m = NULL;
	CUresult r = p_cuModuleLoadDataEx(&m, image, 2, opts, vals);
	*mod = (uintptr_t)m;
	if (r && loglen > 0) {
		elog[sizeof(elog) - 1] = 0;
		strncpy(log, elog, loglen - 1);
		log[loglen - 1] = 0;
	}
	return r;
}
static CUresult gf_module_unload(uintptr_t ctx, uintptr_t mod) { CTX(ctx); return p_cuModuleUnload((CUmodule)mod); }
static CUresult gf_module_function(uintptr_t ctx, uintptr_t *fn, uintptr_t mod, const char *name) {
	CTX(ctx);
	CUfunction f = NULL;
	CUresult r = p_cuModuleGetFunction(&f, (CUmodule)mod, name);
	*fn = (uintptr_t)f;
	return r;
}
static CUresult gf_func_attr(uintptr_t ctx, int *v, int attr, uintptr_t fn) {
	CTX(ctx);
	return p_cuFuncGetAttribute(v, attr, (CUfunction)fn);
}

// gf_launch builds the parameter pointer array from a packed buffer and
// the offset of each parameter in it; the driver copies the values before
// it returns.
static CUresult gf_launch(uintptr_t ctx, uintptr_t fn, unsigned gx, unsigned gy, unsigned gz,
		unsigned bx, unsigned by, unsigned bz, unsigned shared, uintptr_t s,
		void *args, const int32_t *offs, int n) {
	CTX(ctx);
	void *params[32];
	for (int i = 0; i < n && i < 32; i++) params[i] = (char *)args + offs[i];
	return p_cuLaunchKernel((CUfunction)fn, gx, gy, gz, bx, by, bz, shared, (CUstream)s, params, NULL);
}

static CUresult gf_stream_create(uintptr_t ctx, uintptr_t *s) {
	CTX(ctx);
	CUstream st = NULL;
	CUresult r = p_cuStreamCreate(&st, 0x1); // CU_STREAM_NON_BLOCKING
	*s = (uintptr_t)st;
	return r;
}
static CUresult gf_stream_destroy(uintptr_t ctx, uintptr_t s) { CTX(ctx); return p_cuStreamDestroy((CUstream)s); }
static CUresult gf_stream_synchronize(uintptr_t ctx, uintptr_t s) { CTX(ctx); return p_cuStreamSynchronize((CUstream)s); }

static CUresult gf_event_create(uintptr_t ctx, uintptr_t *ev) {
	CTX(ctx);
	CUevent e = NULL;
	CUresult r = p_cuEventCreate(&e, 0); // CU_EVENT_DEFAULT: timing enabled
	*ev = (uintptr_t)e;
	return r;
}
static CUresult gf_event_destroy(uintptr_t ctx, uintptr_t ev) { CTX(ctx); return p_cuEventDestroy((CUevent)ev); }
static CUresult gf_event_record(uintptr_t ctx, uintptr_t ev, uintptr_t s) { CTX(ctx); return p_cuEventRecord((CUevent)ev, (CUstream)s); }
static CUresult gf_event_synchronize(uintptr_t ctx, uintptr_t ev) { CTX(ctx); return p_cuEventSynchronize((CUevent)ev); }
static CUresult gf_event_elapsed(uintptr_t ctx, float *ms, uintptr_t a, uintptr_t b) {
	CTX(ctx);
	return p_cuEventElapsedTime(ms, (CUevent)a, (CUevent)b);
}
*/
import "C"

import (
	"fmt"
	"sync"
	"unsafe"
)

var driverLoad struct {
	once sync.Once
	err  error
}

// loadDriver opens libcuda.so.1 and calls cuInit, once per process.
func loadDriver() error {
	driverLoad.once.Do(func() {
		var buf [512]C.char
		if C.gf_open(&buf[0], C.int(len(buf))) == 0 {
			driverLoad.err = fmt.Errorf("%w: %s", ErrUnavailable, C.GoString(&buf[0]))
			return
		}
		if err := check("cuInit", C.gf_init()); err != nil {
			driverLoad.err = fmt.Errorf("%w: %w", ErrUnavailable, err)
		}
	})
	return driverLoad.err
}

// check turns a CUresult into nil or an *Error naming op.
func check(op string, r C.CUresult) error {
	if r == 0 {
		return nil
	}
	e := &Error{Op: op, Code: int(r)}
	if s := C.gf_error_name(r); s != nil {
		e.Name = C.GoString(s)
	}
	if s := C.gf_error_string(r); s != nil {
		e.Text = C.GoString(s)
	}
	return e
}

func driverVersion() (int, error) {
	if err := loadDriver(); err != nil {
		return 0, err
	}
	var v C.int
	if err := check("cuDriverGetVersion", C.gf_driver_version(&v)); err != nil {
		return 0, err
	}
	return int(v), nil
}

func driverDeviceCount() (int, error) {
	if err := loadDriver(); err != nil {
		return 0, err
	}
	var n C.int
	if err := check("cuDeviceGetCount", C.gf_device_count(&n)); err != nil {
		return 0, err
	}
	return int(n), nil
}

// Device attribute numbers (CUdevice_attribute).
const (
	attrMaxThreadsPerBlock       = 1
	attrMaxSharedPerBlock        = 8
	attrWarpSize                 = 10
	attrMaxRegistersPerBlock     = 12
	attrClockRate                = 13
	attrMultiprocessorCount      = 16
	attrPCIBusID                 = 33
	attrMemoryClockRate          = 36
	attrGlobalMemoryBusWidth     = 37
	attrL2CacheSize              = 38
	attrMaxThreadsPerSM          = 39
	attrComputeCapabilityMajor   = 75
	attrComputeCapabilityMinor   = 76
	attrMaxSharedPerBlockOptin   = 97
	attrMaxSharedPerMultiprocess = 81
)

// driverProperties reads a device's name, memory and attributes.
func driverProperties(ordinal int) (Properties, error) {
	var p Properties
	if err := loadDriver(); err != nil {
		return p, err
	}
	var dev C.int
	if err := check("cuDeviceGet", C.gf_device_get(&dev, C.int(ordinal))); err != nil {
		return p, err
	}
	var name [256]C.char
	if err := check("cuDeviceGetName", C.gf_device_name(&name[0], C.int(len(name)), dev)); err != nil {
		return p, err
	}
	var total C.size_t
	if err := check("cuDeviceTotalMem_v2", C.gf_device_total_mem(&total, dev)); err != nil {
		return p, err
	}
	attr := func(a int) (int, error) {
		var v C.int
		err := check("cuDeviceGetAttribute", C.gf_device_attr(&v, C.int(a), dev))
		return int(v), err
	}
	fields := []struct {
		attr int
		dst  *int
	}{
		{attrComputeCapabilityMajor, &p.Major},
		{attrComputeCapabilityMinor, &p.Minor},
		{attrMultiprocessorCount, &p.Multiprocessors},
		{attrMaxThreadsPerBlock, &p.MaxThreadsPerBlock},
		{attrMaxThreadsPerSM, &p.MaxThreadsPerMultiprocessor},
		{attrMaxSharedPerBlock, &p.SharedMemoryPerBlock},
		{attrMaxSharedPerBlockOptin, &p.SharedMemoryPerBlockOptin},
		{attrMaxRegistersPerBlock, &p.RegistersPerBlock},
		{attrWarpSize, &p.WarpSize},
		{attrL2CacheSize, &p.L2CacheBytes},
		{attrMemoryClockRate, &p.MemoryClockKHz},
		{attrGlobalMemoryBusWidth, &p.MemoryBusWidth},
		{attrClockRate, &p.ClockKHz},
		{attrPCIBusID, &p.PCIBusID},
	}
	for _, f := range fields {
		v, err := attr(f.attr)
		if err != nil {
			// Attributes the driver retired read as 0 rather than fail
			// the whole query; the compute capability must be known.
			if f.attr == attrComputeCapabilityMajor || f.attr == attrComputeCapabilityMinor {
				return p, err
			}
			v = 0
		}
		*f.dst = v
	}
	p.Ordinal = ordinal
	p.Name = C.GoString(&name[0])
	p.TotalMemory = uint64(total)
	return p, nil
}

// driverEngine runs on the CUDA driver: the device's primary context and
// one non-blocking stream.
type driverEngine struct {
	dev    C.int
	ctx    C.uintptr_t
	stream C.uintptr_t
}

// openDriverEngine retains the primary context of a device and creates
// the stream that all work goes to.
func openDriverEngine(ordinal int) (engine, error) {
	if err := loadDriver(); err != nil {
		return nil, err
	}
	e := &driverEngine{}
	if err := check("cuDeviceGet", C.gf_device_get(&e.dev, C.int(ordinal))); err != nil {
		return nil, err
	}
	if err := check("cuDevicePrimaryCtxRetain", C.gf_primary_ctx_retain(&e.ctx, e.dev)); err != nil {
		return nil, err
	}
	if err := check("cuStreamCreate", C.gf_stream_create(e.ctx, &e.stream)); err != nil {
		C.gf_primary_ctx_release(e.dev)
		return nil, err
	}
	return e, nil
}

func (e *driverEngine) alloc(bytes int) (uint64, error) {
	var p C.uint64_t
	err := check("cuMemAlloc_v2", C.gf_mem_alloc(e.ctx, &p, C.size_t(bytes)))
	return uint64(p), err
}

func (e *driverEngine) free(ptr uint64) error {
	return check("cuMemFree_v2", C.gf_mem_free(e.ctx, C.uint64_t(ptr)))
}

func (e *driverEngine) memInfo() (free, total uint64, err error) {
	var f, t C.size_t
	err = check("cuMemGetInfo_v2", C.gf_mem_info(e.ctx, &f, &t))
	return uint64(f), uint64(t), err
}

func (e *driverEngine) hostAlloc(bytes int) (unsafe.Pointer, error) {
	var r C.CUresult
	p := C.gf_host_alloc(e.ctx, C.size_t(bytes), &r)
	if err := check("cuMemHostAlloc", r); err != nil {
		return nil, err
	}
	return p, nil
}

func (e *driverEngine) hostFree(p unsafe.Pointer) error {
	return check("cuMemFreeHost", C.gf_host_free(e.ctx, p))
}

func (e *driverEngine) copyHtoD(dst uint64, src unsafe.Pointer, bytes int) error {
	if bytes == 0 {
		return nil
	}
	return check("cuMemcpyHtoDAsync_v2", C.gf_memcpy_htod(e.ctx, C.uint64_t(dst), src, C.size_t(bytes), e.stream))
}

func (e *driverEngine) copyDtoH(dst unsafe.Pointer, src uint64, bytes int) error {
	if bytes == 0 {
		return nil
	}
	return check("cuMemcpyDtoHAsync_v2", C.gf_memcpy_dtoh(e.ctx, dst, C.uint64_t(src), C.size_t(bytes), e.stream))
}

func (e *driverEngine) copyDtoD(dst, src uint64, bytes int) error {
	if bytes == 0 {
		return nil
	}
	return check("cuMemcpyDtoDAsync_v2", C.gf_memcpy_dtod(e.ctx, C.uint64_t(dst), C.uint64_t(src), C.size_t(bytes), e.stream))
}

func (e *driverEngine) memsetD32(dst uint64, value uint32, count int) error {
	if count == 0 {
		return nil
	}
	return check("cuMemsetD32Async", C.gf_memset_d32(e.ctx, C.uint64_t(dst), C.uint(value), C.size_t(count), e.stream))
}

func (e *driverEngine) loadModule(name string, ptx []byte) (uintptr, error) {
	image := C.CString(string(ptx))
	defer C.free(unsafe.Pointer(image))
	var log [4096]C.char
	var mod C.uintptr_t
	if err := check("cuModuleLoadDataEx", C.gf_module_load(e.ctx, &mod, image, &log[0], C.int(len(log)))); err != nil {
		if s := C.GoString(&log[0]); s != "" {
			return 0, fmt.Errorf("load module %s: %w\n%s", name, err, s)
		}
		return 0, fmt.Errorf("load module %s: %w", name, err)
	}
	return uintptr(mod), nil
}

func (e *driverEngine) function(module uintptr, name string) (uintptr, error) {
	cname := C.CString(name)
	defer C.free(unsafe.Pointer(cname))
	var fn C.uintptr_t
	if err := check("cuModuleGetFunction", C.gf_module_function(e.ctx, &fn, C.uintptr_t(module), cname)); err != nil {
		return 0, fmt.Errorf("kernel %s: %w", name, err)
	}
	return uintptr(fn), nil
}

// Function attribute numbers (CUfunction_attribute).
const (
	funcMaxThreads    = 0
	funcSharedBytes   = 1
	funcLocalBytes    = 3
	funcNumRegs       = 4
	funcPTXVersion    = 5
	funcBinaryVersion = 6
)

func (e *driverEngine) functionInfo(fn uintptr) (kernelInfo, error) {
	var info kernelInfo
	for _, f := range []struct {
		attr int
		dst  *int
	}{
		{funcMaxThreads, &info.MaxThreads},
		{funcSharedBytes, &info.SharedBytes},
		{funcLocalBytes, &info.LocalBytes},
		{funcNumRegs, &info.Registers},
		{funcPTXVersion, &info.PTXVersion},
		{funcBinaryVersion, &info.BinaryVersion},
	} {
		var v C.int
		if err := check("cuFuncGetAttribute", C.gf_func_attr(e.ctx, &v, C.int(f.attr), C.uintptr_t(fn))); err != nil {
			return info, err
		}
		*f.dst = int(v)
	}
	return info, nil
}

func (e *driverEngine) launch(fn uintptr, grid, block dim3, sharedBytes int, args *argBuffer) error {
	return check("cuLaunchKernel", C.gf_launch(e.ctx, C.uintptr_t(fn),
		C.uint(grid.x), C.uint(grid.y), C.uint(grid.z),
		C.uint(block.x), C.uint(block.y), C.uint(block.z),
		C.uint(sharedBytes), e.stream,
		unsafe.Pointer(&args.words[0]), (*C.int32_t)(unsafe.Pointer(&args.offs[0])), C.int(args.n)))
}

func (e *driverEngine) synchronize() error {
	return check("cuStreamSynchronize", C.gf_stream_synchronize(e.ctx, e.stream))
}

func (e *driverEngine) eventCreate() (uintptr, error) {
	var ev C.uintptr_t
	err := check("cuEventCreate", C.gf_event_create(e.ctx, &ev))
	return uintptr(ev), err
}

func (e *driverEngine) eventDestroy(ev uintptr) error {
	return check("cuEventDestroy_v2", C.gf_event_destroy(e.ctx, C.uintptr_t(ev)))
}

func (e *driverEngine) eventRecord(ev uintptr) error {
	return check("cuEventRecord", C.gf_event_record(e.ctx, C.uintptr_t(ev), e.stream))
}

func (e *driverEngine) eventSynchronize(ev uintptr) error {
	return check("cuEventSynchronize", C.gf_event_synchronize(e.ctx, C.uintptr_t(ev)))
}

func (e *driverEngine) eventElapsed(start, end uintptr) (float32, error) {
	var ms C.float
	err := check("cuEventElapsedTime", C.gf_event_elapsed(e.ctx, &ms, C.uintptr_t(start), C.uintptr_t(end)))
	return float32(ms), err
}

func (e *driverEngine) close() error {
	err := check("cuStreamSynchronize", C.gf_stream_synchronize(e.ctx, e.stream))
	if err2 := check("cuStreamDestroy_v2", C.gf_stream_destroy(e.ctx, e.stream)); err == nil {
		err = err2
	}
	if err2 := check("cuDevicePrimaryCtxRelease_v2", C.gf_primary_ctx_release(e.dev)); err == nil {
		err = err2
	}
	return err
}
