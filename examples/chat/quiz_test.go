package main

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
		if got := item[0].canonical(); got != tc.canonical {
			t.Errorf("%q: canonical %q, want %q", tc.field, got, tc.canonical)
		}
		if tc.forms != nil {
			got := item[0].forms(100)
			slices.Sort(got)
			want := slices.Sorted(slices.Values(tc.forms))
			if !slices.Equal(got, want) {
				t.Errorf("%q: forms %q, want %q", tc.field, got, want)
			}
		}
	}
	items, err := parseQuiz("a:b\\\n:c\n\nd:e\n")
	if err != nil || len(items) != 2 || len(items[0]) != 3 {
		t.Fatalf("continued lines: %v items, %v", len(items), err)
	}
	for _, bad := range []string{"a{b", "a]b", "x:[y|z", "a}"} {
		if _, err := parseQuiz(bad); err == nil {
			t.Errorf("%q parsed", bad)
		}
	}
}

func TestFactsFromTheShippedQuizzes(t *testing.T) {
	facts, err := loadFacts()
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, f := range facts {
		count[f.rel.name]++
		if strings.ContainsAny(f.subject+f.object, "{}[]|:\\") {
			t.Errorf("%s fact %q → %q keeps quiz syntax", f.rel.name, f.subject, f.object)
		}
	}
	t.Log(len(facts), count)
	find := func(rel *relation, subject string) fact {
		for _, f := range facts {
			if f.rel == rel && f.subject == subject {
				return f
			}
		}
		t.Fatalf("no %s fact about %s", rel.name, subject)
		return fact{}
	}
	if f := find(relCapital, "France"); f.object != "Paris" || f.answer() != "The capital of France is Paris." {
		t.Errorf("France: %+v", f)
	}
	if f := find(relSymbol, "Helium"); f.object != "He" {
		t.Errorf("Helium: %+v", f)
	}
	if f := find(relBaby, "fox"); !slices.Contains(f.golds, "kitten") || !slices.Contains(f.golds, "pup") {
		t.Errorf("a baby fox is a kitten or a pup: %+v", f)
	}
	f := find(relCapital, "France")
	if !f.correct("The capital of France is paris.") || f.correct("The capital of France is Lyon.") || !f.form("The capital of France is Lyon.") || f.form("Paris.") {
		t.Error("France: correct and form disagree with the answer sentence")
	}
	tr, held := splitFacts(facts, 0.1, 1)
	if len(tr)+len(held) != len(facts) || len(held) < len(count) {
		t.Fatalf("split %d + %d of %d", len(tr), len(held), len(facts))
	}
	convs := dialogues(tr, 2, 1)
	asked := 0
	for _, c := range convs {
		for i, m := range c {
			if want := []string{"user", "assistant"}[i%2]; m.Role != want {
				t.Fatalf("message %d of a conversation is %s's", i, m.Role)
			}
			if m.Role == "assistant" && !strings.HasPrefix(m.Content, "Hello") && m.Content != "You are welcome." && m.Content != "Goodbye!" && !strings.HasPrefix(m.Content, "I ") {
				asked++
			}
		}
	}
	if asked != 2*len(tr) {
		t.Fatalf("%d questions in 2 rounds over %d facts", asked, len(tr))
	}
}
