// gf_common.cuh: helpers shared by every kernel, identical on all three
// compilation paths (see prelude.cuh). Included by prelude.cuh only.
#pragma once

typedef long long gf_i64;
typedef unsigned long long gf_u64;
typedef unsigned int gf_u32;
typedef unsigned short gf_u16;

// ---------------------------------------------------------------------------
// Bit casts.

GF_DEV float gf_u2f(gf_u32 u) {
	union {
		gf_u32 u;
		float f;
	} c;
	c.u = u;
	return c.f;
}
GF_DEV gf_u32 gf_f2u(float f) {
	union {
		float f;
		gf_u32 u;
	} c;
	c.f = f;
	return c.u;
}
GF_DEV double gf_u2d(gf_u64 u) {
	union {
		gf_u64 u;
		double d;
	} c;
	c.u = u;
	return c.d;
}
GF_DEV gf_u64 gf_d2u(double d) {
	union {
		double d;
		gf_u64 u;
	} c;
	c.d = d;
	return c.u;
}

GF_DEV float gf_inff() { return gf_u2f(0x7f800000u); }
GF_DEV float gf_nanf() { return gf_u2f(0x7fc00000u); }
GF_DEV double gf_inf() { return gf_u2d(0x7ff0000000000000ull); }
GF_DEV double gf_nan() { return gf_u2d(0x7ff8000000000000ull); }
GF_DEV bool gf_isnan(float x) { return x != x; }
GF_DEV bool gf_isnan(double x) { return x != x; }

// gf_cast_i32 truncates toward zero like a C cast, saturating out-of-range
// values and sending NaN to 0 (what the GPU's cvt.rzi does), so that the
// emulator never meets C++'s undefined conversion.
GF_DEV int gf_cast_i32(double v) {
	if (v != v) return 0;
	if (v >= 2147483647.0) return 2147483647;
	if (v <= -2147483648.0) return (int)(-2147483647 - 1);
	return (int)v;
}

// ---------------------------------------------------------------------------
// Half-precision conversions, bit for bit those of the tensor package
// (Float32ToFloat16 and friends): round to nearest even, overflow to Inf,
// NaN kept quiet.

GF_DEV gf_u16 gf_f32_to_f16(float f) {
	gf_u32 b = gf_f2u(f);
	gf_u32 sign = (b >> 16) & 0x8000u;
	int exp = (int)((b >> 23) & 0xffu);
	gf_u32 mant = b & 0x7fffffu;
	if (exp == 0xff) return (gf_u16)(sign | (mant ? 0x7e00u : 0x7c00u));
	if (exp > 127 + 15) return (gf_u16)(sign | 0x7c00u);
	if (exp >= 127 - 14) {
		gf_u32 h = (gf_u32)(exp - 127 + 15) << 10 | (mant >> 13);
		gf_u32 rest = mant & 0x1fffu;
		if (rest > 0x1000u || (rest == 0x1000u && (h & 1u))) h++;
		return (gf_u16)(sign | h);
	}
	if (exp >= 127 - 25) {
		gf_u32 m = mant | 0x800000u;
		gf_u32 shift = (gf_u32)(126 - exp);
		gf_u32 h = m >> shift;
		gf_u32 rest = m & ((1u << shift) - 1u);
		gf_u32 half = 1u << (shift - 1u);
		if (rest > half || (rest == half && (h & 1u))) h++;
		return (gf_u16)(sign | h);
	}
	return (gf_u16)sign;
}

GF_DEV float gf_f16_to_f32(gf_u16 h) {
	gf_u32 sign = (gf_u32)(h & 0x8000u) << 16;
	gf_u32 exp = (h >> 10) & 0x1fu;
	gf_u32 mant = h & 0x3ffu;
	if (exp == 0) {
		if (mant == 0) return gf_u2f(sign);
		float f = (float)mant * (1.0f / 16777216.0f);
		return sign ? -f : f;
	}
	if (exp == 0x1f) return gf_u2f(sign | 0x7f800000u | mant << 13);
	return gf_u2f(sign | (exp + 127u - 15u) << 23 | mant << 13);
}

