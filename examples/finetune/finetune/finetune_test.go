package finetune

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tensor"
)

func TestParseLabelled(t *testing.T) {
	for _, c := range []struct {
		name, in, ext string
		texts         []string
		labels        []string
		err           string
	}{
		{"tsv with header and quotes", "text\tlabel\n\"Great\" phone\tpos\nbad, really\tneg\n", ".tsv",
			[]string{`"Great" phone`, "bad, really"}, []string{"neg", "pos"}, ""},
		{"csv with quoted commas", "text,label\n\"good, very good\",1\nawful,0\r\n", ".csv",
			[]string{"good, very good", "awful"}, []string{"0", "1"}, ""},
		{"tab found without extension", "a b\tx\nc d\ty\n", "", []string{"a b", "c d"}, []string{"x", "y"}, ""},
		{"extra columns: first and last", "text\tmeta\tlabel\nhi\t9\ta\nho\t8\tb\n", ".tsv", []string{"hi", "ho"}, []string{"a", "b"}, ""},
		{"one label", "a\tx\nb\tx\n", ".tsv", nil, nil, "one label"},
		{"empty", "", ".tsv", nil, nil, "no examples"},
		{"missing label", "a\tx\nb\n", ".tsv", nil, nil, "line 2"},
		{"empty label", "a\tx\nb\t \n", ".tsv", nil, nil, "empty text or label"},
		{"invalid UTF-8", "a\tx\n\xff\ty\n", ".tsv", nil, nil, "UTF-8"},
	} {
		t.Run(c.name, func(t *testing.T) {
			d, err := ParseLabelled([]byte(c.in), c.ext)
			if c.err != "" {
				if err == nil || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("error %v, want %q", err, c.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if strings.Join(d.Texts(), "|") != strings.Join(c.texts, "|") || strings.Join(d.Labels, "|") != strings.Join(c.labels, "|") {
				t.Errorf("got %q %q", d.Texts(), d.Labels)
			}
		})
	}
}

func TestShippedDataAndSplit(t *testing.T) {
	tr, te, err := loadData(Options{})
	if err != nil {
		t.Fatal(err)
	}
	if len(tr.Examples) != 2382 || len(te.Examples) != 597 || strings.Join(tr.Labels, ",") != "negative,positive" {
		t.Fatalf("%d/%d examples, labels %v", len(tr.Examples), len(te.Examples), tr.Labels)
	}
	// No test sentence is in the training split.
	seen := map[string]bool{}
	for _, s := range tr.Texts() {
		seen[strings.ToLower(s)] = true
	}
	for _, s := range te.Texts() {
		if seen[strings.ToLower(s)] {
			t.Errorf("%q is in both splits", s)
		}
	}
	a, b := tr.Split(0.25, 3)
	if len(b.Examples) != 596 || len(a.Examples) != 1786 {
		t.Errorf("split %d/%d", len(a.Examples), len(b.Examples))
	}
	count := func(d *Data, l int) int {
		n := 0
		for _, y := range d.Targets() {
			if y == l {
				n++
			}
		}
		return n
	}
	if n, want := count(b, 0), count(tr, 0)/4; n < want-1 || n > want+1 {
		t.Errorf("the stratified split has %d negatives, want %d", n, want)
	}
}

// A short run on a small file: every phase runs, the report prints and the
// fine-tuned model is saved in a folder bert loads.
func TestRunShort(t *testing.T) {
	dir := t.TempDir()
	var lines []string
	tr, _, err := loadData(Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range tr.Examples[:40] {
		lines = append(lines, e.Text+"\t"+tr.Labels[e.Label])
	}
	path := filepath.Join(dir, "small.tsv")
	if err := os.WriteFile(path, []byte(strings.Join(lines, "\n")), 0o644); err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	o := Options{Data: path, Test: 0.25, MaxSteps: 2, BatchSize: 8, HeadEpochs: 1, Epochs: 1, Out: filepath.Join(dir, "out"), Plot: filepath.Join(dir, "curve.png")}
	res, err := Run(context.Background(), o, &out)
	if err != nil {
		t.Fatal(err)
	}
	if res.Train != 30 || res.Test != 10 {
		t.Errorf("%d training and %d test examples", res.Train, res.Test)
	}
	for _, want := range []string{"majority class", "same model, from scratch", "pre-trained, fine-tuned", "macro avg", "fine-tuned model saved"} {
		if !strings.Contains(out.String(), want) {
			t.Errorf("the report lacks %q:\n%s", want, out.String())
		}
	}
	for _, s := range []Score{res.Majority, res.Scratch, res.Before, res.Head, res.FineTuned} {
		if s.Accuracy < 0 || s.Accuracy > 1 || s.MacroF1 < 0 || s.MacroF1 > 1 {
			t.Errorf("%s: accuracy %v, macro-F1 %v", s.Name, s.Accuracy, s.MacroF1)
		}
	}
	d, err := hub.OpenDir(o.Out)
	if err != nil {
		t.Fatal(err)
	}
	m, rep, err := bert.LoadDir[*bert.ForSequenceClassification](d, bert.Options{})
	if err != nil {
		t.Fatalf("the saved model does not load: %v", err)
	}
	// The saved model is complete: the pooler and the classifier, new in
	// the masked-LM checkpoint, were trained and saved with the rest.
	if len(rep.New) != 0 {
		t.Errorf("the saved model lacks %v", rep.New)
	}
	if m.Classifier.Out() != 2 {
		t.Errorf("saved classifier has %d labels", m.Classifier.Out())
	}
	for _, f := range []string{"config.json", "model.safetensors", "vocab.txt"} {
		if _, err := os.Stat(filepath.Join(o.Out, f)); err != nil {
			t.Error(err)
		}
	}
	if b, err := os.ReadFile(o.Plot); err != nil || !bytes.HasPrefix(b, []byte("\x89PNG")) {
		t.Errorf("no curve PNG: %v", err)
	}
}

func TestRunErrors(t *testing.T) {
	dir := t.TempDir()
	small := filepath.Join(dir, "small.tsv")
	if err := os.WriteFile(small, []byte("good\tpos\nbad\tneg\nfine\tpos\nawful\tneg\nnice\tpos\nworse\tneg\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for name, o := range map[string]Options{
		"missing data file":  {Data: filepath.Join(dir, "none.tsv")},
		"missing model":      {Model: filepath.Join(dir, "nomodel")},
		"bad freeze pattern": {Data: small, Test: 0.34, Freeze: "no.such.layer", MaxSteps: 1, NoScratch: true, Out: filepath.Join(dir, "o")},
		"bad test fraction":  {Data: "x.tsv", Test: 1.5},
		"bad device":         {Device: "tpu"},
	} {
		if _, err := Run(context.Background(), o, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
	// Without a driver, -device cuda fails with a clear error before any work.
	if tensor.Available(tensor.CUDA(0)) != nil {
		_, err := Run(context.Background(), Options{Device: "cuda"}, &bytes.Buffer{})
		if err == nil || !strings.Contains(err.Error(), "device cuda:0") {
			t.Errorf("cuda without a GPU: %v", err)
		}
		if errors.Is(err, context.Canceled) {
			t.Error("unexpected cancellation")
		}
	}
}
