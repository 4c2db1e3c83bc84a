package benchmarks

import (
	"context"
	"fmt"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// The generation benchmarks time a whole greedy generation with the KV
// cache, as a user of generate.Generate runs it: a 32-token prompt (one
// forward pass filling the cache), then 64 new tokens one step at a time,
// at GPT-2 small's shape and at SmolLM-135M's Llama shape, random weights,
// no stop token. tokens/s counts the new tokens over the op's wall time;
// benchmarks/reference/generate_torch.py times the same generations with
// transformers' algorithms and cache in PyTorch, and generate_compare.sh
// alternates the two.

const genPrompt, genNew = 32, 64

func benchGenerate(b *testing.B, m generate.Model, vocab int) {
	prompt := make([]int, genPrompt)
	for i := range prompt {
		prompt[i] = (i*7919 + 13) % vocab
	}
	o := generate.Options{MaxNewTokens: genNew}
	b.Run(fmt.Sprintf("prompt=%d,new=%d", genPrompt, genNew), func(b *testing.B) {
		run := func() {
			out, err := generate.Generate(context.Background(), m, [][]int{prompt}, o)
			if err != nil {
				b.Fatal(err)
			}
			if len(out[0][0].Tokens) != genNew {
				b.Fatalf("%d tokens generated, want %d", len(out[0][0].Tokens), genNew)
			}
		}
		run() // warm-up: buffer pools, worker pool
		b.ReportAllocs()
		cpu0 := tensorCPU()
		for b.Loop() {
			run()
		}
		tensorCPUReport(b, cpu0)
		b.ReportMetric(float64(genNew*b.N)/b.Elapsed().Seconds(), "tokens/s")
	})
}

func BenchmarkGPT2Generate(b *testing.B) {
	c, err := gpt.Size("gpt2")
	if err != nil {
		b.Fatal(err)
	}
	c.ResidPdrop, c.EmbdPdrop, c.AttnPdrop = 0, 0, 0
	benchGenerate(b, nn.Detached(gpt.NewLMHeadModel(c, tensor.NewGenerator(1))), c.VocabSize)
}

func BenchmarkLlamaGenerate(b *testing.B) {
	c, err := llama.Size("smollm-135m")
	if err != nil {
		b.Fatal(err)
	}
	benchGenerate(b, nn.Detached(llama.NewForCausalLM(c, tensor.NewGenerator(1))), c.VocabSize)
}
