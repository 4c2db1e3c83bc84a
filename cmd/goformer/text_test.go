package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestTextCommand(t *testing.T) {
	tests := []struct {
		name  string
		args  []string
		stdin string
		want  string
	}{
		{"normalize with every step", []string{"text", "normalize", "--remove-control", "--form", "nfkc", "--lower", "--strip-accents", "--numbers", "--fold-space"},
			"  Ｃafé\u200b costs  $3.50\n\nΟΔΟΣ 21st\r\n", "cafe costs three dollars and fifty cents\n\nοδος twenty-first\n"},
		{"normalize without flags only repairs UTF-8", []string{"text", "normalize"}, "a\xffb", "a\uFFFDb\n"},
		{"normalize years", []string{"text", "normalize", "--numbers", "--years"}, "in 1999", "in nineteen ninety-nine\n"},
		{"normalize spells numbers before punctuation goes", []string{"text", "normalize", "--numbers", "--remove-punct"}, "3.5 km, 21 km.", "three point five km twenty one km\n"},
		{"normalize spells money before symbols go", []string{"text", "normalize", "--remove-symbols", "--numbers"}, "$3.50", "three dollars and fifty cents\n"},
		{"stem with nltk's Porter", []string{"text", "stem"}, "Running connections generously\n", "run connect gener\n"},
		{"stem with Snowball English", []string{"text", "stem", "--algo", "english"}, "Running generously\n", "run generous\n"},
		{"stem with original Porter", []string{"text", "stem", "--algo", "porter-original"}, "enjoy as\n", "enjoi a\n"},
		{"lemma of nouns", []string{"text", "lemma"}, "geese mice cats\n", "goose mouse cat\n"},
		{"lemma of verbs with a Penn tag and lower-casing", []string{"text", "lemma", "--pos", "VBD", "--lower"}, "Was Running\n", "be run\n"},
		{"stop words removed", []string{"text", "stopwords"}, "The cat sat on the mat\n", "cat sat mat\n"},
		{"German stop words", []string{"text", "stopwords", "--lang", "german"}, "Die Katze und der Hund\n", "Katze Hund\n"},
		{"stop-word list printed", []string{"text", "stopwords", "--lang", "zh", "--list"}, "", "的\n"},
		{"numbers as arguments", []string{"text", "numwords", "1234", "-0.5"}, "", "one thousand two hundred thirty-four\nminus zero point five\n"},
		{"British numbers from stdin", []string{"text", "numwords", "--british", "--commas"}, "101\n1001\n", "one hundred and one\none thousand and one\n"},
		{"ordinals", []string{"text", "numwords", "--ordinal", "21"}, "", "twenty-first\n"},
		{"years", []string{"text", "numwords", "--year", "2005"}, "", "two thousand five\n"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, strings.NewReader(tc.stdin), &out, &errb); code != 0 {
				t.Fatalf("exit code %d, stderr %q", code, errb.String())
			}
			got := out.String()
			if tc.name == "stop-word list printed" {
				got = got[:strings.IndexByte(got, '\n')+1]
			}
			if got != tc.want {
				t.Errorf("stdout = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestTextCommandReadsFiles(t *testing.T) {
	dir := t.TempDir()
	a, b := filepath.Join(dir, "a.txt"), filepath.Join(dir, "b.txt")
	os.WriteFile(a, []byte("dogs\n"), 0o644)
	os.WriteFile(b, []byte("cats"), 0o644) // no final newline
	var out, errb bytes.Buffer
	if code := run([]string{"text", "stem", a, "-", b}, strings.NewReader("ponies\n"), &out, &errb); code != 0 {
		t.Fatalf("exit code %d, stderr %q", code, errb.String())
	}
	if got, want := out.String(), "dog\nponi\ncat\n"; got != want {
		t.Errorf("stdout = %q, want %q", got, want)
	}
}

func TestTextCommandErrors(t *testing.T) {
	tests := []struct {
		name    string
		args    []string
		stdin   string
		errPart string
	}{
		{"no subcommand", []string{"text"}, "", "missing subcommand"},
		{"unknown subcommand", []string{"text", "frobnicate"}, "", "unknown subcommand"},
		{"unknown normal form", []string{"text", "normalize", "--form", "nfx"}, "", "unknown normal form \"nfx\""},
		{"unknown stemmer", []string{"text", "stem", "--algo", "lancaster"}, "", "unknown --algo"},
		{"unknown part of speech", []string{"text", "lemma", "--pos", "DT"}, "", "unknown part of speech"},
		{"unknown language", []string{"text", "stopwords", "--lang", "klingon"}, "", "no stop-word list"},
		{"bad number", []string{"text", "numwords", "12a"}, "", "not a decimal number"},
		{"bad number on stdin", []string{"text", "numwords"}, "1\nx\n", "not a decimal number"},
		{"fractional ordinal", []string{"text", "numwords", "--ordinal", "1.5"}, "", "not a decimal number"},
		{"bad year", []string{"text", "numwords", "--year", "MCM"}, "", "bad year"},
		{"missing file", []string{"text", "stem", "/no/such/file"}, "", "no such file"},
		{"bad flag", []string{"text", "stem", "--nope"}, "", "flag provided but not defined"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var out, errb bytes.Buffer
			if code := run(tc.args, strings.NewReader(tc.stdin), &out, &errb); code == 0 {
				t.Fatalf("exit code 0, want failure")
			}
			if !strings.Contains(errb.String(), tc.errPart) {
				t.Errorf("stderr = %q, want it to mention %q", errb.String(), tc.errPart)
			}
		})
	}
}

func TestTextHelpSucceeds(t *testing.T) {
	for _, args := range [][]string{{"text", "-h"}, {"text", "stem", "-h"}, {"text", "normalize", "--help"}} {
		var out, errb bytes.Buffer
		if code := run(args, strings.NewReader(""), &out, &errb); code != 0 {
			t.Errorf("%v: exit code %d", args, code)
		}
		if !strings.Contains(errb.String(), "usage: goformer text") {
			t.Errorf("%v: stderr = %q, want usage", args, errb.String())
		}
	}
}
