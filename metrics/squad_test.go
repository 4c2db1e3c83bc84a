package metrics

import (
	"errors"
	"testing"
)

func TestSQuADNormalize(t *testing.T) {
	tests := []struct{ name, in, want string }{
		{"articles, case and punctuation go", "The  Quick, brown fox!", "quick brown fox"},
		{"articles inside words stay", "Theater and an ant", "theater and ant"},
		{"a word after an article is kept", "a an the the", ""},
		{"non-ASCII letters join words", "thé café", "thé café"},
		{"an article before a non-ASCII letter is part of the word", "anß", "anß"},
		{"underscores are punctuation and vanish", "the_end", "theend"},
		{"Unicode whitespace collapses", "the\u00a0answer\u3000is", "answer is"},
		{"an empty answer stays empty", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SQuADNormalize(tt.in); got != tt.want {
				t.Errorf("SQuADNormalize(%q) = %q, want %q", tt.in, got, tt.want)
			}
		})
	}
}

func TestSQuADExactMatchAndF1(t *testing.T) {
	tests := []struct {
		name   string
		pred   string
		golds  []string
		em, f1 float64
	}{
		{"an exact answer after normalization", "the Eiffel Tower.", []string{"Eiffel tower"}, 1, 1},
		{"a partial answer", "Eiffel", []string{"Eiffel tower"}, 0, 2.0 / 3},
		{"the best of several gold answers", "in Paris, France", []string{"London", "Paris"}, 0, 2 * (1.0 / 3) / (1.0/3 + 1)},
		{"repeated tokens are clipped", "x x y", []string{"x y y"}, 0, 2.0 / 3},
		{"no shared token", "cat", []string{"dog"}, 0, 0},
		{"two empty answers agree for exact match only", "", []string{""}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := SQuADExactMatch(tt.pred, tt.golds); got != tt.em {
				t.Errorf("exact match %v, want %v", got, tt.em)
			}
			if got := SQuADF1(tt.pred, tt.golds); !closeTo(got, tt.f1, 1e-15) {
				t.Errorf("F1 %v, want %v", got, tt.f1)
			}
		})
	}
	if got := SQuADv2F1("", []string{""}); got != 1 {
		t.Errorf("v2: empty prediction for an unanswerable question scores %v, want 1", got)
	}
	if got := SQuADv2F1("Paris", []string{""}); got != 0 {
		t.Errorf("v2: an answer to an unanswerable question scores %v, want 0", got)
	}
}

func TestSQuADCorpus(t *testing.T) {
	got, err := SQuAD([]string{"Paris", "the year 1889", "no"}, [][]string{{"Paris"}, {"1889"}, {"yes"}})
	if err != nil {
		t.Fatal(err)
	}
	// Exact: 1, 0, 0. F1: 1, 2·(1/2)·1/(3/2) = 2/3, 0.
	if !closeTo(got.ExactMatch, 100.0/3, 1e-12) || !closeTo(got.F1, 100*(1+2.0/3)/3, 1e-12) {
		t.Errorf("got %+v", got)
	}
	v2, err := SQuADv2([]string{"", "Paris"}, [][]string{{"", "the"}, {"Paris"}})
	if err != nil {
		t.Fatal(err)
	}
	if v2.ExactMatch != 100 || v2.F1 != 100 {
		t.Errorf("v2 got %+v, want 100/100", v2)
	}
	if _, err := SQuAD([]string{"a"}, nil); !errors.Is(err, ErrLengthMismatch) {
		t.Errorf("mismatch: %v", err)
	}
	if _, err := SQuAD(nil, nil); !errors.Is(err, ErrEmpty) {
		t.Errorf("empty: %v", err)
	}
	if _, err := SQuAD([]string{"a"}, [][]string{{}}); !errors.Is(err, ErrNoReference) {
		t.Errorf("no gold: %v", err)
	}
}
