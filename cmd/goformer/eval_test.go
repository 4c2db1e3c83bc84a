package main

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/metrics"
)

// writeFiles writes name → content files into a temporary folder and
// returns their paths.
func writeFiles(t *testing.T, files map[string]string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	paths := map[string]string{}
	for name, content := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
		paths[name] = p
	}
	return paths
}

func runCLI(args []string, stdin string) (code int, stdout, stderr string) {
	var out, errb bytes.Buffer
	code = run(args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

// The sacreBLEU README example: three hypotheses, two reference files.
var readme = map[string]string{
	"hyp.txt":  "The dog bit the man.\nIt wasn't surprising.\nThe man had just bitten him.\n",
	"ref1.txt": "The dog bit the man.\nIt was not unexpected.\nThe man bit him first.\n",
	"ref2.txt": "The dog had bit the man.\nNo one was surprised.\nThe man had bitten the dog.\n",
}

func TestEvalBLEUPrintsWhatSacreBLEUPrints(t *testing.T) {
	p := writeFiles(t, readme)
	code, out, errs := runCLI([]string{"eval", "bleu", "--ref", p["ref1.txt"], "--ref", p["ref2.txt"], "--hyp", p["hyp.txt"]}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	const want = "BLEU|nrefs:2|case:mixed|eff:no|tok:13a|smooth:exp|version:2.6.0 = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)\n"
	if out != want {
		t.Errorf("got  %q\nwant %q", out, want)
	}
}

func TestEvalReadsHypothesesFromStandardInput(t *testing.T) {
	p := writeFiles(t, readme)
	code, out, errs := runCLI([]string{"eval", "chrf", "--ref", p["ref1.txt"], "--ref", p["ref2.txt"]}, readme["hyp.txt"])
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if want := "chrF2|nrefs:2|case:mixed|eff:yes|nc:6|nw:0|space:no|version:2.6.0 = 59.73\n"; out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestEvalChrFPlusPlusAndJSON(t *testing.T) {
	p := writeFiles(t, readme)
	code, out, errs := runCLI([]string{"eval", "chrf", "--word-order", "2", "--json", "--ref", p["ref1.txt"], "--ref", p["ref2.txt"], "--hyp", p["hyp.txt"]}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	if !strings.Contains(out, `"name": "chrF2++"`) || !strings.Contains(out, `"score": 59.15`) {
		t.Errorf("JSON output %s", out)
	}
}

func TestEvalROUGEWithStemmingAndBootstrap(t *testing.T) {
	p := writeFiles(t, map[string]string{
		"ref.txt": "The quick brown fox jumps over the lazy dog\nconnections were running\n",
		"hyp.txt": "The quick brown dog jumps on the log.\nconnected runs\n",
	})
	code, out, errs := runCLI([]string{"eval", "rouge", "--stem", "--bootstrap", "100", "--ref", p["ref.txt"], "--hyp", p["hyp.txt"]}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, typ := range metrics.DefaultROUGETypes {
		if !strings.Contains(out, typ+" ") {
			t.Errorf("output lacks %s:\n%s", typ, out)
		}
	}
	// rouge1 precision: (6/8 + 2/2) / 2 = 0.875.
	if !strings.Contains(out, "rouge1    P = 0.8750") {
		t.Errorf("rouge1 line wrong:\n%s", out)
	}
}

func TestEvalF1PrintsTheClassificationReport(t *testing.T) {
	p := writeFiles(t, map[string]string{
		"gold.txt": "cat\ndog\ndog\nbird\n",
		"pred.txt": "cat\ndog\ncat\nbird\n",
	})
	code, out, errs := runCLI([]string{"eval", "f1", "--ref", p["gold.txt"], "--hyp", p["pred.txt"]}, "")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	for _, want := range []string{"precision    recall  f1-score   support", "        bird       1.00      1.00      1.00         1", "    accuracy                           0.75         4", "MCC = "} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
}

func TestEvalBadInput(t *testing.T) {
	p := writeFiles(t, map[string]string{
		"three.txt": "a\nb\nc\n",
		"two.txt":   "a\nb",
		"bad.txt":   "ok\n\xff\xfe\n",
		"empty.txt": "",
	})
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"files of different lengths name both counts", []string{"eval", "bleu", "--ref", p["two.txt"], "--hyp", p["three.txt"]}, "has 2 lines but the hypotheses"},
		{"invalid UTF-8 names the line", []string{"eval", "bleu", "--ref", p["bad.txt"], "--hyp", p["two.txt"]}, "line 2 is not valid UTF-8"},
		{"a missing reference flag", []string{"eval", "bleu", "--hyp", p["two.txt"]}, "missing --ref"},
		{"a missing file", []string{"eval", "chrf", "--ref", filepath.Join(filepath.Dir(p["two.txt"]), "nope.txt"), "--hyp", p["two.txt"]}, "nope.txt"},
		{"an unknown metric", []string{"eval", "meteor"}, "unknown metric"},
		{"an unknown tokenizer", []string{"eval", "bleu", "--tokenize", "zh", "--ref", p["two.txt"], "--hyp", p["two.txt"]}, "tokenizer"},
		{"an unknown ROUGE type", []string{"eval", "rouge", "--types", "rougeX", "--ref", p["two.txt"], "--hyp", p["two.txt"]}, "rougeX"},
		{"empty files for f1", []string{"eval", "f1", "--ref", p["empty.txt"], "--hyp", p["empty.txt"]}, "no labels"},
		{"empty files for bleu", []string{"eval", "bleu", "--ref", p["empty.txt"], "--hyp", p["empty.txt"]}, "no hypotheses"},
		{"empty files for rouge", []string{"eval", "rouge", "--ref", p["empty.txt"], "--hyp", p["empty.txt"]}, "no lines"},
		{"no metric", []string{"eval"}, "missing metric"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, _, errs := runCLI(tt.args, "")
			if code == 0 || !strings.Contains(errs, tt.want) {
				t.Errorf("exit %d, stderr %q; want failure mentioning %q", code, errs, tt.want)
			}
		})
	}
}

func TestReadLinesKeepsEmptyLinesAndDropsCarriageReturns(t *testing.T) {
	p := writeFiles(t, map[string]string{"f.txt": "a\r\n\nb"})
	got, err := readLines(p["f.txt"], nil)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 3 || got[0] != "a" || got[1] != "" || got[2] != "b" {
		t.Errorf("got %q", got)
	}
	if _, err := readLines("-", nil); err == nil {
		t.Error("reading a missing standard input did not fail")
	}
	var pe *os.PathError
	if _, err := readLines(filepath.Join(t.TempDir(), "none"), nil); !errors.As(err, &pe) {
		t.Errorf("missing file: %v", err)
	}
}

func TestEvalHelpSucceeds(t *testing.T) {
	for _, m := range []string{"bleu", "chrf", "rouge", "f1"} {
		code, _, errs := runCLI([]string{"eval", m, "-h"}, "")
		if code != 0 || !strings.Contains(errs, "-ref") {
			t.Errorf("%s -h: exit %d, stderr %q", m, code, errs)
		}
	}
}

func FuzzReadLines(f *testing.F) {
	for _, s := range []string{"", "a", "a\n", "a\r\nb", "\n\n", "x\xffy\n", "é\u2028z\r"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		lines, err := readLines("-", strings.NewReader(s))
		if err != nil {
			if !strings.Contains(err.Error(), "not valid UTF-8") {
				t.Fatalf("unexpected error %v", err)
			}
			return
		}
		want := strings.Count(s, "\n")
		if s != "" && !strings.HasSuffix(s, "\n") {
			want++
		}
		if len(lines) != want {
			t.Fatalf("%q gives %d lines, want %d", s, len(lines), want)
		}
		for _, l := range lines {
			if strings.Contains(l, "\n") {
				t.Fatalf("line %q holds a newline", l)
			}
		}
	})
}
