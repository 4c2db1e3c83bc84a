// prelude.cuh: goformer's own replacement for the CUDA headers.
//
// The kernels in this directory are compiled three ways, and this header
// gives them one vocabulary for all three:
//
//   - to PTX by clang (-x cuda --cuda-device-only -nocudainc -nocudalib):
//     no CUDA header exists, so the keywords and the built-in variables
//     (threadIdx, ...) are defined here on clang's __nvvm_* builtins;
//   - by NVRTC at run time (__CUDACC_RTC__), which has them built in;
//   - as plain C++ for the CPU emulator the tests use (GOFORMER_EMU), which
//     supplies the built-ins through emu.h.
//
// Kernels use only what this header defines (gf_* helpers, threadIdx,
// blockIdx, blockDim, gridDim, __syncthreads) plus C++ arithmetic. No
// libdevice: the math functions below are goformer's own, accurate to a
// few ulp, so that the GPU agrees with the CPU backend.
#pragma once

#if defined(GOFORMER_EMU)
#define GF_EMU 1
#elif defined(__CUDACC_RTC__)
#define GF_NVRTC 1
#elif defined(__CUDA__) && defined(__CUDA_ARCH__)
#define GF_CLANG 1
#else
#error "prelude.cuh: compile with clang -x cuda --cuda-device-only, with NVRTC, or in the emulator"
#endif

// ---------------------------------------------------------------------------
// Platform: keywords, built-in variables, barriers, warp shuffles, atomics.

#if GF_CLANG
#define __global__ __attribute__((global))
#define __device__ __attribute__((device))
#define __shared__ __attribute__((shared))
#define __forceinline__ __inline__ __attribute__((always_inline))
#define __launch_bounds__(...) __attribute__((launch_bounds(__VA_ARGS__)))

struct gf_uint3 {
	unsigned x, y, z;
};
static __device__ __forceinline__ gf_uint3 gf_thread_idx() {
	return {(unsigned)__nvvm_read_ptx_sreg_tid_x(), (unsigned)__nvvm_read_ptx_sreg_tid_y(), (unsigned)__nvvm_read_ptx_sreg_tid_z()};
}
static __device__ __forceinline__ gf_uint3 gf_block_idx() {
	return {(unsigned)__nvvm_read_ptx_sreg_ctaid_x(), (unsigned)__nvvm_read_ptx_sreg_ctaid_y(), (unsigned)__nvvm_read_ptx_sreg_ctaid_z()};
}
static __device__ __forceinline__ gf_uint3 gf_block_dim() {
	return {(unsigned)__nvvm_read_ptx_sreg_ntid_x(), (unsigned)__nvvm_read_ptx_sreg_ntid_y(), (unsigned)__nvvm_read_ptx_sreg_ntid_z()};
}
static __device__ __forceinline__ gf_uint3 gf_grid_dim() {
	return {(unsigned)__nvvm_read_ptx_sreg_nctaid_x(), (unsigned)__nvvm_read_ptx_sreg_nctaid_y(), (unsigned)__nvvm_read_ptx_sreg_nctaid_z()};
}
#define threadIdx (gf_thread_idx())
#define blockIdx (gf_block_idx())
#define blockDim (gf_block_dim())
#define gridDim (gf_grid_dim())

