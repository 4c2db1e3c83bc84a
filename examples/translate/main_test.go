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
// -model and decodes the same translations.
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
		for _, v := range []float64{s.BLEU, s.CHRF, s.BLEUCI, s.CHRFCI} {
			if math.IsNaN(v) || v < 0 || v > 100 {
				t.Errorf("%s: score %v", s.Name, v)
			}
		}
	}
	if rep.Systems[0].BLEU <= 0 || rep.Systems[0].CHRF <= 0 {
		t.Errorf("copying the source scores %+v; proper nouns alone should score", rep.Systems[0])
	}
	for _, want := range []string{"copy the source (baseline)", "beam search, 2 beams", "BLEU: nrefs:1|bs:1000|seed:12345|case:mixed|eff:no|tok:13a", "chrF: nrefs:1"} {
		if !strings.Contains(log.String(), want) {
			t.Errorf("output lacks %q:\n%s", want, log.String())
		}
	}
	var scores report
	first := s2stest.Outputs(t, dir, &scores)
	if len(first) != 12 || first[0]["en"] == "" || first[0]["de"] == "" {
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
	} {
		c := shortConfig("")
		edit(&c)
		if _, err := run(context.Background(), c, &strings.Builder{}); err == nil {
			t.Errorf("config %+v accepted", c.Options)
		}
	}
}
