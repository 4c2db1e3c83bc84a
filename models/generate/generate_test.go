package generate_test

import (
	"context"
	"encoding/json"
	"math"
	"os"
	"slices"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/gentest"
)

// fixture is testdata/generate.json, written by testdata/gen_generate.py.
type fixture struct {
	Vocab       int `json:"vocab"`
	MaxPosition int `json:"max_pos"`
	Seed        uint64
	Prompts     [][]int
	FirstLogits [][]float32 `json:"first_logits"`
	Cases       []struct {
		Name    string
		Config  hfConfig
		Results [][]struct {
			Tokens   []int
			LogProbs []float64
			Score    float64
			Finish   string
		}
	}
	Processors []struct {
		Name    string
		Params  map[string]json.RawMessage
		History []int
		Scores  []float32
		Want    []*float32
	}
}

// hfConfig holds Hugging Face's generation parameters under their names.
type hfConfig struct {
	MaxNewTokens       int     `json:"max_new_tokens"`
	MinNewTokens       int     `json:"min_new_tokens"`
	DoSample           bool    `json:"do_sample"`
	Temperature        float64 `json:"temperature"`
	TopK               int     `json:"top_k"`
	TopP               float64 `json:"top_p"`
	RepetitionPenalty  float64 `json:"repetition_penalty"`
	NoRepeatNGramSize  int     `json:"no_repeat_ngram_size"`
	NumBeams           int     `json:"num_beams"`
	LengthPenalty      *float64
	EarlyStopping      any   `json:"early_stopping"`
	NumReturnSequences int   `json:"num_return_sequences"`
	EOSTokenID         []int `json:"eos_token_id"`
	Seed               uint64
}

// options maps Hugging Face's parameters onto Options.
func (c hfConfig) options(t *testing.T) generate.Options {
	o := generate.Options{
		MaxNewTokens: c.MaxNewTokens, MinNewTokens: c.MinNewTokens,
		TopK: c.TopK, TopP: c.TopP, RepetitionPenalty: c.RepetitionPenalty, NoRepeatNGram: c.NoRepeatNGramSize,
		Beams: c.NumBeams, NumReturnSequences: c.NumReturnSequences, StopTokens: c.EOSTokenID, Seed: c.Seed,
	}
	if c.DoSample {
		o.Temperature = 1
		if c.Temperature != 0 {
			o.Temperature = c.Temperature
		}
	}
	if c.LengthPenalty != nil {
		o.LengthPenalty = *c.LengthPenalty
		if o.LengthPenalty == 0 {
			o.LengthPenalty = generate.NoLengthPenalty
		}
	}
	switch c.EarlyStopping {
	case nil, false:
	case true:
		o.EarlyStopping = generate.StopWhenFull
	case "never":
		o.EarlyStopping = generate.StopNever
	default:
		t.Fatalf("early_stopping %v", c.EarlyStopping)
	}
	return o
}

