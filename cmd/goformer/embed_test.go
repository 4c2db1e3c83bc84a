package main

import (
	"bytes"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/sotu"
)

func runEmbedCLI(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(append([]string{"embed"}, args...), strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestEmbedTrainThenQuery(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(input, []byte(sotu.Sample), 0o644); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name  string
		out   string
		flags []string
	}{
		{"word2vec skip-gram to text", "w2v.vec", []string{"-method", "word2vec"}},
		{"word2vec CBOW with hierarchical softmax to binary", "w2v.bin", []string{"-method", "word2vec", "-arch", "cbow", "-loss", "hs"}},
		{"fastText model", "ft.bin", []string{"-method", "fasttext", "-bucket", "20000"}},
		{"GloVe text", "glove.txt", []string{"-method", "glove", "-epochs", "3"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			out := filepath.Join(dir, c.out)
			args := append([]string{"train", "-input", input, "-output", out, "-dim", "16", "-epochs", "1", "-threads", "1", "-quiet"}, c.flags...)
			if _, stderr, code := runEmbedCLI(t, "", args...); code != 0 {
				t.Fatalf("train exit %d: %s", code, stderr)
			}
			stdout, stderr, code := runEmbedCLI(t, "", "neighbors", "-vectors", out, "-k", "3", "congress")
			if code != 0 || strings.Count(stdout, "\n") != 4 {
				t.Fatalf("neighbors exit %d, output %q, stderr %s", code, stdout, stderr)
			}
			stdout, stderr, code = runEmbedCLI(t, "", "analogy", "-vectors", out, "-k", "2", "war", "wars", "law")
			if code != 0 || strings.Count(stdout, "\n") != 2 {
				t.Fatalf("analogy exit %d, output %q, stderr %s", code, stdout, stderr)
			}
			stdout, stderr, code = runEmbedCLI(t, "", "eval", "-vectors", out, "-sections")
			if code != 0 || !strings.Contains(stdout, "analogy accuracy") || !strings.Contains(stdout, "Spearman") {
				t.Fatalf("eval exit %d, output %q, stderr %s", code, stdout, stderr)
			}
		})
	}
	// A fastText model gives vectors to unknown words; others say unknown.
	stdout, _, code := runEmbedCLI(t, "congresses\nzzzqqq\n", "neighbors", "-vectors", filepath.Join(dir, "ft.bin"), "-k", "1")
	if code != 0 || !strings.Contains(stdout, "congresses\n\t") {
		t.Errorf("fastText neighbours of an unknown word: %q", stdout)
	}
	stdout, _, _ = runEmbedCLI(t, "", "neighbors", "-vectors", filepath.Join(dir, "w2v.vec"), "zzzqqq")
	if !strings.Contains(stdout, "unknown word") {
		t.Errorf("word2vec neighbours of an unknown word: %q", stdout)
	}
}

func TestEmbedBadUsageFails(t *testing.T) {
	bad := filepath.Join(t.TempDir(), "bad.vec")
	os.WriteFile(bad, []byte("2 3\na 1 2 3\n"), 0o644)
	cases := []struct {
		name string
		args []string
		want string
	}{
		{"no subcommand", nil, "missing subcommand"},
		{"unknown subcommand", []string{"frobnicate"}, "unknown subcommand"},
		{"train without input", []string{"train", "-output", "x.vec"}, "required"},
		{"train with unknown method", []string{"train", "-input", bad, "-output", "x.vec", "-method", "lda"}, "unknown -method"},
		{"neighbors without vectors", []string{"neighbors", "x"}, "required"},
		{"truncated vectors file", []string{"neighbors", "-vectors", bad, "a"}, "truncated"},
		{"missing vectors file", []string{"eval", "-vectors", "/nonexistent/v.vec"}, "no such file"},
		{"analogy with two words", []string{"analogy", "-vectors", bad, "a", "b"}, "three words"},
		{"analogy with a bad method", []string{"analogy", "-vectors", bad, "-method", "div", "a", "b", "c"}, "unknown -method"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, stderr, code := runEmbedCLI(t, "", c.args...)
			if code == 0 || !strings.Contains(stderr, c.want) {
				t.Errorf("exit %d, stderr %q; want failure mentioning %q", code, stderr, c.want)
			}
		})
	}
}

