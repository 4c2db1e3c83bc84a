// gemm.cu: tensor.Backend's MatMul, C = alpha·op(A)·op(B) + beta·C for a
// batch of matrices, in float32 (SGEMM) and float64 (DGEMM), with every
// combination of transposed operands.
//
// The classic tiled design: a block of 256 threads computes a BM×BN tile
// of C, stepping through K in slices of BK. Each step stages an A and a B
// slice in shared memory (double-buffered: the next slice is loaded from
// global memory into registers while the current one is multiplied), and
// each thread accumulates a TM×TN register tile. A thread's rows are two
// groups of TM/2 (at ty·TM/2 and BM/2 + ty·TM/2), and likewise its
// columns, so that its shared-memory reads are 16-byte vectors without
// bank conflicts. Partial tiles at the edges are zero-filled on load and
// masked on store. No tensor cores: results are IEEE float32/float64
// products summed in order of k within a thread, as PyTorch's default
// (TF32 disabled) computes them.
#include "prelude.cuh"

// ldv loads W consecutive elements with one vector instruction.
template <int W, typename T>
GF_DEV void ldv(const T *p, T *o) {
	if (W == 4) gf_ld4((const float *)p, (float *)o);
	else gf_ld2(p, o);
}

// A and B are read at A[m·rsA + k·csA] and B[k·rsB + n·csB]: the host
// passes (lda, 1) or (1, lda) and so on, and TA/TB select the loading
// order that keeps global reads coalesced.
template <typename T, int BM, int BN, int BK, int TM, int TN, bool TA, bool TB>
GF_DEV void gemm_tile(const gf_layout<3> &batch, const T *A, const T *B, T *C, gf_i64 M, gf_i64 N, gf_i64 K, gf_i64 lda,
                      gf_i64 ldb, gf_i64 ldc, double alpha, double beta) {
	constexpr int THREADS = (BM / TM) * (BN / TN);
	constexpr int PAD = 16 / (int)sizeof(T);
	constexpr int AL = BM * BK / THREADS; // A elements each thread loads per slice
	constexpr int BL = BK * BN / THREADS;
	__shared__ GF_ALIGN(16) T As[2][BK][BM + PAD];
	__shared__ GF_ALIGN(16) T Bs[2][BK][BN + PAD];

	int tid = threadIdx.x;
	int tx = tid % (BN / TN), ty = tid / (BN / TN);
	gf_i64 m0 = (gf_i64)blockIdx.y * BM, n0 = (gf_i64)blockIdx.x * BN;
	gf_i64 ktiles = (K + BK - 1) / BK;

	for (gf_u64 z = blockIdx.z; z < (gf_u64)batch.n; z += gridDim.z) {
		gf_i64 off[3];
		gf_offsets(batch, z, off);
		const T *a = A + off[0];
		const T *b = B + off[1];
		T *c = C + off[2];

		// Each thread loads AL elements of every A slice and BL of every B
		// slice at fixed places in the tile; their addresses advance by one
		// slice per step, so the loop does no index arithmetic.
		const T *pa[AL];
		const T *pb[BL];
		int ka[AL], kb[BL];
		bool va[AL], vb[BL];
#pragma unroll
		for (int i = 0; i < AL; i++) {
			int e = tid + i * THREADS;
			int m = TA ? e % BM : e / BK, k = TA ? e / BM : e % BK;
			ka[i] = k;
			va[i] = m0 + m < M;
			pa[i] = TA ? a + (gf_i64)k * lda + (m0 + m) : a + (m0 + m) * lda + k;
		}
#pragma unroll
		for (int i = 0; i < BL; i++) {
			int e = tid + i * THREADS;
			int n = TB ? e / BK : e % BN, k = TB ? e % BK : e / BN;
			kb[i] = k;
			vb[i] = n0 + n < N;
			pb[i] = TB ? b + (n0 + n) * ldb + k : b + (gf_i64)k * ldb + (n0 + n);
		}
		gf_i64 stepA = TA ? (gf_i64)BK * lda : BK, stepB = TB ? BK : (gf_i64)BK * ldb;

		T ra[AL], rb[BL];
		// load_slice reads slice kt of A and B into registers.
		auto load_slice = [&](gf_i64 kt) {
			gf_i64 k0 = kt * BK;
#pragma unroll
			for (int i = 0; i < AL; i++) ra[i] = (va[i] && k0 + ka[i] < K) ? pa[i][kt * stepA] : (T)0;
#pragma unroll
			for (int i = 0; i < BL; i++) rb[i] = (vb[i] && k0 + kb[i] < K) ? pb[i][kt * stepB] : (T)0;
		};
		auto store_slice = [&](int buf) {
#pragma unroll
			for (int i = 0; i < AL; i++) {
				int e = tid + i * THREADS;
				int m = TA ? e % BM : e / BK, k = TA ? e / BM : e % BK;
				As[buf][k][m] = ra[i];
			}
#pragma unroll
			for (int i = 0; i < BL; i++) {
				int e = tid + i * THREADS;
				int n = TB ? e / BK : e % BN, k = TB ? e % BK : e / BN;
				Bs[buf][k][n] = rb[i];
			}
		};

		T acc[TM][TN];
#pragma unroll
		for (int i = 0; i < TM; i++)
#pragma unroll
			for (int j = 0; j < TN; j++) acc[i][j] = (T)0;

		if (ktiles > 0) {
			load_slice(0);
			store_slice(0);
		}
		__syncthreads();
		for (gf_i64 kt = 0; kt < ktiles; kt++) {
			int buf = (int)(kt & 1);
			if (kt + 1 < ktiles) load_slice(kt + 1);
#pragma unroll
			for (int k = 0; k < BK; k++) {
				T fa[TM], fb[TN];
				ldv<TM / 2>(&As[buf][k][ty * (TM / 2)], fa);
				ldv<TM / 2>(&As[buf][k][BM / 2 + ty * (TM / 2)], fa + TM / 2);
				ldv<TN / 2>(&Bs[buf][k][tx * (TN / 2)], fb);
				ldv<TN / 2>(&Bs[buf][k][BN / 2 + tx * (TN / 2)], fb + TN / 2);
#pragma unroll
				for (int i = 0; i < TM; i++)
#pragma unroll
					for (int j = 0; j < TN; j++) acc[i][j] = fa[i] * fb[j] + acc[i][j];
			}
			if (kt + 1 < ktiles) store_slice(buf ^ 1);
			__syncthreads();
		}

		T al = (T)alpha, be = (T)beta;
#pragma unroll
		for (int i = 0; i < TM; i++) {
			gf_i64 gm = m0 + (i < TM / 2 ? ty * (TM / 2) + i : BM / 2 + ty * (TM / 2) + (i - TM / 2));
			if (gm >= M) continue;
#pragma unroll
			for (int j = 0; j < TN; j++) {
				gf_i64 gn = n0 + (j < TN / 2 ? tx * (TN / 2) + j : BN / 2 + tx * (TN / 2) + (j - TN / 2));
				if (gn >= N) continue;
				T *p = c + gm * ldc + gn;
				*p = beta == 0.0 ? al * acc[i][j] : al * acc[i][j] + be * *p;
			}
		}
	}
}

