package main

import (
	"bytes"
	"context"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTheShortModePreTrainsScoresAndDecodes pre-trains for a few steps,
// scores the held-out sentences and decodes with every strategy.
func TestTheShortModePreTrainsScoresAndDecodes(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sotu")
	c := config{dir: dir, heldOut: 30, prompts: []string{"The Congress", "We"}, maxNew: 4, seed: 1,
		epochs: 1, steps: 2, vocab: 300, hidden: 32, layers: 1, maxLen: 32, limit: 1500}
	var w bytes.Buffer
	rep, err := run(context.Background(), c, &w)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, "tokenizer.json")); err != nil {
		t.Fatal("no model saved:", err)
	}
	if rep.Tokens <= 30 || !(rep.Perplexity > 1) || !(rep.Unigram > 1) || !(rep.Bigram > 1) {
		t.Fatalf("report %+v", rep)
	}
	// Two steps leave the model near its start: no better than counting.
	if rep.Perplexity < rep.Bigram || !strings.Contains(w.String(), "does not beat the bigram baseline") {
		t.Fatalf("perplexity %.1f against the bigram's %.1f:\n%s", rep.Perplexity, rep.Bigram, w.String())
	}
	if len(rep.Strategies) != 6 {
		t.Fatalf("%d strategies", len(rep.Strategies))
	}
	for _, s := range rep.Strategies {
		if len(s.Texts) != 2 || math.IsNaN(s.LogProb) || s.LogProb > 0 || s.TokensPS <= 0 {
			t.Fatalf("%s: %+v", s.Name, s)
		}
	}
	for _, want := range []string{"greedy", "repetition penalty", "temperature", "top-k", "top-p", "beam search", "The Congress|"} {
		if !strings.Contains(w.String(), want) {
			t.Errorf("output lacks %q", want)
		}
	}
	// Greedy decoding and beam search are deterministic; a second run
	// loads the saved model and decodes the same.
	rep2, err := run(context.Background(), c, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if rep2.PretrainDuration != 0 || rep2.Strategies[0].Texts[0] != rep.Strategies[0].Texts[0] || rep2.Perplexity != rep.Perplexity {
		t.Fatal("the second run did not reuse the saved model")
	}
}

func TestNgramBaselines(t *testing.T) {
	train := [][]int{{0, 1, 2, 1, 2}, {0, 1, 2}}
	n := countNgrams(train, 4)
	uni, bi := n.perplexity(train, 0), n.perplexity(train, 0.7)
	if !(bi < uni) {
		t.Fatalf("on its own training text the bigram (%.3f) should beat the unigram (%.3f)", bi, uni)
	}
	// A uniform unigram over an unseen text.
	if p := countNgrams(nil, 4).perplexity([][]int{{0, 3, 3}}, 0); math.Abs(p-4) > 1e-9 {
		t.Fatalf("uniform perplexity %v, want 4", p)
	}
}

func TestBadHeldOut(t *testing.T) {
	for _, h := range []int{0, -1, 1 << 20} {
		if _, err := run(context.Background(), config{heldOut: h}, &bytes.Buffer{}); err == nil {
			t.Errorf("-held-out %d accepted", h)
		}
	}
}
