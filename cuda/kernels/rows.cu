// rows.cu: the ops that work row by row along the last dimension —
// Softmax, LogSoftmax and their gradient, CrossEntropy and its gradient,
// LayerNorm and RMSNorm forward and backward. A row is handled by one warp
// (rows of up to 1024 elements) or by one block (longer rows); statistics
// accumulate in double, as on the CPU.
#include "prelude.cuh"

// gf_rows<N>: N operands whose rows are indexed by a layout over the row
// dimensions; inner[k] is operand k's stride along the row, d the row
// length. Per-row statistics (mean, rstd, loss) are operands with inner
// stride 0.
template <int N>
struct gf_rows {
	gf_layout<N> O;
	gf_i64 inner[N];
	gf_i64 d;
};

// A row group: a warp (per_warp) or the whole block.
struct group {
	bool per_warp;
	int lane, size;
};

GF_DEV group make_group(bool per_warp) {
	group g;
	g.per_warp = per_warp;
	g.lane = per_warp ? (int)(threadIdx.x & 31) : (int)threadIdx.x;
	g.size = per_warp ? 32 : (int)blockDim.x;
	return g;
}

GF_DEV gf_u64 first_row(const group &g) { return g.per_warp ? (gf_u64)blockIdx.x * (blockDim.x >> 5) + (threadIdx.x >> 5) : blockIdx.x; }
GF_DEV gf_u64 row_step(const group &g) { return g.per_warp ? (gf_u64)gridDim.x * (blockDim.x >> 5) : gridDim.x; }

// gsum and gmax reduce over the group and return the result to all of it.
GF_DEV double gsum(const group &g, double v, double *scratch) {
	if (g.per_warp) return gf_warp_sum(v);
	return gf_block_sum(v, scratch);
}

GF_DEV double gmax(const group &g, double v, double *scratch) {
	if (g.per_warp) return gf_warp_max(v);
	return gf_block_max(v, scratch, -gf_inf());
}

// Row loops run to the same bound in every thread of a block, so that the
// barriers inside the reductions are reached by all.
#define FOR_ROWS(g, rows, row) for (gf_u64 row##_base = first_row(g); row##_base < (g.per_warp ? rows : ((rows + gridDim.x - 1) / gridDim.x) * gridDim.x); row##_base += row_step(g))

// ---------------------------------------------------------------------------
// Softmax. Operands: dst, x.

GF_DEV double ex(float v) { return (double)gf_expf(v); }
GF_DEV double ex(double v) { return gf_exp(v); }

// max_nan folds v into m as the CPU does: NaN sticks.
GF_DEV double max_nan(double m, double v) { return (v > m || v != v || m != m) ? (m != m ? m : v) : m; }

template <typename T>
GF_DEV void softmax_rows(const gf_rows<2> &L, T *dst, const T *x, int log, bool per_warp) {
	__shared__ double scratch[32];
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, sd = L.inner[0], sx = L.inner[1];
	FOR_ROWS(g, rows, row) {
		gf_u64 row = row_base;
		bool live = row < rows;
		gf_i64 off[2] = {0, 0};
		if (live) gf_offsets(L.O, row, off);
		double m = -gf_inf();
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) m = max_nan(m, (double)x[off[1] + i * sx]);
		m = gmax(g, m, scratch);
		double s = 0.0;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) s += ex((T)((double)x[off[1] + i * sx] - m));
		s = gsum(g, s, scratch);
		if (live) {
			if (log) {
				double c = m + gf_log(s);
				for (gf_i64 i = g.lane; i < d; i += g.size) dst[off[0] + i * sd] = (T)((double)x[off[1] + i * sx] - c);
			} else {
				double inv = 1.0 / s;
				for (gf_i64 i = g.lane; i < d; i += g.size) dst[off[0] + i * sd] = (T)(ex((T)((double)x[off[1] + i * sx] - m)) * inv);
			}
		}
	}
}

