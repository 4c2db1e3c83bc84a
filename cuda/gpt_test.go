package cuda

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/tensor"
)

// miniGPT is a small GPT written with tensor ops: token and learned
// position embeddings, pre-LayerNorm blocks of causal multi-head
// self-attention and a GELU MLP, a final LayerNorm and an LM head tied to
// the token embedding.
type miniGPT struct {
	vocab, ctx, dim, heads, layers int
	params                         []*tensor.Tensor
	names                          []string
}

func (m *miniGPT) param(name string, t *tensor.Tensor) *tensor.Tensor {
	m.params = append(m.params, t)
	m.names = append(m.names, name)
	return t
}

// newMiniGPT draws the parameters on the CPU from a fixed seed.
func newMiniGPT(seed uint64) *miniGPT {
	m := &miniGPT{vocab: 53, ctx: 12, dim: 32, heads: 4, layers: 2}
	rng := rand.New(rand.NewPCG(seed, seed+1))
	normal := func(std float64, shape ...int) *tensor.Tensor {
		return tensor.RandN(rng, shape...).Scale(std)
	}
	d := m.dim
	m.param("wte", normal(0.1, m.vocab, d))
	m.param("wpe", normal(0.05, m.ctx, d))
	for l := range m.layers {
		p := fmt.Sprintf("h%d.", l)
		m.param(p+"ln1.w", tensor.Ones(d).Add(normal(0.05, d)))
		m.param(p+"ln1.b", normal(0.05, d))
		m.param(p+"attn.w", normal(0.1, 3*d, d))
		m.param(p+"attn.b", normal(0.02, 3*d))
		m.param(p+"proj.w", normal(0.1, d, d))
		m.param(p+"proj.b", normal(0.02, d))
		m.param(p+"ln2.w", tensor.Ones(d).Add(normal(0.05, d)))
		m.param(p+"ln2.b", normal(0.05, d))
		m.param(p+"fc.w", normal(0.1, 4*d, d))
		m.param(p+"fc.b", normal(0.02, 4*d))
		m.param(p+"fc2.w", normal(0.1, d, 4*d))
		m.param(p+"fc2.b", normal(0.02, d))
	}
	m.param("lnf.w", tensor.Ones(d).Add(normal(0.05, d)))
	m.param("lnf.b", normal(0.05, d))
	return m
}

// to returns a copy of the model on dev, as leaves that require gradients.
func (m *miniGPT) to(dev tensor.Device) *miniGPT {
	c := *m
	c.params = nil
	for _, p := range m.params {
		c.params = append(c.params, p.To(dev).Detach().Clone().SetRequiresGrad(true)) // a copy: the step updates it in place
	}
	return &c
}

// loss runs the forward pass on ids and targets [B, T].
func (m *miniGPT) loss(ids, targets *tensor.Tensor) *tensor.Tensor {
	B, T := ids.Dim(0), ids.Dim(1)
	d, H := m.dim, m.heads
	hd := d / H
	p := m.params
	wte, wpe := p[0], p[1]
	x := tensor.Embedding(wte, ids).Add(wpe.Narrow(0, 0, T))
	// The causal mask: 1 above the diagonal, on x's device.
	mask := make([]float32, T*T)
	for i := range T {
		for j := i + 1; j < T; j++ {
			mask[i*T+j] = 1
		}
	}
	causal := tensor.FromSlice(mask, T, T).To(x.Device())
	for l := range m.layers {
		q := p[2+12*l:]
		h := tensor.LayerNorm(x, q[0], q[1], 1e-5)
		qkv := tensor.Linear(h, q[2], q[3]) // [B, T, 3d]
		heads := func(i int) *tensor.Tensor {
			return qkv.Narrow(2, i*d, d).Reshape(B, T, H, hd).Permute(0, 2, 1, 3) // [B, H, T, hd]
		}
		qh, kh, vh := heads(0), heads(1), heads(2)
		att := qh.MatMul(kh.Transpose(2, 3)).Scale(1 / math.Sqrt(float64(hd)))
		att = att.MaskedFill(causal, math.Inf(-1)).Softmax(-1)
		y := att.MatMul(vh).Permute(0, 2, 1, 3).Reshape(B, T, d)
		x = x.Add(tensor.Linear(y, q[4], q[5]))
		h2 := tensor.LayerNorm(x, q[6], q[7], 1e-5)
		x = x.Add(tensor.Linear(tensor.Linear(h2, q[8], q[9]).GELU(), q[10], q[11]))
	}
	n := len(p)
	x = tensor.LayerNorm(x, p[n-2], p[n-1], 1e-5)
	logits := x.MatMul(wte.T()) // tied LM head
	return tensor.CrossEntropy(logits.Reshape(B*T, m.vocab), targets.Reshape(B*T))
}

// step runs one training step and returns the loss, the gradients and the
// updated parameters, all on the CPU.
func (m *miniGPT) step(ids, targets *tensor.Tensor) (float64, [][]float64, [][]float64) {
	loss := m.loss(ids, targets)
	loss.Backward()
	var grads, updated [][]float64
	// Eps 1e-6 rather than 1e-8: the key bias of attention has a gradient
	// that is zero in exact arithmetic (softmax ignores a shift shared by
	// all keys), so both sides hold rounding noise near 1e-9 there, and a
	// first AdamW step divides it by its own magnitude plus Eps. With 1e-8
	// the update would be ±LR on noise; with 1e-6 noise stays noise.
	hp := tensor.AdamWParams{LR: 3e-3, Beta1: 0.9, Beta2: 0.95, Eps: 1e-6, WeightDecay: 0.1, Step: 1}
	for _, p := range m.params {
		g := p.Grad()
		grads = append(grads, values(g))
		mom := tensor.FullLike(p, 0)
		vel := tensor.FullLike(p, 0)
		w := p.Detach()
		tensor.AdamWStep(w, g, mom, vel, hp)
		updated = append(updated, values(w))
	}
	return loss.Item(), grads, updated
}

// TestGPTTrainingStepOnTheDeviceMatchesTheCPU runs the forward pass,
// backward pass and fused AdamW step of a small GPT on the CPU and on the
// device from the same weights and batch, and compares the loss, every
// gradient and every updated parameter within 1e-4.
func TestGPTTrainingStepOnTheDeviceMatchesTheCPU(t *testing.T) {
	forEachDevice(t, func(t *testing.T, dev tensor.Device) {
		base := newMiniGPT(41)
		rng := rand.New(rand.NewPCG(42, 43))
		B, T := 3, base.ctx
		idv, tgv := make([]int32, B*T), make([]int32, B*T)
		for i := range idv {
			idv[i] = int32(rng.IntN(base.vocab))
			tgv[i] = int32(rng.IntN(base.vocab))
		}
		tgv[5] = -100 // an ignored position
		ids, targets := tensor.FromSlice(idv, B, T), tensor.FromSlice(tgv, B, T)

		lc, gc, pc := base.to(tensor.CPU).step(ids, targets)
		ld, gd, pd := base.to(dev).step(ids.To(dev), targets.To(dev))
		if math.IsNaN(lc) || math.IsNaN(ld) {
			t.Fatalf("loss is NaN: CPU %v, device %v", lc, ld)
		}
		t.Logf("loss: CPU %.7f, device %.7f", lc, ld)
		compare(t, "loss", []float64{ld}, []float64{lc}, tolTrainingF32)
		for i, name := range base.names {
			compare(t, "grad "+name, gd[i], gc[i], tolTrainingF32)
			compare(t, "updated "+name, pd[i], pc[i], tolTrainingF32)
		}
	})
}
