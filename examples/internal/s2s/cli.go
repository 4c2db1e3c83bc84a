package s2s

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"

	"github.com/goformer/goformer/tensor"
)

// Main is the main function of an example built on Run, named name: it
// defines o's flags (RegisterFlags with task), -short and -quiet, parses
// the command line, and calls run with a context that an interrupt
// cancels and the names of the flags given. -short applies short (a run
// of a few steps on tiny data, what CI runs) and parses the command line
// again, so that flags given explicitly win, and counts as giving
// -steps; -quiet leaves o.Progress nil (no progress bar), which is
// otherwise standard error. An error of run is printed after name and
// exits with status 1. Flags of the example's own are defined on
// flag.CommandLine before Main.
func Main(name, task string, o *Options, short func(), run func(ctx context.Context, set map[string]bool) error) {
	shortRun := flag.Bool("short", false, "a few steps on tiny data (what CI runs)")
	quiet := flag.Bool("quiet", false, "no progress bar")
	o.RegisterFlags(flag.CommandLine, task)
	flag.Parse()
	set := map[string]bool{}
	flag.Visit(func(f *flag.Flag) { set[f.Name] = true })
	if *shortRun {
		short()
		flag.Parse() // flags given explicitly win over the short settings
		set["steps"] = true
	}
	if !*quiet {
		o.Progress = os.Stderr
	}
	tensor.SetCacheLimit(256 << 20) // batches of many shapes: bound the buffer cache
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, set); err != nil {
		fmt.Fprintf(os.Stderr, "%s: %v\n", name, err)
		os.Exit(1)
	}
}

// Stats are the facts of a run that every example reports in its
// scores.json beside its scores.
type Stats struct {
	TestPairs    int     `json:"test_pairs"`
	TrainPairs   int     `json:"train_pairs"`
	Params       int     `json:"params"`
	Steps        int     `json:"steps"`
	TrainSeconds float64 `json:"train_seconds"`
	// Model is Options.Model, or a description of the new model.
	Model string `json:"model"`
}

// Stats returns the facts of the run that gave r with options o on
// trainPairs training pairs (of which o.TrainLimit were used).
func (r *Result) Stats(o Options, trainPairs int) Stats {
	s := Stats{TestPairs: len(r.Sources), TrainPairs: trainPairs, Params: r.Params, TrainSeconds: r.TrainTime.Seconds(), Model: o.Model}
	if o.TrainLimit > 0 {
		s.TrainPairs = min(s.TrainPairs, o.TrainLimit)
	}
	if r.Train != nil {
		s.Steps = r.Train.Steps
	}
	if s.Model == "" {
		s.Model = fmt.Sprintf("new T5: %d layers, width %d, vocabulary %d", o.Layers, o.Dim, r.Vocab)
	}
	return s
}

// Best returns the decodings of the test split by beam search, or the
// greedy ones without beam search.
func (r *Result) Best() []string {
	if r.Beam != nil {
		return r.Beam
	}
	return r.Greedy
}

// Took formats a decoding time for a score table: "-" for none.
func Took(seconds float64) string {
	if seconds > 0 {
		return fmt.Sprintf("%.1fs", seconds)
	}
	return "-"
}

// PredictionsFile and ScoresFile are the names of what WriteOutputs
// writes.
const (
	PredictionsFile = "predictions.jsonl"
	ScoresFile      = "scores.json"
)

// WriteOutputs writes in dir PredictionsFile, a JSON object a line for
// each test pair: what row returns for the pair's index (its texts, under
// the example's names) with its "greedy" and "beam" (with beam search)
// decodings added; and ScoresFile, scores as indented JSON. It says so on
// w.
func (r *Result) WriteOutputs(dir string, row func(i int) map[string]string, scores any, w io.Writer) error {
	var pred strings.Builder
	enc := json.NewEncoder(&pred)
	enc.SetEscapeHTML(false)
	for i := range r.Sources {
		x := row(i)
		x["greedy"] = r.Greedy[i]
		if r.Beam != nil {
			x["beam"] = r.Beam[i]
		}
		if err := enc.Encode(x); err != nil {
			return err
		}
	}
	if err := WriteFile(filepath.Join(dir, PredictionsFile), []byte(pred.String())); err != nil {
		return err
	}
	b, err := json.MarshalIndent(scores, "", "  ")
	if err != nil {
		return err
	}
	if err := WriteFile(filepath.Join(dir, ScoresFile), append(b, '\n')); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n%s and %s written to %s\n", PredictionsFile, ScoresFile, dir)
	return nil
}

// ReadPredictions reads the PredictionsFile that WriteOutputs wrote in
// dir.
func ReadPredictions(dir string) ([]map[string]string, error) {
	path := filepath.Join(dir, PredictionsFile)
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var rows []map[string]string
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for n := 1; sc.Scan(); n++ {
		var r map[string]string
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		rows = append(rows, r)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return rows, nil
}
