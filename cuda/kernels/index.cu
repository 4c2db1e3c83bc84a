// index.cu: tensor.Backend's IndexSelect (gather along the middle
// dimension, e.g. embedding lookup) and IndexAdd (its gradient).
#include "prelude.cuh"

// gf_idx3 describes [outer, rows, inner] operands: the output's and the
// source's shapes and strides, and the index's length and stride.
struct gf_idx3 {
	gf_i64 outer, k, inner; // the shape iterated: [outer, k, inner]
	gf_i64 n;               // rows of the indexed operand
	gf_i64 ds[3];           // strides of the written operand
	gf_i64 ss[3];           // strides of the read operand
	gf_i64 is;              // stride of the index
};

GF_DEV void report_index(int *err, gf_i64 pos, int value) {
	if (err && gf_atomic_cas(err, 0, 1) == 0) {
		err[1] = (int)pos;
		err[2] = value;
	}
}

// IndexSelect: dst[o, i, j] = x[o, index[i], j]; dst is [outer, k, inner].
template <typename T>
GF_DEV void index_select(const gf_idx3 &S, T *dst, const T *x, const int *index, int *err) {
	gf_u64 total = (gf_u64)S.outer * (gf_u64)S.k * (gf_u64)S.inner;
	for (gf_u64 e = gf_global_id(); e < total; e += gf_grid_size()) {
		gf_u64 j = e % (gf_u64)S.inner, r = e / (gf_u64)S.inner;
		gf_u64 i = r % (gf_u64)S.k, o = r / (gf_u64)S.k;
		int v = index[(gf_i64)i * S.is];
		if (v < 0 || (gf_i64)v >= S.n) {
			if (j == 0) report_index(err, (gf_i64)i, v);
			continue;
		}
		dst[(gf_i64)o * S.ds[0] + (gf_i64)i * S.ds[1] + (gf_i64)j * S.ds[2]] =
		    x[(gf_i64)o * S.ss[0] + (gf_i64)v * S.ss[1] + (gf_i64)j * S.ss[2]];
	}
}

extern "C" __global__ void gf_index_select_u16(gf_idx3 S, gf_u16 *dst, const gf_u16 *x, const int *index, int *err) { index_select(S, dst, x, index, err); }
extern "C" __global__ void gf_index_select_u32(gf_idx3 S, gf_u32 *dst, const gf_u32 *x, const int *index, int *err) { index_select(S, dst, x, index, err); }
extern "C" __global__ void gf_index_select_u64(gf_idx3 S, gf_u64 *dst, const gf_u64 *x, const int *index, int *err) { index_select(S, dst, x, index, err); }

// IndexAdd, deterministically and in the CPU's order: the host groups the
// index positions by destination row (rows[u] receives the source rows
// perm[start[u]] ... perm[start[u+1]-1], in index order), and each thread
// owns one destination element, adding its sources one by one.
// S.k is the number of distinct rows here.
GF_DEV float add_elem(float a, float b) { return a + b; }
GF_DEV double add_elem(double a, double b) { return a + b; }
GF_DEV int add_elem(int a, int b) { return (int)((gf_u32)a + (gf_u32)b); }

template <typename T>
GF_DEV void index_add(const gf_idx3 &S, T *dst, const T *src, const int *rows, const int *start, const int *perm) {
	gf_u64 total = (gf_u64)S.outer * (gf_u64)S.k * (gf_u64)S.inner;
	for (gf_u64 e = gf_global_id(); e < total; e += gf_grid_size()) {
		gf_u64 j = e % (gf_u64)S.inner, r = e / (gf_u64)S.inner;
		gf_u64 u = r % (gf_u64)S.k, o = r / (gf_u64)S.k;
		T *d = dst + (gf_i64)o * S.ds[0] + (gf_i64)rows[u] * S.ds[1] + (gf_i64)j * S.ds[2];
		T acc = *d;
		for (int p = start[u]; p < start[u + 1]; p++)
			acc = add_elem(acc, src[(gf_i64)o * S.ss[0] + (gf_i64)perm[p] * S.ss[1] + (gf_i64)j * S.ss[2]]);
		*d = acc;
	}
}

extern "C" __global__ void gf_index_add_f32(gf_idx3 S, float *dst, const float *src, const int *rows, const int *start, const int *perm) { index_add(S, dst, src, rows, start, perm); }
extern "C" __global__ void gf_index_add_f64(gf_idx3 S, double *dst, const double *src, const int *rows, const int *start, const int *perm) { index_add(S, dst, src, rows, start, perm); }
extern "C" __global__ void gf_index_add_i32(gf_idx3 S, int *dst, const int *src, const int *rows, const int *start, const int *perm) { index_add(S, dst, src, rows, start, perm); }
