package metrics

import (
	"errors"
	"testing"
)

type rougeFixture struct {
	Cases []struct {
		ID         string   `json:"id"`
		Kind       string   `json:"kind"`
		Target     string   `json:"target"`
		Targets    []string `json:"targets"`
		Prediction string   `json:"prediction"`
		Results    map[string]map[string]struct {
			Precision float64 `json:"precision"`
			Recall    float64 `json:"recall"`
			Fmeasure  float64 `json:"fmeasure"`
		} `json:"results"`
	} `json:"cases"`
}

// rougeFixtureCheck compares every pair and score_multi case of the
// fixture under the given results key ("nostem" or "stem").
func rougeFixtureCheck(t *testing.T, key string, r ROUGE) {
	t.Helper()
	var fx rougeFixture
	loadFixture(t, "rouge_score.json", &fx)
	var ex exactness
	for _, tc := range fx.Cases {
		var got ROUGEResult
		var err error
		switch tc.Kind {
		case "pair":
			got, err = r.Score(tc.Target, tc.Prediction)
		case "score_multi":
			got, err = r.ScoreMulti(tc.Targets, tc.Prediction)
		default:
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", tc.ID, err)
		}
		for typ, want := range tc.Results[key] {
			g := got[typ]
			for _, v := range [][2]float64{{g.Precision, want.Precision}, {g.Recall, want.Recall}, {g.F, want.Fmeasure}} {
				ex.see(v[0], v[1])
				if !closeTo(v[0], v[1], 1e-9) {
					t.Errorf("%s %s %s: got %+v, rouge-score %+v", tc.ID, key, typ, g, want)
					break
				}
			}
		}
	}
	if ex.n < 1500 {
		t.Errorf("only %d ROUGE values checked", ex.n)
	}
	ex.log(t, "rouge-score "+key)
	if ex.exact != ex.n {
		t.Errorf("only %d of %d values are bit-identical to rouge-score", ex.exact, ex.n)
	}
}

func TestROUGEMatchesRougeScoreWithoutStemming(t *testing.T) {
	rougeFixtureCheck(t, "nostem", ROUGE{})
}

func TestROUGEDocstringExample(t *testing.T) {
	got, err := ROUGE{Types: []string{"rouge1", "rougeL"}}.Score("The quick brown fox jumps over the lazy dog", "The quick brown dog jumps on the log.")
	if err != nil {
		t.Fatal(err)
	}
	if g := got["rouge1"]; !closeTo(g.Precision, 0.75, 1e-15) || !closeTo(g.Recall, 2.0/3, 1e-15) {
		t.Errorf("rouge1 %+v, want precision 0.75 and recall 0.667", g)
	}
	if g := got["rougeL"]; !closeTo(g.F, 0.5882352941176471, 1e-15) {
		t.Errorf("rougeL %+v, want F 0.5882352941176471", g)
	}
}

func TestROUGETokenizerKeepsOnlyASCIILettersAndDigits(t *testing.T) {
	tests := []struct {
		name, in string
		want     []string
	}{
		{"punctuation separates", "It's 3.5-times, (no)!", []string{"it", "s", "3", "5", "times", "no"}},
		{"non-ASCII letters separate", "naïve café", []string{"na", "ve", "caf"}},
		{"CJK gives no tokens", "我们今天", nil},
		{"dotted capital I lowercases to i and a separator", "İstanbul", []string{"i", "stanbul"}},
		{"the Kelvin sign lowercases to k", "5\u212a", []string{"5k"}},
		{"empty text gives no tokens", "", nil},
		{"invalid UTF-8 separates", "ab\xffcd", []string{"ab", "cd"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ROUGETokenize(tt.in, nil)
			if len(got) != len(tt.want) {
				t.Fatalf("got %q, want %q", got, tt.want)
			}
			for i := range got {
				if got[i] != tt.want[i] {
					t.Fatalf("got %q, want %q", got, tt.want)
				}
			}
		})
	}
}

func TestROUGEEdgeCases(t *testing.T) {
	r := ROUGE{}
	for _, tc := range []struct{ name, target, pred string }{
		{"an empty prediction scores zero", "a b c", ""},
		{"an empty target scores zero", "", "a b c"},
		{"text without ASCII tokens scores zero", "我们", "我们"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := r.Score(tc.target, tc.pred)
			if err != nil {
				t.Fatal(err)
			}
			for typ, s := range got {
				if s != (PRF{}) {
					t.Errorf("%s: %+v, want zeros", typ, s)
				}
			}
		})
	}
	if _, err := (ROUGE{Types: []string{"rouge0"}}).Score("a", "a"); !errors.Is(err, ErrBadOption) {
		t.Errorf("rouge0: error %v, want ErrBadOption", err)
	}
	if _, err := (ROUGE{}).ScoreMulti(nil, "a"); !errors.Is(err, ErrNoReference) {
		t.Errorf("no targets: error %v, want ErrNoReference", err)
	}
	if _, err := (ROUGE{}).Corpus([]string{"a"}, nil); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("mismatched corpus: error %v, want ErrLengthMismatch", err)
	}
}

func TestROUGEMatchesRougeScoreWithPorterStemming(t *testing.T) {
	rougeFixtureCheck(t, "stem", ROUGE{Stemmer: PorterStemmer})
}

func TestROUGEStemmingMatchesWordForms(t *testing.T) {
	got, err := ROUGE{Types: []string{"rouge1"}, Stemmer: PorterStemmer}.Score("The connections were running", "connected runs")
	if err != nil {
		t.Fatal(err)
	}
	// connect and run match after stemming; "the" and "were" are unmatched.
	if g := got["rouge1"]; g.Precision != 1 || g.Recall != 0.5 {
		t.Errorf("rouge1 %+v, want precision 1, recall 0.5", g)
	}
}

func TestROUGETokenizeWithStemmingMatchesNLTK(t *testing.T) {
	var fx struct {
		Cases []struct {
			Text   string   `json:"text"`
			Tokens []string `json:"tokens"`
		} `json:"cases"`
	}
	loadFixture(t, "rouge_stem_tokens.json", &fx)
	changed := 0
	for _, tc := range fx.Cases {
		got := ROUGETokenize(tc.Text, PorterStemmer)
		plain := ROUGETokenize(tc.Text, nil)
		if len(got) != len(tc.Tokens) {
			t.Fatalf("%q:\ngot  %q\nwant %q", tc.Text, got, tc.Tokens)
		}
		for i := range got {
			if got[i] != tc.Tokens[i] {
				t.Fatalf("%q: token %d is %q, nltk %q", tc.Text, i, got[i], tc.Tokens[i])
			}
			if got[i] != plain[i] {
				changed++
			}
		}
	}
	if changed < 100 {
		t.Errorf("stemming changed only %d tokens; the fixture does not exercise it", changed)
	}
}
