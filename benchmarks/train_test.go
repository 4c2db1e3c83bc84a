package benchmarks

import (
	"runtime"
	"testing"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
)

// BenchmarkTrainStep times one training step — forward, loss, backward,
// optimizer update, gradients cleared — of whole models in training mode
// (dropout 0.1 on), with AdamW from package optim over the trainable
// parameters (no weight decay on biases and norms):
//
//	bert-base-frozen  bert.ForSequenceClassification, BERT-base, 2 labels,
//	                  b=8, t=128, embeddings and encoder frozen: the pooler
//	                  and the classifier train
//	bert-base-full    the same, every parameter trained
//	gpt2-small        gpt.LMHeadModel, GPT-2 small (124M), b=4, t=128,
//	                  the shifted language-model loss
//
// It reports ms/step, tokens/s, the process CPU time per step and the
// bytes allocated per step. benchmarks/reference/train_torch.py times
// the same steps in PyTorch 1.13; train_compare.sh alternates the two.
//
// Other files add cases to trainStepCases from their init functions, so
// that every model's step is a sub-benchmark of this one benchmark.
func BenchmarkTrainStep(b *testing.B) {
	for _, c := range trainStepCases {
		b.Run(c.name, func(b *testing.B) {
			step, tokens := c.setup(b)
			step() // warm-up: buffer pools, worker pool, optimizer state
			step()
			runtime.GC()
			b.ReportAllocs()
			cpu0, gc0 := tensorCPU(), readGCShare()
			for b.Loop() {
				step()
			}
			tensorCPUReport(b, cpu0)
			gc0.report(b)
			sec := b.Elapsed().Seconds() / float64(b.N)
			b.ReportMetric(sec*1e3, "ms/step")
			b.ReportMetric(float64(tokens)/sec, "tokens/s")
		})
	}
}

// trainStepCase is one sub-benchmark of BenchmarkTrainStep: setup builds
// the model and returns the step and the tokens it trains on.
type trainStepCase struct {
	name  string
	setup func(b *testing.B) (step func(), tokens int)
}

var trainStepCases = []trainStepCase{
	{"bert-base-frozen", func(b *testing.B) (func(), int) { return bertTrainStep(b, true) }},
	{"bert-base-full", func(b *testing.B) (func(), int) { return bertTrainStep(b, false) }},
	{"gpt2-small", gpt2TrainStep},
}

func benchIDs(n, vocab int) []int32 {
	ids := make([]int32, n)
	for i := range ids {
		ids[i] = int32(1000 + (i*7919)%(vocab-1000))
	}
	return ids
}

func bertTrainStep(b *testing.B, frozen bool) (func(), int) {
	const bs, t = 8, 128
	c := bert.Base().WithLabels(2)
	m := bert.NewForSequenceClassification(c, tensor.NewGenerator(1))
	if frozen {
		nn.Freeze(m.Bert.Embeddings)
		nn.Freeze(m.Bert.Encoder)
	}
	nn.Train(m)
	mask := make([]int32, bs*t)
	for i := range mask {
		mask[i] = 1
	}
	in := bert.Input{IDs: tensor.FromSlice(benchIDs(bs*t, c.VocabSize), bs, t), Mask: tensor.FromSlice(mask, bs, t)}
	labels := tensor.FromSlice([]int32{0, 1, 1, 0, 1, 0, 0, 1})
	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(m), 2e-5, 0.01)...)
	return func() {
		loss := m.Loss(m.Forward(in), labels)
		loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}, bs * t
}

func gpt2TrainStep(b *testing.B) (func(), int) {
	const bs, t = 4, 128
	c, err := gpt.Size("gpt2")
	if err != nil {
		b.Fatal(err)
	}
	m := gpt.NewLMHeadModel(c, tensor.NewGenerator(1))
	nn.Train(m)
	ids := tensor.FromSlice(benchIDs(bs*t, c.VocabSize), bs, t)
	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(m), 3e-4, 0.1)...)
	return func() {
		out := m.Forward(lm.Inputs{IDs: ids, Labels: ids})
		out.Loss.Backward()
		opt.Step()
		opt.ZeroGrad()
	}, bs * t
}
