package finetune

import (
	"fmt"
	"io"
	"strings"

	"github.com/goformer/goformer/metrics"
)

// Score is the evaluation of one model on the test set.
type Score struct {
	Name     string
	Accuracy float64
	MacroF1  float64
	// Report is the per-class precision, recall, F1 and support, as
	// scikit-learn's classification_report prints them.
	Report string
}

// score evaluates predictions against the truth with package metrics
// (scikit-learn's definitions, zero_division=0).
func score(name string, truth, pred []int, labels []string) Score {
	cm := metrics.NewConfusionMatrix(truth, pred)
	names := make([]string, 0, len(labels))
	for _, l := range cm.Labels() {
		if l >= 0 && l < len(labels) {
			names = append(names, labels[l])
		} else {
			names = append(names, fmt.Sprint(l))
		}
	}
	rep, err := cm.Report(names, 3)
	if err != nil {
		rep = err.Error()
	}
	return Score{Name: name, Accuracy: cm.Accuracy(), MacroF1: cm.Averaged(metrics.Macro, 1).F, Report: rep}
}

// majority returns the most frequent label of targets (the smallest on a
// tie).
func majority(targets []int, classes int) int {
	counts := make([]int, classes)
	for _, t := range targets {
		counts[t]++
	}
	best := 0
	for i, c := range counts {
		if c > counts[best] {
			best = i
		}
	}
	return best
}

// printTable writes the scores side by side.
func printTable(w io.Writer, scores []Score) {
	width := len("model")
	for _, s := range scores {
		width = max(width, len(s.Name))
	}
	fmt.Fprintf(w, "%-*s  %8s  %8s\n", width, "model", "accuracy", "macro-F1")
	fmt.Fprintf(w, "%s\n", strings.Repeat("-", width+20))
	for _, s := range scores {
		fmt.Fprintf(w, "%-*s  %8.3f  %8.3f\n", width, s.Name, s.Accuracy, s.MacroF1)
	}
}
