// Command translate trains a small encoder-decoder to translate Debian
// package synopses from English to German, decodes a held-out test split
// greedily and by beam search, and scores it with sacreBLEU-compatible BLEU
// and chrF (package metrics) against a copy-the-source baseline.
//
// Usage:
//
//	go run ./examples/translate [-epochs 12] [-beams 4] [-out DIR] [flags]
//	go run ./examples/translate -model DIR|org/name [-epochs 0] [flags]
//	go run ./examples/translate -short    # a few steps on tiny data, as CI runs it
//
// The data are 6,000 English synopses of Debian packages and their German
// translations from the Debian Description Translation Project, shipped in
// examples/internal/ddtp (5,164 training, 261 dev and 575 test pairs,
// split by source package). The example trains a SentencePiece Unigram
// tokenizer on the training pairs (package tokenize/unigram), a T5 of
// 2+2 layers and width 128 from scratch (models/seq2seq) with AdamW and the
// training loop of package train, evaluates BLEU on the dev split as it
// goes, then decodes the test split with models/generate. -out saves the
// model in Hugging Face's T5 layout; -model fine-tunes (or, with
// -epochs 0, only evaluates) a Hugging Face T5 checkpoint and its
// tokenizer instead, such as google-t5/t5-small, whose pre-training
// included English-German translation with the prefix "translate English
// to German: " (the default prefix with -model).
//
// Measured with the defaults on 2 cores, shared (see the top-level
// README.md for the figures and the load at the time): MEASURED.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/goformer/goformer/examples/internal/ddtp"
	"github.com/goformer/goformer/examples/internal/s2s"
	"github.com/goformer/goformer/metrics"
	"github.com/goformer/goformer/tensor"
)

// whyNot explains a model that does not beat the baseline.
const whyNot = "Synopses are full of names and technical terms that stay as they are in German (GNOME, C++, Python 3), " +
	"which copying gets right for free; a model trained from scratch on a few thousand pairs misspells the rare ones " +
	"and misses word order, which BLEU's exact word 4-grams punish more than chrF's character n-grams. " +
	"It needs more data or a pre-trained start (-model), more than more epochs."

// t5Prefix is the task prefix of T5's English-German translation.
const t5Prefix = "translate English to German: "

type config struct {
	s2s.Options
	set     map[string]bool // the flags given
	samples int
	quiet   bool
}

func defaults() config {
	return config{Options: s2s.Options{
		VocabSize: 1000, Dim: 128, FF: 512, Heads: 4, Layers: 2, Dropout: 0.1,
		Epochs: 12, BatchSize: 32, LR: 3e-3, Warmup: 200,
		MaxSource: 48, MaxTarget: 48, Beams: 4, EvalEvery: 400, DevLimit: 0, Seed: 1,
	}, samples: 5}
}

// short shrinks c to a run of a few steps on tiny data, for CI.
func (c *config) short() {
	c.VocabSize, c.Dim, c.FF, c.Heads, c.Layers = 300, 32, 64, 2, 1
	c.Epochs, c.Steps, c.BatchSize, c.Warmup, c.EvalEvery = 0, 6, 8, 2, 3
	c.MaxSource, c.MaxTarget, c.Beams = 24, 12, 2
	c.TrainLimit, c.TestLimit, c.DevLimit = 200, 12, 6
}

func main() {
	c := defaults()
	short := flag.Bool("short", false, "a few steps on tiny data (what CI runs)")
	c.RegisterFlags(flag.CommandLine, t5Prefix)
	flag.IntVar(&c.samples, "samples", c.samples, "test translations to print")
	flag.BoolVar(&c.quiet, "quiet", false, "no progress bar")
	flag.Parse()
	c.set = map[string]bool{}
	flag.Visit(func(f *flag.Flag) { c.set[f.Name] = true })
	if *short {
		c.short()
		flag.Parse() // flags given explicitly win over the short settings
		c.set["steps"] = true
	}
	if !c.quiet {
		c.Progress = os.Stderr
	}
	tensor.SetCacheLimit(256 << 20) // batches of many shapes: bound the buffer cache
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if _, err := run(ctx, c, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "translate:", err)
		os.Exit(1)
	}
}

// system is one row of the score table.
type system struct {
	Name    string  `json:"name"`
	BLEU    float64 `json:"bleu"`
	BLEUCI  float64 `json:"bleu_ci95"`
	CHRF    float64 `json:"chrf"`
	CHRFCI  float64 `json:"chrf_ci95"`
	Seconds float64 `json:"seconds,omitempty"`
}

// report is what run measures, as scores.json holds it.
type report struct {
	Systems       []system `json:"systems"`
	BLEUSignature string   `json:"bleu_signature"`
	CHRFSignature string   `json:"chrf_signature"`
	TestPairs     int      `json:"test_pairs"`
	TrainPairs    int      `json:"train_pairs"`
	Params        int      `json:"params"`
	Steps         int      `json:"steps"`
	TrainSeconds  float64  `json:"train_seconds"`
	Model         string   `json:"model"`
}

