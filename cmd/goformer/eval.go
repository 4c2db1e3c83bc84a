package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goformer/goformer/metrics"
)

func init() {
	register(command{
		name:    "eval",
		summary: "score outputs: eval bleu|chrf|rouge|f1 --ref FILE --hyp FILE",
		usage:   evalUsage,
		noun:    "metric",
		subs: []subcommand{
			{name: "bleu", run: evalMetric(evalBLEU)},
			{name: "chrf", run: evalMetric(evalCHRF)},
			{name: "rouge", run: evalMetric(evalROUGE)},
			{name: "f1", run: evalMetric(evalF1)},
		},
	})
}

const evalUsage = `usage: goformer eval <metric> --ref FILE [--ref FILE ...] [--hyp FILE] [flags]

metrics:
  bleu   corpus BLEU as sacreBLEU 2.6.0 prints it (score, signature)
  chrf   chrF, or chrF++ with --word-order 2, as sacreBLEU 2.6.0
  rouge  ROUGE-1/2/L/Lsum as Google's rouge-score 0.1.2 (mean over lines)
  f1     classification report as scikit-learn (one label per line)

Each file holds one segment per line, UTF-8; the hypotheses are read from
standard input when --hyp is missing or "-". Several --ref files give several
references per line (an empty line means no reference there). Run
"goformer eval <metric> -h" for the flags of a metric.
`

// multiFlag collects a repeated string flag.
type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

// evalMetric makes the metrics package's rejection of an option a usage
// error (exit status 2), like a bad flag.
func evalMetric(run func(args []string, stdin io.Reader, stdout, stderr io.Writer) error) func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	return func(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
		err := run(args, stdin, stdout, stderr)
		if errors.Is(err, metrics.ErrBadOption) {
			return badUsage(err, nil)
		}
		return err
	}
}

// evalFlags are the flags every metric shares.
type evalFlags struct {
	fs   *flag.FlagSet
	refs multiFlag
	hyp  string
	json bool
	// checks are run after parsing; each returns a message for a value
	// out of range.
	checks []func() error
}

// atLeast registers an int flag whose value must be min or more.
func (f *evalFlags) atLeast(p *int, name string, value, min int, usage string) {
	f.fs.IntVar(p, name, value, usage)
	f.checks = append(f.checks, func() error {
		if *p < min {
			return fmt.Errorf("--%s %d is less than %d", name, *p, min)
		}
		return nil
	})
}

// bootstrap registers --bootstrap: 0 for none, else 2 resamples or more.
func (f *evalFlags) bootstrap(usage string) *int {
	n := f.fs.Int("bootstrap", 0, usage)
	f.checks = append(f.checks, func() error {
		if *n != 0 && *n < 2 {
			return fmt.Errorf("--bootstrap %d: want 0 (none) or at least 2 resamples", *n)
		}
		return nil
	})
	return n
}

func newEvalFlags(name string, stderr io.Writer) *evalFlags {
	f := &evalFlags{fs: newFlagSet("eval "+name, stderr)}
	f.fs.Var(&f.refs, "ref", "reference `file` (repeat for several references)")
	f.fs.StringVar(&f.hyp, "hyp", "-", "hypothesis `file`; - reads standard input")
	f.fs.BoolVar(&f.json, "json", false, "print JSON instead of text")
	return f
}