GF_DEV gf_u16 gf_f32_to_bf16(float f) {
	gf_u32 b = gf_f2u(f);
	if ((b & 0x7fffffffu) > 0x7f800000u) return (gf_u16)((b >> 16) | 0x40u);
	b += 0x7fffu + ((b >> 16) & 1u);
	return (gf_u16)(b >> 16);
}

GF_DEV float gf_bf16_to_f32(gf_u16 h) { return gf_u2f((gf_u32)h << 16); }

// ---------------------------------------------------------------------------
// Philox4x32-10 (Salmon et al., "Parallel random numbers: as easy as 1, 2,
// 3", SC 2011), the counter-based generator of tensor.Backend's RandomFill
// and Dropout.

struct gf_philox_out {
	gf_u32 w[4];
};

GF_DEV gf_philox_out gf_philox4x32_10(gf_u32 c0, gf_u32 c1, gf_u32 c2, gf_u32 c3, gf_u32 k0, gf_u32 k1) {
	for (int r = 0; r < 10; r++) {
		if (r > 0) {
			k0 += 0x9E3779B9u;
			k1 += 0xBB67AE85u;
		}
		gf_u64 p0 = (gf_u64)0xD2511F53u * c0;
		gf_u64 p1 = (gf_u64)0xCD9E8D57u * c2;
		gf_u32 hi0 = (gf_u32)(p0 >> 32), lo0 = (gf_u32)p0;
		gf_u32 hi1 = (gf_u32)(p1 >> 32), lo1 = (gf_u32)p1;
		gf_u32 n0 = hi1 ^ c1 ^ k0;
		gf_u32 n2 = hi0 ^ c3 ^ k1;
		c0 = n0;
		c1 = lo1;
		c2 = n2;
		c3 = lo0;
	}
	gf_philox_out o;
	o.w[0] = c0;
	o.w[1] = c1;
	o.w[2] = c2;
	o.w[3] = c3;
	return o;
}

// gf_philox_pick returns word i of an output without indexing the array
// (which would put it in local memory).
GF_DEV gf_u32 gf_philox_pick(const gf_philox_out &o, int i) {
	return i == 0 ? o.w[0] : i == 1 ? o.w[1] : i == 2 ? o.w[2] : o.w[3];
}

// gf_philox_word returns the 32-bit word of counter position e for seed.
GF_DEV gf_u32 gf_philox_word(gf_u64 seed, gf_u64 e) {
	gf_u64 q = e >> 2;
	gf_philox_out o = gf_philox4x32_10((gf_u32)q, (gf_u32)(q >> 32), 0u, 0u, (gf_u32)seed, (gf_u32)(seed >> 32));
	return gf_philox_pick(o, (int)(e & 3u));
}

// ---------------------------------------------------------------------------
// Thread indexing.

GF_DEV gf_u64 gf_global_id() { return (gf_u64)blockIdx.x * blockDim.x + threadIdx.x; }
GF_DEV gf_u64 gf_grid_size() { return (gf_u64)gridDim.x * blockDim.x; }

// ---------------------------------------------------------------------------
// Strided layouts. A layout walks N operands of one shape together: the
// element with row-major index i of operand k is at offset
// Σ_d idx_d(i)·stride[k][d] from the operand's base pointer (which the
// host has already moved to the view's offset). The host coalesces
// dimensions first, so rank is small; it is 1 for contiguous operands.

#define GF_MAX_RANK 8

template <int N>
struct gf_layout {
	gf_i64 n;    // number of elements
	int rank;    // 1..GF_MAX_RANK
	int pad_;    // keeps shape 8-byte aligned
	gf_i64 shape[GF_MAX_RANK];
	gf_i64 stride[N][GF_MAX_RANK];
};

