// elementwise.cu: tensor.Backend's Unary, UnaryGrad, Binary, BinaryGrad
// and Where, over strided operands (gf_layout). The op codes are
// tensor.UnaryOp's and tensor.BinaryOp's values; the formulas follow the
// CPU backend's (tensor/cpu_rows.go). Float32 ops use goformer's float
// functions (exp, log, tanh, sigmoid, Φ) where the op is hot, and double
// ones (sin, cos, pow) where the argument needs the range.
#include "prelude.cuh"

enum {
	OP_NEG, OP_EXP, OP_LOG, OP_SQRT, OP_RSQRT, OP_ABS, OP_TANH, OP_SIGMOID, OP_RELU, OP_GELU,
	OP_GELU_TANH, OP_SILU, OP_SIN, OP_COS, OP_SQUARE, OP_RECIPROCAL, OP_POW, OP_CLAMP, OP_AFFINE
};

enum { OP_ADD, OP_SUB, OP_MUL, OP_DIV, OP_MAXIMUM, OP_MINIMUM, OP_POWT, OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE };

#define GELU_BETA 0.7978845608028654    // √(2/π)
#define GELU_KAPPA 0.044715
#define INV_SQRT_2PI 0.3989422804014327 // 1/√(2π)

// sigmoid64 is the CPU's stable form.
GF_DEV double sigmoid64(double x) {
	if (x >= 0.0) return 1.0 / (1.0 + gf_exp(-x));
	double e = gf_exp(x);
	return e / (1.0 + e);
}

// ---------------------------------------------------------------------------
// Unary

GF_DEV float unary_f32(int op, float x, double A, double B) {
	switch (op) {
	case OP_NEG: return -x;
	case OP_EXP: return gf_expf(x);
	case OP_LOG: return gf_logf(x);
	case OP_SQRT: return gf_sqrtf(x);
	case OP_RSQRT: return (float)(1.0 / gf_sqrt((double)x));
	case OP_ABS: return gf_fabsf(x);
	case OP_TANH: return gf_tanhf(x);
	case OP_SIGMOID: return gf_sigmoidf(x);
	case OP_RELU: return (x > 0.0f || x != x) ? x : 0.0f;
	case OP_GELU: return x * gf_phif(x);
	case OP_GELU_TANH: {
		float u = (float)GELU_BETA * (x + (float)GELU_KAPPA * x * x * x);
		return x * gf_sigmoidf(2.0f * u); // ½x(1+tanh u) = x·σ(2u)
	}
	case OP_SILU: return x * gf_sigmoidf(x);
	case OP_SIN: return (float)gf_sin((double)x);
	case OP_COS: return (float)gf_cos((double)x);
	case OP_SQUARE: return x * x;
	case OP_RECIPROCAL: return 1.0f / x;
	case OP_POW:
		if (A == 1.0) return x;
		if (A == 2.0) return x * x;
		return (float)gf_pow((double)x, A);
	case OP_CLAMP: {
		double f = (double)x;
		if (f < A) return (float)A;
		if (f > B) return (float)B;
		return x;
	}
	default: return (float)(A * (double)x + B); // OP_AFFINE
	}
}

GF_DEV double unary_f64(int op, double x, double A, double B) {
	switch (op) {
	case OP_NEG: return -x;
	case OP_EXP: return gf_exp(x);
	case OP_LOG: return gf_log(x);
	case OP_SQRT: return gf_sqrt(x);
	case OP_RSQRT: return 1.0 / gf_sqrt(x);
	case OP_ABS: return gf_fabs(x);
	case OP_TANH: return gf_tanh(x);
	case OP_SIGMOID: return sigmoid64(x);
	case OP_RELU: return (x > 0.0 || x != x) ? x : 0.0;
	case OP_GELU: return x * gf_phi(x);
	case OP_GELU_TANH: return 0.5 * x * (1.0 + gf_tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x)));
	case OP_SILU: return x * sigmoid64(x);
	case OP_SIN: return gf_sin(x);
	case OP_COS: return gf_cos(x);
	case OP_SQUARE: return x * x;
	case OP_RECIPROCAL: return 1.0 / x;
	case OP_POW:
		if (A == 1.0) return x;
		if (A == 2.0) return x * x;
		return gf_pow(x, A);
	case OP_CLAMP:
		if (x < A) return A;
		if (x > B) return B;
		return x;
	default: return A * x + B;
	}
}