// parse parses the flags and reads the hypothesis and reference files.
// refs[i] are the references of line i.
func (f *evalFlags) parse(args []string, stdin io.Reader) (hyps []string, refs [][]string, err error) {
	if err := parseFlags(f.fs, args); err != nil {
		return nil, nil, err
	}
	for _, check := range f.checks {
		if err := check(); err != nil {
			return nil, nil, badUsage(err, nil)
		}
	}
	if f.fs.NArg() > 0 {
		return nil, nil, usageErrorf("unexpected arguments %q", f.fs.Args())
	}
	if len(f.refs) == 0 {
		return nil, nil, usageErrorf("missing --ref FILE")
	}
	hyps, err = readLines(f.hyp, stdin)
	if err != nil {
		return nil, nil, err
	}
	streams := make([][]string, len(f.refs))
	for k, name := range f.refs {
		if streams[k], err = readLines(name, nil); err != nil {
			return nil, nil, err
		}
		if len(streams[k]) != len(hyps) {
			return nil, nil, fmt.Errorf("%w: %s has %d lines but the hypotheses (%s) have %d",
				metrics.ErrLengthMismatch, name, len(streams[k]), hypName(f.hyp), len(hyps))
		}
	}
	refs, err = metrics.RefStreams(len(hyps), streams...)
	return hyps, refs, err
}

func hypName(h string) string {
	if h == "-" {
		return "standard input"
	}
	return h
}

// readLines reads a UTF-8 file as lines: "\n" ends a line, a "\r" before it
// is dropped, and a last line without "\n" counts.
func readLines(name string, stdin io.Reader) ([]string, error) {
	var data []byte
	var err error
	if name == "-" {
		if stdin == nil {
			return nil, errors.New("standard input is not available")
		}
		data, err = io.ReadAll(stdin)
	} else {
		data, err = os.ReadFile(name)
	}
	if err != nil {
		return nil, withPath("read", hypName(name), err)
	}
	if len(data) == 0 {
		return nil, nil
	}
	data = bytes.TrimSuffix(data, []byte("\n"))
	lines := strings.Split(string(data), "\n")
	for i, l := range lines {
		l = strings.TrimSuffix(l, "\r")
		if !utf8.ValidString(l) {
			return nil, fmt.Errorf("read %s: line %d is not valid UTF-8", hypName(name), i+1)
		}
		lines[i] = l
	}
	return lines, nil
}

func printJSON(w io.Writer, v any) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", " ")
	enc.SetEscapeHTML(false)
	return enc.Encode(v)
}

func evalBLEU(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newEvalFlags("bleu", stderr)
	var c metrics.BLEU
	tok := f.fs.String("tokenize", "13a", "tokenizer: 13a, intl, char or none")
	smooth := f.fs.String("smooth", "exp", "smoothing: exp, floor, add-k or none")
	f.fs.Float64Var(&c.SmoothValue, "smooth-value", 0, "value for floor (default 0.1) and add-k (default 1)")
	f.fs.BoolVar(&c.Lowercase, "lowercase", false, "case-insensitive BLEU")
	f.atLeast(&c.MaxOrder, "max-order", 4, 1, "highest n-gram order")
	boot := f.bootstrap("bootstrap resamples for a 95% confidence interval (0: none)")
	seed := f.fs.Uint("seed", 12345, "seed of the bootstrap resampling")
	hyps, refs, err := f.parse(args, stdin)
	if err != nil {
		return err
	}
	c.Tokenize, c.Smooth = metrics.BLEUTokenizer(*tok), metrics.BLEUSmoothing(*smooth)
	var s metrics.BLEUScore
	var ci metrics.BootstrapCI
	if *boot > 1 {
		s, ci, err = c.Bootstrap(hyps, refs, metrics.BootstrapOptions{Samples: *boot, Seed: uint32(*seed)})
	} else {
		s, err = c.Corpus(hyps, refs)
	}
	if err != nil {
		return err
	}
	verbose := strings.TrimPrefix(s.String(), "BLEU = "+strconv.FormatFloat(s.Score, 'f', 2, 64)+" ")
	scoreText := strconv.FormatFloat(s.Score, 'f', 2, 64)
	if *boot > 1 {
		scoreText = metrics.FormatCI(s.Score, ci)
	}
	if f.json {
		out := map[string]any{"name": "BLEU", "score": round(s.Score, 2), "signature": s.Signature, "verbose_score": verbose}
		if *boot > 1 {
			out["confidence_mean"], out["confidence_var"] = round(ci.Mean, 2), round(ci.HalfWidth, 2)
		}
		return printJSON(stdout, out)
	}
	_, err = fmt.Fprintf(stdout, "BLEU|%s = %s %s\n", s.Signature, scoreText, verbose)
	return err
}

