// gf_math.cuh: goformer's device math library. No libdevice is linked
// (clang -nocudalib), so every transcendental function the kernels use is
// written here: range reduction plus a polynomial, evaluated with fused
// multiply-adds. The float functions are accurate to a few ulp; the double
// ones to about an ulp of double, and the float ops that the tensor
// package computes in float64 on the CPU (erf, sin, cos, pow) call them.
// Included by gf_common.cuh only.
#pragma once

// gf_ldexpf_small returns x·2^n for n in [-252, 254] with one rounding.
GF_DEV float gf_ldexpf_small(float x, int n) {
	int n1 = n / 2, n2 = n - n1;
	return x * gf_u2f((gf_u32)(n1 + 127) << 23) * gf_u2f((gf_u32)(n2 + 127) << 23);
}

// gf_ldexp_small returns x·2^n for n in [-2044, 2046].
GF_DEV double gf_ldexp_small(double x, int n) {
	int n1 = n / 2, n2 = n - n1;
	return x * gf_u2d((gf_u64)(n1 + 1023) << 52) * gf_u2d((gf_u64)(n2 + 1023) << 52);
}

// ---------------------------------------------------------------------------
// float

// gf_expf: e^x. Reduction x = n·ln2 + r, |r| <= ln2/2, then a degree-7
// Taylor polynomial (truncation error below 1e-8 relative).
GF_DEV float gf_expf(float x) {
	if (x != x) return x + x;
	if (x > 89.0f) return gf_inff();
	if (x < -104.0f) return 0.0f;
	float n = gf_rintf(x * 1.44269502f);
	float r = gf_fmaf(n, -0.693145751953125f, x);
	r = gf_fmaf(n, -1.42860677e-6f, r);
	float q = 1.98412698e-4f;
	q = gf_fmaf(q, r, 1.38888889e-3f);
	q = gf_fmaf(q, r, 8.33333333e-3f);
	q = gf_fmaf(q, r, 4.16666667e-2f);
	q = gf_fmaf(q, r, 1.66666667e-1f);
	q = gf_fmaf(q, r, 0.5f);
	float p = gf_fmaf(r * r, q, r) + 1.0f;
	return gf_ldexpf_small(p, (int)n);
}

// gf_expm1f_small: e^x - 1 for |x| <= 1.25, by its Taylor series.
GF_DEV float gf_expm1f_small(float x) {
	float q = 1.60590438e-10f;
	q = gf_fmaf(q, x, 2.08767570e-9f);
	q = gf_fmaf(q, x, 2.50521084e-8f);
	q = gf_fmaf(q, x, 2.75573192e-7f);
	q = gf_fmaf(q, x, 2.75573192e-6f);
	q = gf_fmaf(q, x, 2.48015873e-5f);
	q = gf_fmaf(q, x, 1.98412698e-4f);
	q = gf_fmaf(q, x, 1.38888889e-3f);
	q = gf_fmaf(q, x, 8.33333333e-3f);
	q = gf_fmaf(q, x, 4.16666667e-2f);
	q = gf_fmaf(q, x, 1.66666667e-1f);
	q = gf_fmaf(q, x, 0.5f);
	return gf_fmaf(x * x, q, x);
}

// gf_logf: natural logarithm. x = 2^k·m with m in [√½, √2), then
// log m = 2·atanh(s), s = (m-1)/(m+1), arranged as in fdlibm to keep the
// rounding of s out of the leading term.
GF_DEV float gf_logf(float x) {
	gf_u32 u = gf_f2u(x);
	if (x != x) return x + x;
	if (x < 0.0f) return gf_nanf();
	if (x == 0.0f) return -gf_inff();
	if (u == 0x7f800000u) return x;
	int k = 0;
	if (u < 0x00800000u) { // subnormal
		x *= 8388608.0f;
		u = gf_f2u(x);
		k = -23;
	}
	k += (int)(u >> 23) - 127;
	float m = gf_u2f((u & 0x007fffffu) | 0x3f800000u);
	if (m > 1.41421356f) {
		m *= 0.5f;
		k++;
	}
	float f = m - 1.0f;
	float hfsq = 0.5f * f * f;
	float s = f / (2.0f + f);
	float z = s * s;
	float R = 2.22222222e-1f;
	R = gf_fmaf(R, z, 2.85714286e-1f);
	R = gf_fmaf(R, z, 4.0e-1f);
	R = gf_fmaf(R, z, 6.66666667e-1f);
	R *= z;
	float dk = (float)k;
	return dk * 6.9313812256e-01f - ((hfsq - (s * (hfsq + R) + dk * 9.0580006145e-06f)) - f);
}