func TestEmbedTrainRejectsInvalidValuesInsteadOfUsingDefaults(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(input, []byte(sotu.Sample), 0o644); err != nil {
		t.Fatal(err)
	}
	out := filepath.Join(dir, "v.vec")
	cases := []struct {
		flags []string
		want  string
	}{
		{[]string{"-lr", "-1"}, "LR -1"},
		{[]string{"-lr", "0"}, "LR 0"},
		{[]string{"-epochs", "0"}, "Epochs 0"},
		{[]string{"-window", "0"}, "Window 0"},
		{[]string{"-sample", "-5"}, "Sample -5"},
		{[]string{"-threads", "-3"}, "Threads -3"},
		{[]string{"-min-count", "-1"}, "MinCount -1"},
		{[]string{"-method", "fasttext", "-lr", "-1"}, "LR -1"},
		{[]string{"-method", "fasttext", "-epochs", "0"}, "Epochs 0"},
		{[]string{"-method", "fasttext", "-sample", "-5"}, "Sample -5"},
		{[]string{"-method", "glove", "-window", "0"}, "Window 0"},
		{[]string{"-method", "glove", "-threads", "-3"}, "Threads -3"},
		{[]string{"-method", "glove", "-x-max", "0"}, "XMax 0"},
		{[]string{"-method", "glove", "-memory-mb", "-1"}, "-memory-mb -1"},
		{[]string{"-method", "glove", "-neg", "3"}, "-neg does not apply"},
		{[]string{"-method", "word2vec", "-bucket", "10"}, "-bucket does not apply"},
		{[]string{"-arch", "lstm"}, "unknown -arch"},
	}
	for _, c := range cases {
		args := append([]string{"train", "-input", input, "-output", out, "-dim", "8", "-quiet"}, c.flags...)
		_, stderr, code := runEmbedCLI(t, "", args...)
		if code != 2 || !strings.Contains(stderr, c.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit 2 naming %q", c.flags, code, stderr, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("%v: a vectors file was written", c.flags)
		}
	}
}

func TestEmbedTrainShowsProgressToOneHundredPercent(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(input, []byte(sotu.Sample), 0o644); err != nil {
		t.Fatal(err)
	}
	for method, bars := range map[string][]string{"word2vec": {"word2vec"}, "fasttext": {"fasttext"}, "glove": {"glove count", "glove train"}} {
		args := []string{"train", "-method", method, "-input", input, "-output", filepath.Join(dir, method+".vec"), "-dim", "8", "-epochs", "1", "-threads", "1"}
		if method == "fasttext" {
			args = append(args, "-bucket", "1000")
		}
		_, stderr, code := runEmbedCLI(t, "", args...)
		if code != 0 {
			t.Fatalf("%s: exit %d: %s", method, code, stderr)
		}
		// benchmarks/reference/embeddings_compare.py reads the rate from
		// the last line.
		lines := strings.Split(strings.TrimSpace(stderr), "\n")
		if method != "glove" && !regexp.MustCompile(`^[0-9]+ words, [0-9]+ words/s, loss [0-9.]+$`).MatchString(lines[len(lines)-1]) {
			t.Errorf("%s: the last line %q does not give the rate", method, lines[len(lines)-1])
		}
		for _, bar := range bars {
			var last string
			for _, l := range strings.Split(stderr, "\n") {
				if strings.HasPrefix(l, bar+" ") {
					last = l
				}
			}
			if !strings.HasPrefix(last, bar+" 100% ") {
				t.Errorf("%s: the %q progress ends with %q:\n%s", method, bar, last, stderr)
			}
		}
	}
}