// SoftmaxGrad. Operands: dx, y, dy.
template <typename T>
GF_DEV void softmax_grad_rows(const gf_rows<3> &L, T *dx, const T *y, const T *dy, int log, bool per_warp) {
	__shared__ double scratch[32];
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, s0 = L.inner[0], s1 = L.inner[1], s2 = L.inner[2];
	FOR_ROWS(g, rows, row) {
		gf_u64 row = row_base;
		bool live = row < rows;
		gf_i64 off[3] = {0, 0, 0};
		if (live) gf_offsets(L.O, row, off);
		double s = 0.0;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double gi = (double)dy[off[2] + i * s2];
				s += log ? gi : gi * (double)y[off[1] + i * s1];
			}
		s = gsum(g, s, scratch);
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double gi = (double)dy[off[2] + i * s2], yi = (double)y[off[1] + i * s1];
				dx[off[0] + i * s0] = log ? (T)(gi - gf_exp(yi) * s) : (T)(yi * (gi - s));
			}
	}
}

// ---------------------------------------------------------------------------
// CrossEntropy. Operands: logits, loss, lse, target (the last three with
// inner stride 0). err receives the first bad target: code 1, then the row
// and the value.

GF_DEV void report_index(int *err, int code, gf_i64 pos, int value) {
	if (err && gf_atomic_cas(err, 0, code) == 0) {
		err[1] = (int)pos;
		err[2] = value;
	}
}

template <typename T>
GF_DEV double lse_row(const group &g, const T *x, gf_i64 d, gf_i64 sx, bool live, double *scratch) {
	double m = -gf_inf();
	if (live)
		for (gf_i64 i = g.lane; i < d; i += g.size) m = max_nan(m, (double)x[i * sx]);
	m = gmax(g, m, scratch);
	double s = 0.0;
	bool special = m != m || m == gf_inf() || m == -gf_inf();
	if (live && !special)
		for (gf_i64 i = g.lane; i < d; i += g.size) s += ex((T)((double)x[i * sx] - m));
	s = gsum(g, s, scratch);
	return special ? m : m + gf_log(s);
}

template <typename T>
GF_DEV void cross_entropy_rows(const gf_rows<4> &L, const T *logits, T *loss, T *lse, const int *target, int ignore, double eps,
                               int *err, bool per_warp) {
	__shared__ double scratch[32];
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, sx = L.inner[0];
	FOR_ROWS(g, rows, row) {
		gf_u64 row = row_base;
		bool live = row < rows;
		gf_i64 off[4] = {0, 0, 0, 0};
		if (live) gf_offsets(L.O, row, off);
		const T *x = logits + off[0];
		double e = lse_row(g, x, d, sx, live, scratch);
		double sum = 0.0;
		if (eps != 0.0) {
			if (live)
				for (gf_i64 i = g.lane; i < d; i += g.size) sum += (double)x[i * sx];
			sum = gsum(g, sum, scratch);
		}
		if (live && g.lane == 0) {
			int t = target[off[3]];
			lse[off[2]] = (T)e;
			if (t == ignore) {
				loss[off[1]] = (T)0;
			} else if (t < 0 || (gf_i64)t >= d) {
				report_index(err, 1, (gf_i64)row, t);
				loss[off[1]] = (T)gf_nan();
			} else {
				double l = (1.0 - eps) * (e - (double)x[t * sx]);
				if (eps != 0.0) l += eps * (e - sum / (double)d);
				loss[off[1]] = (T)l;
			}
		}
	}
}

// CrossEntropyGrad. Operands: dlogits, logits, target, lse, dloss.
template <typename T>
GF_DEV void cross_entropy_grad_rows(const gf_rows<5> &L, T *dlogits, const T *logits, const int *target, const T *lse,
                                    const T *dloss, int ignore, double eps, int *err, bool per_warp) {
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, sd = L.inner[0], sx = L.inner[1];
	for (gf_u64 row = first_row(g); row < rows; row += row_step(g)) {
		gf_i64 off[5];
		gf_offsets(L.O, row, off);
		int t = target[off[2]];
		T *dx = dlogits + off[0];
		const T *x = logits + off[1];
		if (t == ignore) {
			for (gf_i64 i = g.lane; i < d; i += g.size) dx[i * sd] = (T)0;
			continue;
		}
		if (t < 0 || (gf_i64)t >= d) {
			if (g.lane == 0) report_index(err, 1, (gf_i64)row, t);
			for (gf_i64 i = g.lane; i < d; i += g.size) dx[i * sd] = (T)gf_nan();
			continue;
		}
		double e = (double)lse[off[3]], gr = (double)dloss[off[4]], u = eps / (double)d;
		T hit = (T)(gr * (1.0 - eps));
		for (gf_i64 i = g.lane; i < d; i += g.size) {
			T v = (T)(gr * (ex((T)((double)x[i * sx] - e)) - u));
			if (i == t) v -= hit;
			dx[i * sd] = v;
		}
	}
}

