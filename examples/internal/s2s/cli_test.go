package s2s

import (
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/goformer/goformer/train"
)

func TestOutputsReadBackAsWritten(t *testing.T) {
	r := &Result{Sources: []string{"a <b>", "c"}, References: []string{"x", "y & z"}, Greedy: []string{"g1", "g2"}}
	for _, beam := range [][]string{nil, {"b1", "b2"}} {
		r.Beam = beam
		dir := filepath.Join(t.TempDir(), "out")
		var log strings.Builder
		row := func(i int) map[string]string { return map[string]string{"src": r.Sources[i], "ref": r.References[i]} }
		if err := r.WriteOutputs(dir, row, map[string]int{"score": 7}, &log); err != nil {
			t.Fatal(err)
		}
		rows, err := ReadPredictions(dir)
		if err != nil {
			t.Fatal(err)
		}
		want := []map[string]string{{"src": "a <b>", "ref": "x", "greedy": "g1"}, {"src": "c", "ref": "y & z", "greedy": "g2"}}
		for i := range beam {
			want[i]["beam"] = beam[i]
		}
		if !reflect.DeepEqual(rows, want) {
			t.Errorf("rows %v, want %v", rows, want)
		}
		raw, _ := os.ReadFile(filepath.Join(dir, PredictionsFile))
		if !strings.Contains(string(raw), "a <b>") {
			t.Errorf("HTML escaped: %s", raw)
		}
		var scores map[string]int
		if b, err := os.ReadFile(filepath.Join(dir, ScoresFile)); err != nil || json.Unmarshal(b, &scores) != nil || scores["score"] != 7 {
			t.Errorf("scores %s (%v)", b, err)
		}
		if !strings.Contains(log.String(), "written to "+dir) {
			t.Errorf("log %q", log.String())
		}
		if best := r.Best(); !reflect.DeepEqual(best, r.Greedy) && !reflect.DeepEqual(best, beam) {
			t.Errorf("best %v", best)
		}
	}
}

func TestReadPredictionsRejectsBadFiles(t *testing.T) {
	if _, err := ReadPredictions(filepath.Join(t.TempDir(), "none")); err == nil {
		t.Error("a missing folder was read")
	}
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, PredictionsFile), []byte("{\"a\": \"b\"}\n{\"a\": 3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := ReadPredictions(dir); err == nil || !strings.Contains(err.Error(), ":2:") {
		t.Errorf("error %v, want one naming line 2", err)
	}
}

func TestStatsCountWhatTheRunUsed(t *testing.T) {
	r := &Result{Sources: make([]string, 4), Params: 99, Vocab: 300, TrainTime: 1500 * time.Millisecond, Train: &train.Result{Steps: 6}}
	o := Options{Layers: 2, Dim: 32, TrainLimit: 10}
	want := Stats{TestPairs: 4, TrainPairs: 10, Params: 99, Steps: 6, TrainSeconds: 1.5, Model: "new T5: 2 layers, width 32, vocabulary 300"}
	if got := r.Stats(o, 50); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	o.Model, o.TrainLimit = "t5-small", 0
	r.Train = nil
	want.TrainPairs, want.Steps, want.Model = 50, 0, "t5-small"
	if got := r.Stats(o, 50); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if Took(0) != "-" || Took(2.34) != "2.3s" {
		t.Errorf("took %q, %q", Took(0), Took(2.34))
	}
}
