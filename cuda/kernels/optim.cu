// optim.cu: tensor.Backend's fused AdamW step, with the CPU's arithmetic:
// in double, one rounding per stored value.
#include "prelude.cuh"

// Operands: param, grad, m, v. stepSize = LR/(1-β1^t), bc2s = √(1-β2^t),
// decay = 1 - LR·λ are computed on the host, as on the CPU.
template <typename T>
GF_DEV void adamw(const gf_layout<4> &L, T *param, const T *grad, T *m, T *v, double beta1, double beta2, double eps,
                  double step_size, double bc2s, double decay) {
	for (gf_u64 i = gf_global_id(); i < (gf_u64)L.n; i += gf_grid_size()) {
		gf_i64 off[4];
		gf_offsets(L, i, off);
		double g = (double)grad[off[1]];
		double mi = beta1 * (double)m[off[2]] + (1.0 - beta1) * g;
		double vi = beta2 * (double)v[off[3]] + (1.0 - beta2) * g * g;
		m[off[2]] = (T)mi;
		v[off[3]] = (T)vi;
		param[off[0]] = (T)((double)param[off[0]] * decay - step_size * mi / (gf_sqrt(vi) / bc2s + eps));
	}
}

extern "C" __global__ void gf_adamw_f32(gf_layout<4> L, float *param, const float *grad, float *m, float *v, double beta1, double beta2,
                                        double eps, double step_size, double bc2s, double decay) {
	adamw(L, param, grad, m, v, beta1, beta2, eps, step_size, bc2s, decay);
}
extern "C" __global__ void gf_adamw_f64(gf_layout<4> L, double *param, const double *grad, double *m, double *v, double beta1,
                                        double beta2, double eps, double step_size, double bc2s, double decay) {
	adamw(L, param, grad, m, v, beta1, beta2, eps, step_size, bc2s, decay);
}