// ---------------------------------------------------------------------------
// LayerNorm. Operands: y, x, mean, rstd. w and b are [d] with strides ws,
// bs, or null.

template <typename T>
GF_DEV void layer_norm_rows(const gf_rows<4> &L, T *y, const T *x, T *mean, T *rstd, const T *w, gf_i64 ws, const T *b, gf_i64 bs,
                            double eps, bool per_warp) {
	__shared__ double scratch[32];
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, sy = L.inner[0], sx = L.inner[1];
	FOR_ROWS(g, rows, row) {
		gf_u64 row = row_base;
		bool live = row < rows;
		gf_i64 off[4] = {0, 0, 0, 0};
		if (live) gf_offsets(L.O, row, off);
		double s = 0.0;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) s += (double)x[off[1] + i * sx];
		s = gsum(g, s, scratch);
		double mu = s / (double)d;
		double q = 0.0;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double t = (double)x[off[1] + i * sx] - mu;
				q += t * t;
			}
		q = gsum(g, q, scratch);
		double r = 1.0 / gf_sqrt(q / (double)d + eps);
		if (live) {
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double v = ((double)x[off[1] + i * sx] - mu) * r;
				if (w) v *= (double)w[i * ws];
				if (b) v += (double)b[i * bs];
				y[off[0] + i * sy] = (T)v;
			}
			if (g.lane == 0) {
				mean[off[2]] = (T)mu;
				rstd[off[3]] = (T)r;
			}
		}
	}
}

// LayerNormGrad's dx. Operands: dx, x, dy, mean, rstd.
template <typename T>
GF_DEV void layer_norm_grad_rows(const gf_rows<5> &L, T *dx, const T *x, const T *dy, const T *mean, const T *rstd, const T *w, gf_i64 ws,
                                 bool per_warp) {
	__shared__ double scratch[32];
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, s0 = L.inner[0], s1 = L.inner[1], s2 = L.inner[2];
	FOR_ROWS(g, rows, row) {
		gf_u64 row = row_base;
		bool live = row < rows;
		gf_i64 off[5] = {0, 0, 0, 0, 0};
		if (live) gf_offsets(L.O, row, off);
		double mu = live ? (double)mean[off[3]] : 0.0, r = live ? (double)rstd[off[4]] : 0.0;
		double sg = 0.0, sgx = 0.0;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double gw = (double)dy[off[2] + i * s2];
				if (w) gw *= (double)w[i * ws];
				sg += gw;
				sgx += gw * ((double)x[off[1] + i * s1] - mu) * r;
			}
		sg = gsum(g, sg, scratch) / (double)d;
		sgx = gsum(g, sgx, scratch) / (double)d;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double gw = (double)dy[off[2] + i * s2];
				if (w) gw *= (double)w[i * ws];
				double xh = ((double)x[off[1] + i * s1] - mu) * r;
				dx[off[0] + i * s0] = (T)(r * (gw - sg - xh * sgx));
			}
	}
}

// RMSNorm. Operands: y, x, rstd.
template <typename T>
GF_DEV void rms_norm_rows(const gf_rows<3> &L, T *y, const T *x, T *rstd, const T *w, gf_i64 ws, double eps, bool per_warp) {
	__shared__ double scratch[32];
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, sy = L.inner[0], sx = L.inner[1];
	FOR_ROWS(g, rows, row) {
		gf_u64 row = row_base;
		bool live = row < rows;
		gf_i64 off[3] = {0, 0, 0};
		if (live) gf_offsets(L.O, row, off);
		double q = 0.0;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double v = (double)x[off[1] + i * sx];
				q += v * v;
			}
		q = gsum(g, q, scratch);
		double r = 1.0 / gf_sqrt(q / (double)d + eps);
		if (live) {
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double v = (double)x[off[1] + i * sx] * r;
				if (w) v *= (double)w[i * ws];
				y[off[0] + i * sy] = (T)v;
			}
			if (g.lane == 0) rstd[off[2]] = (T)r;
		}
	}
}