// gf_offsets sets off[k] to operand k's offset of element i.
template <int N>
GF_DEV void gf_offsets(const gf_layout<N> &L, gf_u64 i, gf_i64 *off) {
	int rank = L.rank;
	for (int k = 0; k < N; k++) off[k] = 0;
	if ((gf_u64)L.n <= 0xffffffffull) {
		gf_u32 r = (gf_u32)i;
		for (int d = rank - 1; d > 0; d--) {
			gf_u32 s = (gf_u32)L.shape[d];
			gf_u32 q = r / s;
			gf_u32 c = r - q * s;
			for (int k = 0; k < N; k++) off[k] += (gf_i64)c * L.stride[k][d];
			r = q;
		}
		for (int k = 0; k < N; k++) off[k] += (gf_i64)r * L.stride[k][0];
	} else {
		gf_u64 r = i;
		for (int d = rank - 1; d > 0; d--) {
			gf_u64 s = (gf_u64)L.shape[d];
			gf_u64 q = r / s;
			gf_u64 c = r - q * s;
			for (int k = 0; k < N; k++) off[k] += (gf_i64)c * L.stride[k][d];
			r = q;
		}
		for (int k = 0; k < N; k++) off[k] += (gf_i64)r * L.stride[k][0];
	}
}

// ---------------------------------------------------------------------------
// Warp and block reductions. Blocks are a multiple of 32 threads, at most
// 1024; every thread of the block must call a block reduction.

GF_DEV float gf_shfl_xor(float v, int m) { return gf_u2f(gf_shfl_xor_u32(gf_f2u(v), m)); }
GF_DEV int gf_shfl_xor(int v, int m) { return (int)gf_shfl_xor_u32((gf_u32)v, m); }
GF_DEV double gf_shfl_xor(double v, int m) { return gf_u2d(gf_shfl_xor_u64(gf_d2u(v), m)); }

template <typename T>
GF_DEV T gf_warp_sum(T v) {
	for (int m = 16; m > 0; m >>= 1) v += gf_shfl_xor(v, m);
	return v;
}

// gf_max_nan is max that propagates NaN (the tensor package's ReduceMax).
template <typename T>
GF_DEV T gf_max_nan(T a, T b) {
	if (a != a) return a;
	if (b != b) return b;
	return a > b ? a : b;
}
template <typename T>
GF_DEV T gf_min_nan(T a, T b) {
	if (a != a) return a;
	if (b != b) return b;
	return a < b ? a : b;
}

template <typename T>
GF_DEV T gf_warp_max(T v) {
	for (int m = 16; m > 0; m >>= 1) v = gf_max_nan(v, gf_shfl_xor(v, m));
	return v;
}

// gf_block_sum returns the sum of v over the block to every thread. scratch
// holds 32 values; the call ends with a barrier, so scratch may be reused.
template <typename T>
GF_DEV T gf_block_sum(T v, T *scratch) {
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	int nwarps = (blockDim.x + 31) >> 5;
	v = gf_warp_sum(v);
	if (lane == 0) scratch[warp] = v;
	__syncthreads();
	T t = lane < nwarps ? scratch[lane] : (T)0;
	t = gf_warp_sum(t);
	__syncthreads();
	return t;
}

template <typename T>
GF_DEV T gf_block_max(T v, T *scratch, T identity) {
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5;
	int nwarps = (blockDim.x + 31) >> 5;
	v = gf_warp_max(v);
	if (lane == 0) scratch[warp] = v;
	__syncthreads();
	T t = lane < nwarps ? scratch[lane] : identity;
	t = gf_warp_max(t);
	__syncthreads();
	return t;
}

// ---------------------------------------------------------------------------
// Device-side error reporting: kernels that find bad input (an index out
// of range) record the first error in a word the host reads at the next
// synchronisation point.

GF_DEV void gf_report(int *err, int code) {
	if (err) gf_atomic_cas(err, 0, code);
}

#include "gf_math.cuh"
