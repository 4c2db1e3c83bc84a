package transformer_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/attention"
	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/transformer"
)

// tinyLM is a decoder-only language model built from the packages' parts,
// as a user would write one.
type tinyLM struct {
	Tok    *embed.Token         `nn:"wte"`
	Pos    *embed.Learned       `nn:"wpe"`
	Blocks *transformer.Encoder `nn:"h"`
	Head   *nn.Linear           `nn:"lm_head"`
}

func newTinyLM(vocab, dim, heads, layers, maxLen int, g *tensor.Generator) *tinyLM {
	m := &tinyLM{
		Tok:    embed.NewToken(vocab, dim, g),
		Pos:    embed.NewLearned(maxLen, dim, g),
		Blocks: transformer.NewEncoder(transformer.Config{Dim: dim, Heads: heads, Act: nn.GELU, NormFirst: true}, layers, true, g),
		Head:   nn.NewLinear(dim, vocab, false, g),
	}
	nn.Normal(0, 0.02)(m.Tok.Weight.Detach(), g)
	nn.Normal(0, 0.02)(m.Pos.Weight.Detach(), g)
	return m
}

func (m *tinyLM) Forward(ids *tensor.Tensor) *tensor.Tensor {
	x := m.Tok.Forward(ids).Add(m.Pos.Forward(0, ids.Dim(1)))
	return m.Head.Forward(m.Blocks.Forward(x, attention.Mask{Causal: true}))
}

// trainCopy trains m to output, at every position, the token `lag`
// positions earlier (which needs attention to find it), with AdamW, and
// returns the first and last losses.
func trainCopy(t *testing.T, m *tinyLM, vocab, seqLen, lag, batch, steps int, lr float64, seed uint64) (first, last float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(seed, 1))
	type state struct{ m, v *tensor.Tensor }
	opt := map[*tensor.Tensor]state{}
	for _, p := range nn.Trainable(m) {
		opt[p.Tensor] = state{tensor.ZerosLike(p.Tensor), tensor.ZerosLike(p.Tensor)}
	}
	nn.Train(m)
	for step := 1; step <= steps; step++ {
		ids := make([]int32, batch*seqLen)
		targets := make([]int32, batch*seqLen)
		for i := range ids {
			ids[i] = int32(rng.IntN(vocab))
		}
		for i := range targets {
			if i%seqLen < lag {
				targets[i] = -100
			} else {
				targets[i] = ids[i-lag]
			}
		}
		logits := m.Forward(tensor.FromSlice(ids, batch, seqLen))
		loss := nn.CrossEntropy(logits, tensor.FromSlice(targets, batch, seqLen))
		nn.ZeroGrad(m)
		loss.Backward()
		for _, p := range nn.Trainable(m) {
			s := opt[p.Tensor]
			tensor.AdamWStep(p.Tensor, p.Tensor.Grad(), s.m, s.v, tensor.AdamWParams{LR: lr, Beta1: 0.9, Beta2: 0.99, Eps: 1e-8, WeightDecay: 0.01, Step: step})
		}
		l := loss.Item()
		if math.IsNaN(l) {
			t.Fatalf("step %d: loss is NaN", step)
		}
		if step == 1 {
			first = l
		}
		last = l
	}
	nn.Eval(m)
	return first, last
}

func TestATinyModelLearnsToCopyAnEarlierToken(t *testing.T) {
	const vocab, seqLen = 8, 8
	m := newTinyLM(vocab, 32, 2, 1, seqLen, tensor.NewGenerator(1))
	first, last := trainCopy(t, m, vocab, seqLen, 1, 16, 150, 1e-2, 2)
	t.Logf("cross-entropy %.3f → %.3f (chance %.3f)", first, last, math.Log(vocab))
	if first < 1.5 || last > 0.2 {
		t.Fatalf("cross-entropy %.3f → %.3f: the model did not learn to copy the previous token", first, last)
	}
}
