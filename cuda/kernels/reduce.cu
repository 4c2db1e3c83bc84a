// reduce.cu: tensor.Backend's Reduce. x is [rows..., R...]; each output
// element reduces one block of R elements. The state of a partial
// reduction is four doubles (accumulated in double, as on the CPU), which
// lets one code path serve four launch shapes:
//
//   - a warp per row (the common case: rows of moderate length);
//   - a block per row (long rows);
//   - a thread per row (column reductions: rows adjacent in memory, the
//     reduced elements far apart);
//   - any of these on a slice of R (grid.y splits), writing partial states
//     that gf_reduce_finish combines, so that few long rows still fill the
//     GPU. Splits are fixed by the shapes, so results are deterministic.
#include "prelude.cuh"

enum { R_SUM, R_MEAN, R_MAX, R_MIN, R_ARGMAX, R_ARGMIN, R_VAR, R_LSE };

struct rstate {
	double a, b, c; // sum | value | count, mean, M2 | max, sum of exp
	double idx;     // arg index, -1 when the state is empty
};

GF_DEV rstate rs_empty(int op) {
	rstate s;
	s.a = 0.0;
	s.b = 0.0;
	s.c = 0.0;
	s.idx = -1.0;
	if (op == R_LSE) s.a = -gf_inf();
	return s;
}

// rs_better reports whether (v, i) beats the state's current extreme for
// ArgMax (max) or ArgMin: NaN beats everything but an earlier NaN, ties go
// to the lower index.
GF_DEV bool rs_better(bool mx, double v, double i, double bv, double bi) {
	if (bi < 0.0) return true;
	bool vn = v != v, bn = bv != bv;
	if (vn || bn) {
		if (vn && bn) return i < bi;
		return vn;
	}
	if (v == bv) return i < bi;
	return mx ? v > bv : v < bv;
}

GF_DEV void rs_add(int op, rstate &s, double x, double i) {
	switch (op) {
	case R_SUM:
	case R_MEAN: s.a += x; break;
	case R_MAX:
	case R_MIN:
		if (s.idx < 0.0) {
			s.a = x;
			s.idx = 0.0;
		} else if (s.a == s.a) {
			if (x != x || (op == R_MAX ? x > s.a : x < s.a)) s.a = x;
		}
		break;
	case R_ARGMAX:
	case R_ARGMIN:
		if (rs_better(op == R_ARGMAX, x, i, s.a, s.idx)) {
			s.a = x;
			s.idx = i;
		}
		break;
	case R_VAR: {
		s.a += 1.0;
		double d = x - s.b;
		s.b += d / s.a;
		s.c += d * (x - s.b);
		break;
	}
	default: // R_LSE: a = running max, b = Σ e^(x - a)
		if (s.a != s.a) break;
		if (x != x) {
			s.a = x;
		} else if (x > s.a) {
			s.b = s.b * gf_exp(s.a - x) + 1.0;
			s.a = x;
		} else if (x != -gf_inf() && s.a != gf_inf()) {
			s.b += gf_exp(x - s.a);
		}
		break;
	}
}

GF_DEV rstate rs_combine(int op, rstate s, rstate t) {
	switch (op) {
	case R_SUM:
	case R_MEAN: s.a += t.a; return s;
	case R_MAX:
	case R_MIN:
		if (t.idx < 0.0) return s;
		if (s.idx < 0.0) return t;
		if (s.a != s.a) return s;
		if (t.a != t.a) return t;
		if (op == R_MAX ? t.a > s.a : t.a < s.a) s.a = t.a;
		return s;
	case R_ARGMAX:
	case R_ARGMIN:
		if (t.idx >= 0.0 && rs_better(op == R_ARGMAX, t.a, t.idx, s.a, s.idx)) return t;
		return s;
	case R_VAR: {
		if (t.a == 0.0) return s;
		if (s.a == 0.0) return t;
		double n = s.a + t.a, d = t.b - s.b;
		s.c = s.c + t.c + d * d * (s.a * t.a / n);
		s.b = s.b + d * (t.a / n);
		s.a = n;
		return s;
	}
	default: {
		if (s.a != s.a) return s;
		if (t.a != t.a) return t;
		double m = s.a > t.a ? s.a : t.a;
		if (m == -gf_inf() || m == gf_inf()) {
			s.a = m;
			return s;
		}
		s.b = s.b * gf_exp(s.a - m) + t.b * gf_exp(t.a - m);
		s.a = m;
		return s;
	}
	}
}

