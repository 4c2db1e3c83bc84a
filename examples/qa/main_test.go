package main

import (
	"bytes"
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/examples/chat/quiz"
	"github.com/goformer/goformer/examples/internal/shipped"
	"github.com/goformer/goformer/examples/qa/model"
)

func TestExamplesAreBuiltAsDocumented(t *testing.T) {
	facts, err := quiz.Facts()
	if err != nil {
		t.Fatal(err)
	}
	tr, _ := quiz.Split(facts, 0.1, 1)
	exs, err := makeExamples(tr, 300, 3, 7, false, nil)
	if err != nil {
		t.Fatal(err)
	}
	again, _ := makeExamples(tr, 300, 3, 7, false, nil)
	if !reflect.DeepEqual(exs, again) {
		t.Fatal("the same seed builds other examples")
	}
	reversed := 0
	for _, e := range exs {
		if n := strings.Count(e.Context, ". ") + 1; n < 3 { // "St. George's" adds one
			t.Fatalf("%d sentences in %q", n, e.Context)
		}
		if got := strings.Count(strings.ToLower(e.Context), strings.ToLower(e.Answer())); got != 1 {
			t.Fatalf("the answer %q occurs %d times in %q", e.Answer(), got, e.Context)
		}
		if !strings.EqualFold(e.Golds[0], e.Answer()) || !strings.HasSuffix(e.Question, "?") {
			t.Fatalf("example %+v", e)
		}
		// The fact asked about is stated in the passage.
		found := false
		for _, f := range tr {
			subj, obj := strings.Contains(e.Question, f.Subject), strings.EqualFold(e.Answer(), f.Object)
			if !subj && strings.Contains(e.Question, f.Object) && strings.EqualFold(e.Answer(), f.Subject) {
				subj, obj = true, true
				reversed++
			}
			if subj && obj {
				found = true
				break
			}
		}
		if !found {
			t.Fatalf("no training fact answers %q with %q", e.Question, e.Answer())
		}
	}
	if reversed == 0 {
		t.Fatal("no reversed question")
	}
	if _, err := makeExamples(tr[:2], 5, 3, 1, false, nil); err == nil {
		t.Fatal("two facts made passages of three")
	}
	if _, err := makeExamples(tr, 5, 3, 1, false, func(example) bool { return false }); err == nil {
		t.Fatal("examples built though none is kept")
	}
}

func TestAnswersMapToTheirTokens(t *testing.T) {
	facts, _ := quiz.Facts()
	exs, err := makeExamples(facts, 50, 3, 3, true, nil)
	if err != nil {
		t.Fatal(err)
	}
	d, cleanup, err := shipped.Open("", model.FS)
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	tok, err := d.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	set, err := encodeExamples(tok, exs)
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range set {
		got := exs[i].Context[e.offsets[e.start].Start:e.offsets[e.end].End]
		if got != exs[i].Answer() || e.seqs[e.start] != 1 || e.seqs[e.end] != 1 {
			t.Fatalf("example %d: tokens %d..%d cover %q, the answer is %q", i, e.start, e.end, got, exs[i].Answer())
		}
	}
}

func TestOverlapBaseline(t *testing.T) {
	for _, tc := range []struct{ q, passage, want string }{
		{"What is the capital of Peru?", "Oslo is the capital of Norway. Lima is the capital of Peru. Zinc has atomic number 30.", "Lima"},
		// Two runs of one word: the first wins.
		{"What is the capital of Peru?", "Oslo is the capital of Norway. The capital city of Peru is Lima.", "city"},
		{"Which element has atomic number 30?", "Zinc has atomic number 30. Iron has atomic number 26.", "Zinc"},
		{"Who?", "", ""},
	} {
		if got := overlapBaseline(tc.q, tc.passage); got != tc.want {
			t.Errorf("%q: %q, want %q", tc.q, got, tc.want)
		}
	}
}

// TestTheShortModeRunsEveryStage fine-tunes for two steps on a few
// examples, from the shipped BERT and from scratch, and scores all three.
func TestTheShortModeRunsEveryStage(t *testing.T) {
	var w bytes.Buffer
	rep, err := run(context.Background(), config{trainN: 32, testN: 8, facts: 3, epochs: 1, steps: 2, batch: 8, lr: 1e-3, seed: 1, scratch: true, show: 2}, &w)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Train != 32 || rep.Test != 8 || len(rep.Scores) != 3 {
		t.Fatalf("report %+v", rep)
	}
	for _, s := range rep.Scores {
		if s.EM < 0 || s.EM > 100 || s.F1 < s.EM-1e-9 || s.F1 > 100 {
			t.Fatalf("%s: EM %v F1 %v", s.Name, s.EM, s.F1)
		}
	}
	for _, want := range []string{"a test example", "pre-trained BERT, fine-tuned", "same BERT from scratch", "word-overlap baseline", "Q: "} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, w.String())
		}
	}
}