func (c *hfConfig) UnmarshalJSON(b []byte) error {
	type plain hfConfig
	var aux struct {
		plain
		LP   *float64 `json:"length_penalty"`
		Seed uint64   `json:"seed"`
	}
	if err := json.Unmarshal(b, &aux); err != nil {
		return err
	}
	*c = hfConfig(aux.plain)
	c.LengthPenalty, c.Seed = aux.LP, aux.Seed
	return nil
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/generate.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func TestTableTwinsAgreeBitForBit(t *testing.T) {
	f := loadFixture(t)
	m := gentest.NewTable(f.Vocab, f.MaxPosition, f.Seed)
	for i, p := range f.Prompts {
		got := m.Logits(p)
		if !slices.Equal(got, f.FirstLogits[i]) {
			t.Fatalf("prompt %d: logits differ from the Python twin:\n got %v\nwant %v", i, got, f.FirstLogits[i])
		}
	}
}

// TestGenerateMatchesHuggingFace runs every recorded case with all the
// prompts in one left-padded batch, and with each prompt alone: both must
// give the reference's tokens.
func TestGenerateMatchesHuggingFace(t *testing.T) {
	f := loadFixture(t)
	for _, c := range f.Cases {
		t.Run(c.Name, func(t *testing.T) {
			o := c.Config.options(t)
			check := func(t *testing.T, i int, got []generate.Sequence) {
				t.Helper()
				want := c.Results[i]
				if len(got) != len(want) {
					t.Fatalf("prompt %d: %d sequences, want %d", i, len(got), len(want))
				}
				for j, w := range want {
					g := got[j]
					if !slices.Equal(g.Tokens, w.Tokens) {
						t.Errorf("prompt %d, sequence %d: tokens\n got %v\nwant %v", i, j, g.Tokens, w.Tokens)
						continue
					}
					if g.Finish.String() != w.Finish {
						t.Errorf("prompt %d, sequence %d: finish %q, want %q", i, j, g.Finish, w.Finish)
					}
					if o.Beams > 1 {
						if math.Abs(g.Score-w.Score) > 1e-5*max(1, math.Abs(w.Score)) {
							t.Errorf("prompt %d, sequence %d: score %v, want %v", i, j, g.Score, w.Score)
						}
						continue
					}
					for k, lp := range w.LogProbs {
						if math.Abs(g.LogProbs[k]-lp) > 1e-5 {
							t.Errorf("prompt %d, sequence %d, token %d: log-probability %v, want %v", i, j, k, g.LogProbs[k], lp)
						}
					}
				}
			}
			m := gentest.NewTable(f.Vocab, f.MaxPosition, f.Seed)
			batch, err := generate.Generate(context.Background(), m, f.Prompts, o)
			if err != nil {
				t.Fatal(err)
			}
			for i := range f.Prompts {
				check(t, i, batch[i])
			}
			for i, p := range f.Prompts {
				alone, err := generate.Generate(context.Background(), m, [][]int{p}, o)
				if err != nil {
					t.Fatal(err)
				}
				check(t, i, alone[0])
			}
		})
	}
}

func TestProcessorsMatchHuggingFace(t *testing.T) {
	f := loadFixture(t)
	num := func(p map[string]json.RawMessage, k string) float64 {
		var x float64
		if err := json.Unmarshal(p[k], &x); err != nil {
			t.Fatalf("param %s: %v", k, err)
		}
		return x
	}
	for i, c := range f.Processors {
		var proc generate.Processor
		h := generate.History{Prompt: c.History}
		switch c.Name {
		case "repetition_penalty":
			proc = generate.RepetitionPenalty(num(c.Params, "penalty"))
		case "no_repeat_ngram":
			proc = generate.NoRepeatNGram(num(c.Params, "n"))
		case "min_new_tokens":
			var eos []int
			json.Unmarshal(c.Params["eos"], &eos)
			p := int(num(c.Params, "prompt"))
			h = generate.History{Prompt: c.History[:p], Generated: c.History[p:]}
			proc = generate.MinNewTokens{N: int(num(c.Params, "n")), Tokens: eos}
		case "temperature":
			proc = generate.Temperature(num(c.Params, "t"))
		case "top_k":
			proc = generate.TopK{K: int(num(c.Params, "k")), MinKeep: int(num(c.Params, "min_keep"))}
		case "top_p":
			proc = generate.TopP{P: num(c.Params, "p"), MinKeep: int(num(c.Params, "min_keep"))}
		case "top_k_top_p":
			proc = generate.Chain{generate.Temperature(num(c.Params, "t")), generate.TopK{K: int(num(c.Params, "k"))}, generate.TopP{P: num(c.Params, "p")}}
		default:
			t.Fatalf("unknown processor %q", c.Name)
		}
		got := slices.Clone(c.Scores)
		proc.Process(got, h)
		for j, w := range c.Want {
			g := got[j]
			switch {
			case w == nil && !math.IsInf(float64(g), -1):
				t.Errorf("case %d (%s %s): score %d = %v, want −∞", i, c.Name, c.Params, j, g)
			case w != nil && math.Abs(float64(g-*w)) > 1e-6*max(1, math.Abs(float64(*w))):
				t.Errorf("case %d (%s %s): score %d = %v, want %v", i, c.Name, c.Params, j, g, *w)
			}
		}
	}
}
