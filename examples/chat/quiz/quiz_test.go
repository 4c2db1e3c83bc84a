package quiz

import (
	"slices"
	"strings"
	"testing"
)

func TestQuizPatterns(t *testing.T) {
	for _, tc := range []struct {
		field, canonical string
		forms            []string
	}{
		{"Paris", "Paris", []string{"Paris"}},
		{"Cal{if{ornia}}|CA", "California", []string{"California", "Calif", "Cal", "CA"}},
		{"Yaound['e|e'|e]", "Yaounde", []string{"Yaound'e", "Yaounde'", "Yaounde"}},
		{"{DR |Democratic Republic of the }Congo", "DR Congo", []string{"DR Congo", "Democratic Republic of the Congo", "Congo"}},
		{"SGSSI|South Georgia", "South Georgia", []string{"SGSSI", "South Georgia"}},
		{"marchioness[|e]|marquise", "marchioness", []string{"marchioness", "marchionesse", "marquise"}},
		{"forget{-| }me{-| }not", "forget-me-not", nil},
	} {
		item, err := parseItem(tc.field)
		if err != nil {
			t.Fatalf("%q: %v", tc.field, err)
		}
		if len(item) != 1 {
			t.Fatalf("%q: %d fields", tc.field, len(item))
		}
		if got := item[0].Canonical(); got != tc.canonical {
			t.Errorf("%q: canonical %q, want %q", tc.field, got, tc.canonical)
		}
		if tc.forms != nil {
			got := item[0].Forms(100)
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.forms))
			if !slices.Equal(got, want) {
				t.Errorf("%q: forms %q, want %q", tc.field, got, want)
			}
		}
	}
	items, err := Parse("a:b\\\n:c\n\nd:e\n")
	if err != nil || len(items) != 2 || len(items[0]) != 3 {
		t.Fatalf("continued lines: %v items, %v", len(items), err)
	}
	for _, bad := range []string{"a{b", "a]b", "x:[y|z", "a}"} {
		if _, err := Parse(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestFactsFromTheShippedQuizzes(t *testing.T) {
	facts, err := Facts()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range facts {
		count[f.Rel.Name]++
		if strings.ContainsAny(f.Subject+f.Object, "{}[]|:\\") {
			t.Errorf("%s fact %q → %q keeps quiz syntax", f.Rel.Name, f.Subject, f.Object)
		}
	}
	t.Log(len(facts), count)
	find := func(rel *Relation, subject string) Fact {
		for _, f := range facts {
			if f.Rel == rel && f.Subject == subject {
				return f
			}
		}
		t.Fatalf("no %s fact about %s", rel.Name, subject)
		return Fact{}
	}
	if f := find(Capital, "France"); f.Object != "Paris" || f.Answer() != "The capital of France is Paris." {
		t.Errorf("France: %+v", f)
	}
	if f := find(Symbol, "Helium"); f.Object != "He" {
		t.Errorf("Helium: %+v", f)
	}
	if f := find(Baby, "fox"); !slices.Contains(f.Golds, "kitten") || !slices.Contains(f.Golds, "pup") {
		t.Errorf("a baby fox is a kitten or a pup: %+v", f)
	}
	f := find(Capital, "France")
	if !f.Correct("The capital of France is paris.") || f.Correct("The capital of France is Lyon.") || !f.Form("The capital of France is Lyon.") || f.Form("Paris.") {
		t.Error("France: correct and form disagree with the answer sentence")
	}
	tr, held := Split(facts, 0.1, 1)
	if len(tr)+len(held) != len(facts) || len(held) < len(count) {
		t.Fatalf("split %d + %d of %d", len(tr), len(held), len(facts))
	}
}