func round(x float64, digits int) float64 {
	v, _ := strconv.ParseFloat(strconv.FormatFloat(x, 'f', digits, 64), 64)
	return v
}

func evalCHRF(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newEvalFlags("chrf", stderr)
	c := metrics.DefaultCHRF
	f.atLeast(&c.CharOrder, "char-order", 6, 1, "character n-gram order")
	f.atLeast(&c.WordOrder, "word-order", 0, 0, "word n-gram order (2 for chrF++)")
	f.atLeast(&c.Beta, "beta", 2, 0, "weight of recall")
	f.fs.BoolVar(&c.Lowercase, "lowercase", false, "case-insensitive chrF")
	f.fs.BoolVar(&c.Whitespace, "whitespace", false, "keep whitespace in character n-grams")
	f.fs.BoolVar(&c.EpsSmoothing, "eps-smoothing", false, "chrF++.py-style epsilon smoothing")
	boot := f.bootstrap("bootstrap resamples for a 95% confidence interval (0: none)")
	seed := f.fs.Uint("seed", 12345, "seed of the bootstrap resampling")
	hyps, refs, err := f.parse(args, stdin)
	if err != nil {
		return err
	}
	var s metrics.CHRFScore
	var ci metrics.BootstrapCI
	if *boot > 1 {
		s, ci, err = c.Bootstrap(hyps, refs, metrics.BootstrapOptions{Samples: *boot, Seed: uint32(*seed)})
	} else {
		s, err = c.Corpus(hyps, refs)
	}
	if err != nil {
		return err
	}
	scoreText := strconv.FormatFloat(s.Score, 'f', 2, 64)
	if *boot > 1 {
		scoreText = metrics.FormatCI(s.Score, ci)
	}
	if f.json {
		out := map[string]any{"name": s.Name, "score": round(s.Score, 2), "signature": s.Signature}
		if *boot > 1 {
			out["confidence_mean"], out["confidence_var"] = round(ci.Mean, 2), round(ci.HalfWidth, 2)
		}
		return printJSON(stdout, out)
	}
	_, err = fmt.Fprintf(stdout, "%s|%s = %s\n", s.Name, s.Signature, scoreText)
	return err
}

