package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsNameTheFileOnce runs commands that fail on a file and checks
// that each message is wrapped once: the file named once, no part
// repeated, no package prefix said twice.
func TestErrorsNameTheFileOnce(t *testing.T) {
	dir := t.TempDir()
	missing := filepath.Join(dir, "missing.txt")
	folder := filepath.Join(dir, "folder")
	os.Mkdir(folder, 0o755)
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, []byte("abcdefgh"), 0o644)
	badVec := filepath.Join(dir, "bad.bin")
	os.WriteFile(badVec, []byte("hi\n"), 0o644)
	text := filepath.Join(dir, "t.txt")
	os.WriteFile(text, []byte("a b\n"), 0o644)
	cases := []struct {
		args []string
		path string
	}{
		{[]string{"safetensors", missing}, missing},
		{[]string{"safetensors", bad}, bad},
		{[]string{"safetensors", folder}, folder},
		{[]string{"eval", "bleu", "--ref", missing, "--hyp", text}, missing},
		{[]string{"eval", "bleu", "--ref", folder, "--hyp", text}, folder},
		{[]string{"text", "stem", missing}, missing},
		{[]string{"text", "stem", folder}, folder},
		{[]string{"tokenize", "encode", missing}, missing},
		{[]string{"tokenize", "encode", "-tokenizer", filepath.Join(dir, "r.tiktoken")}, filepath.Join(dir, "r.tiktoken")},
		{[]string{"embed", "neighbors", "-vectors", missing, "a"}, missing},
		{[]string{"embed", "neighbors", "-vectors", folder, "a"}, folder},
		{[]string{"embed", "neighbors", "-vectors", badVec, "a"}, badVec},
		{[]string{"embed", "train", "-input", missing, "-output", filepath.Join(dir, "o.vec")}, missing},
		{[]string{"embed", "train", "-input", folder, "-output", filepath.Join(dir, "o.vec")}, folder},
	}
	for _, c := range cases {
		_, stderr, code := runMain(c.args...)
		if code == 0 {
			t.Errorf("%v succeeded", c.args)
			continue
		}
		var line string
		for _, l := range strings.Split(stderr, "\n") {
			if strings.Contains(l, c.path) {
				line = l
			}
		}
		if line == "" {
			t.Errorf("%v: no message names %s:\n%s", c.args, c.path, stderr)
			continue
		}
		if n := strings.Count(line, c.path); n != 1 {
			t.Errorf("%v: %q names the file %d times", c.args, line, n)
		}
		seen := map[string]bool{}
		for _, part := range strings.Split(line, ": ") {
			if seen[part] {
				t.Errorf("%v: %q repeats %q", c.args, line, part)
			}
			seen[part] = true
		}
		for _, word := range strings.Fields(line) {
			if strings.HasSuffix(word, ":") && word != c.path+":" && strings.Count(" "+line, " "+word) > 1 {
				t.Errorf("%v: %q says %q twice", c.args, line, word)
			}
		}
		if strings.HasPrefix(line, "goformer ") {
			cmd := strings.TrimSuffix(strings.Fields(line)[1], ":")
			if strings.Contains(line, ": "+cmd+": ") {
				t.Errorf("%v: %q repeats the command name", c.args, line)
			}
		}
	}
}
