package wordpiece

import (
	"bytes"
	"compress/gzip"
	"errors"
	"os"
	"strings"
	"testing"
)

func bertUncased(t testing.TB) *Model {
	t.Helper()
	f, err := os.Open("../data/bert-base-uncased-vocab.txt.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	v, err := ReadVocab(zr)
	if err != nil {
		t.Fatal(err)
	}
	m, err := New(v, Options{})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tokens(t *testing.T, m *Model, word string) string {
	t.Helper()
	toks, err := m.AppendTokens(nil, word)
	if err != nil {
		t.Fatal(err)
	}
	var parts []string
	for _, tok := range toks {
		s, _ := m.IDToToken(tok.ID)
		parts = append(parts, s)
	}
	return strings.Join(parts, " ")
}

func TestGreedyLongestMatchFirst(t *testing.T) {
	m := bertUncased(t)
	tests := []struct{ word, want string }{
		{"unaffable", "una ##ffa ##ble"},
		{"tokenization", "token ##ization"},
		{"hello", "hello"},
		{"x", "x"},
		{"😀", "[UNK]"},
		{"hello😀", "[UNK]"}, // one unknown part makes the whole word unknown
		{strings.Repeat("a", 101), "[UNK]"},
		{"", ""},
	}
	for _, tt := range tests {
		if got := tokens(t, m, tt.word); got != tt.want {
			t.Errorf("%q: %q, want %q", tt.word, got, tt.want)
		}
	}
}

func TestOffsetsCoverTheWord(t *testing.T) {
	m := bertUncased(t)
	toks, _ := m.AppendTokens(nil, "unaffable")
	want := []Token{{ID: 14477, Start: 0, End: 3}, {ID: 20961, Start: 3, End: 6}, {ID: 3468, Start: 6, End: 9}}
	if len(toks) != len(want) {
		t.Fatalf("%v", toks)
	}
	for i := range want {
		if toks[i] != want[i] {
			t.Errorf("token %d: %+v, want %+v", i, toks[i], want[i])
		}
	}
	ids, _ := m.AppendIDs(nil, "unaffable")
	if len(ids) != 3 || ids[0] != 14477 {
		t.Errorf("AppendIDs: %v", ids)
	}
}

func TestMaxInputCharsCountsCharactersNotBytes(t *testing.T) {
	v := map[string]int{"[UNK]": 0, "é": 1, "##é": 2}
	m, err := New(v, Options{MaxInputCharsPerWord: 3})
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens(t, m, "ééé"); got != "é ##é ##é" {
		t.Errorf("three characters (six bytes): %q", got)
	}
	if got := tokens(t, m, "éééé"); got != "[UNK]" {
		t.Errorf("four characters: %q", got)
	}
}

func TestMissingUnknownTokenIsAnErrorOnlyWhenNeeded(t *testing.T) {
	m, err := New(map[string]int{"a": 0, "##b": 1}, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if got := tokens(t, m, "ab"); got != "a ##b" {
		t.Errorf("%q", got)
	}
	if _, err := m.AppendTokens(nil, "ac"); !errors.Is(err, ErrMissingUnk) {
		t.Errorf("error %v, want ErrMissingUnk", err)
	}
	if _, err := m.AppendIDs(nil, "c"); !errors.Is(err, ErrMissingUnk) {
		t.Errorf("error %v, want ErrMissingUnk", err)
	}
}

func TestVocabRoundTrip(t *testing.T) {
	m := bertUncased(t)
	var buf bytes.Buffer
	if err := m.WriteVocab(&buf); err != nil {
		t.Fatal(err)
	}
	f, _ := os.Open("../data/bert-base-uncased-vocab.txt.gz")
	defer f.Close()
	zr, _ := gzip.NewReader(f)
	var orig bytes.Buffer
	orig.ReadFrom(zr)
	if !bytes.Equal(buf.Bytes(), orig.Bytes()) {
		t.Error("WriteVocab does not reproduce vocab.txt")
	}
}

func TestReadVocabRejectsBadFiles(t *testing.T) {
	for name, s := range map[string]string{"empty": "", "invalid UTF-8": "a\n\xff\n"} {
		if _, err := ReadVocab(strings.NewReader(s)); !errors.Is(err, ErrFormat) {
			t.Errorf("%s: %v, want ErrFormat", name, err)
		}
	}
	if _, err := New(map[string]int{"a": -1}, Options{}); err == nil {
		t.Error("negative id accepted")
	}
}

func FuzzWordPiece(f *testing.F) {
	f.Add("a\n##b\n[UNK]\n", "ab")
	f.Add("", "")
	f.Add("x\n\n##\n", "xx\xff")
	f.Fuzz(func(t *testing.T, vocab, word string) {
		v, err := ReadVocab(strings.NewReader(vocab))
		if err != nil {
			return
		}
		m, err := New(v, Options{})
		if err != nil {
			return
		}
		toks, err := m.AppendTokens(nil, word)
		if err != nil {
			return
		}
		end := 0
		for _, tok := range toks {
			if tok.Start < 0 || tok.End > len(word) || tok.Start > tok.End {
				t.Fatalf("bad span %+v for %q", tok, word)
			}
			end = tok.End
		}
		if len(toks) > 0 && end != len(word) {
			t.Fatalf("tokens end at %d of %d", end, len(word))
		}
	})
}
