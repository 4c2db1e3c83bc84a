package optim

import (
	"math"

	"github.com/goformer/goformer/tensor"
)

// The update rules. Each follows the single-tensor code path of PyTorch
// 1.13's torch.optim operation by operation, so that trajectories agree to
// rounding. Zero-valued coefficients that PyTorch gives a non-zero default
// (betas, eps, alpha) take that default.

func orDefault(v, def float64) float64 {
	if v == 0 {
		return def
	}
	return v
}

// scalarLike returns a rank-0 tensor holding v with t's dtype and device.
func scalarLike(t *tensor.Tensor, v float64) *tensor.Tensor {
	return tensor.FullOn(t.Device(), t.DType(), v)
}

// withDecay returns g + wd·p, the L2-regularised gradient (g itself when
// wd is 0).
func withDecay(g, p *tensor.Tensor, wd float64) *tensor.Tensor {
	if wd == 0 {
		return g
	}
	return g.Add(p.Scale(wd))
}

// SGD is stochastic gradient descent with optional momentum, dampening,
// Nesterov momentum and L2 weight decay, as torch.optim.SGD:
//
//	g ← g + wd·p
//	b ← g at the first step, else Momentum·b + (1-Dampening)·g
//	g ← g + Momentum·b (Nesterov) or b
//	p ← p - lr·g
type SGD struct {
	Momentum  float64
	Dampening float64
	Nesterov  bool
}

// Name returns "sgd".
func (SGD) Name() string { return "sgd" }

// Slots returns the momentum buffer's name when there is momentum.
func (r SGD) Slots() []string {
	if r.Momentum == 0 {
		return nil
	}
	return []string{"momentum_buffer"}
}

// Init returns a zero momentum buffer when there is momentum.
func (r SGD) Init(p *tensor.Tensor) []*tensor.Tensor {
	if r.Momentum == 0 {
		return nil
	}
	return []*tensor.Tensor{tensor.ZerosLike(p)}
}

// Update applies one SGD step.
func (r SGD) Update(p, g *tensor.Tensor, s []*tensor.Tensor, h Hyper) {
	d := withDecay(g, p, h.WeightDecay)
	if r.Momentum != 0 {
		buf := s[0]
		if h.Step == 1 {
			buf.CopyFrom(d)
		} else {
			buf.ScaleInPlace(r.Momentum)
			buf.AddScaledInPlace(1-r.Dampening, d)
		}
		if r.Nesterov {
			d = d.Add(buf.Scale(r.Momentum))
		} else {
			d = buf
		}
	}
	p.AddScaledInPlace(-h.LR, d)
}

// Adam is Adam (Kingma & Ba) with L2 weight decay added to the gradient,
// as torch.optim.Adam; with AMSGrad it keeps the running maximum of the
// second moment. Beta1, Beta2 and Eps default to 0.9, 0.999 and 1e-8.
// Without AMSGrad it runs the backend's fused AdamW kernel on the decayed
// gradient.
type Adam struct {
	Beta1, Beta2, Eps float64
	AMSGrad           bool
}

// Name returns "adam".
func (Adam) Name() string { return "adam" }

// Slots returns the moment buffers' names.
func (r Adam) Slots() []string { return adamSlots(r.AMSGrad) }

// Init returns zero moments.
func (r Adam) Init(p *tensor.Tensor) []*tensor.Tensor { return adamInit(p, r.AMSGrad) }

// Update applies one Adam step.
func (r Adam) Update(p, g *tensor.Tensor, s []*tensor.Tensor, h Hyper) {
	g = withDecay(g, p, h.WeightDecay)
	adamUpdate(p, g, s, h, r.Beta1, r.Beta2, r.Eps, r.AMSGrad, 0)
}

// AdamW is Adam with decoupled weight decay (Loshchilov & Hutter), as
// torch.optim.AdamW: p ← p·(1 - lr·wd) before the Adam step. Beta1, Beta2
// and Eps default to 0.9, 0.999 and 1e-8. Without AMSGrad it is one call
// of the backend's fused AdamW kernel (tensor.AdamWStep) per parameter.
type AdamW struct {
	Beta1, Beta2, Eps float64
	AMSGrad           bool
}

