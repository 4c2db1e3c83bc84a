package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func runCmd(t *testing.T, stdin string, args ...string) (string, string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(args, strings.NewReader(stdin), &out, &errb)
	return out.String(), errb.String(), code
}

func TestTokenizeEncodeWritesGPT2IDs(t *testing.T) {
	out, errs, code := runCmd(t, "Hello, World! How are you today? 🌍\nhello\n", "tokenize", "encode", "-tokenizer", "gpt2")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	want := "15496 11 2159 0 1374 389 345 1909 30 12520 234 235\n31373\n"
	if out != want {
		t.Errorf("got %q, want %q", out, want)
	}
}

func TestTokenizeDecodeInvertsEncode(t *testing.T) {
	text := "Tokenizers: naïve café, 中文 and 😀!"
	for _, tok := range []string{"gpt2", "cl100k", "o200k"} {
		ids, errs, code := runCmd(t, text+"\n", "tokenize", "encode", "-tokenizer", tok)
		if code != 0 {
			t.Fatalf("%s encode: %s", tok, errs)
		}
		back, errs, code := runCmd(t, ids, "tokenize", "decode", "-tokenizer", tok)
		if code != 0 {
			t.Fatalf("%s decode: %s", tok, errs)
		}
		if back != text+"\n" {
			t.Errorf("%s: decode(encode(s)) = %q, want %q", tok, back, text)
		}
	}
}

func TestTokenizeEncodeJSONHasOffsetsAndMasks(t *testing.T) {
	out, errs, code := runCmd(t, "unaffable", "tokenize", "encode", "-tokenizer", "bert-uncased", "-json", "-pair", "Hello!")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errs)
	}
	var e struct {
		IDs     []int    `json:"ids"`
		Tokens  []string `json:"tokens"`
		TypeIDs []int    `json:"type_ids"`
		Offsets [][2]int `json:"offsets"`
	}
	if err := json.Unmarshal([]byte(out), &e); err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.Tokens, " ") != "[CLS] una ##ffa ##ble [SEP] hello ! [SEP]" {
		t.Errorf("tokens %v", e.Tokens)
	}
	if len(e.TypeIDs) != 8 || e.TypeIDs[5] != 1 || e.Offsets[2] != [2]int{3, 6} {
		t.Errorf("type ids %v offsets %v", e.TypeIDs, e.Offsets)
	}
}

func TestTokenizeEncodeCountsAndTruncates(t *testing.T) {
	out, _, code := runCmd(t, strings.Repeat("word ", 50), "tokenize", "encode", "-tokenizer", "bert-uncased", "-max-length", "16", "-count")
	if code != 0 || out != "16\n" {
		t.Errorf("got %q (exit %d), want 16", out, code)
	}
}

func TestTokenizeTrainWritesAUsableTokenizer(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.txt")
	var b strings.Builder
	for i := 0; i < 200; i++ {
		b.WriteString("The quick brown fox jumps over the lazy dog. Tokenizers split text into tokens.\n")
	}
	if err := os.WriteFile(corpus, []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, model := range []string{"bpe", "wordpiece", "unigram"} {
		t.Run(model, func(t *testing.T) {
			out := filepath.Join(dir, model+".json")
			size := "320"
			if model == "unigram" {
				size = "36"
			}
			_, errs, code := runCmd(t, "", "tokenize", "train", "-model", model, "-vocab-size", size, "-o", out, corpus)
			if code != 0 {
				t.Fatalf("train: %s", errs)
			}
			ids, errs, code := runCmd(t, "the lazy fox\n", "tokenize", "encode", "-tokenizer", out, "-no-special")
			if code != 0 {
				t.Fatalf("encode: %s", errs)
			}
			back, errs, code := runCmd(t, ids, "tokenize", "decode", "-tokenizer", out)
			if code != 0 {
				t.Fatalf("decode: %s", errs)
			}
			if strings.TrimSpace(back) != "the lazy fox" {
				t.Errorf("round trip gave %q", back)
			}
		})
	}
}

func TestTokenizeReportsBadInput(t *testing.T) {
	tests := []struct {
		name  string
		stdin string
		args  []string
		want  string
	}{
		{"no subcommand", "", []string{"tokenize"}, "missing subcommand"},
		{"unknown subcommand", "", []string{"tokenize", "frob"}, "unknown subcommand"},
		{"unknown tokenizer", "x", []string{"tokenize", "encode", "-tokenizer", "no-such-tokenizer"}, "unknown tokenizer"},
		{"bad id", "1 2 x\n", []string{"tokenize", "decode"}, "bad id"},
		{"id out of range", "99999999\n", []string{"tokenize", "decode"}, "unknown token id"},
		{"unknown model", "", []string{"tokenize", "train", "-model", "lstm"}, "unknown -model"},
		{"missing file", "", []string{"tokenize", "encode", "/no/such/file"}, "no such file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, errs, code := runCmd(t, tt.stdin, tt.args...)
			if code == 0 {
				t.Fatal("succeeded")
			}
			if !strings.Contains(errs, tt.want) {
				t.Errorf("stderr %q, want it to mention %q", errs, tt.want)
			}
		})
	}
}