GF_DEV double rs_final(int op, const rstate &s, double n, double p) {
	switch (op) {
	case R_SUM: return s.a;
	case R_MEAN: return s.a / n;
	case R_MAX:
	case R_MIN: return s.idx < 0.0 ? gf_nan() : s.a;
	case R_ARGMAX:
	case R_ARGMIN: return s.idx < 0.0 ? 0.0 : s.idx;
	case R_VAR: return s.c / (n - p);
	default:
		if (s.a != s.a || s.a == gf_inf() || s.a == -gf_inf()) return s.a;
		return s.a + gf_log(s.b);
	}
}

GF_DEV rstate rs_shfl(rstate s, int m) {
	s.a = gf_shfl_xor(s.a, m);
	s.b = gf_shfl_xor(s.b, m);
	s.c = gf_shfl_xor(s.c, m);
	s.idx = gf_shfl_xor(s.idx, m);
	return s;
}

GF_DEV rstate rs_warp(int op, rstate s) {
	for (int m = 1; m < 32; m <<= 1) {
		rstate o = rs_shfl(s, m);
		// Combine in lane order, so that ties resolve the same in every lane.
		int lane = threadIdx.x & 31;
		s = (lane & m) ? rs_combine(op, o, s) : rs_combine(op, s, o);
	}
	return s;
}

template <typename T>
GF_DEV double rs_load(const T *x, gf_i64 off) { return (double)x[off]; }

// The output: ArgMax/ArgMin write int32, the rest x's dtype.
GF_DEV void rs_put(float *d, double v) { *d = (float)v; }
GF_DEV void rs_put(double *d, double v) { *d = v; }
GF_DEV void rs_put(int *d, double v) { *d = gf_cast_i32(v); }

template <typename T>
GF_DEV void rs_store(void *dst, gf_u64 row, int op, double v) {
	if (op == R_ARGMAX || op == R_ARGMIN) ((int *)dst)[row] = (int)v;
	else rs_put((T *)dst + row, v);
}

// gf_inner_offset returns the offset of element r of the reduced block.
GF_DEV gf_i64 gf_inner_offset(const gf_layout<1> &I, gf_u64 r) {
	if (I.rank == 1) return (gf_i64)r * I.stride[0][0];
	gf_i64 off[1];
	gf_offsets(I, r, off);
	return off[0];
}

GF_DEV gf_i64 gf_row_offset(const gf_layout<1> &O, gf_u64 row) {
	gf_i64 off[1];
	gf_offsets(O, row, off);
	return off[0];
}

// rs_out writes a finished row, or its partial state when R is split.
template <typename T>
GF_DEV void rs_out(void *dst, double *partial, gf_u64 row, gf_u64 rows, int op, const rstate &s, double n, double p) {
	if (gridDim.y == 1) {
		rs_store<T>(dst, row, op, rs_final(op, s, n, p));
	} else {
		double *q = partial + 4 * (blockIdx.y * rows + row);
		q[0] = s.a;
		q[1] = s.b;
		q[2] = s.c;
		q[3] = s.idx;
	}
}

GF_DEV void rs_range(gf_u64 R, gf_u64 *lo, gf_u64 *hi) {
	gf_u64 chunk = (R + gridDim.y - 1) / gridDim.y;
	*lo = blockIdx.y * chunk;
	*hi = *lo + chunk < R ? *lo + chunk : R;
}

// Warp per row: blockDim.x/32 rows per block.
template <typename T>
GF_DEV void reduce_warp(const gf_layout<1> &O, const gf_layout<1> &I, void *dst, const T *x, double *partial, int op, double p) {
	gf_u64 rows = (gf_u64)O.n, R = (gf_u64)I.n;
	gf_u64 lo, hi;
	rs_range(R, &lo, &hi);
	int lane = threadIdx.x & 31;
	gf_u64 warps = (gf_u64)gridDim.x * (blockDim.x >> 5);
	for (gf_u64 row = (gf_u64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5); row < rows; row += warps) {
		gf_i64 base = gf_row_offset(O, row);
		rstate s = rs_empty(op);
		for (gf_u64 r = lo + lane; r < hi; r += 32) rs_add(op, s, rs_load(x, base + gf_inner_offset(I, r)), (double)r);
		s = rs_warp(op, s);
		if (lane == 0) rs_out<T>(dst, partial, row, rows, op, s, (double)R, p);
	}
}

