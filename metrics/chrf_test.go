package metrics

import (
	"errors"
	"testing"
)

type sacreCHRFFixture struct {
	Cases []struct {
		ID      string        `json:"id"`
		Kind    string        `json:"kind"`
		Hyp     string        `json:"hyp"`
		Hyps    []string      `json:"hyps"`
		Refs    json2DStrings `json:"refs"`
		Results map[string]struct {
			Score     float64 `json:"score"`
			Signature string  `json:"signature"`
			Formatted string  `json:"formatted"`
		} `json:"results"`
	} `json:"cases"`
}

func TestCHRFMatchesSacreBLEUFixtures(t *testing.T) {
	var fx sacreCHRFFixture
	loadFixture(t, "sacrebleu_chrf.json", &fx)
	var ex exactness
	for _, tc := range fx.Cases {
		for key, want := range tc.Results {
			c := DefaultCHRF
			if key == "chrF++" {
				c = DefaultCHRFPlusPlus
			}
			var got CHRFScore
			var err error
			if tc.Kind == "sentence" {
				got, err = c.Sentence(tc.Hyp, tc.Refs.flat)
			} else {
				got, err = c.Corpus(tc.Hyps, tc.Refs.nested)
			}
			if err != nil {
				t.Errorf("%s %s: %v", tc.ID, key, err)
				continue
			}
			if !closeTo(got.Score, want.Score, 1e-9) {
				t.Errorf("%s %s: %.17g, sacreBLEU %.17g", tc.ID, key, got.Score, want.Score)
			}
			ex.see(got.Score, want.Score)
			if want.Signature != "" && got.Signature != want.Signature {
				t.Errorf("%s %s: signature %q, sacreBLEU %q", tc.ID, key, got.Signature, want.Signature)
			}
			if want.Formatted != "" && got.String() != want.Formatted {
				t.Errorf("%s %s: printed %q, sacreBLEU %q", tc.ID, key, got.String(), want.Formatted)
			}
		}
	}
	if ex.n < 200 {
		t.Errorf("only %d chrF results checked", ex.n)
	}
	ex.log(t, "sacreBLEU chrF scores")
	if ex.exact != ex.n {
		t.Errorf("only %d of %d values are bit-identical to the reference", ex.exact, ex.n)
	}
}

func TestCHRFEdgeCases(t *testing.T) {
	tests := []struct {
		name    string
		c       CHRF
		hyp     string
		refs    []string
		want    float64
		wantErr error
	}{
		{"an empty hypothesis scores zero", DefaultCHRF, "", []string{"abc"}, 0, nil},
		{"an identical hypothesis scores one hundred", DefaultCHRFPlusPlus, "The cat sat.", []string{"The cat sat."}, 100, nil},
		{"whitespace does not count by default", DefaultCHRF, "ab c", []string{"a bc"}, 100, nil},
		{"lowercase ignores case", CHRF{CharOrder: 6, Beta: 2, Lowercase: true}, "ABC", []string{"abc"}, 100, nil},
		{"only empty references is an error", DefaultCHRF, "abc", []string{""}, 0, ErrNoReference},
		{"a zero configuration is an error", CHRF{}, "abc", []string{"abc"}, 0, ErrBadOption},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.c.Sentence(tt.hyp, tt.refs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err == nil && !closeTo(got.Score, tt.want, 1e-9) {
				t.Errorf("score %v, want %v", got.Score, tt.want)
			}
		})
	}
}

func TestCHRFCorpusRejectsMismatchedLengthsAndEmptyInput(t *testing.T) {
	_, err := DefaultCHRF.Corpus([]string{"a", "b"}, [][]string{{"a"}})
	if !errors.Is(err, ErrLengthMismatch) {
		t.Fatalf("error %v, want ErrLengthMismatch", err)
	}
	if _, err := DefaultCHRF.Corpus(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Fatalf("empty corpus: error %v, want ErrEmpty", err)
	}
}
