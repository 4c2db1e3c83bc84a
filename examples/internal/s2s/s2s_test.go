package s2s

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/examples/internal/ddtp"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/seq2seq"
)

func tinyPairs(t *testing.T, n int) []ddtp.Pair {
	t.Helper()
	p, err := ddtp.EnglishGerman()
	if err != nil {
		t.Fatal(err)
	}
	return ddtp.Split(p, ddtp.Train)[:n]
}

func TestTokenizerHasT5sSpecialPiecesAndCutsKeepEOS(t *testing.T) {
	spm, err := TrainTokenizer(tinyPairs(t, 300), 200, 1)
	if err != nil {
		t.Fatal(err)
	}
	if spm.PadID() != 0 || spm.EosID() != 1 || spm.UnkID() != 2 {
		t.Fatalf("pad %d, eos %d, unk %d; want T5's 0, 1, 2", spm.PadID(), spm.EosID(), spm.UnkID())
	}
	tok, err := seq2seq.T5Tokenizer(spm, 0)
	if err != nil {
		t.Fatal(err)
	}
	e := encoder{tok: tok, prefix: "translate: ", eos: 1}
	texts := []string{"graphical front end for GNU Privacy Guard", "", strings.Repeat("library ", 40)}
	ids, err := e.ids(texts, true, 8)
	if err != nil {
		t.Fatal(err)
	}
	for i, s := range ids {
		if len(s) == 0 || len(s) > 8 || s[len(s)-1] != 1 {
			t.Errorf("text %d: ids %v, want at most 8 ending in </s> (1)", i, s)
		}
	}
	if len(ids[2]) != 8 {
		t.Errorf("a long text gave %d ids, want 8", len(ids[2]))
	}
	plain, _ := e.ids(texts[:1], false, 100)
	prefixed, _ := e.ids(texts[:1], true, 100)
	if len(prefixed[0]) <= len(plain[0]) {
		t.Errorf("the prefix added no tokens: %v and %v", prefixed[0], plain[0])
	}
}

func TestRunRejectsBadOptions(t *testing.T) {
	good := Options{VocabSize: 200, Dim: 16, FF: 32, Heads: 2, Layers: 1, Steps: 1, BatchSize: 4, LR: 1e-3, MaxSource: 16, MaxTarget: 16}
	pairs := tinyPairs(t, 20)
	for _, tc := range []struct {
		name string
		edit func(*Options)
	}{
		{"tiny vocabulary", func(o *Options) { o.VocabSize = 10 }},
		{"unknown architecture", func(o *Options) { o.Arch = "rnn" }},
		{"width not divisible by heads", func(o *Options) { o.Heads = 3 }},
		{"no layers", func(o *Options) { o.Layers = 0 }},
		{"dropout of 1", func(o *Options) { o.Dropout = 1 }},
		{"negative steps", func(o *Options) { o.Steps = -1 }},
		{"no batch", func(o *Options) { o.BatchSize = 0 }},
		{"zero learning rate", func(o *Options) { o.LR = 0 }},
		{"target limit of 1", func(o *Options) { o.MaxTarget = 1 }},
		{"negative beams", func(o *Options) { o.Beams = -2 }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			o := good
			tc.edit(&o)
			if _, err := Run(context.Background(), o, pairs, nil, pairs, nil, &strings.Builder{}); err == nil {
				t.Fatal("accepted")
			}
		})
	}
	t.Run("no test pairs", func(t *testing.T) {
		if _, err := Run(context.Background(), good, pairs, nil, nil, nil, &strings.Builder{}); err == nil {
			t.Fatal("accepted")
		}
	})
	t.Run("a missing checkpoint", func(t *testing.T) {
		o := good
		o.Model = t.TempDir()
		if _, err := Run(context.Background(), o, pairs, nil, pairs, nil, &strings.Builder{}); err == nil {
			t.Fatal("accepted")
		}
	})
}

