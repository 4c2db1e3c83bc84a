// random.cu: tensor.Backend's RandomFill and Dropout, with the
// counter-based Philox4x32-10 generator of the tensor package, so that a
// GPU draws exactly the numbers the CPU draws for the same seed and
// offset: element i (row-major) of the output uses counter offset + i.
#include "prelude.cuh"

#define TWO_M24 5.9604644775390625e-08 // 2^-24

GF_DEV double draw(int dist, double a, double b, gf_u64 seed, gf_u64 e) {
	gf_u64 q = e >> 2;
	gf_philox_out o = gf_philox4x32_10((gf_u32)q, (gf_u32)(q >> 32), 0u, 0u, (gf_u32)seed, (gf_u32)(seed >> 32));
	int lane = (int)(e & 3u);
	if (dist == 0) return a + (b - a) * ((double)(gf_philox_pick(o, lane) >> 8) * TWO_M24);
	// Normal: words (0, 1) and (2, 3) are Box-Muller pairs.
	gf_u32 w0 = (lane & 2) ? o.w[2] : o.w[0], w1 = (lane & 2) ? o.w[3] : o.w[1];
	double u1 = ((double)(w0 >> 8) + 1.0) * TWO_M24;
	double u2 = (double)(w1 >> 8) * TWO_M24;
	double r = gf_sqrt(-2.0 * gf_log(u1));
	double angle = 6.283185307179586 * u2;
	return (lane & 1) ? a + b * r * gf_sin(angle) : a + b * r * gf_cos(angle);
}

template <typename T>
GF_DEV void random_fill(const gf_layout<1> &L, T *dst, int dist, double a, double b, gf_u64 seed, gf_u64 offset) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[1];
		gf_offsets(L, i, off);
		dst[off[0]] = (T)draw(dist, a, b, seed, offset + i);
	}
}

extern "C" __global__ void gf_random_fill_f32(gf_layout<1> L, float *dst, int dist, double a, double b, gf_u64 seed, gf_u64 offset) {
	random_fill(L, dst, dist, a, b, seed, offset);
}
extern "C" __global__ void gf_random_fill_f64(gf_layout<1> L, double *dst, int dist, double a, double b, gf_u64 seed, gf_u64 offset) {
	random_fill(L, dst, dist, a, b, seed, offset);
}

// Dropout: dst = x·scale where the uniform draw u >= p, else 0.
template <typename T>
GF_DEV void dropout(const gf_layout<2> &L, T *dst, const T *x, double p, double scale, gf_u64 seed, gf_u64 offset) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[2];
		gf_offsets(L, i, off);
		double u = (double)(gf_philox_word(seed, offset + i) >> 8) * TWO_M24;
		dst[off[0]] = u >= p ? (T)((double)x[off[1]] * scale) : (T)0;
	}
}

extern "C" __global__ void gf_dropout_f32(gf_layout<2> L, float *dst, const float *x, double p, double scale, gf_u64 seed, gf_u64 offset) {
	dropout(L, dst, x, p, scale, seed, offset);
}
extern "C" __global__ void gf_dropout_f64(gf_layout<2> L, double *dst, const double *x, double p, double scale, gf_u64 seed, gf_u64 offset) {
	dropout(L, dst, x, p, scale, seed, offset);
}

// gf_philox_test writes the four words of counter (c0..c3) under key
// (k0, k1), for the known-answer test of the generator.
extern "C" __global__ void gf_philox_test(gf_u32 *out, gf_u32 c0, gf_u32 c1, gf_u32 c2, gf_u32 c3, gf_u32 k0, gf_u32 k1) {
	if (gf_global_id() == 0) {
		gf_philox_out o = gf_philox4x32_10(c0, c1, c2, c3, k0, k1);
		out[0] = o.w[0];
		out[1] = o.w[1];
		out[2] = o.w[2];
		out[3] = o.w[3];
	}
}