#define GEMM_KERNEL(NAME, T, BM, BN, BK, TM, TN, TA, TB)                                                                  \
	extern "C" __global__ void __launch_bounds__(256) NAME(gf_layout<3> batch, const T *A, const T *B, T *C, gf_i64 M,     \
	                                                        gf_i64 N, gf_i64 K, gf_i64 lda, gf_i64 ldb, gf_i64 ldc,           \
	                                                        double alpha, double beta) {                                      \
		gemm_tile<T, BM, BN, BK, TM, TN, TA, TB>(batch, A, B, C, M, N, K, lda, ldb, ldc, alpha, beta);                      \
	}

#define GEMM_FAMILY(PREFIX, T, BM, BN, BK, TM, TN)                 \
	GEMM_KERNEL(PREFIX##_nn, T, BM, BN, BK, TM, TN, false, false) \
	GEMM_KERNEL(PREFIX##_nt, T, BM, BN, BK, TM, TN, false, true)  \
	GEMM_KERNEL(PREFIX##_tn, T, BM, BN, BK, TM, TN, true, false)  \
	GEMM_KERNEL(PREFIX##_tt, T, BM, BN, BK, TM, TN, true, true)

GEMM_FAMILY(gf_sgemm128, float, 128, 128, 8, 8, 8)
GEMM_FAMILY(gf_sgemm64, float, 64, 64, 8, 4, 4)
GEMM_FAMILY(gf_sgemm128x64, float, 128, 64, 8, 8, 4)
GEMM_FAMILY(gf_dgemm64, double, 64, 64, 8, 4, 4)