#define GF_DEV static __device__ __forceinline__
#define GF_ALIGN(n) __attribute__((aligned(n)))
GF_DEV void gf_syncwarp() { __nvvm_bar_warp_sync(0xffffffffu); }
GF_DEV unsigned gf_shfl_xor_u32(unsigned v, int lanemask) {
	return (unsigned)__nvvm_shfl_sync_bfly_i32(0xffffffffu, (int)v, lanemask, 0x1f);
}
GF_DEV unsigned long long gf_shfl_xor_u64(unsigned long long v, int lanemask) {
	unsigned lo = gf_shfl_xor_u32((unsigned)v, lanemask), hi = gf_shfl_xor_u32((unsigned)(v >> 32), lanemask);
	return (unsigned long long)hi << 32 | lo;
}
GF_DEV float gf_atomic_add(float *p, float v) { return __nvvm_atom_add_gen_f(p, v); }
GF_DEV double gf_atomic_add(double *p, double v) { return __nvvm_atom_add_gen_d(p, v); }
GF_DEV int gf_atomic_add(int *p, int v) { return __nvvm_atom_add_gen_i(p, v); }
GF_DEV int gf_atomic_cas(int *p, int cmp, int v) { return __nvvm_atom_cas_gen_i(p, cmp, v); }
GF_DEV float gf_fmaf(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
GF_DEV double gf_fma(double a, double b, double c) { return __builtin_fma(a, b, c); }
GF_DEV float gf_sqrtf(float x) { return __builtin_sqrtf(x); }
GF_DEV double gf_sqrt(double x) { return __builtin_sqrt(x); }
GF_DEV float gf_rintf(float x) { return __builtin_rintf(x); }
GF_DEV double gf_rint(double x) { return __builtin_rint(x); }
GF_DEV float gf_floorf(float x) { return __builtin_floorf(x); }
GF_DEV float gf_truncf(float x) { return __builtin_truncf(x); }
GF_DEV double gf_trunc(double x) { return __builtin_trunc(x); }
GF_DEV float gf_fabsf(float x) { return __builtin_fabsf(x); }
GF_DEV double gf_fabs(double x) { return __builtin_fabs(x); }
// Vector loads (of 16-byte aligned shared or global memory).
typedef float gf_v4f __attribute__((ext_vector_type(4)));
typedef float gf_v2f __attribute__((ext_vector_type(2)));
typedef double gf_v2d __attribute__((ext_vector_type(2)));
GF_DEV void gf_ld4(const float *p, float *o) {
	gf_v4f v = *(const gf_v4f *)p;
	o[0] = v.x, o[1] = v.y, o[2] = v.z, o[3] = v.w;
}
GF_DEV void gf_ld2(const float *p, float *o) {
	gf_v2f v = *(const gf_v2f *)p;
	o[0] = v.x, o[1] = v.y;
}
GF_DEV void gf_ld2(const double *p, double *o) {
	gf_v2d v = *(const gf_v2d *)p;
	o[0] = v.x, o[1] = v.y;
}

#elif GF_NVRTC
#define GF_DEV static __device__ __forceinline__
#define GF_ALIGN(n) __align__(n)
GF_DEV void gf_syncwarp() { __syncwarp(0xffffffffu); }
GF_DEV unsigned gf_shfl_xor_u32(unsigned v, int lanemask) { return __shfl_xor_sync(0xffffffffu, v, lanemask); }
GF_DEV unsigned long long gf_shfl_xor_u64(unsigned long long v, int lanemask) { return __shfl_xor_sync(0xffffffffu, v, lanemask); }
GF_DEV float gf_atomic_add(float *p, float v) { return atomicAdd(p, v); }
GF_DEV double gf_atomic_add(double *p, double v) { return atomicAdd(p, v); }
GF_DEV int gf_atomic_add(int *p, int v) { return atomicAdd(p, v); }
GF_DEV int gf_atomic_cas(int *p, int cmp, int v) { return atomicCAS(p, cmp, v); }
GF_DEV float gf_fmaf(float a, float b, float c) { return fmaf(a, b, c); }
GF_DEV double gf_fma(double a, double b, double c) { return fma(a, b, c); }
GF_DEV float gf_sqrtf(float x) { return __fsqrt_rn(x); }
GF_DEV double gf_sqrt(double x) { return __dsqrt_rn(x); }
GF_DEV float gf_rintf(float x) { return rintf(x); }
GF_DEV double gf_rint(double x) { return rint(x); }
GF_DEV float gf_floorf(float x) { return floorf(x); }
GF_DEV float gf_truncf(float x) { return truncf(x); }
GF_DEV double gf_trunc(double x) { return trunc(x); }
GF_DEV float gf_fabsf(float x) { return fabsf(x); }
GF_DEV double gf_fabs(double x) { return fabs(x); }
GF_DEV void gf_ld4(const float *p, float *o) {
	float4 v = *(const float4 *)p;
	o[0] = v.x, o[1] = v.y, o[2] = v.z, o[3] = v.w;
}
GF_DEV void gf_ld2(const float *p, float *o) {
	float2 v = *(const float2 *)p;
	o[0] = v.x, o[1] = v.y;
}
GF_DEV void gf_ld2(const double *p, double *o) {
	double2 v = *(const double2 *)p;
	o[0] = v.x, o[1] = v.y;
}

#else // GF_EMU: emu.h, included first, declares the gf_emu_* hooks.
#define __global__
#define __device__
#define __shared__ static
#define __forceinline__ inline
#define __launch_bounds__(...)
#define threadIdx (gf_emu_thread_idx())
#define blockIdx (gf_emu_block_idx())
#define blockDim (gf_emu_block_dim())
#define gridDim (gf_emu_grid_dim())
#define __syncthreads() gf_emu_syncthreads()

#define GF_DEV static inline
#define GF_ALIGN(n) __attribute__((aligned(n)))
GF_DEV void gf_syncwarp() { gf_emu_syncwarp(); }
GF_DEV unsigned gf_shfl_xor_u32(unsigned v, int lanemask) { return (unsigned)gf_emu_shfl_xor(v, lanemask); }
GF_DEV unsigned long long gf_shfl_xor_u64(unsigned long long v, int lanemask) { return gf_emu_shfl_xor(v, lanemask); }
// The emulator runs one GPU thread at a time and switches only at
// barriers, so a read-modify-write is atomic.
GF_DEV float gf_atomic_add(float *p, float v) { float o = *p; *p = o + v; return o; }
GF_DEV double gf_atomic_add(double *p, double v) { double o = *p; *p = o + v; return o; }
GF_DEV int gf_atomic_add(int *p, int v) { int o = *p; *p = (int)((unsigned)o + (unsigned)v); return o; }
GF_DEV int gf_atomic_cas(int *p, int cmp, int v) { int o = *p; if (o == cmp) *p = v; return o; }
GF_DEV float gf_fmaf(float a, float b, float c) { return __builtin_fmaf(a, b, c); }
GF_DEV double gf_fma(double a, double b, double c) { return __builtin_fma(a, b, c); }
GF_DEV float gf_sqrtf(float x) { return __builtin_sqrtf(x); }
GF_DEV double gf_sqrt(double x) { return __builtin_sqrt(x); }
GF_DEV float gf_rintf(float x) { return __builtin_rintf(x); }
GF_DEV double gf_rint(double x) { return __builtin_rint(x); }
GF_DEV float gf_floorf(float x) { return __builtin_floorf(x); }
GF_DEV float gf_truncf(float x) { return __builtin_truncf(x); }
GF_DEV double gf_trunc(double x) { return __builtin_trunc(x); }
GF_DEV float gf_fabsf(float x) { return __builtin_fabsf(x); }
GF_DEV double gf_fabs(double x) { return __builtin_fabs(x); }
GF_DEV void gf_ld4(const float *p, float *o) { o[0] = p[0], o[1] = p[1], o[2] = p[2], o[3] = p[3]; }
GF_DEV void gf_ld2(const float *p, float *o) { o[0] = p[0], o[1] = p[1]; }
GF_DEV void gf_ld2(const double *p, double *o) { o[0] = p[0], o[1] = p[1]; }
#endif

#include "gf_common.cuh"
