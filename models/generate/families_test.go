package generate_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/llama"
	"github.com/goformer/goformer/nn"
)

// familiesFixture is testdata/families.json (gen_families.py): Hugging
// Face's generation algorithms run on the fixture checkpoints of
// models/gpt and models/llama, with the whole sequence through the model
// at every step.
type familiesFixture struct {
	Prompts  [][]int
	Fixtures []struct {
		Family, Case string
		Cases        []struct {
			Name    string
			Config  hfConfig
			Results [][]struct {
				Tokens []int
				Score  float64
				Finish string
			}
		}
	}
}

func loadFamily(t *testing.T, family, name string) generate.Model {
	t.Helper()
	d, err := hub.OpenDir(filepath.Join("..", family, "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	switch family {
	case "gpt":
		m, err := gpt.Load(d, gpt.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return nn.Detached(m)
	case "llama":
		m, err := llama.Load(d, llama.LoadOptions{})
		if err != nil {
			t.Fatal(err)
		}
		return nn.Detached(m)
	}
	t.Fatalf("unknown family %s", family)
	return nil
}

// TestFamiliesGenerateAsTheTorchReference runs greedy decoding, seeded
// sampling and beam search on GPT-2, Llama and Qwen2 fixture checkpoints
// with the KV cache, the prompts in one left-padded batch and each alone:
// every run must give the tokens of gen_families.py (Hugging Face's
// generation algorithms transcribed in plain torch), computed without a
// cache.
func TestFamiliesGenerateAsTheTorchReference(t *testing.T) {
	b, err := os.ReadFile("testdata/families.json")
	if err != nil {
		t.Fatal(err)
	}
	var f familiesFixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	for _, fx := range f.Fixtures {
		t.Run(fx.Case, func(t *testing.T) {
			m := loadFamily(t, fx.Family, fx.Case)
			for _, c := range fx.Cases {
				o := c.Config.options(t)
				check := func(how string, i int, got []generate.Sequence) {
					t.Helper()
					want := c.Results[i]
					if len(got) != len(want) {
						t.Fatalf("%s, %s, prompt %d: %d sequences, want %d", c.Name, how, i, len(got), len(want))
					}
					for j, w := range want {
						if !slices.Equal(got[j].Tokens, w.Tokens) || got[j].Finish.String() != w.Finish {
							t.Errorf("%s, %s, prompt %d, sequence %d: %v (%s), want %v (%s)", c.Name, how, i, j, got[j].Tokens, got[j].Finish, w.Tokens, w.Finish)
						} else if o.Beams > 1 && math.Abs(got[j].Score-w.Score) > 1e-4*max(1, math.Abs(w.Score)) {
							t.Errorf("%s, %s, prompt %d, sequence %d: score %v, want %v", c.Name, how, i, j, got[j].Score, w.Score)
						}
					}
				}
				batch, err := generate.Generate(context.Background(), m, f.Prompts, o)
				if err != nil {
					t.Fatal(err)
				}
				for i := range f.Prompts {
					check("batched", i, batch[i])
					alone, err := generate.Generate(context.Background(), m, f.Prompts[i:i+1], o)
					if err != nil {
						t.Fatal(err)
					}
					check("alone", i, alone[0])
				}
			}
		})
	}
}

func TestGenerationStopsAtGPT2sLastPosition(t *testing.T) {
	m := loadFamily(t, "gpt", "gpt2-tiny") // 32 positions
	out, err := generate.Generate(context.Background(), m, [][]int{{1, 2, 3, 4, 5}, {9}}, generate.Options{MaxNewTokens: 100})
	if err != nil {
		t.Fatal(err)
	}
	if n0, n1 := len(out[0][0].Tokens), len(out[1][0].Tokens); n0 != 27 || n1 != 31 || out[0][0].Finish != generate.FinishLength {
		t.Errorf("generated %d and %d tokens (%v), want 27 and 31 (length)", n0, n1, out[0][0].Finish)
	}
	if _, err := generate.Generate(context.Background(), m, [][]int{make([]int, 32)}, generate.Options{}); err == nil {
		t.Error("a 32-token prompt for a 32-position model gave no error")
	}
	if _, err := generate.Generate(context.Background(), m, [][]int{{64}}, generate.Options{}); err == nil {
		t.Error("token 64 of a 64-token vocabulary gave no error")
	}
}