// Block per row.
template <typename T>
GF_DEV void reduce_block(const gf_layout<1> &O, const gf_layout<1> &I, void *dst, const T *x, double *partial, int op, double p) {
	__shared__ rstate scratch[32];
	gf_u64 rows = (gf_u64)O.n, R = (gf_u64)I.n;
	gf_u64 lo, hi;
	rs_range(R, &lo, &hi);
	int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, nwarps = blockDim.x >> 5;
	for (gf_u64 row = blockIdx.x; row < rows; row += gridDim.x) {
		gf_i64 base = gf_row_offset(O, row);
		rstate s = rs_empty(op);
		for (gf_u64 r = lo + threadIdx.x; r < hi; r += blockDim.x) rs_add(op, s, rs_load(x, base + gf_inner_offset(I, r)), (double)r);
		s = rs_warp(op, s);
		if (lane == 0) scratch[warp] = s;
		__syncthreads();
		if (warp == 0) {
			s = lane < nwarps ? scratch[lane] : rs_empty(op);
			s = rs_warp(op, s);
			if (lane == 0) rs_out<T>(dst, partial, row, rows, op, s, (double)R, p);
		}
		__syncthreads();
	}
}

// Thread per row, walking its slice of R in order.
template <typename T>
GF_DEV void reduce_thread(const gf_layout<1> &O, const gf_layout<1> &I, void *dst, const T *x, double *partial, int op, double p) {
	gf_u64 rows = (gf_u64)O.n, R = (gf_u64)I.n;
	gf_u64 lo, hi;
	rs_range(R, &lo, &hi);
	for (gf_u64 row = gf_global_id(); row < rows; row += gf_grid_size()) {
		gf_i64 base = gf_row_offset(O, row);
		rstate s = rs_empty(op);
		for (gf_u64 r = lo; r < hi; r++) rs_add(op, s, rs_load(x, base + gf_inner_offset(I, r)), (double)r);
		rs_out<T>(dst, partial, row, rows, op, s, (double)R, p);
	}
}

// gf_reduce_finish combines the splits' partial states of each row in
// split order.
template <typename T>
GF_DEV void reduce_finish(void *dst, const double *partial, gf_i64 rows, int splits, int op, double n, double p) {
	for (gf_u64 row = gf_global_id(); row < (gf_u64)rows; row += gf_grid_size()) {
		rstate s = rs_empty(op);
		for (int k = 0; k < splits; k++) {
			const double *q = partial + 4 * ((gf_u64)k * (gf_u64)rows + row);
			rstate t;
			t.a = q[0];
			t.b = q[1];
			t.c = q[2];
			t.idx = q[3];
			s = rs_combine(op, s, t);
		}
		rs_store<T>(dst, row, op, rs_final(op, s, n, p));
	}
}

#define REDUCE_KERNELS(SUF, T)                                                                                                \
	extern "C" __global__ void gf_reduce_warp_##SUF(gf_layout<1> O, gf_layout<1> I, void *dst, const T *x, double *partial,    \
	                                                int op, double p) {                                                        \
		reduce_warp<T>(O, I, dst, x, partial, op, p);                                                                     \
	}                                                                                                                         \
	extern "C" __global__ void gf_reduce_block_##SUF(gf_layout<1> O, gf_layout<1> I, void *dst, const T *x, double *partial,   \
	                                                 int op, double p) {                                                       \
		reduce_block<T>(O, I, dst, x, partial, op, p);                                                                    \
	}                                                                                                                         \
	extern "C" __global__ void gf_reduce_thread_##SUF(gf_layout<1> O, gf_layout<1> I, void *dst, const T *x, double *partial,  \
	                                                  int op, double p) {                                                      \
		reduce_thread<T>(O, I, dst, x, partial, op, p);                                                                   \
	}                                                                                                                         \
	extern "C" __global__ void gf_reduce_finish_##SUF(void *dst, const double *partial, gf_i64 rows, int splits, int op,      \
	                                                  double n, double p) {                                                    \
		reduce_finish<T>(dst, partial, rows, splits, op, n, p);                                                           \
	}

REDUCE_KERNELS(f32, float)
REDUCE_KERNELS(f64, double)
REDUCE_KERNELS(i32, int)
