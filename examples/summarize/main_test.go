package main

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/examples/internal/s2s/s2stest"
)

func shortConfig(out string) config {
	c := defaults()
	c.short()
	c.Out, c.samples = out, 2
	return c
}

// The short mode that CI runs: a few steps on tiny data write the model,
// the predictions and the scores; the saved folder loads back with
// -model and decodes the same summaries.
func TestShortRunWritesItsOutputsAndReloads(t *testing.T) {
	dir := t.TempDir()
	var log strings.Builder
	rep, err := run(context.Background(), shortConfig(dir), &log)
	if err != nil {
		t.Fatalf("%v\n%s", err, log.String())
	}
	if len(rep.Systems) != 3 || rep.TestPairs != 12 || rep.Steps != 6 {
		t.Fatalf("report %+v", rep)
	}
	for _, s := range rep.Systems {
		for _, typ := range rougeTypes {
			r := s.ROUGE[typ]
			for _, v := range []float64{r.F, r.Low, r.High} {
				if math.IsNaN(v) || v < 0 || v > 100 {
					t.Errorf("%s: %s %+v", s.Name, typ, r)
				}
			}
		}
	}
	if rep.Lead < 1 || rep.Lead > maxLead || rep.Systems[0].ROUGE["rouge1"].F < 10 {
		t.Errorf("lead-%d baseline scores %+v; the first words of a description share words with its synopsis", rep.Lead, rep.Systems[0])
	}
	for _, want := range []string{"(baseline)", "beam search, 2 beams", "ROUGE-1", "ROUGE-L", "lead-N baseline: N = "} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, log.String())
		}
	}
	var scores report
	first := s2stest.Outputs(t, dir, &scores)
	if len(first) != 12 || first[0]["description"] == "" || first[0]["synopsis"] == "" || first[0]["lead"] == "" {
		t.Fatalf("predictions %v", first)
	}
	if len(scores.Systems) != 3 {
		t.Fatalf("scores.json: %+v", scores)
	}

	again := filepath.Join(t.TempDir(), "again")
	c := shortConfig(again)
	c.Model, c.Steps = dir, 0 // the saved model as it is
	c.set = map[string]bool{"steps": true, "epochs": true}
	if _, err := run(context.Background(), c, &log); err != nil {
		t.Fatalf("reload: %v", err)
	}
	if !strings.Contains(log.String(), `input prefix "", from config.json's task_specific_params[`) {
		t.Errorf("the saved model's config gave a prefix:\n%s", log.String())
	}
	s2stest.SameDecodings(t, again, first)
}

func TestBadSettingsAreRejected(t *testing.T) {
	for _, edit := range []func(*config){
		func(c *config) { c.Beams = -1 },
		func(c *config) { c.VocabSize = 0 },
		func(c *config) { c.LR = -1 },
		func(c *config) { c.Model = filepath.Join(t.TempDir(), "none") },
		func(c *config) { c.lead = -1 },
	} {
		c := shortConfig("")
		edit(&c)
		if _, err := run(context.Background(), c, &strings.Builder{}); err == nil {
			t.Errorf("config %+v accepted", c.Options)
		}
	}
}

func TestLeadTakesTheFirstWords(t *testing.T) {
	for _, tc := range []struct {
		text string
		n    int
		want string
	}{
		{"a b  c\nd e", 3, "a b c"},
		{"a b", 5, "a b"},
		{"", 2, ""},
	} {
		if got := lead(tc.text, tc.n); got != tc.want {
			t.Errorf("lead(%q, %d) = %q, want %q", tc.text, tc.n, got, tc.want)
		}
	}
}