// gf_tanhf: tanh x = u/(u+2) with u = e^(2|x|) - 1 for small |x|, and
// 1 - 2/(e^(2|x|)+1) above.
GF_DEV float gf_tanhf(float x) {
	float a = gf_fabsf(x);
	float t;
	if (a != a) return x + x;
	if (a > 9.1f) {
		t = 1.0f;
	} else if (a >= 0.625f) {
		t = 1.0f - 2.0f / (gf_expf(2.0f * a) + 1.0f);
	} else {
		float u = gf_expm1f_small(2.0f * a);
		t = u / (u + 2.0f);
	}
	return x < 0.0f ? -t : t;
}

// gf_sigmoidf: 1/(1+e^-x), to a few ulp for all x (e^x itself far left,
// where e^-x would overflow).
GF_DEV float gf_sigmoidf(float x) {
	if (x < -80.0f) return gf_expf(x);
	return 1.0f / (1.0f + gf_expf(-x));
}

// gf_expf_half_sq returns e^(-x²/2) to a few ulp for every x: x² is
// split into hi + lo (exactly, with an FMA) so that the rounding of x²
// does not turn into a relative error of x²·2^-24 in the result.
GF_DEV float gf_expf_half_sq(float x) {
	float hi = x * x, lo = gf_fmaf(x, x, -hi);
	return gf_expf(-0.5f * hi) * (1.0f - 0.5f * lo);
}

// gf_phif: the standard normal distribution function Φ(x) in float, to a
// few ulp, without cancellation in either tail. Below |x|/√2 = 0.8 it uses
// erf's Maclaurin series; above, erfc z = e^(-z²)·S(1/z)/z with S a
// Chebyshev fit of z·erfcx(z) in 1/z over (0, 1.25] (degree 15, relative
// error below 1e-8), evaluated with Clenshaw's recurrence.
GF_DEV float gf_phif(float x) {
	if (x != x) return x;
	float ax = gf_fabsf(x);
	float z = ax * 0.70710678f;
	float c; // erfc(|x|/√2)
	if (z < 0.8f) {
		float u = z * z;
		float p = -1.4503843e-7f;
		p = gf_fmaf(p, u, 1.4589169e-6f);
		p = gf_fmaf(p, u, -1.3227513e-5f);
		p = gf_fmaf(p, u, 1.0683761e-4f);
		p = gf_fmaf(p, u, -7.5757576e-4f);
		p = gf_fmaf(p, u, 4.6296296e-3f);
		p = gf_fmaf(p, u, -2.3809524e-2f);
		p = gf_fmaf(p, u, 0.1f);
		p = gf_fmaf(p, u, -0.33333333f);
		p = gf_fmaf(p, u, 1.0f);
		c = 1.0f - 1.1283792f * z * p;
	} else if (ax > 14.2f) {
		c = 0.0f;
	} else {
		const float k[16] = {0.48495255f, -0.091900347f, -0.0059530329f, 0.0053699515f, -0.0013316553f, 0.00010965493f,
		                     5.8652033e-05f, -3.3252437e-05f, 9.1328309e-06f, -9.3003643e-07f, -5.0224564e-07f,
		                     3.4974682e-07f, -1.2131702e-07f, 2.2212105e-08f, 2.9699505e-09f, -4.4712154e-09f};
		float t = 1.0f / z;
		float u = 1.6f * t - 1.0f;
		float b1 = 0.0f, b2 = 0.0f;
		for (int i = 15; i >= 1; i--) {
			float b = gf_fmaf(2.0f * u, b1, k[i] - b2);
			b2 = b1;
			b1 = b;
		}
		float s = gf_fmaf(u, b1, k[0] - b2);
		c = gf_expf_half_sq(x) * s * t;
	}
	return x <= 0.0f ? 0.5f * c : 1.0f - 0.5f * c;
}

// ---------------------------------------------------------------------------
// double