// RMSNormGrad's dx. Operands: dx, x, dy, rstd.
template <typename T>
GF_DEV void rms_norm_grad_rows(const gf_rows<4> &L, T *dx, const T *x, const T *dy, const T *rstd, const T *w, gf_i64 ws, bool per_warp) {
	__shared__ double scratch[32];
	group g = make_group(per_warp);
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, s0 = L.inner[0], s1 = L.inner[1], s2 = L.inner[2];
	FOR_ROWS(g, rows, row) {
		gf_u64 row = row_base;
		bool live = row < rows;
		gf_i64 off[4] = {0, 0, 0, 0};
		if (live) gf_offsets(L.O, row, off);
		double r = live ? (double)rstd[off[3]] : 0.0;
		double sgx = 0.0;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double gw = (double)dy[off[2] + i * s2];
				if (w) gw *= (double)w[i * ws];
				sgx += gw * (double)x[off[1] + i * s1] * r;
			}
		sgx = gsum(g, sgx, scratch) / (double)d;
		if (live)
			for (gf_i64 i = g.lane; i < d; i += g.size) {
				double gw = (double)dy[off[2] + i * s2];
				if (w) gw *= (double)w[i * ws];
				dx[off[0] + i * s0] = (T)(r * (gw - (double)x[off[1] + i * s1] * r * sgx));
			}
	}
}

// Column sums of the norms' weight (and bias) gradients:
// dw[j] = Σ_rows dy·(x - mean)·rstd, db[j] = Σ_rows dy. Operands: x, dy,
// mean, rstd (mean null for RMSNorm). Each thread sums one column over
// its slice of rows (grid.y slices); with several slices the partial sums
// go to partial[2][slices][d] and gf_norm_colsum_finish adds them in order.
template <typename T>
GF_DEV void norm_colsum(const gf_rows<4> &L, const T *x, const T *dy, const T *mean, const T *rstd, T *dw, gf_i64 dws, T *db,
                        gf_i64 dbs, double *partial) {
	gf_u64 rows = (gf_u64)L.O.n;
	gf_i64 d = L.d, s0 = L.inner[0], s1 = L.inner[1];
	gf_u64 chunk = (rows + gridDim.y - 1) / gridDim.y;
	gf_u64 lo = blockIdx.y * chunk, hi = lo + chunk < rows ? lo + chunk : rows;
	for (gf_u64 j = gf_global_id(); j < (gf_u64)d; j += gf_grid_size()) {
		double sw = 0.0, sb = 0.0;
		for (gf_u64 row = lo; row < hi; row++) {
			gf_i64 off[4];
			gf_offsets(L.O, row, off);
			double gj = (double)dy[off[1] + (gf_i64)j * s1];
			double mu = mean ? (double)mean[off[2]] : 0.0;
			sw += gj * ((double)x[off[0] + (gf_i64)j * s0] - mu) * (double)rstd[off[3]];
			sb += gj;
		}
		if (gridDim.y == 1) {
			if (dw) dw[(gf_i64)j * dws] = (T)sw;
			if (db) db[(gf_i64)j * dbs] = (T)sb;
		} else {
			partial[(gf_u64)blockIdx.y * d + j] = sw;
			partial[((gf_u64)gridDim.y + blockIdx.y) * d + j] = sb;
		}
	}
}

template <typename T>
GF_DEV void norm_colsum_finish(const double *partial, int slices, gf_i64 d, T *dw, gf_i64 dws, T *db, gf_i64 dbs) {
	for (gf_u64 j = gf_global_id(); j < (gf_u64)d; j += gf_grid_size()) {
		double sw = 0.0, sb = 0.0;
		for (int k = 0; k < slices; k++) {
			sw += partial[(gf_u64)k * d + j];
			sb += partial[((gf_u64)slices + k) * d + j];
		}
		if (dw) dw[(gf_i64)j * dws] = (T)sw;
		if (db) db[(gf_i64)j * dbs] = (T)sb;
	}
}

