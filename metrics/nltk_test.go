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
	if ex.exact != ex.n {
		t.Errorf("only %d of %d values are bit-identical to the reference", ex.exact, ex.n)
	}
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

// TestWhereNLTKAndSacreBLEUDiffer documents, on the same tokens, where the
// two reference tools disagree; goformer reproduces each one under its own
// name (NLTKBLEU and BLEU).
func TestWhereNLTKAndSacreBLEUDiffer(t *testing.T) {
	tok := func(s string) []string { return Tokenize13a.Tokenize(s) }
	sacre := func(c BLEU, hyp, ref string) float64 {
		s, err := c.Corpus([]string{hyp}, [][]string{{ref}})
		if err != nil {
			t.Fatal(err)
		}
		return s.Score
	}
	nltk := func(c NLTKBLEU, hyp, ref string) float64 {
		s, err := c.Sentence([][]string{tok(ref)}, tok(hyp))
		if err != nil {
			t.Fatal(err)
		}
		return s
	}

	// No 4-gram match: sacreBLEU without smoothing gives exactly 0; nltk's
	// method 0 puts sys.float_info.min in the log and gives a tiny positive
	// number.
	hyp, ref := "the cat sat on a mat", "the cat sat in a hat"
	if got := sacre(BLEU{Smooth: SmoothNone}, hyp, ref); got != 0 {
		t.Errorf("sacreBLEU none: %v, want 0", got)
	}
	if got := nltk(NLTKBLEU{}, hyp, ref); got <= 0 || got > 1e-70 {
		t.Errorf("nltk method0: %v, want a tiny positive number", got)
	}

	// sacreBLEU's exp smoothing is nltk's method 3 (NIST), on a 0-100
	// scale instead of 0-1.
	if s, n := sacre(BLEU{}, hyp, ref), nltk(NLTKBLEU{Smoothing: NLTKMethod3}, hyp, ref); !closeTo(s, 100*n, 1e-9) {
		t.Errorf("sacreBLEU exp %v, nltk method3 %v", s, n)
	}

	// sacreBLEU's floor smoothing (0.1) is nltk's method 1 (epsilon 0.1).
	if s, n := sacre(BLEU{Smooth: SmoothFloor}, hyp, ref), nltk(NLTKBLEU{Smoothing: NLTKMethod1}, hyp, ref); !closeTo(s, 100*n, 1e-9) {
		t.Errorf("sacreBLEU floor %v, nltk method1 %v", s, n)
	}

	// add-k (k=1) is nltk's method 2: both add one to the matches and
	// totals of orders 2 and above.
	if s, n := sacre(BLEU{Smooth: SmoothAddK}, hyp, ref), nltk(NLTKBLEU{Smoothing: NLTKMethod2}, hyp, ref); !closeTo(s, 100*n, 1e-9) {
		t.Errorf("sacreBLEU add-k %v, nltk method2 %v", s, n)
	}

	// A hypothesis shorter than 4 tokens: sacreBLEU's sentence BLEU (with
	// effective order) scores it on the orders it has; nltk without
	// smoothing and without auto_reweigh gives a tiny number.
	short := "the cat"
	if s, _ := SentenceBLEU(short, []string{"the cat"}); !closeTo(s.Score, 100, 1e-9) {
		t.Errorf("sacreBLEU sentence_bleu of an exact 2-token match: %v, want 100", s.Score)
	}
	if n := nltk(NLTKBLEU{}, short, "the cat"); n > 1e-70 {
		t.Errorf("nltk of an exact 2-token match: %v, want a tiny number", n)
	}
	if n := nltk(NLTKBLEU{AutoReweigh: true}, short, "the cat"); !closeTo(n, 1, 1e-12) {
		t.Errorf("nltk auto_reweigh of an exact 2-token match: %v, want 1", n)
	}
}