GF_DEV float apply_unary(int op, float x, double A, double B) { return unary_f32(op, x, A, B); }
GF_DEV double apply_unary(int op, double x, double A, double B) { return unary_f64(op, x, A, B); }

template <typename T>
GF_DEV void unary_kernel(const gf_layout<2> &L, T *dst, const T *x, int op, double A, double B) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[2];
		gf_offsets(L, i, off);
		dst[off[0]] = apply_unary(op, x[off[1]], A, B);
	}
}

extern "C" __global__ void gf_unary_f32(gf_layout<2> L, float *dst, const float *x, int op, double A, double B) {
	unary_kernel(L, dst, x, op, A, B);
}
extern "C" __global__ void gf_unary_f64(gf_layout<2> L, double *dst, const double *x, int op, double A, double B) {
	unary_kernel(L, dst, x, op, A, B);
}

// ---------------------------------------------------------------------------
// UnaryGrad: dx = dy·op'(x), y = op(x).

GF_DEV float unary_grad_f32(int op, float x, float y, float g, double A, double B) {
	switch (op) {
	case OP_NEG: return -g;
	case OP_EXP: return g * y;
	case OP_LOG: return g / x;
	case OP_SQRT: return g / (2.0f * y);
	case OP_RSQRT: return -0.5f * g * y * y * y;
	case OP_ABS: return x > 0.0f ? g : (x < 0.0f ? -g : 0.0f);
	case OP_TANH: return g * (1.0f - y * y);
	case OP_SIGMOID: return g * y * (1.0f - y);
	case OP_RELU: return y > 0.0f ? g : 0.0f;
	case OP_GELU: return g * (gf_phif(x) + x * (float)INV_SQRT_2PI * gf_expf_half_sq(x));
	case OP_GELU_TANH: {
		// With s = σ(2u): ½(1+tanh u) = s and ½(1-tanh²u) = 2s(1-s).
		float u = (float)GELU_BETA * (x + (float)GELU_KAPPA * x * x * x);
		float s = gf_sigmoidf(2.0f * u), sc = gf_sigmoidf(-2.0f * u);
		float d = s + 2.0f * x * s * sc * (float)GELU_BETA * (1.0f + 3.0f * (float)GELU_KAPPA * x * x);
		return g * d;
	}
	case OP_SILU: {
		float s = gf_sigmoidf(x), sc = gf_sigmoidf(-x);
		return g * s * (1.0f + x * sc);
	}
	case OP_SIN: return (float)((double)g * gf_cos((double)x));
	case OP_COS: return (float)(-(double)g * gf_sin((double)x));
	case OP_SQUARE: return 2.0f * x * g;
	case OP_RECIPROCAL: return -g * y * y;
	case OP_POW:
		if (A == 0.0) return 0.0f;
		if (A == 1.0) return g;
		if (A == 2.0) return 2.0f * x * g;
		return (float)((double)g * A * gf_pow((double)x, A - 1.0));
	case OP_CLAMP: {
		double f = (double)x;
		return (f >= A && f <= B) ? g : 0.0f;
	}
	default: return (float)A * g; // OP_AFFINE
	}
}

GF_DEV double unary_grad_f64(int op, double x, double y, double g, double A, double B) {
	switch (op) {
	case OP_NEG: return -g;
	case OP_EXP: return g * y;
	case OP_LOG: return g / x;
	case OP_SQRT: return g / (2.0 * y);
	case OP_RSQRT: return -0.5 * g * y * y * y;
	case OP_ABS: return x > 0.0 ? g : (x < 0.0 ? -g : 0.0);
	case OP_TANH: return g * (1.0 - y * y);
	case OP_SIGMOID: return g * y * (1.0 - y);
	case OP_RELU: return y > 0.0 ? g : 0.0;
	case OP_GELU: return g * (gf_phi(x) + x * INV_SQRT_2PI * gf_exp(-0.5 * x * x));
	case OP_GELU_TANH: {
		double t = gf_tanh(GELU_BETA * (x + GELU_KAPPA * x * x * x));
		return g * (0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * GELU_BETA * (1.0 + 3.0 * GELU_KAPPA * x * x));
	}
	case OP_SILU: {
		double s = sigmoid64(x);
		return g * s * (1.0 + x * (1.0 - s));
	}
	case OP_SIN: return g * gf_cos(x);
	case OP_COS: return -g * gf_sin(x);
	case OP_SQUARE: return 2.0 * x * g;
	case OP_RECIPROCAL: return -g * y * y;
	case OP_POW:
		if (A == 0.0) return 0.0;
		if (A == 1.0) return g;
		if (A == 2.0) return 2.0 * x * g;
		return g * A * gf_pow(x, A - 1.0);
	case OP_CLAMP: return (x >= A && x <= B) ? g : 0.0;
	default: return A * g;
	}
}

