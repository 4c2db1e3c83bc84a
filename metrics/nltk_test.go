package metrics

import (
	"encoding/json"
	"errors"
	"strconv"
	"strings"
	"testing"
)

type nltkFixture struct {
	Cases []struct {
		ID         string                     `json:"id"`
		Kind       string                     `json:"kind"`
		HypTokens  []string                   `json:"hyp_tokens"`
		HypsTokens [][]string                 `json:"hyps_tokens"`
		RefsTokens json.RawMessage            `json:"refs_tokens"`
		Results    map[string]json.RawMessage `json:"results"`
	} `json:"cases"`
}

func nltkWeights(key string) []float64 {
	switch key {
	case "w1":
		return []float64{1}
	case "w2":
		return []float64{0.5, 0.5}
	case "w3":
		return []float64{1.0 / 3, 1.0 / 3, 1.0 / 3}
	}
	return nil
}

func TestNLTKBLEUMatchesNLTKFixtures(t *testing.T) {
	var fx nltkFixture
	loadFixture(t, "nltk_bleu.json", &fx)
	var ex exactness
	errorsSeen := 0
	for _, tc := range fx.Cases {
		for key, raw := range tc.Results {
			c := NLTKBLEU{}
			method := key
			if i := strings.IndexByte(key, '|'); i >= 0 {
				c.Weights = nltkWeights(key[:i])
				method = key[i+1:]
			}
			m, err := strconv.Atoi(strings.TrimPrefix(method, "method"))
			if err != nil {
				t.Fatalf("key %q: %v", key, err)
			}
			c.Smoothing = NLTKSmoothing(m)
			var got float64
			if tc.Kind == "sentence" {
				var refs [][]string
				if err := json.Unmarshal(tc.RefsTokens, &refs); err != nil {
					t.Fatal(err)
				}
				got, err = c.Sentence(refs, tc.HypTokens)
			} else {
				var refs [][][]string
				if err := json.Unmarshal(tc.RefsTokens, &refs); err != nil {
					t.Fatal(err)
				}
				got, err = c.Corpus(refs, tc.HypsTokens)
			}
			var wantErr struct {
				Error string `json:"error"`
			}
			if json.Unmarshal(raw, &wantErr) == nil && wantErr.Error != "" {
				errorsSeen++
				if !errors.Is(err, ErrUndefined) {
					t.Errorf("%s %s: got %v, %v; nltk raised %s", tc.ID, key, got, err, wantErr.Error)
				}
				continue
			}
			var want float64
			if err := json.Unmarshal(raw, &want); err != nil {
				t.Fatalf("%s %s: %v", tc.ID, key, err)
			}
			if err != nil {
				t.Errorf("%s %s: %v", tc.ID, key, err)
				continue
			}
			ex.see(got, want)
			if !closeTo(got, want, 1e-9*max(1, want)) {
				t.Errorf("%s %s: %.17g, nltk %.17g", tc.ID, key, got, want)
			}
		}
	}
	if ex.n < 900 || errorsSeen == 0 {
		t.Errorf("checked %d values and %d errors", ex.n, errorsSeen)
	}
	ex.log(t, "nltk BLEU")
}

func TestNLTKAndSacreBLEUAgreeWithoutSmoothingOnTheSameTokens(t *testing.T) {
	// On 13a tokens with no zero precision, nltk (0–1) and sacreBLEU
	// (0–100) compute the same geometric mean; they differ in smoothing,
	// in tokenizing and in how they treat zero matches.
	hyp := "The dog bit the man."
	ref := "The dog had bit the man."
	s, err := BLEU{Smooth: SmoothNone}.Corpus([]string{hyp}, [][]string{{ref}})
	if err != nil {
		t.Fatal(err)
	}
	n, err := NLTKBLEU{}.Sentence([][]string{Tokenize13a.Tokenize(ref)}, Tokenize13a.Tokenize(hyp))
	if err != nil {
		t.Fatal(err)
	}
	if !closeTo(n*100, s.Score, 1e-9) {
		t.Errorf("nltk %v×100, sacreBLEU %v", n, s.Score)
	}
}

func TestNLTKBLEUEdgeCases(t *testing.T) {
	if got, err := (NLTKBLEU{}).Sentence([][]string{{"a", "b"}}, nil); err != nil || got != 0 {
		t.Errorf("empty hypothesis: %v, %v; want 0", got, err)
	}
	if _, err := (NLTKBLEU{}).Corpus([][][]string{{{"a"}}}, nil); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	if _, err := (NLTKBLEU{Smoothing: 8}).Sentence([][]string{{"a"}}, []string{"a"}); !errors.Is(err, ErrBadOption) {
		t.Errorf("method 8: %v", err)
	}
	if _, err := (NLTKBLEU{Smoothing: NLTKMethod6, Weights: []float64{0.5, 0.5}}).Sentence([][]string{{"a", "b"}}, []string{"a", "b"}); !errors.Is(err, ErrUndefined) {
		t.Errorf("method 6 with two orders: %v", err)
	}
	if _, err := (NLTKBLEU{}).Sentence(nil, []string{"a"}); !errors.Is(err, ErrNoReference) {
		t.Errorf("no references: %v", err)
	}
}

func TestFsumIsCorrectlyRounded(t *testing.T) {
	// Python: math.fsum([1e100, 1.0, -1e100, 1e-100]) == 1.0
	if got := fsum([]float64{1e100, 1.0, -1e100, 1e-100}); got != 1.0 {
		t.Errorf("fsum = %v, want 1", got)
	}
	if got := fsum([]float64{0.1, 0.1, 0.1}); got != 0.30000000000000004 {
		t.Errorf("fsum = %.17g, want 0.30000000000000004", got)
	}
}