// Both architectures train, save, and load back through Options.Model
// with the same decodings.
func TestBothArchitecturesSaveAndReload(t *testing.T) {
	pairs := tinyPairs(t, 120)
	for _, arch := range []string{"transformer", "t5"} {
		t.Run(arch, func(t *testing.T) {
			dir := t.TempDir()
			o := Options{Arch: arch, VocabSize: 200, Dim: 16, FF: 32, Heads: 2, Layers: 1, Steps: 3, BatchSize: 8, LR: 1e-3,
				MaxSource: 16, MaxTarget: 6, Beams: 2, TestLimit: 4, Out: dir, Seed: 2}
			var log strings.Builder
			first, err := Run(context.Background(), o, pairs, pairs[:4], pairs, nil, &log)
			if err != nil {
				t.Fatalf("%v\n%s", err, log.String())
			}
			if first.Train == nil || first.Train.Steps != 3 || len(first.Greedy) != 4 || len(first.Beam) != 4 {
				t.Fatalf("result %+v", first)
			}
			o.Model, o.Steps, o.Out = dir, 0, ""
			again, err := Run(context.Background(), o, nil, nil, pairs, nil, &log)
			if err != nil {
				t.Fatalf("reload: %v\n%s", err, log.String())
			}
			if again.Params != first.Params || again.Train != nil {
				t.Errorf("reloaded %d parameters (trained: %v), saved %d", again.Params, again.Train != nil, first.Params)
			}
			for i := range first.Greedy {
				if again.Greedy[i] != first.Greedy[i] || again.Beam[i] != first.Beam[i] {
					t.Errorf("input %d decodes as %q / %q after reloading, %q / %q before", i, again.Greedy[i], again.Beam[i], first.Greedy[i], first.Beam[i])
				}
			}
			// Limits beyond the model's positions are cut to them.
			o.MaxSource, o.MaxTarget = 1000, 1000
			if _, err := Run(context.Background(), o, nil, nil, pairs, nil, &log); err != nil {
				t.Fatalf("long limits: %v", err)
			}
		})
	}
}

func TestFineTuneDefaultsApplyToAPretrainedModelOnly(t *testing.T) {
	base := Options{Epochs: 12, LR: 3e-3}
	o := base
	o.FineTuneDefaults(nil, "summarization")
	if o != base {
		t.Errorf("a new model's options changed: %+v", o)
	}
	o = base
	o.Model = "google-t5/t5-small"
	o.FineTuneDefaults(nil, "summarization")
	if !o.TaskPrefix || o.Task != "summarization" || o.Epochs != 1 || o.LR != 3e-4 {
		t.Errorf("fine-tuning defaults not applied: %+v", o)
	}
	o = base
	o.Model, o.Steps = "google-t5/t5-small", 5
	o.FineTuneDefaults(map[string]bool{"prefix": true, "steps": true, "lr": true}, "summarization")
	if o.TaskPrefix || o.Epochs != 12 || o.Steps != 5 || o.LR != 3e-3 {
		t.Errorf("the flags given were overridden: %+v", o)
	}
}

func TestTaskPrefixComesFromTheCheckpointsConfig(t *testing.T) {
	dir := t.TempDir()
	config := `{"model_type": "t5", "task_specific_params": {
		"summarization": {"num_beams": 4, "prefix": "summarize: "},
		"translation_en_to_de": {"prefix": "translate English to German: "}}}`
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(config), 0o644); err != nil {
		t.Fatal(err)
	}
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	for task, want := range map[string]string{"summarization": "summarize: ", "translation_en_to_de": "translate English to German: ", "translation_en_to_fr": ""} {
		if got, err := taskPrefix(d, task); err != nil || got != want {
			t.Errorf("%s: prefix %q (%v), want %q", task, got, err, want)
		}
	}
	if err := os.WriteFile(filepath.Join(dir, "config.json"), []byte(`{"model_type": "t5", "task_specific_params": {"summarization": {"prefix": 3}}}`), 0o644); err != nil {
		t.Fatal(err)
	}
	if d, err = hub.OpenDir(dir); err == nil {
		if p, err := taskPrefix(d, "summarization"); err == nil {
			t.Errorf("a numeric prefix read as %q", p)
		}
	}
}