GF_DEV float apply_unary_grad(int op, float x, float y, float g, double A, double B) { return unary_grad_f32(op, x, y, g, A, B); }
GF_DEV double apply_unary_grad(int op, double x, double y, double g, double A, double B) { return unary_grad_f64(op, x, y, g, A, B); }

// Layout operands: dx, x, y, dy.
template <typename T>
GF_DEV void unary_grad_kernel(const gf_layout<4> &L, T *dx, const T *x, const T *y, const T *dy, int op, double A, double B) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[4];
		gf_offsets(L, i, off);
		dx[off[0]] = apply_unary_grad(op, x[off[1]], y[off[2]], dy[off[3]], A, B);
	}
}

extern "C" __global__ void gf_unary_grad_f32(gf_layout<4> L, float *dx, const float *x, const float *y, const float *dy, int op, double A, double B) {
	unary_grad_kernel(L, dx, x, y, dy, op, A, B);
}
extern "C" __global__ void gf_unary_grad_f64(gf_layout<4> L, double *dx, const double *x, const double *y, const double *dy, int op, double A, double B) {
	unary_grad_kernel(L, dx, x, y, dy, op, A, B);
}

// ---------------------------------------------------------------------------
// Binary

template <typename T>
GF_DEV T binary_float(int op, T a, T b) {
	switch (op) {
	case OP_ADD: return a + b;
	case OP_SUB: return a - b;
	case OP_MUL: return a * b;
	case OP_DIV: return a / b;
	case OP_MAXIMUM: return (a != a || a > b) ? a : b;
	case OP_MINIMUM: return (a != a || a < b) ? a : b;
	case OP_POWT: return (T)gf_pow((double)a, (double)b);
	case OP_EQ: return a == b ? (T)1 : (T)0;
	case OP_NE: return a != b ? (T)1 : (T)0;
	case OP_LT: return a < b ? (T)1 : (T)0;
	case OP_LE: return a <= b ? (T)1 : (T)0;
	case OP_GT: return a > b ? (T)1 : (T)0;
	default: return a >= b ? (T)1 : (T)0;
	}
}

// binary_int wraps around on overflow, as Go's int32 arithmetic does.
GF_DEV int binary_int(int op, int a, int b) {
	switch (op) {
	case OP_ADD: return (int)((gf_u32)a + (gf_u32)b);
	case OP_SUB: return (int)((gf_u32)a - (gf_u32)b);
	case OP_MUL: return (int)((gf_u32)a * (gf_u32)b);
	case OP_MAXIMUM: return a > b ? a : b;
	case OP_MINIMUM: return a < b ? a : b;
	case OP_EQ: return a == b;
	case OP_NE: return a != b;
	case OP_LT: return a < b;
	case OP_LE: return a <= b;
	case OP_GT: return a > b;
	case OP_GE: return a >= b;
	default: return 0; // Div and Pow are not defined on Int32 (the host panics)
	}
}

GF_DEV float apply_binary(int op, float a, float b) { return binary_float(op, a, b); }
GF_DEV double apply_binary(int op, double a, double b) { return binary_float(op, a, b); }
GF_DEV int apply_binary(int op, int a, int b) { return binary_int(op, a, b); }

// Layout operands: dst, a, b.
template <typename T>
GF_DEV void binary_kernel(const gf_layout<3> &L, T *dst, const T *a, const T *b, int op) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[3];
		gf_offsets(L, i, off);
		dst[off[0]] = apply_binary(op, a[off[1]], b[off[2]]);
	}
}