// Name returns "adamw".
func (AdamW) Name() string { return "adamw" }

// Slots returns the moment buffers' names.
func (r AdamW) Slots() []string { return adamSlots(r.AMSGrad) }

// Init returns zero moments.
func (r AdamW) Init(p *tensor.Tensor) []*tensor.Tensor { return adamInit(p, r.AMSGrad) }

// Update applies one AdamW step.
func (r AdamW) Update(p, g *tensor.Tensor, s []*tensor.Tensor, h Hyper) {
	adamUpdate(p, g, s, h, r.Beta1, r.Beta2, r.Eps, r.AMSGrad, h.WeightDecay)
}

func adamSlots(ams bool) []string {
	if ams {
		return []string{"exp_avg", "exp_avg_sq", "max_exp_avg_sq"}
	}
	return []string{"exp_avg", "exp_avg_sq"}
}

func adamInit(p *tensor.Tensor, ams bool) []*tensor.Tensor {
	s := []*tensor.Tensor{tensor.ZerosLike(p), tensor.ZerosLike(p)}
	if ams {
		s = append(s, tensor.ZerosLike(p))
	}
	return s
}

// adamUpdate is the Adam step with decoupled decay wd (0 for Adam, whose
// decay is already in g).
func adamUpdate(p, g *tensor.Tensor, s []*tensor.Tensor, h Hyper, beta1, beta2, eps float64, ams bool, wd float64) {
	beta1, beta2, eps = orDefault(beta1, 0.9), orDefault(beta2, 0.999), orDefault(eps, 1e-8)
	m, v := s[0], s[1]
	if !ams {
		tensor.AdamWStep(p, g, m, v, tensor.AdamWParams{LR: h.LR, Beta1: beta1, Beta2: beta2, Eps: eps, WeightDecay: wd, Step: h.Step})
		return
	}
	if wd != 0 {
		p.ScaleInPlace(1 - h.LR*wd)
	}
	m.ScaleInPlace(beta1)
	m.AddScaledInPlace(1-beta1, g)
	v.ScaleInPlace(beta2)
	v.AddScaledInPlace(1-beta2, g.Mul(g))
	bc1 := 1 - math.Pow(beta1, float64(h.Step))
	bc2 := 1 - math.Pow(beta2, float64(h.Step))
	vmax := s[2]
	vmax.CopyFrom(vmax.Maximum(v))
	denom := vmax.Sqrt().Div(scalarLike(p, math.Sqrt(bc2))).AddScalar(eps)
	p.AddScaledInPlace(-h.LR/bc1, m.Div(denom))
}

// RMSprop divides the gradient by a running root mean square of recent
// gradients (Hinton), as torch.optim.RMSprop, optionally centered (by the
// running mean) and with momentum. Alpha and Eps default to 0.99 and 1e-8.
type RMSprop struct {
	Alpha, Eps, Momentum float64
	Centered             bool
}

// Name returns "rmsprop".
func (RMSprop) Name() string { return "rmsprop" }

// Slots returns the state buffers' names.
func (r RMSprop) Slots() []string {
	s := []string{"square_avg"}
	if r.Momentum > 0 {
		s = append(s, "momentum_buffer")
	}
	if r.Centered {
		s = append(s, "grad_avg")
	}
	return s
}

// Init returns zero buffers.
func (r RMSprop) Init(p *tensor.Tensor) []*tensor.Tensor {
	s := make([]*tensor.Tensor, len(r.Slots()))
	for i := range s {
		s[i] = tensor.ZerosLike(p)
	}
	return s
}

