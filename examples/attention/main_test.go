package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/gpt"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/inspect"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

func TestTheShippedBERTGivesAMapPerLayerAndHead(t *testing.T) {
	out := t.TempDir()
	var w bytes.Buffer
	res, err := run(context.Background(), config{text: "The budget passed.", out: out}, &w)
	if err != nil {
		t.Fatal(err)
	}
	if res.Tokens[0] != "[CLS]" || res.Tokens[len(res.Tokens)-1] != "[SEP]" {
		t.Fatalf("tokens %q", res.Tokens)
	}
	// The shipped BERT has 2 layers of 2 heads.
	if len(res.Maps) != 4 || len(res.Files) != 4 || len(res.Patterns) != 4 {
		t.Fatalf("%d maps, %d files, %d patterns", len(res.Maps), len(res.Files), len(res.Patterns))
	}
	for _, f := range []string{"layer00_head0.png", "layer00_head1.png", "layer01_head0.png", "layer01_head1.png"} {
		if st, err := os.Stat(filepath.Join(out, f)); err != nil || st.Size() == 0 {
			t.Errorf("%s: %v", f, err)
		}
	}
	for _, m := range res.Maps {
		if m.Queries != len(res.Tokens) || m.Keys != len(res.Tokens) {
			t.Fatalf("map %s is %dx%d for %d tokens", m.Name(), m.Queries, m.Keys, len(res.Tokens))
		}
	}
	if !strings.Contains(w.String(), "layer 1 head 1: ") || !strings.Contains(w.String(), "wrote 4 heat maps") {
		t.Fatalf("output:\n%s", w.String())
	}
}

func TestACausalModelAttendsOnlyBackwards(t *testing.T) {
	c, _ := gpt.Size("tiny")
	c.NEmbd, c.NLayer, c.NHead, c.NPositions = 16, 1, 2, 32
	dir := t.TempDir()
	if err := gpt.NewLMHeadModel(c, tensor.NewGenerator(1)).Save(dir, hub.SaveOptions{Tokenizer: tokenize.GPT2()}); err != nil {
		t.Fatal(err)
	}
	res, err := run(context.Background(), config{model: dir, text: "Hello, world!", out: t.TempDir()}, &bytes.Buffer{})
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(res.Tokens, "|") != "Hello|,| world|!" || len(res.Maps) != 2 {
		t.Fatalf("tokens %q, %d maps", res.Tokens, len(res.Maps))
	}
	for _, m := range res.Maps {
		for i := range m.Queries {
			for j := i + 1; j < m.Keys; j++ {
				if m.At(i, j) != 0 {
					t.Fatalf("%s: token %d sees the later token %d", m.Name(), i, j)
				}
			}
		}
	}
}

func TestBadInput(t *testing.T) {
	for name, c := range map[string]config{
		"no text":               {text: "  ", out: t.TempDir()},
		"longer than the model": {text: strings.Repeat("budget ", 100), out: t.TempDir()},
		"no such model":         {model: filepath.Join(t.TempDir(), "none"), text: "x", out: t.TempDir()},
	} {
		if _, err := run(context.Background(), c, &bytes.Buffer{}); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestPatternNamesWhatQueriesAttendTo(t *testing.T) {
	diag := func(shift int) inspect.Map {
		m := inspect.Map{Queries: 4, Keys: 4, Weights: make([]float32, 16)}
		for i := range 4 {
			j := min(max(i+shift, 0), 3)
			m.Weights[i*4+j] = 1
		}
		return m
	}
	if got, want := pattern(diag(0), []string{"a", "b", "c", "d"}), `100% of the queries attend most to the token itself; "a" gets the most weight (25% of it)`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, tc := range []struct {
		m    inspect.Map
		want string
	}{
		{diag(0), "100% of the queries attend most to the token itself"},
		{diag(-1), "75% of the queries attend most to the token before"},
		{diag(1), "75% of the queries attend most to the token after"},
		{inspect.Map{Queries: 1, Keys: 3, Weights: []float32{0.1, 0.7, 0.2}}, "100% of the queries attend most to the token before"},
	} {
		if got := pattern(tc.m, nil); got != tc.want {
			t.Errorf("got %q, want %q", got, tc.want)
		}
	}
}
