package main

import (
	"bytes"
	"context"
	"math"
	"strings"
	"testing"
)

func TestTheEvaluationInShortMode(t *testing.T) {
	var w bytes.Buffer
	rep, err := run(context.Background(), config{pooling: "mean", examples: 2, seed: 1, limit: 24}, &w)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Index != 24 || rep.Queries != 24 || len(rep.Rows) != 4 {
		t.Fatalf("report %+v", rep)
	}
	for _, r := range rep.Rows {
		if r.Acc1 < 0 || r.Acc1 > 1 || r.Acc10 < 0 || r.Acc10 > 1 {
			t.Fatalf("%s: accuracies %v %v", r.Name, r.Acc1, r.Acc10)
		}
	}
	out := w.String()
	for _, want := range []string{"BERT, mean pooling", "BERT, [CLS] pooling", "untrained", "TF-IDF", "majority class", "nearest to the test sentence"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	if got := strings.Count(out, "nearest to the test sentence"); got != 2 {
		t.Errorf("%d examples, want 2", got)
	}
}

func TestAQueryPrintsItsNeighbours(t *testing.T) {
	var w bytes.Buffer
	if _, err := run(context.Background(), config{pooling: "cls", query: "The food was great.", k: 4, limit: 12}, &w); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(w.String()), "\n")
	if len(lines) != 6 || !strings.Contains(lines[1], `nearest to "The food was great."`) {
		t.Fatalf("output:\n%s", w.String())
	}
	if _, err := run(context.Background(), config{pooling: "max"}, &w); err == nil {
		t.Error("an unknown pooling was accepted")
	}
}

func TestNearestAndTFIDF(t *testing.T) {
	index := []string{"the food was great", "terrible service", "great food and great prices"}
	v := tfidf(index, append(index, "GREAT food!", "unknown words only"))
	for i, x := range v[:4] {
		n := 0.0
		for _, e := range x {
			n += float64(e) * float64(e)
		}
		if math.Abs(n-1) > 1e-5 {
			t.Fatalf("vector %d has norm² %v", i, n)
		}
	}
	for _, e := range v[4] {
		if e != 0 {
			t.Fatal("words outside the index vocabulary count")
		}
	}
	nn := nearest(v[3], v[:3], 2)
	if nn[0].Index != 2 || nn[1].Index != 0 || nn[0].Score < nn[1].Score {
		t.Fatalf("neighbours of %q: %+v", "GREAT food!", nn)
	}
	a1, a10 := knnAccuracy(v[:3], v[:3], []int{1, 0, 1}, []int{1, 0, 1}, 2)
	if a1 != 1 || a10 <= 0 {
		t.Fatalf("the index against itself: 1-NN %v, 10-NN %v", a1, a10)
	}
}