// Update applies one RMSprop step.
func (r RMSprop) Update(p, g *tensor.Tensor, s []*tensor.Tensor, h Hyper) {
	alpha, eps := orDefault(r.Alpha, 0.99), orDefault(r.Eps, 1e-8)
	g = withDecay(g, p, h.WeightDecay)
	sq := s[0]
	sq.ScaleInPlace(alpha)
	sq.AddScaledInPlace(1-alpha, g.Mul(g))
	var avg *tensor.Tensor
	if r.Centered {
		ga := s[len(s)-1]
		ga.ScaleInPlace(alpha)
		ga.AddScaledInPlace(1-alpha, g)
		avg = sq.Sub(ga.Mul(ga)).Sqrt()
	} else {
		avg = sq.Sqrt()
	}
	avg = avg.AddScalar(eps)
	if r.Momentum > 0 {
		buf := s[1]
		buf.ScaleInPlace(r.Momentum)
		buf.AddInPlace(g.Div(avg))
		p.AddScaledInPlace(-h.LR, buf)
		return
	}
	p.AddScaledInPlace(-h.LR, g.Div(avg))
}

// Adagrad scales each coordinate by the root of its summed squared
// gradients (Duchi et al.), as torch.optim.Adagrad: the step size is
// lr/(1 + (t-1)·LRDecay) and the sums start at InitialAccumulator. Eps
// defaults to 1e-10.
type Adagrad struct {
	LRDecay            float64
	InitialAccumulator float64
	Eps                float64
}

// Name returns "adagrad".
func (Adagrad) Name() string { return "adagrad" }

// Slots returns the sum's name.
func (Adagrad) Slots() []string { return []string{"sum"} }

// Init returns the sum, filled with InitialAccumulator.
func (r Adagrad) Init(p *tensor.Tensor) []*tensor.Tensor {
	return []*tensor.Tensor{tensor.FullLike(p, r.InitialAccumulator)}
}

// Update applies one Adagrad step.
func (r Adagrad) Update(p, g *tensor.Tensor, s []*tensor.Tensor, h Hyper) {
	eps := orDefault(r.Eps, 1e-10)
	g = withDecay(g, p, h.WeightDecay)
	clr := h.LR / (1 + float64(h.Step-1)*r.LRDecay)
	sum := s[0]
	sum.AddInPlace(g.Mul(g))
	std := sum.Sqrt().AddScalar(eps)
	p.AddScaledInPlace(-clr, g.Div(std))
}

// Lion is the sign-momentum optimizer of Chen et al. (2023, "Symbolic
// Discovery of Optimization Algorithms") with decoupled weight decay:
//
//	p ← p·(1 - lr·wd)
//	p ← p - lr·sign(Beta1·m + (1-Beta1)·g)
//	m ← Beta2·m + (1-Beta2)·g
//
// Beta1 and Beta2 default to 0.9 and 0.99. Its updates have unit size per
// coordinate, so it wants a learning rate 3 to 10 times smaller than
// AdamW's and a weight decay as many times larger.
type Lion struct {
	Beta1, Beta2 float64
}

// Name returns "lion".
func (Lion) Name() string { return "lion" }

// Slots returns the momentum's name.
func (Lion) Slots() []string { return []string{"exp_avg"} }

// Init returns a zero momentum.
func (Lion) Init(p *tensor.Tensor) []*tensor.Tensor { return []*tensor.Tensor{tensor.ZerosLike(p)} }

// Update applies one Lion step.
func (r Lion) Update(p, g *tensor.Tensor, s []*tensor.Tensor, h Hyper) {
	beta1, beta2 := orDefault(r.Beta1, 0.9), orDefault(r.Beta2, 0.99)
	m := s[0]
	p.ScaleInPlace(1 - h.LR*h.WeightDecay)
	c := m.Scale(beta1)
	c.AddScaledInPlace(1-beta1, g)
	zero := scalarLike(p, 0)
	sign := c.Gt(zero).Sub(c.Lt(zero))
	p.AddScaledInPlace(-h.LR, sign)
	m.ScaleInPlace(beta2)
	m.AddScaledInPlace(1-beta2, g)
}
