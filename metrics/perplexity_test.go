package metrics

import (
	"errors"
	"math"
	"sync"
	"testing"
)

// jsonFloat is a float64 that decodes JSON null as NaN.
type jsonFloat float64

func (f *jsonFloat) UnmarshalJSON(b []byte) error {
	if string(b) == "null" {
		*f = jsonFloat(math.NaN())
		return nil
	}
	var v float64
	err := jsonUnmarshal(b, &v)
	*f = jsonFloat(v)
	return err
}

type torchResult struct {
	MeanNLL     jsonFloat `json:"mean_nll"`
	NLLSum      jsonFloat `json:"nll_sum"`
	NTokens     int64     `json:"n_tokens"`
	PPL         jsonFloat `json:"ppl"`
	MeanNLLBits jsonFloat `json:"mean_nll_bits"`
	PPLBase2    jsonFloat `json:"ppl_base2"`
	PerSequence []struct {
		NTokens int64     `json:"n_tokens"`
		NLLSum  jsonFloat `json:"nll_sum"`
		PPL     jsonFloat `json:"ppl"`
	} `json:"per_sequence"`
	Shifted *struct {
		MeanNLL jsonFloat `json:"mean_nll"`
		NTokens int64     `json:"n_tokens"`
		PPL     jsonFloat `json:"ppl"`
	} `json:"shifted"`
}

// relClose compares with a relative tolerance; NaN equals NaN.
func relClose(got, want, rel float64) bool {
	if math.IsNaN(want) || math.IsNaN(got) {
		return math.IsNaN(want) && math.IsNaN(got)
	}
	return math.Abs(got-want) <= rel*math.Max(1, math.Abs(want))
}

func TestPerplexityMatchesPyTorchCrossEntropy(t *testing.T) {
	var fx struct {
		Cases []struct {
			ID      string                 `json:"id"`
			Shape   [3]int                 `json:"shape"`
			Logits  [][][]float64          `json:"logits"`
			Targets [][]int                `json:"targets"`
			Results map[string]torchResult `json:"results"`
		} `json:"cases"`
	}
	loadFixture(t, "perplexity.json", &fx)
	for _, tc := range fx.Cases {
		B, T, V := tc.Shape[0], tc.Shape[1], tc.Shape[2]
		flat64 := make([]float64, 0, B*T*V)
		flat32 := make([]float32, 0, B*T*V)
		var targets []int
		for b := 0; b < B; b++ {
			for s := 0; s < T; s++ {
				for _, x := range tc.Logits[b][s] {
					flat64 = append(flat64, x)
					flat32 = append(flat32, float32(x))
				}
			}
			targets = append(targets, tc.Targets[b]...)
		}
		// PyTorch computes in the logits' dtype; goformer always in
		// float64, so float32 agrees to float32 rounding and float64 to
		// the last few bits.
		for dtype, rel := range map[string]float64{"float32": 2e-6, "float64": 1e-12} {
			want := tc.Results[dtype]
			var st LMStats
			var err error
			if dtype == "float32" {
				st, err = LogitsNLL(flat32, V, targets, IgnoreIndex)
			} else {
				st, err = LogitsNLL(flat64, V, targets, IgnoreIndex)
			}
			if err != nil {
				t.Fatalf("%s %s: %v", tc.ID, dtype, err)
			}
			what := tc.ID + " " + dtype
			if st.Tokens != want.NTokens {
				t.Errorf("%s: %d tokens, torch %d", what, st.Tokens, want.NTokens)
			}
			for _, c := range []struct {
				name      string
				got, want float64
			}{
				{"mean_nll", st.MeanNLL(), float64(want.MeanNLL)},
				{"nll_sum", st.NLL, float64(want.NLLSum)},
				{"ppl", st.Perplexity(), float64(want.PPL)},
				{"mean_nll_bits", st.MeanNLLBits(), float64(want.MeanNLLBits)},
				{"ppl_base2", st.PerplexityBase2(), float64(want.PPLBase2)},
			} {
				r := rel
				if c.name == "ppl" || c.name == "ppl_base2" {
					r *= 1 + math.Abs(st.MeanNLL()) // exp amplifies the error of its argument
				}
				if !relClose(c.got, c.want, r) {
					t.Errorf("%s %s: %.17g, torch %.17g", what, c.name, c.got, c.want)
				}
			}
			for b, ps := range want.PerSequence {
				var row LMStats
				if dtype == "float32" {
					row, _ = LogitsNLL(flat32[b*T*V:(b+1)*T*V], V, targets[b*T:(b+1)*T], IgnoreIndex)
				} else {
					row, _ = LogitsNLL(flat64[b*T*V:(b+1)*T*V], V, targets[b*T:(b+1)*T], IgnoreIndex)
				}
				if row.Tokens != ps.NTokens || !relClose(row.NLL, float64(ps.NLLSum), rel) ||
					!relClose(row.Perplexity(), float64(ps.PPL), rel*(1+math.Abs(row.MeanNLL()))) {
					t.Errorf("%s sequence %d: %+v ppl %v, torch %+v", what, b, row, row.Perplexity(), ps)
				}
			}
			if want.Shifted != nil {
				var sh LMStats
				if dtype == "float32" {
					sh, _, err = CausalLMNLL(flat32, B, T, V, targets, IgnoreIndex)
				} else {
					sh, _, err = CausalLMNLL(flat64, B, T, V, targets, IgnoreIndex)
				}
				if err != nil {
					t.Fatal(err)
				}
				if sh.Tokens != want.Shifted.NTokens || !relClose(sh.MeanNLL(), float64(want.Shifted.MeanNLL), rel) ||
					!relClose(sh.Perplexity(), float64(want.Shifted.PPL), rel*(1+math.Abs(sh.MeanNLL()))) {
					t.Errorf("%s shifted: mean %v ppl %v (%d tokens), torch %+v", what, sh.MeanNLL(), sh.Perplexity(), sh.Tokens, *want.Shifted)
				}
			}
		}
	}
}

