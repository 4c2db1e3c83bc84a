// Package s2stest holds the checks that the tests of the examples built
// on package s2s share: that a run with -out wrote everything, and that
// the folder it saved, loaded back with -model, decodes as before.
package s2stest

import (
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/goformer/goformer/examples/internal/s2s"
)

// Outputs checks that a run with -out dir wrote the model, its tokenizer,
// the predictions and the scores, and returns the predictions' rows and
// the scores, read into scores (a pointer to the example's report).
func Outputs(t *testing.T, dir string, scores any) []map[string]string {
	t.Helper()
	for _, f := range []string{"config.json", "model.safetensors", "tokenizer.json", "spiece.model", s2s.PredictionsFile, s2s.ScoresFile} {
		if st, err := os.Stat(filepath.Join(dir, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s not written: %v", f, err)
		}
	}
	b, _ := os.ReadFile(filepath.Join(dir, s2s.ScoresFile))
	if err := json.Unmarshal(b, scores); err != nil {
		t.Fatalf("%s: %v, %s", s2s.ScoresFile, err, b)
	}
	return Predictions(t, dir)
}

// Predictions returns the rows of the predictions written in dir.
func Predictions(t *testing.T, dir string) []map[string]string {
	t.Helper()
	rows, err := s2s.ReadPredictions(dir)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// SameDecodings checks that the predictions written in dir decode every
// pair as before did, greedily and by beam search.
func SameDecodings(t *testing.T, dir string, before []map[string]string) {
	t.Helper()
	after := Predictions(t, dir)
	if len(after) != len(before) {
		t.Fatalf("%d predictions after reloading, %d before", len(after), len(before))
	}
	for i, r := range after {
		if r["greedy"] != before[i]["greedy"] || r["beam"] != before[i]["beam"] {
			t.Errorf("pair %d decodes as %q / %q after reloading, %q / %q before", i, r["greedy"], r["beam"], before[i]["greedy"], before[i]["beam"])
		}
	}
}