func TestTokenizeEncodeRefusesSpecialTokenTextUnlessAllowed(t *testing.T) {
	in := "hi<|endoftext|>\n"
	_, errs, code := runCmd(t, in, "tokenize", "encode", "-tokenizer", "cl100k")
	if code != 1 || !strings.Contains(errs, `"<|endoftext|>" at byte 2`) {
		t.Errorf("exit %d: %s", code, errs)
	}
	for _, c := range []struct {
		flags []string
		want  string
	}{
		{[]string{"-allow-special", "all"}, "6151 100257\n"},
		{[]string{"-allow-special", "<|endoftext|>"}, "6151 100257\n"},
		{[]string{"-ordinary"}, "6151 27, 91, 8862, 728, 428, 91, 29\n"},
	} {
		out, errs, code := runCmd(t, in, append([]string{"tokenize", "encode", "-tokenizer", "cl100k"}, c.flags...)...)
		if c.flags[0] == "-ordinary" {
			c.want = strings.ReplaceAll(c.want, ",", "")
		}
		if code != 0 || out != c.want {
			t.Errorf("%v: exit %d %q, want %q (%s)", c.flags, code, out, c.want, errs)
		}
	}
	if _, _, code := runCmd(t, in, "tokenize", "encode", "-tokenizer", "cl100k", "-ordinary", "-allow-special", "all"); code != 2 {
		t.Errorf("-ordinary with -allow-special: exit %d, want 2", code)
	}
	if _, errs, code := runCmd(t, in, "tokenize", "encode", "-tokenizer", "cl100k", "-allow-special", "<|nope|>"); code == 0 {
		t.Errorf("an unknown special token was allowed: %s", errs)
	}
}

func TestTokenizeTrainRejectsVocabularySizesItCannotHonour(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(corpus, []byte(strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		model, size, want string
	}{
		{"bpe", "10", "VocabSize 10 cannot hold"},
		{"wordpiece", "10", "VocabSize 10 cannot hold"},
		{"unigram", "10", "vocabulary size 10 is smaller"},
		{"bpe", "0", "-vocab-size 0 must be positive"},
		{"wordpiece", "-5", "-vocab-size -5 must be positive"},
	} {
		out := filepath.Join(dir, c.model+".json")
		_, errs, code := runCmd(t, "", "tokenize", "train", "-model", c.model, "-vocab-size", c.size, "-o", out, corpus)
		if code != 2 || !strings.Contains(errs, c.want) {
			t.Errorf("%s -vocab-size %s: exit %d, %q; want exit 2 and %q", c.model, c.size, code, errs, c.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Errorf("%s -vocab-size %s wrote %s", c.model, c.size, out)
		}
	}
	_, errs, code := runCmd(t, "", "tokenize", "train", "-model", "bpe", "-min-frequency", "-1", corpus)
	if code != 2 || !strings.Contains(errs, "-min-frequency -1") {
		t.Errorf("-min-frequency -1: exit %d, %q", code, errs)
	}
}

func TestTokenizeTrainShowsProgress(t *testing.T) {
	dir := t.TempDir()
	corpus := filepath.Join(dir, "corpus.txt")
	if err := os.WriteFile(corpus, []byte(strings.Repeat("The quick brown fox jumps over the lazy dog.\n", 50)), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct{ model, size, want string }{
		{"bpe", "300", "bpe merges 100%"},
		{"wordpiece", "60", "bpe merges 100%"},
		{"unigram", "32", "unigram 100%"},
	} {
		_, errs, code := runCmd(t, "", "tokenize", "train", "-model", c.model, "-vocab-size", c.size, "-o", filepath.Join(dir, "t.json"), corpus)
		if code != 0 || !strings.Contains(errs, c.want) || !strings.Contains(errs, "100% 2250/2250 B") {
			t.Errorf("%s: exit %d, stderr %q; want %q and the bytes read", c.model, code, errs, c.want)
		}
		_, errs, _ = runCmd(t, "", "tokenize", "train", "-quiet", "-model", c.model, "-vocab-size", c.size, "-o", filepath.Join(dir, "t.json"), corpus)
		if strings.Contains(errs, "100%") {
			t.Errorf("%s -quiet still reports progress: %q", c.model, errs)
		}
	}
}

func TestJSONStringsAreWrittenAsEncodingJSONWrites(t *testing.T) {
	for _, s := range []string{"", "plain", "Ġthe", `q"uote\back`, "tab\tnl\ncr\r", "\x00\x01\x1f\x7f", "<&>", "\u2028\u2029", "é中😀", "bad\xffbyte\xc3", "##ing"} {
		var want bytes.Buffer
		enc := json.NewEncoder(&want)
		enc.SetEscapeHTML(false)
		if err := enc.Encode(s); err != nil {
			t.Fatal(err)
		}
		if got := string(appendJSONString(nil, s)); got != strings.TrimSuffix(want.String(), "\n") {
			t.Errorf("%q: %s, want %s", s, got, want.String())
		}
	}
}