extern "C" __global__ void gf_binary_f32(gf_layout<3> L, float *dst, const float *a, const float *b, int op) { binary_kernel(L, dst, a, b, op); }
extern "C" __global__ void gf_binary_f64(gf_layout<3> L, double *dst, const double *a, const double *b, int op) { binary_kernel(L, dst, a, b, op); }
extern "C" __global__ void gf_binary_i32(gf_layout<3> L, int *dst, const int *a, const int *b, int op) { binary_kernel(L, dst, a, b, op); }

// ---------------------------------------------------------------------------
// BinaryGrad. Layout operands: dy, a, b, y, da, db; da or db may be null
// (its strides are then dy's).

template <typename T>
GF_DEV void binary_grad_one(int op, T a, T b, T y, T g, T *ga, T *gb) {
	switch (op) {
	case OP_ADD: *ga = g; *gb = g; return;
	case OP_SUB: *ga = g; *gb = -g; return;
	case OP_MUL: *ga = g * b; *gb = g * a; return;
	case OP_DIV: *ga = g / b; *gb = -g * a / (b * b); return;
	case OP_MAXIMUM:
	case OP_MINIMUM: {
		T xa = g, xb = g;
		if (a == b) {
			xa = g / (T)2;
			xb = g / (T)2;
		} else if ((op == OP_MAXIMUM && a < b) || (op == OP_MINIMUM && a > b)) {
			xa = 0;
		} else if ((op == OP_MAXIMUM && a > b) || (op == OP_MINIMUM && a < b)) {
			xb = 0;
		}
		*ga = xa;
		*gb = xb;
		return;
	}
	default: { // OP_POWT, in double as on the CPU
		double x = (double)a, e = (double)b, gd = (double)g;
		*ga = e == 0.0 ? (T)0 : (T)(gd * e * gf_pow(x, e - 1.0));
		*gb = (x == 0.0 && e >= 0.0) ? (T)0 : (T)(gd * (double)y * gf_log(x));
		return;
	}
	}
}

template <typename T>
GF_DEV void binary_grad_kernel(const gf_layout<6> &L, const T *dy, const T *a, const T *b, const T *y, T *da, T *db, int op) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[6];
		gf_offsets(L, i, off);
		T ga, gb;
		binary_grad_one(op, a[off[1]], b[off[2]], y[off[3]], dy[off[0]], &ga, &gb);
		if (da) da[off[4]] = ga;
		if (db) db[off[5]] = gb;
	}
}

extern "C" __global__ void gf_binary_grad_f32(gf_layout<6> L, const float *dy, const float *a, const float *b, const float *y, float *da, float *db, int op) {
	binary_grad_kernel(L, dy, a, b, y, da, db, op);
}
extern "C" __global__ void gf_binary_grad_f64(gf_layout<6> L, const double *dy, const double *a, const double *b, const double *y, double *da, double *db, int op) {
	binary_grad_kernel(L, dy, a, b, y, da, db, op);
}

// ---------------------------------------------------------------------------
// Where. Layout operands: dst, cond, a, b. cond_dtype is 0 (float32),
// 1 (float64) or 2 (int32).

GF_DEV bool cond_at(const void *c, gf_i64 off, int dt) {
	switch (dt) {
	case 0: return ((const float *)c)[off] != 0.0f;
	case 1: return ((const double *)c)[off] != 0.0;
	default: return ((const int *)c)[off] != 0;
	}
}

template <typename T>
GF_DEV void where_kernel(const gf_layout<4> &L, T *dst, const void *cond, const T *a, const T *b, int cond_dtype) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[4];
		gf_offsets(L, i, off);
		dst[off[0]] = cond_at(cond, off[1], cond_dtype) ? a[off[2]] : b[off[3]];
	}
}

extern "C" __global__ void gf_where_f32(gf_layout<4> L, float *dst, const void *cond, const float *a, const float *b, int cond_dtype) {
	where_kernel(L, dst, cond, a, b, cond_dtype);
}
extern "C" __global__ void gf_where_f64(gf_layout<4> L, double *dst, const void *cond, const double *a, const double *b, int cond_dtype) {
	where_kernel(L, dst, cond, a, b, cond_dtype);
}
extern "C" __global__ void gf_where_i32(gf_layout<4> L, int *dst, const void *cond, const int *a, const int *b, int cond_dtype) {
	where_kernel(L, dst, cond, a, b, cond_dtype);
}