#define ROW_KERNELS(SUF, T)                                                                                                        \
	extern "C" __global__ void gf_softmax_##SUF(gf_rows<2> L, T *dst, const T *x, int log, int per_warp) {                       \
		softmax_rows(L, dst, x, log, per_warp != 0);                                                                           \
	}                                                                                                                              \
	extern "C" __global__ void gf_softmax_grad_##SUF(gf_rows<3> L, T *dx, const T *y, const T *dy, int log, int per_warp) {      \
		softmax_grad_rows(L, dx, y, dy, log, per_warp != 0);                                                                   \
	}                                                                                                                              \
	extern "C" __global__ void gf_cross_entropy_##SUF(gf_rows<4> L, const T *logits, T *loss, T *lse, const int *target,         \
	                                                  int ignore, double eps, int *err, int per_warp) {                        \
		cross_entropy_rows(L, logits, loss, lse, target, ignore, eps, err, per_warp != 0);                                     \
	}                                                                                                                              \
	extern "C" __global__ void gf_cross_entropy_grad_##SUF(gf_rows<5> L, T *dlogits, const T *logits, const int *target,         \
	                                                       const T *lse, const T *dloss, int ignore, double eps, int *err,      \
	                                                       int per_warp) {                                                      \
		cross_entropy_grad_rows(L, dlogits, logits, target, lse, dloss, ignore, eps, err, per_warp != 0);                      \
	}                                                                                                                              \
	extern "C" __global__ void gf_layer_norm_##SUF(gf_rows<4> L, T *y, const T *x, T *mean, T *rstd, const T *w, gf_i64 ws,     \
	                                               const T *b, gf_i64 bs, double eps, int per_warp) {                           \
		layer_norm_rows(L, y, x, mean, rstd, w, ws, b, bs, eps, per_warp != 0);                                                \
	}                                                                                                                              \
	extern "C" __global__ void gf_layer_norm_grad_##SUF(gf_rows<5> L, T *dx, const T *x, const T *dy, const T *mean,            \
	                                                    const T *rstd, const T *w, gf_i64 ws, int per_warp) {                  \
		layer_norm_grad_rows(L, dx, x, dy, mean, rstd, w, ws, per_warp != 0);                                                  \
	}                                                                                                                              \
	extern "C" __global__ void gf_rms_norm_##SUF(gf_rows<3> L, T *y, const T *x, T *rstd, const T *w, gf_i64 ws, double eps,    \
	                                             int per_warp) {                                                                \
		rms_norm_rows(L, y, x, rstd, w, ws, eps, per_warp != 0);                                                               \
	}                                                                                                                              \
	extern "C" __global__ void gf_rms_norm_grad_##SUF(gf_rows<4> L, T *dx, const T *x, const T *dy, const T *rstd, const T *w,  \
	                                                  gf_i64 ws, int per_warp) {                                                \
		rms_norm_grad_rows(L, dx, x, dy, rstd, w, ws, per_warp != 0);                                                          \
	}                                                                                                                              \
	extern "C" __global__ void gf_norm_colsum_##SUF(gf_rows<4> L, const T *x, const T *dy, const T *mean, const T *rstd, T *dw,  \
	                                                gf_i64 dws, T *db, gf_i64 dbs, double *partial) {                           \
		norm_colsum(L, x, dy, mean, rstd, dw, dws, db, dbs, partial);                                                          \
	}                                                                                                                              \
	extern "C" __global__ void gf_norm_colsum_finish_##SUF(const double *partial, int slices, gf_i64 d, T *dw, gf_i64 dws,      \
	                                                       T *db, gf_i64 dbs) {                                                 \
		norm_colsum_finish(partial, slices, d, dw, dws, db, dbs);                                                              \
	}

ROW_KERNELS(f32, float)
ROW_KERNELS(f64, double)