func evalROUGE(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newEvalFlags("rouge", stderr)
	types := f.fs.String("types", strings.Join(metrics.DefaultROUGETypes, ","), "comma-separated ROUGE types")
	stem := f.fs.Bool("stem", false, "Porter stemming, as rouge-score's use_stemmer")
	newline := f.fs.String("newline", "", "marker that separates sentences within a line, for rougeLsum (e.g. <n>)")
	boot := f.bootstrap("bootstrap resamples for rouge-score's low/mid/high (0: mean only)")
	seed := f.fs.Uint("seed", 42, "seed of the bootstrap resampling (numpy.random.seed)")
	hyps, refs, err := f.parse(args, stdin)
	if err != nil {
		return err
	}
	r := metrics.ROUGE{Types: strings.Split(*types, ",")}
	if *stem {
		r.Stemmer = metrics.PorterStemmer
	}
	sep := func(s string) string {
		if *newline == "" {
			return s
		}
		return strings.ReplaceAll(s, *newline, "\n")
	}
	results := make([]metrics.ROUGEResult, len(hyps))
	for i, h := range hyps {
		var targets []string
		for _, t := range refs[i] {
			if t != "" {
				targets = append(targets, sep(t))
			}
		}
		if len(targets) == 0 {
			return fmt.Errorf("%w: line %d has no reference", metrics.ErrNoReference, i+1)
		}
		if results[i], err = r.ScoreMulti(targets, sep(h)); err != nil {
			return err
		}
	}
	if len(results) == 0 {
		return fmt.Errorf("%w: no lines to score", metrics.ErrEmpty)
	}
	mean := metrics.MeanROUGE(results)
	var agg map[string]metrics.ROUGEAggregate
	if *boot > 0 {
		if agg, err = metrics.BootstrapROUGE(r.Types, results, metrics.BootstrapOptions{Samples: *boot, Seed: uint32(*seed)}); err != nil {
			return err
		}
	}
	if f.json {
		out := map[string]any{}
		for _, t := range r.Types {
			m := mean[t]
			e := map[string]any{"precision": m.Precision, "recall": m.Recall, "fmeasure": m.F}
			if agg != nil {
				a := agg[t]
				e["low"] = map[string]float64{"precision": a.Low.Precision, "recall": a.Low.Recall, "fmeasure": a.Low.F}
				e["mid"] = map[string]float64{"precision": a.Mid.Precision, "recall": a.Mid.Recall, "fmeasure": a.Mid.F}
				e["high"] = map[string]float64{"precision": a.High.Precision, "recall": a.High.Recall, "fmeasure": a.High.F}
			}
			out[t] = e
		}
		return printJSON(stdout, out)
	}
	for _, t := range r.Types {
		m := mean[t]
		fmt.Fprintf(stdout, "%-9s P = %.4f  R = %.4f  F = %.4f", t, m.Precision, m.Recall, m.F)
		if agg != nil {
			a := agg[t]
			fmt.Fprintf(stdout, "  (F 95%% CI %.4f-%.4f)", a.Low.F, a.High.F)
		}
		fmt.Fprintln(stdout)
	}
	return nil
}

func evalF1(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	f := newEvalFlags("f1", stderr)
	var digits int
	f.atLeast(&digits, "digits", 2, 0, "digits of the report")
	hyps, refs, err := f.parse(args, stdin)
	if err != nil {
		return err
	}
	if len(f.refs) != 1 {
		return usageErrorf("f1 takes exactly one --ref file of true labels")
	}
	if len(hyps) == 0 {
		return fmt.Errorf("%w: no labels", metrics.ErrEmpty)
	}
	// Labels are strings; like scikit-learn, order them by sorted value.
	names := map[string]bool{}
	for i := range hyps {
		names[strings.TrimSpace(hyps[i])] = true
		names[strings.TrimSpace(refs[i][0])] = true
	}
	sorted := make([]string, 0, len(names))
	for n := range names {
		sorted = append(sorted, n)
	}
	slices.Sort(sorted)
	id := map[string]int{}
	for i, n := range sorted {
		id[n] = i
	}
	yTrue, yPred := make([]int, len(hyps)), make([]int, len(hyps))
	for i := range hyps {
		yTrue[i], yPred[i] = id[strings.TrimSpace(refs[i][0])], id[strings.TrimSpace(hyps[i])]
	}
	cm := metrics.NewConfusionMatrix(yTrue, yPred)
	rep, err := cm.Report(sorted, digits)
	if err != nil {
		return err
	}
	if f.json {
		out := map[string]any{"accuracy": cm.Accuracy(), "matthews_corrcoef": cm.MatthewsCorrCoef()}
		for _, a := range []metrics.Average{metrics.Micro, metrics.Macro, metrics.Weighted} {
			s := cm.Averaged(a, 1)
			out[a.String()] = map[string]float64{"precision": s.Precision, "recall": s.Recall, "f1": s.F}
		}
		per := map[string]any{}
		for i, s := range cm.PerClass(1) {
			per[sorted[i]] = map[string]any{"precision": s.Precision, "recall": s.Recall, "f1": s.F, "support": s.Support}
		}
		out["per_class"] = per
		return printJSON(stdout, out)
	}
	fmt.Fprint(stdout, rep)
	_, err = fmt.Fprintf(stdout, "\nMCC = %.*f\n", digits, cm.MatthewsCorrCoef())
	return err
}
