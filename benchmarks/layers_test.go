package benchmarks

import (
	"fmt"
	"runtime/metrics"
	"syscall"
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// The layers benchmarks time multi-head attention and a transformer
// encoder layer at BERT-base sizes, inference through nn.Detached views and
// every call in a tensor.Scope, as a server runs them; benchmarks/reference/layers_torch.py
// times PyTorch's nn.MultiheadAttention and nn.TransformerEncoderLayer on
// the same sizes and layers_compare.sh alternates the two.

// layersFlopsMHA is the multiply-add count ×2 of one forward pass of
// self-attention: the input and output projections and the two products
// of attention.
func layersFlopsMHA(b, t, d int) float64 {
	proj := 2 * float64(b*t) * float64(d) * float64(4*d)
	attn := 2 * 2 * float64(b) * float64(t) * float64(t) * float64(d)
	return proj + attn
}

func layersInput(b, t, d int, seed uint64) *tensor.Tensor {
	x := tensor.Zeros(b, t, d)
	tensor.NewGenerator(seed).Normal(x, 0, 1)
	return x
}

func BenchmarkMultiHeadAttention(b *testing.B) {
	for _, s := range [][4]int{{8, 512, 768, 12}} {
		bs, t, d, h := s[0], s[1], s[2], s[3]
		name := fmt.Sprintf("b=%d,t=%d,d=%d,h=%d", bs, t, d, h)
		mha := attention.New(attention.Config{Dim: d, Heads: h, FusedQKV: true}, tensor.NewGenerator(1))
		x := layersInput(bs, t, d, 2)
		flops := layersFlopsMHA(bs, t, d)
		b.Run(name+"/forward", func(b *testing.B) {
			view := nn.Detached(mha) // inference: no graph is recorded
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				sc := tensor.NewScope()
				view.Forward(sc.Use(x), attention.Mask{}, nil)
				sc.Close()
			}
			tensorCPUReport(b, cpu0)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(bs*t*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
		b.Run(name+"/forward+backward", func(b *testing.B) {
			xg := x.Detach().SetRequiresGrad(true)
			g := layersInput(bs, t, d, 3)
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				nn.ZeroGrad(mha)
				xg.ZeroGrad()
				sc := tensor.NewScope()
				mha.Forward(sc.Use(xg), attention.Mask{}, nil).Backward(tensor.WithGrad(g))
				sc.Close()
			}
			tensorCPUReport(b, cpu0)
			b.ReportMetric(3*flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(bs*t*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

func BenchmarkEncoderLayer(b *testing.B) {
	for _, s := range [][3]int{{8, 128, 768}} {
		bs, t, d := s[0], s[1], s[2]
		name := fmt.Sprintf("b=%d,t=%d,d=%d", bs, t, d)
		layer := transformer.NewEncoderLayer(transformer.Config{Dim: d, Heads: 12, Hidden: 4 * d, Act: nn.GELU}, tensor.NewGenerator(1))
		x := layersInput(bs, t, d, 2)
		flops := layersFlopsMHA(bs, t, d) + 2*2*float64(bs*t)*float64(d)*float64(4*d)
		b.Run(name+"/forward", func(b *testing.B) {
			view := nn.Detached(layer)
			b.ReportAllocs()
			cpu0 := tensorCPU()
			for b.Loop() {
				sc := tensor.NewScope()
				view.Forward(sc.Use(x), attention.Mask{})
				sc.Close()
			}
			tensorCPUReport(b, cpu0)
			b.ReportMetric(flops*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64(bs*t*b.N)/b.Elapsed().Seconds(), "tokens/s")
		})
	}
}

// gcShare holds the CPU time the garbage collector (runtime/metrics) and
// the whole process (getrusage) have used so far, so that a benchmark can
// report the collector's share of its time.
type gcShare struct{ gc, total float64 }

func readGCShare() gcShare {
	s := []metrics.Sample{{Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return gcShare{s[0].Value.Float64(), tensorCPU() / 1e3}
}

// report adds the GC share of the CPU time since start (gc-%) and the
// process's peak resident memory (peak-RSS-MB). The runtime accounts the
// collector's time at the end of each cycle; a run with no collection
// reports 0.
func (start gcShare) report(b *testing.B) {
	end := readGCShare()
	if d := end.total - start.total; d > 0 {
		b.ReportMetric(100*(end.gc-start.gc)/d, "gc-%")
	}
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) == nil {
		b.ReportMetric(float64(ru.Maxrss)/1024, "peak-RSS-MB")
	}
}

// charGPT is a character-level GPT as nanoGPT's Shakespeare model: token
// and learned position embeddings, pre-LN blocks of causal self-attention
// and a GELU MLP from package transformer, a final norm and an LM head
// tied to the token embedding.
type charGPT struct {
	Wte   *tensor.Tensor `nn:"wte"`
	Wpe   *tensor.Tensor `nn:"wpe"`
	Stack *transformer.Stack
}

func newCharGPT(vocab, ctx, d, heads, layers int, act nn.Activation, seed uint64) *charGPT {
	g := tensor.NewGenerator(seed)
	m := &charGPT{Wte: tensor.Zeros(vocab, d), Wpe: tensor.Zeros(ctx, d)}
	g.Normal(m.Wte, 0, 0.02)
	g.Normal(m.Wpe, 0, 0.02)
	m.Wte.SetRequiresGrad(true)
	m.Wpe.SetRequiresGrad(true)
	m.Stack = transformer.NewStack(transformer.Config{Dim: d, Heads: heads, Hidden: 4 * d, Act: act}, layers, g)
	return m
}

// logits maps ids [B, T] to [B, T, vocab].
func (m *charGPT) logits(ids *tensor.Tensor) *tensor.Tensor {
	t := ids.Dim(1)
	x := tensor.Embedding(m.Wte, ids).Add(m.Wpe.Narrow(0, 0, t))
	h := m.Stack.Forward(x, nil, attention.Mask{Causal: true}, nil)
	return h.MatMul(m.Wte.T())
}

// randIDs returns b×t ids below vocab.
func randIDs(b, t, vocab int, seed uint64) *tensor.Tensor {
	ids := make([]int32, b*t)
	x := seed
	for i := range ids {
		x = x*6364136223846793005 + 1442695040888963407
		ids[i] = int32((x >> 33) % uint64(vocab))
	}
	return tensor.FromSlice(ids, b, t)
}

// The training steps of BenchmarkTrainStep (train_test.go) built here
// from the library's layers: an MLP and nanoGPT's character-level GPT,
// each step in its own tensor.Scope as a training loop runs it (the
// -unscoped variants leave every buffer to the garbage collector, for
// comparison). benchmarks/reference/layers_torch.py times the same steps
// in PyTorch.
func init() {
	for _, scoped := range []bool{true, false} {
		suffix := ""
		if !scoped {
			suffix = "-unscoped"
		}
		trainStepCases = append(trainStepCases,
			trainStepCase{"mlp" + suffix, func(b *testing.B) (func(), int) { return trainMLPStep(scoped) }},
			trainStepCase{"gpt-char" + suffix, func(b *testing.B) (func(), int) { return trainCharGPTStep(scoped) }})
	}
}

// trainMLP is the perceptron of BenchmarkTensorMLPStep as nn layers:
// 784-512-512-10 with a LayerNorm and GELUs.
type trainMLP struct {
	L1, L2, L3 *nn.Linear
	Norm       *nn.LayerNorm
}

func trainMLPStep(scoped bool) (func(), int) {
	g := tensor.NewGenerator(1)
	m := &trainMLP{L1: nn.NewLinear(784, 512, true, g), L2: nn.NewLinear(512, 512, true, g), L3: nn.NewLinear(512, 10, true, g), Norm: nn.NewLayerNorm(512, 1e-5)}
	m.Norm.Bias = nil
	x := layersInput(256, 1, 784, 2).Reshape(256, 784)
	y := randIDs(256, 1, 10, 3).Reshape(256)
	opt := optim.New(optim.AdamW{}, optim.Group{Params: nn.Trainable(m), LR: 1e-3, WeightDecay: 0.01})
	return func() {
		var sc *tensor.Scope
		in := x
		if scoped {
			sc = tensor.NewScope()
			in = sc.Use(x)
		}
		h := m.Norm.Forward(m.L1.Forward(in)).GELU()
		h = m.L2.Forward(h).GELU()
		loss := tensor.CrossEntropy(m.L3.Forward(h), y)
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
		if sc != nil {
			sc.Close()
		}
	}, 256
}

func trainCharGPTStep(scoped bool) (func(), int) {
	const vocab, ctx, d, heads, layers, batch = 65, 256, 384, 6, 6, 8
	m := newCharGPT(vocab, ctx, d, heads, layers, nn.GELU, 1)
	ids, targets := randIDs(batch, ctx, vocab, 2), randIDs(batch, ctx, vocab, 3)
	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(m), 1e-3, 0.1)...)
	return func() {
		var sc *tensor.Scope
		in := ids
		if scoped {
			sc = tensor.NewScope()
			in = sc.Use(ids)
		}
		loss := tensor.CrossEntropy(m.logits(in), targets)
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
		if sc != nil {
			sc.Close()
		}
	}, batch * ctx
}

// BenchmarkStack times inference forward passes of whole models built
// from the library's layers, through nn.Detached views in a scope per
// call: a GPT-2-small-shaped decoder (12 pre-LN blocks, d 768, 12 heads,
// tanh GELU, causal, token and position embeddings, tied LM head over
// 50257 tokens) and a BERT-base-shaped encoder (12 post-LN layers, exact
// GELU, token, position and segment embeddings with a LayerNorm).
func BenchmarkStack(b *testing.B) {
	gpt := nn.Detached(newCharGPT(50257, 1024, 768, 12, 12, nn.GELUTanh, 1))
	for _, bs := range []int{1, 8} {
		const t = 128
		ids := randIDs(bs, t, 50257, 4)
		b.Run(fmt.Sprintf("gpt2-small/b=%d,t=%d", bs, t), func(b *testing.B) {
			benchForward(b, bs*t, func(sc *tensor.Scope) { gpt.logits(sc.Use(ids)) })
		})
	}
	bert := nn.Detached(newBERTBase(1))
	const bs, t = 8, 128
	ids := randIDs(bs, t, 30522, 5)
	b.Run(fmt.Sprintf("bert-base/b=%d,t=%d", bs, t), func(b *testing.B) {
		benchForward(b, bs*t, func(sc *tensor.Scope) { bert.forward(sc.Use(ids)) })
	})
}

func benchForward(b *testing.B, tokens int, f func(sc *tensor.Scope)) {
	run := func() {
		sc := tensor.NewScope()
		f(sc)
		sc.Close()
	}
	run()
	b.ReportAllocs()
	cpu0, gc0 := tensorCPU(), readGCShare()
	for b.Loop() {
		run()
	}
	tensorCPUReport(b, cpu0)
	gc0.report(b)
	b.ReportMetric(float64(tokens*b.N)/b.Elapsed().Seconds(), "tokens/s")
}

// bertBase is a BERT-base-shaped encoder without pooler or heads.
type bertBase struct {
	Word, Pos, Type *tensor.Tensor
	Norm            *nn.LayerNorm
	Encoder         *transformer.Encoder
}

func newBERTBase(seed uint64) *bertBase {
	g := tensor.NewGenerator(seed)
	m := &bertBase{Word: tensor.Zeros(30522, 768), Pos: tensor.Zeros(512, 768), Type: tensor.Zeros(2, 768), Norm: nn.NewLayerNorm(768, 1e-12)}
	for _, w := range []*tensor.Tensor{m.Word, m.Pos, m.Type} {
		g.Normal(w, 0, 0.02)
		w.SetRequiresGrad(true)
	}
	m.Encoder = transformer.NewEncoder(transformer.Config{Dim: 768, Heads: 12, Hidden: 3072, Act: nn.GELU, Eps: 1e-12}, 12, false, g)
	return m
}

func (m *bertBase) forward(ids *tensor.Tensor) *tensor.Tensor {
	t := ids.Dim(1)
	x := tensor.Embedding(m.Word, ids).Add(m.Pos.Narrow(0, 0, t)).Add(m.Type.Narrow(0, 0, 1))
	return m.Encoder.Forward(m.Norm.Forward(x), attention.Mask{})
}