// gf_exp: e^x with the reduction of gf_expf and a degree-13 polynomial.
GF_DEV double gf_exp(double x) {
	if (x != x) return x + x;
	if (x > 709.8) return gf_inf();
	if (x < -745.2) return 0.0;
	double n = gf_rint(x * 1.4426950408889634);
	double r = gf_fma(n, -6.93147180369123816490e-01, x);
	r = gf_fma(n, -1.90821492927058770002e-10, r);
	double q = 1.6059043836821614599e-10;
	q = gf_fma(q, r, 2.0876756987868098979e-9);
	q = gf_fma(q, r, 2.5052108385441718775e-8);
	q = gf_fma(q, r, 2.7557319223985890653e-7);
	q = gf_fma(q, r, 2.7557319223985890653e-6);
	q = gf_fma(q, r, 2.4801587301587301587e-5);
	q = gf_fma(q, r, 1.9841269841269841270e-4);
	q = gf_fma(q, r, 1.3888888888888888889e-3);
	q = gf_fma(q, r, 8.3333333333333333333e-3);
	q = gf_fma(q, r, 4.1666666666666666667e-2);
	q = gf_fma(q, r, 1.6666666666666666667e-1);
	q = gf_fma(q, r, 0.5);
	double p = gf_fma(r * r, q, r) + 1.0;
	return gf_ldexp_small(p, (int)n);
}

// gf_expm1_small: e^x - 1 for |x| <= 1.25 (Taylor to degree 22).
GF_DEV double gf_expm1_small(double x) {
	const double c[21] = {
	    0.5, 1.6666666666666666667e-1, 4.1666666666666666667e-2, 8.3333333333333333333e-3,
	    1.3888888888888888889e-3, 1.9841269841269841270e-4, 2.4801587301587301587e-5,
	    2.7557319223985890653e-6, 2.7557319223985890653e-7, 2.5052108385441718775e-8,
	    2.0876756987868098979e-9, 1.6059043836821614599e-10, 1.1470745597729724714e-11,
	    7.6471637318198164759e-13, 4.7794773323873852974e-14, 2.8114572543455207632e-15,
	    1.5619206968586226462e-16, 8.2206352466243297170e-18, 4.1103176233121648585e-19,
	    1.9572941063391261231e-20, 8.8967913924505732868e-22};
	double q = c[20];
	for (int i = 19; i >= 0; i--) q = gf_fma(q, x, c[i]);
	return gf_fma(x * x, q, x);
}

// gf_log: natural logarithm, fdlibm's arrangement with the atanh series to
// degree 23.
GF_DEV double gf_log(double x) {
	gf_u64 u = gf_d2u(x);
	if (x != x) return x + x;
	if (x < 0.0) return gf_nan();
	if (x == 0.0) return -gf_inf();
	if (u == 0x7ff0000000000000ull) return x;
	int k = 0;
	if (u < 0x0010000000000000ull) {
		x *= 18014398509481984.0; // 2^54
		u = gf_d2u(x);
		k = -54;
	}
	k += (int)(u >> 52) - 1023;
	double m = gf_u2d((u & 0x000fffffffffffffull) | 0x3ff0000000000000ull);
	if (m > 1.4142135623730951) {
		m *= 0.5;
		k++;
	}
	double f = m - 1.0;
	double hfsq = 0.5 * f * f;
	double s = f / (2.0 + f);
	double z = s * s;
	double R = 2.0 / 23.0;
	for (int j = 10; j >= 1; j--) R = gf_fma(R, z, 2.0 / (2 * j + 1));
	R *= z;
	double dk = (double)k;
	return dk * 6.93147180369123816490e-01 - ((hfsq - (s * (hfsq + R) + dk * 1.90821492927058770002e-10)) - f);
}

GF_DEV double gf_tanh(double x) {
	double a = gf_fabs(x);
	double t;
	if (a != a) return x + x;
	if (a > 22.0) {
		t = 1.0;
	} else if (a >= 0.625) {
		t = 1.0 - 2.0 / (gf_exp(2.0 * a) + 1.0);
	} else {
		double u = gf_expm1_small(2.0 * a);
		t = u / (u + 2.0);
	}
	return x < 0.0 ? -t : t;
}

GF_DEV double gf_sigmoid(double x) {
	if (x < -700.0) return gf_exp(x);
	return 1.0 / (1.0 + gf_exp(-x));
}

