package main

import (
	"context"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/gentest"
	"github.com/goformer/goformer/models/hub"
)

func init() {
	auto.Register(gentest.ModelType, func(d *hub.Dir, _ auto.Options) (generate.Model, error) { return gentest.FromDir(d) })
}

func tableDir(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := gentest.WriteDir(dir, 32, 64, 7); err != nil {
		t.Fatal(err)
	}
	return dir
}

// words decodes ids as the tokenizer of a gentest directory does.
func words(ids []int) string {
	var w []string
	for _, id := range ids {
		if id != 1 {
			w = append(w, gentest.Words[id])
		}
	}
	return strings.Join(w, " ")
}

func TestGenerateStreamsTheGreedyContinuation(t *testing.T) {
	dir := tableDir(t)
	stdout, stderr, code := runMain("generate", "-model", dir, "-prompt", "the cat sat on", "-max-new-tokens", "12")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	want, _ := generate.Generate(context.Background(), gentest.NewTable(32, 64, 7), [][]int{{2, 4, 6, 8}}, generate.Options{MaxNewTokens: 12, StopTokens: []int{1}})
	if got := strings.TrimSpace(stdout); got != words(want[0][0].Tokens) {
		t.Errorf("printed %q, want %q", got, words(want[0][0].Tokens))
	}
}

func TestGenerateSamplesBeamsAndChats(t *testing.T) {
	dir := tableDir(t)
	for _, c := range []struct {
		name string
		args []string
		want func(string) bool
	}{
		{"samples", []string{"-temperature", "0.8", "-top-k", "5", "-seed", "3", "-num-return", "3"},
			func(s string) bool { return strings.Count(s, "--- ") == 3 }},
		{"beams", []string{"-beams", "4", "-num-return", "2", "-early-stopping", "never"},
			func(s string) bool { return strings.Count(s, "--- ") == 2 && strings.Contains(s, "score") }},
		{"chat", []string{"-chat", "-system", "be happy"}, func(s string) bool { return strings.TrimSpace(s) != "" }},
		{"a stop string", []string{"-stop", "sat", "-max-new-tokens", "40"}, func(s string) bool { return !strings.Contains(s, "sat") }},
	} {
		t.Run(c.name, func(t *testing.T) {
			stdout, stderr, code := runMain(append([]string{"generate", "-model", dir, "-prompt", "the dog ran"}, c.args...)...)
			if code != 0 || !c.want(stdout) {
				t.Errorf("exit %d, stdout %q, stderr %q", code, stdout, stderr)
			}
		})
	}
}

func TestGenerateBadUse(t *testing.T) {
	dir := tableDir(t)
	for _, c := range []struct {
		args []string
		code int
	}{
		{[]string{"generate"}, 2},
		{[]string{"generate", "-model", dir}, 2},
		{[]string{"generate", "-model", dir, "-prompt", "x", "-early-stopping", "sometimes"}, 2},
		{[]string{"generate", "-model", dir, "-prompt", "x", "-system", "s"}, 2},
		{[]string{"generate", "-model", dir, "-prompt", "x", "extra"}, 2},
		{[]string{"generate", "-model", dir, "-prompt", "x", "-temperature", "-1"}, 1},
		{[]string{"generate", "-model", dir + "/nope", "-prompt", "x", "-offline"}, 1},
		{[]string{"generate", "-model", dir, "-prompt", "x", "-beams", "2", "-num-return", "3"}, 1},
	} {
		_, stderr, code := runMain(c.args...)
		if code != c.code || stderr == "" {
			t.Errorf("%q: exit %d, stderr %q; want exit %d and a message", c.args, code, stderr, c.code)
		}
	}
}
