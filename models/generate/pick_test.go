package generate_test

import (
	"math/rand/v2"
	"testing"

	"github.com/goformer/goformer/models/generate"
)

// BenchmarkPick times the loop's own work per token at GPT-2's vocabulary:
// the processors, the choice and the log-probability of the chosen token.
func BenchmarkPick(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	logits := make([]float32, 50257)
	for i := range logits {
		logits[i] = float32(rng.NormFloat64() * 3)
	}
	h := generate.History{Prompt: []int{1, 2, 3}}
	for _, c := range []struct {
		name string
		o    generate.Options
	}{
		{"greedy", generate.Options{}},
		{"temperature=0.8", generate.Options{Temperature: 0.8}},
		{"top-k=50,top-p=0.9", generate.Options{Temperature: 0.8, TopK: 50, TopP: 0.9}},
		{"top-p=0.9", generate.Options{Temperature: 0.8, TopP: 0.9}},
	} {
		b.Run(c.name, func(b *testing.B) {
			p := generate.NewPicker(c.o)
			for b.Loop() {
				p.Pick(logits, h, generate.Source{Seed: 1})
			}
		})
	}
}