// gf_erf_series: erf z for 0 <= z < 1 from the series with positive terms
// erf z = 2/√π·e^(-z²)·Σ (2z²)^n·z/(1·3···(2n+1)).
GF_DEV double gf_erf_series(double z) {
	double z2 = 2.0 * z * z, term = z, sum = z;
	for (int n = 1; n < 60; n++) {
		term *= z2 / (2 * n + 1);
		sum += term;
		if (term < 1e-17 * sum) break;
	}
	return sum * gf_exp(-z * z) * 1.1283791670955126; // 2/√π
}

// gf_erfc_pos: erfc z for z >= 0. Below 1 it is 1 - erf z; above,
// Laplace's continued fraction
// erfc z = e^(-z²)/√π · 1/(z + (1/2)/(z + 1/(z + (3/2)/(z + ...)))),
// evaluated backwards with enough terms for double precision.
// zz is z² as an unevaluated sum hi + lo, so that e^(-z²) keeps its
// relative accuracy far in the tail.
GF_DEV double gf_erfc_pos2(double z, double zz_hi, double zz_lo) {
	if (z < 1.0) return 1.0 - gf_erf_series(z);
	if (z > 27.3) return 0.0;
	int terms = z < 1.5 ? 200 : (z < 2.5 ? 100 : 40);
	double t = z;
	for (int n = terms; n >= 1; n--) t = z + (0.5 * n) / t;
	return gf_exp(-zz_hi) * (1.0 - zz_lo) * 0.5641895835477563 / t; // 1/√π
}

GF_DEV double gf_erfc_pos(double z) {
	double hi = z * z;
	return gf_erfc_pos2(z, hi, gf_fma(z, z, -hi));
}

GF_DEV double gf_erf(double x) {
	double a = gf_fabs(x);
	if (a != a) return x + x;
	double r = a < 1.0 ? gf_erf_series(a) : 1.0 - gf_erfc_pos(a);
	return x < 0.0 ? -r : r;
}

// gf_phi: the standard normal distribution function Φ(x) = erfc(-x/√2)/2,
// without cancellation in either tail.
GF_DEV double gf_phi(double x) {
	if (x != x) return x;
	double z = gf_fabs(x) * 0.7071067811865476;
	double hi = x * x, lo = gf_fma(x, x, -hi); // z² = (hi + lo)/2 exactly
	double c = 0.5 * gf_erfc_pos2(z, 0.5 * hi, 0.5 * lo);
	return x <= 0.0 ? c : 1.0 - c;
}

// --- sin and cos ---

// 2/π in binary: word j holds the fraction bits 64j+1 ... 64j+64.
GF_DEV gf_u64 gf_two_over_pi_word(int j) {
	const gf_u64 w[20] = {
	    0xa2f9836e4e441529ull, 0xfc2757d1f534ddc0ull, 0xdb6295993c439041ull, 0xfe5163abdebbc561ull,
	    0xb7246e3a424dd2e0ull, 0x06492eea09d1921cull, 0xfe1deb1cb129a73eull, 0xe88235f52ebb4484ull,
	    0xe99c7026b45f7e41ull, 0x3991d639835339f4ull, 0x9c845f8bbdf9283bull, 0x1ff897ffde05980full,
	    0xef2f118b5a0a6d1full, 0x6d367ecf27cb09b7ull, 0x4f463f669e5fea2dull, 0x7527bac7ebe5f17bull,
	    0x3d0739f78a5292eaull, 0x6bfb5fb11f8d5d08ull, 0x56033046fc7b6babull, 0xf0cfbc209af4361dull};
	return (j >= 0 && j < 20) ? w[j] : 0ull;
}

// gf_two_over_pi_bits returns the 64 fraction bits s ... s+63 of 2/π
// (bit 1 is the first after the binary point).
GF_DEV gf_u64 gf_two_over_pi_bits(int s) {
	int j = (s - 1) >> 6, sh = (s - 1) & 63;
	gf_u64 hi = gf_two_over_pi_word(j), lo = gf_two_over_pi_word(j + 1);
	return sh == 0 ? hi : (hi << sh) | (lo >> (64 - sh));
}

GF_DEV void gf_mul64(gf_u64 a, gf_u64 b, gf_u64 *hi, gf_u64 *lo) {
	gf_u64 a0 = (gf_u32)a, a1 = a >> 32, b0 = (gf_u32)b, b1 = b >> 32;
	gf_u64 p00 = a0 * b0, p01 = a0 * b1, p10 = a1 * b0, p11 = a1 * b1;
	gf_u64 mid = (p00 >> 32) + (gf_u32)p01 + (gf_u32)p10;
	*lo = (mid << 32) | (gf_u32)p00;
	*hi = p11 + (p01 >> 32) + (p10 >> 32) + (mid >> 32);
}

