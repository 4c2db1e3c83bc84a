package metrics

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestMT19937MatchesNumpyLegacyStream(t *testing.T) {
	// numpy.random.seed(42); numpy.random.randint(0, 2**32, dtype=uint64)
	// is built from the same genrand_int32 outputs; the first outputs of
	// init_genrand(42) are well known.
	g := NewMT19937(42)
	want := []uint32{1608637542, 3421126067, 4083286876, 787846414, 3143890026}
	for i, w := range want {
		if got := g.Uint32(); got != w {
			t.Fatalf("output %d = %d, want %d", i, got, w)
		}
	}
	// numpy.random.seed(0); numpy.random.choice(10, size=5) == [5, 0, 3, 3, 7]
	g = NewMT19937(0)
	for i, w := range []int{5, 0, 3, 3, 7} {
		if got := g.Intn(10); got != w {
			t.Fatalf("choice %d = %d, want %d", i, got, w)
		}
	}
}

func TestBootstrapROUGEReproducesRougeScoreAggregator(t *testing.T) {
	var fx struct {
		Cases []struct {
			ID         string          `json:"id"`
			Kind       string          `json:"kind"`
			Target     string          `json:"target"`
			Prediction string          `json:"prediction"`
			N          int             `json:"n"`
			Seed       uint32          `json:"bootstrap_seed"`
			Results    json.RawMessage `json:"results"`
		} `json:"cases"`
	}
	loadFixture(t, "rouge_score.json", &fx)
	var aggResults map[string]map[string]map[string]struct {
		Precision float64 `json:"precision"`
		Recall    float64 `json:"recall"`
		Fmeasure  float64 `json:"fmeasure"`
	}
	var targets, preds []string
	for _, c := range fx.Cases {
		if c.Kind == "pair" && (strings.HasPrefix(c.ID, "pair-") || strings.HasPrefix(c.ID, "summ-")) {
			targets = append(targets, c.Target)
			preds = append(preds, c.Prediction)
		}
	}
	agg := fx.Cases[len(fx.Cases)-1]
	if agg.Kind != "aggregate" || agg.N != len(targets) {
		t.Fatalf("aggregate case %q over %d pairs, collected %d", agg.ID, agg.N, len(targets))
	}
	if err := json.Unmarshal(agg.Results, &aggResults); err != nil {
		t.Fatal(err)
	}
	for key, r := range map[string]ROUGE{"nostem": {}, "stem": {Stemmer: PorterStemmer}} {
		res, err := r.Corpus(targets, preds)
		if err != nil {
			t.Fatal(err)
		}
		mean := MeanROUGE(res)
		boot, err := BootstrapROUGE(DefaultROUGETypes, res, BootstrapOptions{Seed: agg.Seed})
		if err != nil {
			t.Fatal(err)
		}
		var ex exactness
		for typ, want := range aggResults[key] {
			check := func(what string, got PRF, tol float64) {
				w := want[what]
				for _, v := range [][2]float64{{got.Precision, w.Precision}, {got.Recall, w.Recall}, {got.F, w.Fmeasure}} {
					ex.see(v[0], v[1])
					if !closeTo(v[0], v[1], tol) {
						t.Errorf("%s %s %s: %+v, rouge-score %+v", key, typ, what, got, w)
						return
					}
				}
			}
			check("mean", mean[typ], 1e-12)
			check("bootstrap_low", boot[typ].Low, 1e-12)
			check("bootstrap_mid", boot[typ].Mid, 1e-12)
			check("bootstrap_high", boot[typ].High, 1e-12)
		}
		ex.log(t, "rouge-score aggregate "+key)
		if ex.exact != ex.n {
			t.Errorf("only %d of %d values are bit-identical to rouge-score", ex.exact, ex.n)
		}
	}
}

func TestBootstrapBLEUIsReproducibleAndBracketsTheScore(t *testing.T) {
	hyps, refs := syntheticPairs(500, 3)
	c := BLEU{}
	s1, ci1, err := c.Bootstrap(hyps, refs, BootstrapOptions{Seed: 12345})
	if err != nil {
		t.Fatal(err)
	}
	s2, ci2, _ := c.Bootstrap(hyps, refs, BootstrapOptions{Seed: 12345})
	if s1.Score != s2.Score || ci1 != ci2 {
		t.Errorf("same seed, different results: %v %v / %v %v", s1.Score, ci1, s2.Score, ci2)
	}
	plain, _ := c.Corpus(hyps, refs)
	if s1.Score != plain.Score {
		t.Errorf("bootstrap changed the score: %v vs %v", s1.Score, plain.Score)
	}
	if ci1.HalfWidth <= 0 || ci1.Mean < plain.Score-3*ci1.HalfWidth || ci1.Mean > plain.Score+3*ci1.HalfWidth {
		t.Errorf("implausible interval %+v around %v", ci1, plain.Score)
	}
	if want := "nrefs:var|bs:1000|seed:12345|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0"; s1.Signature != want {
		t.Errorf("signature %q, want %q", s1.Signature, want)
	}
	if got := FormatCI(48.530827, BootstrapCI{Mean: 48.51, HalfWidth: 0.934}); got != "48.53 (μ = 48.51 ± 0.93)" {
		t.Errorf("FormatCI = %q", got)
	}
	cs, cci, err := DefaultCHRF.Bootstrap(hyps, refs, BootstrapOptions{Samples: 200, Seed: 1})
	if err != nil || cci.HalfWidth <= 0 || !strings.HasPrefix(cs.Signature, "nrefs:var|bs:200|seed:1|case:mixed|eff:yes|nc:6") {
		t.Errorf("chrF bootstrap: %+v %+v %v", cs, cci, err)
	}
	if _, _, err := c.Bootstrap(hyps, refs, BootstrapOptions{Confidence: 2}); !errors.Is(err, ErrBadOption) {
		t.Errorf("confidence 2: %v", err)
	}
	if _, _, err := c.Bootstrap(nil, nil, BootstrapOptions{}); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty corpus: %v", err)
	}
}