func TestPerplexityUnitsAndLogProbs(t *testing.T) {
	// Four tokens of probability 1/2 each: perplexity 2, 1 bit per token.
	st := FromLogProbs([]float64{-math.Ln2, -math.Ln2, -math.Ln2, -math.Ln2})
	if !closeTo(st.Perplexity(), 2, 1e-15) || !closeTo(st.MeanNLLBits(), 1, 1e-15) {
		t.Errorf("perplexity %v, bits %v; want 2 and 1", st.Perplexity(), st.MeanNLLBits())
	}
	if st2 := FromLogProbs2([]float64{-1, -1, -1, -1}); !closeTo(st2.NLL, st.NLL, 1e-15) {
		t.Errorf("base-2 log-probs give NLL %v, want %v", st2.NLL, st.NLL)
	}
	// The same 4 bits over 2 words and 8 bytes.
	if !closeTo(st.PerplexityPer(2), 4, 1e-14) || !closeTo(st.BitsPer(8), 0.5, 1e-15) {
		t.Errorf("per word %v, bits per byte %v; want 4 and 0.5", st.PerplexityPer(2), st.BitsPer(8))
	}
	if !math.IsNaN(FromLogProbs(nil).Perplexity()) {
		t.Error("perplexity of nothing is not NaN")
	}
}

func TestLogitsNLLBadInput(t *testing.T) {
	tests := []struct {
		name    string
		logits  []float32
		vocab   int
		targets []int
		want    error
	}{
		{"too few logits", []float32{1, 2, 3}, 2, []int{0, 1}, ErrLengthMismatch},
		{"a target past the vocabulary", []float32{1, 2}, 2, []int{2}, ErrBadOption},
		{"a negative target that is not ignored", []float32{1, 2}, 2, []int{-1}, ErrBadOption},
		{"a zero vocabulary", nil, 0, nil, ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := LogitsNLL(tt.logits, tt.vocab, tt.targets, IgnoreIndex); !errors.Is(err, tt.want) {
				t.Errorf("error %v, want %v", err, tt.want)
			}
		})
	}
	if _, _, err := CausalLMNLL([]float32{1, 2}, 1, 2, 2, []int{0}, IgnoreIndex); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("causal shape mismatch: %v", err)
	}
	if _, err := LogitsRowsNLL([][]float64{{1, 2}}, []int{0, 1}, IgnoreIndex); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("rows mismatch: %v", err)
	}
	st, err := LogitsNLL([]float64{math.NaN(), 1}, 2, []int{1}, IgnoreIndex)
	if err != nil || !math.IsNaN(st.NLL) {
		t.Errorf("NaN logit: %v, %v; want NaN", st.NLL, err)
	}
}

func TestLogitsNLLIsStableForHugeLogits(t *testing.T) {
	st, err := LogitsRowsNLL([][]float32{{1e30, 0}, {-1e30, 0}}, []int{0, 0}, IgnoreIndex)
	if err != nil {
		t.Fatal(err)
	}
	if want := float64(float32(1e30)); st.NLL != want {
		t.Errorf("NLL %v, want 1e30 (0 for the first row, 1e30 for the second)", st.NLL)
	}
}

func TestPerplexityAccumulatorIsSafeForConcurrentUse(t *testing.T) {
	var acc PerplexityAccumulator
	var wg sync.WaitGroup
	for g := 0; g < 8; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				acc.Add(LMStats{NLL: 1, Tokens: 2})
			}
		}()
	}
	wg.Wait()
	if s := acc.Stats(); s.NLL != 800 || s.Tokens != 1600 {
		t.Errorf("stats %+v, want 800 over 1600 tokens", s)
	}
	acc.Reset()
	if acc.Stats() != (LMStats{}) {
		t.Error("Reset left statistics")
	}
}