// gf_reduce_pio2 returns r in [-π/4, π/4] and q with x = q·π/2 + r (mod
// 2π, q taken mod 4). Below 2^30, a three-part Cody-Waite reduction;
// above, Payne and Hanek's method with 192 bits of 2/π.
GF_DEV double gf_reduce_pio2(double x, int *q) {
	if (gf_fabs(x) < 1073741824.0) {
		double k = gf_rint(x * 0.6366197723675814);
		double r = gf_fma(-k, 1.5707963267948966, x);
		r = gf_fma(-k, 6.123233995736766e-17, r);
		r = gf_fma(-k, -1.4973849048591698e-33, r);
		*q = (int)((gf_i64)k & 3);
		return r;
	}
	bool neg = x < 0.0;
	gf_u64 u = gf_d2u(x);
	int E = (int)((u >> 52) & 0x7ff) - 1075; // x = M·2^E
	gf_u64 M = (u & 0x000fffffffffffffull) | 0x0010000000000000ull;
	int s = E - 1 > 1 ? E - 1 : 1; // bits of 2/π before s only add multiples of 4
	gf_u64 w0 = gf_two_over_pi_bits(s), w1 = gf_two_over_pi_bits(s + 64), w2 = gf_two_over_pi_bits(s + 128);
	// P = M·(w0 w1 w2), a 256-bit integer in p3 p2 p1 p0.
	gf_u64 h0, l0, h1, l1, h2, l2;
	gf_mul64(M, w0, &h0, &l0);
	gf_mul64(M, w1, &h1, &l1);
	gf_mul64(M, w2, &h2, &l2);
	gf_u64 p0 = l2;
	gf_u64 p1 = l1 + h2;
	gf_u64 c1 = p1 < l1 ? 1 : 0;
	gf_u64 p2 = l0 + h1;
	gf_u64 c2 = p2 < l0 ? 1 : 0;
	p2 += c1;
	c2 += (p2 < c1) ? 1 : 0;
	gf_u64 p3 = h0 + c2;
	// x·2/π mod 4 = P·2^-sh mod 4: bits [sh, sh+2) are q, the 128 bits
	// below are the fraction.
	int sh = s + 191 - E;
	// The 64 bits [pos, pos+64) of P (zero above bit 255), without an
	// indexed array, which would live in local memory.
#define GF_PWORD(i) ((i) == 0 ? p0 : (i) == 1 ? p1 : (i) == 2 ? p2 : (i) == 3 ? p3 : 0ull)
#define GF_PBITS(pos) (((pos) & 63) == 0 ? GF_PWORD((pos) >> 6) : (GF_PWORD((pos) >> 6) >> ((pos) & 63)) | (GF_PWORD(((pos) >> 6) + 1) << (64 - ((pos) & 63))))
	gf_u64 fhi = GF_PBITS(sh - 64);
	gf_u64 flo = GF_PBITS(sh - 128);
	*q = (int)(GF_PBITS(sh) & 3);
#undef GF_PBITS
#undef GF_PWORD
	// Fraction f in [0, 1) as a signed value in [-1/2, 1/2).
	bool upper = (fhi >> 63) != 0;
	if (upper) { // f - 1 = -(2^128 - F)·2^-128
		flo = ~flo + 1;
		fhi = ~fhi + (flo == 0 ? 1 : 0);
		*q = (*q + 1) & 3;
	}
	// Normalise the 128-bit magnitude and convert its top 64 bits.
	int lz = 0;
	if (fhi == 0) {
		fhi = flo;
		flo = 0;
		lz = 64;
	}
	while ((fhi >> 63) == 0 && lz < 127) {
		fhi = (fhi << 1) | (flo >> 63);
		flo <<= 1;
		lz++;
	}
	double f = (double)fhi * 5.421010862427522e-20; // 2^-64
	f = gf_ldexp_small(f, -lz);
	if (upper) f = -f;
	double r = f * 1.5707963267948966 + f * 6.123233995736766e-17;
	if (neg) {
		r = -r;
		*q = (4 - *q) & 3;
	}
	return r;
}

