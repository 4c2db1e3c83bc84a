// copy.cu: strided copies, fills and dtype conversions (tensor.Backend's
// Copy, Fill and Cast). Copies and fills move raw elements of 2, 4 or 8
// bytes, so one kernel serves every dtype of that size.
#include "prelude.cuh"

template <typename T>
GF_DEV void copy_strided(const gf_layout<2> &L, T *dst, const T *src) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[2];
		gf_offsets(L, i, off);
		dst[off[0]] = src[off[1]];
	}
}

extern "C" __global__ void gf_copy_u16(gf_layout<2> L, gf_u16 *dst, const gf_u16 *src) { copy_strided(L, dst, src); }
extern "C" __global__ void gf_copy_u32(gf_layout<2> L, gf_u32 *dst, const gf_u32 *src) { copy_strided(L, dst, src); }
extern "C" __global__ void gf_copy_u64(gf_layout<2> L, gf_u64 *dst, const gf_u64 *src) { copy_strided(L, dst, src); }

template <typename T>
GF_DEV void fill_strided(const gf_layout<1> &L, T *dst, T v) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[1];
		gf_offsets(L, i, off);
		dst[off[0]] = v;
	}
}

extern "C" __global__ void gf_fill_u16(gf_layout<1> L, gf_u16 *dst, gf_u32 v) { fill_strided(L, dst, (gf_u16)v); }
extern "C" __global__ void gf_fill_u32(gf_layout<1> L, gf_u32 *dst, gf_u32 v) { fill_strided(L, dst, v); }
extern "C" __global__ void gf_fill_u64(gf_layout<1> L, gf_u64 *dst, gf_u64 v) { fill_strided(L, dst, v); }

// Cast: the dtype codes are those of tensor.DType.
enum { DT_F32 = 0, DT_F64 = 1, DT_I32 = 2, DT_F16 = 3, DT_BF16 = 4 };

// load_as_double reads an element exactly (every dtype fits a double).
GF_DEV double load_as_double(const void *p, gf_i64 off, int dt) {
	switch (dt) {
	case DT_F32: return (double)((const float *)p)[off];
	case DT_F64: return ((const double *)p)[off];
	case DT_I32: return (double)((const int *)p)[off];
	case DT_F16: return (double)gf_f16_to_f32(((const gf_u16 *)p)[off]);
	default: return (double)gf_bf16_to_f32(((const gf_u16 *)p)[off]);
	}
}

// round_to_odd32 converts x to float32 by truncation, setting the last bit
// when inexact, so that a second rounding to a half type is correct (the
// CPU backend's roundToOdd32).
GF_DEV float round_to_odd32(double x) {
	float f = (float)x;
	if ((double)f == x || x != x || f == gf_inff() || f == -gf_inff()) return f;
	gf_u32 b = gf_f2u(f);
	if (gf_fabs((double)f) > gf_fabs(x)) b -= 1; // toward zero
	return gf_u2f(b | 1u);
}

// store_from_double converts as the CPU backend does: one correct rounding
// for every target (through float32 rounded to odd for the half types),
// truncation toward zero for Int32.
GF_DEV void store_from_double(void *p, gf_i64 off, int dt, double v) {
	switch (dt) {
	case DT_F32: ((float *)p)[off] = (float)v; break;
	case DT_F64: ((double *)p)[off] = v; break;
	case DT_I32: ((int *)p)[off] = gf_cast_i32(v); break;
	case DT_F16: ((gf_u16 *)p)[off] = gf_f32_to_f16(round_to_odd32(v)); break;
	default: ((gf_u16 *)p)[off] = gf_f32_to_bf16(round_to_odd32(v)); break;
	}
}

extern "C" __global__ void gf_cast(gf_layout<2> L, void *dst, const void *src, int dst_dtype, int src_dtype) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[2];
		gf_offsets(L, i, off);
		store_from_double(dst, off[0], dst_dtype, load_as_double(src, off[1], src_dtype));
	}
}