func run(ctx context.Context, c config, w io.Writer) (*report, error) {
	c.FineTuneDefaults(c.set, t5Prefix)
	pairs, err := ddtp.EnglishGerman()
	if err != nil {
		return nil, err
	}
	trainSet, dev, test := ddtp.Split(pairs, ddtp.Train), ddtp.Split(pairs, ddtp.Dev), ddtp.Split(pairs, ddtp.Test)
	fmt.Fprintf(w, "English→German: %d training, %d dev, %d test pairs (Debian package synopses, DDTP)\n", len(trainSet), len(dev), len(test))
	devBLEU := func(hyps, refs []string) (string, float64, error) {
		s, err := metrics.CorpusBLEU(hyps, oneRef(refs))
		return "bleu", s.Score, err
	}
	res, err := s2s.Run(ctx, c.Options, trainSet, dev, test, devBLEU, w)
	if err != nil {
		return nil, err
	}
	rep := &report{TestPairs: len(res.Sources), Params: res.Params, TrainSeconds: res.TrainTime.Seconds(), Model: c.Model}
	rep.TrainPairs = len(trainSet)
	if c.TrainLimit > 0 {
		rep.TrainPairs = min(rep.TrainPairs, c.TrainLimit)
	}
	if res.Train != nil {
		rep.Steps = res.Train.Steps
	}
	if rep.Model == "" {
		rep.Model = fmt.Sprintf("new T5: %d layers, width %d, vocabulary %d", c.Layers, c.Dim, res.Vocab)
	}
	refs := oneRef(res.References)
	score := func(name string, hyps []string, took time.Duration) error {
		b, bci, err := metrics.BLEU{}.Bootstrap(hyps, refs, metrics.BootstrapOptions{Seed: 12345})
		if err != nil {
			return err
		}
		ch, cci, err := metrics.DefaultCHRF.Bootstrap(hyps, refs, metrics.BootstrapOptions{Seed: 12345})
		if err != nil {
			return err
		}
		rep.Systems = append(rep.Systems, system{Name: name, BLEU: b.Score, BLEUCI: bci.HalfWidth, CHRF: ch.Score, CHRFCI: cci.HalfWidth, Seconds: took.Seconds()})
		rep.BLEUSignature, rep.CHRFSignature = b.Signature, ch.Signature
		return nil
	}
	if err := score("copy the source (baseline)", res.Sources, 0); err != nil {
		return nil, err
	}
	if err := score("greedy", res.Greedy, res.GreedyTime); err != nil {
		return nil, err
	}
	if res.Beam != nil {
		if err := score(fmt.Sprintf("beam search, %d beams", c.Beams), res.Beam, res.BeamTime); err != nil {
			return nil, err
		}
	}

	fmt.Fprintf(w, "\n%d test pairs; 95%% intervals by bootstrap resampling (1000 samples)\n", rep.TestPairs)
	fmt.Fprintf(w, "%-28s %15s %15s %10s\n", "system", "BLEU", "chrF2", "decoding")
	for _, s := range rep.Systems {
		took := "-"
		if s.Seconds > 0 {
			took = fmt.Sprintf("%.1fs", s.Seconds)
		}
		fmt.Fprintf(w, "%-28s %7.2f ± %5.2f %7.2f ± %5.2f %10s\n", s.Name, s.BLEU, s.BLEUCI, s.CHRF, s.CHRFCI, took)
	}
	fmt.Fprintf(w, "BLEU: %s\nchrF: %s\n", rep.BLEUSignature, rep.CHRFSignature)
	base := rep.Systems[0]
	for _, s := range rep.Systems[1:] {
		var lost []string
		if s.BLEU <= base.BLEU {
			lost = append(lost, fmt.Sprintf("BLEU %.2f vs %.2f", s.BLEU, base.BLEU))
		}
		if s.CHRF <= base.CHRF {
			lost = append(lost, fmt.Sprintf("chrF %.2f vs %.2f", s.CHRF, base.CHRF))
		}
		if len(lost) > 0 {
			fmt.Fprintf(w, "NOTE: %s does not beat copying the source in %s. %s\n", s.Name, strings.Join(lost, ", "), whyNot)
		}
	}
	best := res.Greedy
	if res.Beam != nil {
		best = res.Beam
	}
	for i := range min(c.samples, len(best)) {
		fmt.Fprintf(w, "\n  en:   %s\n  ref:  %s\n  out:  %s\n", res.Sources[i], res.References[i], best[i])
	}

	if c.Out != "" {
		var pred strings.Builder
		enc := json.NewEncoder(&pred)
		enc.SetEscapeHTML(false)
		for i := range res.Sources {
			row := map[string]string{"en": res.Sources[i], "de": res.References[i], "greedy": res.Greedy[i]}
			if res.Beam != nil {
				row["beam"] = res.Beam[i]
			}
			if err := enc.Encode(row); err != nil {
				return nil, err
			}
		}
		if err := s2s.WriteFile(filepath.Join(c.Out, "predictions.jsonl"), []byte(pred.String())); err != nil {
			return nil, err
		}
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return nil, err
		}
		if err := s2s.WriteFile(filepath.Join(c.Out, "scores.json"), append(b, '\n')); err != nil {
			return nil, err
		}
		fmt.Fprintf(w, "\npredictions.jsonl and scores.json written to %s\n", c.Out)
	}
	return rep, nil
}

// oneRef makes each reference the only one of its hypothesis.
func oneRef(refs []string) [][]string {
	out := make([][]string, len(refs))
	for i, r := range refs {
		out[i] = []string{r}
	}
	return out
}