// gf_sin_kernel and gf_cos_kernel: sin r and cos r for |r| <= π/4, Taylor
// to degree 17 and 18 (truncation below 1e-19).
GF_DEV double gf_sin_kernel(double r) {
	double z = r * r;
	double p = 2.8114572543455207632e-15;
	p = gf_fma(p, z, -7.6471637318198164759e-13);
	p = gf_fma(p, z, 1.6059043836821614599e-10);
	p = gf_fma(p, z, -2.5052108385441718775e-8);
	p = gf_fma(p, z, 2.7557319223985890653e-6);
	p = gf_fma(p, z, -1.9841269841269841270e-4);
	p = gf_fma(p, z, 8.3333333333333333333e-3);
	p = gf_fma(p, z, -1.6666666666666666667e-1);
	return gf_fma(r * z, p, r);
}

GF_DEV double gf_cos_kernel(double r) {
	double z = r * r;
	double p = -1.5619206968586226462e-16;
	p = gf_fma(p, z, 4.7794773323873852974e-14);
	p = gf_fma(p, z, -1.1470745597729724714e-11);
	p = gf_fma(p, z, 2.0876756987868098979e-9);
	p = gf_fma(p, z, -2.7557319223985890653e-7);
	p = gf_fma(p, z, 2.4801587301587301587e-5);
	p = gf_fma(p, z, -1.3888888888888888889e-3);
	p = gf_fma(p, z, 4.1666666666666666667e-2);
	double hz = 0.5 * z, w = 1.0 - hz;
	return w + (((1.0 - w) - hz) + z * z * p);
}

GF_DEV double gf_sin(double x) {
	if (x != x || gf_fabs(x) == gf_inf()) return gf_nan();
	if (x == 0.0) return x;
	int q;
	double r = gf_reduce_pio2(x, &q);
	switch (q) {
	case 0: return gf_sin_kernel(r);
	case 1: return gf_cos_kernel(r);
	case 2: return -gf_sin_kernel(r);
	default: return -gf_cos_kernel(r);
	}
}

GF_DEV double gf_cos(double x) {
	if (x != x || gf_fabs(x) == gf_inf()) return gf_nan();
	int q;
	double r = gf_reduce_pio2(x, &q);
	switch (q) {
	case 0: return gf_cos_kernel(r);
	case 1: return -gf_sin_kernel(r);
	case 2: return -gf_cos_kernel(r);
	default: return gf_sin_kernel(r);
	}
}

// --- pow, with the special cases of Go's math.Pow ---

// gf_isoddint reports whether y is an odd integer; gf_isint whether an
// integer.
GF_DEV bool gf_isint(double y) { return gf_trunc(y) == y; }
GF_DEV bool gf_isoddint(double y) {
	if (gf_fabs(y) >= 9007199254740992.0 || !gf_isint(y)) return false;
	return ((gf_i64)y & 1) != 0;
}

GF_DEV double gf_pow(double x, double y) {
	if (y == 0.0 || x == 1.0) return 1.0;
	if (y == 1.0) return x;
	if (x != x || y != y) return gf_nan();
	double inf = gf_inf();
	if (x == 0.0) {
		if (y < 0.0) {
			if (y == -inf) return inf;
			return gf_isoddint(y) ? (gf_d2u(x) >> 63 ? -inf : inf) : inf;
		}
		if (y == inf) return 0.0;
		return gf_isoddint(y) ? x : 0.0;
	}
	if (gf_fabs(y) == inf) {
		if (x == -1.0) return 1.0;
		if ((gf_fabs(x) < 1.0) == (y > 0.0)) return 0.0;
		return inf;
	}
	if (gf_fabs(x) == inf) {
		if (x < 0.0) return gf_pow(gf_u2d(0x8000000000000000ull), -y);
		return y > 0.0 ? inf : 0.0;
	}
	bool negate = false;
	if (x < 0.0) {
		if (!gf_isint(y)) return gf_nan();
		negate = gf_isoddint(y);
		x = -x;
	}
	// Small integer powers by repeated squaring are exact where the
	// product is; others through exp(y·log x).
	double r;
	if (gf_isint(y) && gf_fabs(y) <= 64.0) {
		gf_i64 n = (gf_i64)gf_fabs(y);
		double b = x, acc = 1.0;
		while (n) {
			if (n & 1) acc *= b;
			b *= b;
			n >>= 1;
		}
		r = y < 0.0 ? 1.0 / acc : acc;
	} else {
		r = gf_exp(y * gf_log(x));
	}
	return negate ? -r : r;
}
