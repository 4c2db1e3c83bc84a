package main

import (
	"bytes"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/wordpiece"
)

// bertDir saves a tiny random BERT with a WordPiece tokenizer.
func bertDir(t *testing.T) (string, *bert.Model, *tokenize.Tokenizer) {
	t.Helper()
	words := []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "the", "cat", "sat", "on", "mat", "a", "dog", "ran", "##s"}
	v := map[string]int{}
	for i, w := range words {
		v[w] = i
	}
	wp, err := wordpiece.New(v, wordpiece.Options{})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := tokenize.NewBERT(wp, true)
	if err != nil {
		t.Fatal(err)
	}
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize, c.MaxPositionEmbeddings = len(words), 8, 1, 2, 16, 16
	m := bert.New(c, tensor.NewGenerator(5))
	dir := filepath.Join(t.TempDir(), "tiny-bert")
	if err := bert.Save(dir, m, tok); err != nil {
		t.Fatal(err)
	}
	return dir, m, tok
}

type embedLine struct {
	Text      string    `json:"text"`
	Embedding []float32 `json:"embedding"`
}

func parseLines(t *testing.T, s string) []embedLine {
	t.Helper()
	var out []embedLine
	dec := json.NewDecoder(strings.NewReader(s))
	for dec.More() {
		var l embedLine
		if err := dec.Decode(&l); err != nil {
			t.Fatal(err)
		}
		out = append(out, l)
	}
	return out
}

func TestEmbedTextMatchesTheLibrary(t *testing.T) {
	dir, m, tok := bertDir(t)
	texts := []string{"the cat sat on the mat", "a dog ran", "cats"}
	stdout, stderr, code := runMain(append([]string{"embed-text", "-model", dir, "-batch", "2"}, texts...)...)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	lines := parseLines(t, stdout)
	if len(lines) != 3 {
		t.Fatalf("%d lines", len(lines))
	}
	for i, text := range texts {
		enc, err := tok.Encode(text)
		if err != nil {
			t.Fatal(err)
		}
		ids := make([]int32, enc.Len())
		for j, id := range enc.IDs {
			ids[j] = int32(id)
		}
		want := nn.Detached(m).Embed(bert.Input{IDs: tensor.FromSlice(ids, 1, len(ids))}, bert.EmbedOptions{Pooling: bert.Mean}).Float32s()
		if lines[i].Text != text || len(lines[i].Embedding) != 8 {
			t.Fatalf("line %d: %+v", i, lines[i])
		}
		for j := range want {
			if math.Abs(float64(lines[i].Embedding[j]-want[j])) > 1e-5 {
				t.Fatalf("%q: embedding %v, want %v (padding in a batch must not change it)", text, lines[i].Embedding, want)
			}
		}
	}
}

func TestEmbedTextFollowsSentenceTransformersConfigsAndFlags(t *testing.T) {
	dir, _, _ := bertDir(t)
	os.MkdirAll(filepath.Join(dir, "1_Pooling"), 0o755)
	os.WriteFile(filepath.Join(dir, "1_Pooling", "config.json"), []byte(`{"pooling_mode_cls_token": true, "pooling_mode_mean_tokens": false}`), 0o644)
	os.WriteFile(filepath.Join(dir, "modules.json"), []byte(`[{"type": "sentence_transformers.models.Transformer"}, {"type": "sentence_transformers.models.Pooling"}, {"type": "sentence_transformers.models.Normalize"}]`), 0o644)
	norm := func(e []float32) float64 {
		var s float64
		for _, x := range e {
			s += float64(x) * float64(x)
		}
		return math.Sqrt(s)
	}
	stdout, stderr, code := runMain("embed-text", "-model", dir, "the cat")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	cls := parseLines(t, stdout)[0].Embedding
	if n := norm(cls); math.Abs(n-1) > 1e-5 {
		t.Fatalf("norm %v: modules.json's Normalize ignored", n)
	}
	stdout, _, _ = runMain("embed-text", "-model", dir, "-pooling", "mean", "-normalize=false", "the cat")
	mean := parseLines(t, stdout)[0].Embedding
	if math.Abs(norm(mean)-1) < 1e-3 {
		t.Fatal("-normalize=false ignored")
	}
	// Similarities: a unit diagonal, symmetric.
	var in bytes.Buffer
	in.WriteString("the cat\na dog ran\n")
	var out, errb bytes.Buffer
	if code := run([]string{"embed-text", "-model", dir, "-format", "sim"}, &in, &out, &errb); code != 0 {
		t.Fatalf("exit %d: %s", code, errb.String())
	}
	rows := strings.Split(strings.TrimSpace(out.String()), "\n")
	if len(rows) != 2 || !strings.HasPrefix(rows[0], "1.0000\t") || !strings.HasSuffix(rows[1], "\t1.0000") || strings.Split(rows[0], "\t")[1] != strings.Split(rows[1], "\t")[0] {
		t.Fatalf("similarities %q", out.String())
	}
	stdout, _, code = runMain("embed-text", "-model", dir, "-format", "tsv", "the\tcat")
	if f := strings.Split(strings.TrimSpace(stdout), "\t"); code != 0 || len(f) != 9 || f[0] != "the cat" {
		t.Fatalf("tsv %q", stdout)
	}
}

func TestEmbedTextRejectsBadUsage(t *testing.T) {
	dir, _, _ := bertDir(t)
	for _, c := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"embed-text", "hello"}, 2, "-model is required"},
		{[]string{"embed-text", "-model", dir, "-format", "xml", "x"}, 2, "-format"},
		{[]string{"embed-text", "-model", dir, "-pooling", "max", "x"}, 2, "unknown pooling"},
		{[]string{"embed-text", "-model", dir, "-batch", "0", "x"}, 2, "-batch"},
		{[]string{"embed-text", "-model", dir}, 2, "no texts"},
		{[]string{"embed-text", "-model", filepath.Join(dir, "missing"), "-offline", "x"}, 1, "not found"},
	} {
		_, stderr, code := runMain(c.args...)
		if code != c.code || !strings.Contains(stderr, c.msg) {
			t.Errorf("%v: exit %d, stderr %q; want %d and %q", c.args, code, stderr, c.code, c.msg)
		}
	}
}
