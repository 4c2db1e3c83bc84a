package corpus

import (
	"context"
	"errors"
	"io"
	"strings"
	"testing"
	"testing/iotest"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

// words scans every range and returns the words with "\n" for line ends.
func words(t *testing.T, text *Text, parts int) []string {
	t.Helper()
	var out []string
	b := text.Split(parts)
	for i := range parts {
		s := text.Scan(b[i], b[i+1])
		for {
			w, eol, ok := s.Next()
			if !ok {
				break
			}
			if eol {
				out = append(out, "\n")
			} else {
				out = append(out, string(w))
			}
		}
		if err := s.Err(); err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestScannerSplitsOnWhitespaceAndMarksLineEnds(t *testing.T) {
	cases := []struct {
		name string
		in   string
		want []string
	}{
		{"empty text gives nothing", "", nil},
		{"only spaces give nothing", " \t \r ", nil},
		{"two lines", "a bb\nccc  d\n", []string{"a", "bb", "\n", "ccc", "d", "\n"}},
		{"no final newline", "x y", []string{"x", "y"}},
		{"tabs, CR, VT, FF and NUL separate words", "a\tb\rc\vd\fe\x00f", []string{"a", "b", "c", "d", "e", "f"}},
		{"invalid UTF-8 is kept as bytes", "\xff\xfe ok", []string{"\xff\xfe", "ok"}},
		{"empty lines give line ends", "\n\na", []string{"\n", "\n", "a"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got := words(t, FromString(c.in), 1)
			if diff := cmp.Diff(c.want, got); diff != "" {
				t.Errorf("(-want +got)\n%s", diff)
			}
		})
	}
}

func TestRangesTogetherReadEveryWordOnce(t *testing.T) {
	var sb strings.Builder
	for i := range 5000 {
		sb.WriteString(strings.Repeat("w", i%13+1))
		if i%17 == 0 {
			sb.WriteString("\n")
		} else {
			sb.WriteString(" ")
		}
	}
	text := FromString(sb.String())
	want := words(t, text, 1)
	for _, parts := range []int{2, 3, 7, 64, 1000} {
		if diff := cmp.Diff(want, words(t, text, parts)); diff != "" {
			t.Errorf("%d parts: (-want +got)\n%s", parts, diff)
		}
	}
}

func TestWordsLongerThanTheBufferAreCutAtACharacterBoundary(t *testing.T) {
	long := strings.Repeat("é", 100000) // 200,000 bytes, longer than the buffer
	got := words(t, FromString("a "+long+" b"), 1)
	if len(got) != 3 || got[0] != "a" || got[2] != "b" {
		t.Fatalf("got %d words, want a, the long word, b", len(got))
	}
	if len(got[1]) > MaxWordLen || len(got[1]) < MaxWordLen-3 || !strings.HasPrefix(long, got[1]) {
		t.Errorf("long word cut to %d bytes, want a prefix of at most %d", len(got[1]), MaxWordLen)
	}
	if strings.ContainsRune(got[1], '\uFFFD') || len(got[1])%2 != 0 {
		t.Errorf("long word cut inside a character")
	}
}

func TestWordsSpanningBufferRefillsAreWhole(t *testing.T) {
	var sb strings.Builder
	for sb.Len() < 300<<10 {
		sb.WriteString("abcdefghij ")
	}
	for _, w := range words(t, FromString(sb.String()), 1) {
		if w != "abcdefghij" {
			t.Fatalf("got word %q", w)
		}
	}
}

type failingReaderAt struct{}

func (failingReaderAt) ReadAt(p []byte, off int64) (int, error) { return 0, iotest.ErrTimeout }

func TestReadErrorsAreReported(t *testing.T) {
	_, err := Count(context.Background(), NewText(failingReaderAt{}, 100), CountOptions{})
	if !errors.Is(err, ErrScan) || !errors.Is(err, iotest.ErrTimeout) {
		t.Fatalf("err = %v, want ErrScan wrapping the read error", err)
	}
}

type shortReaderAt struct{ s string }

func (r shortReaderAt) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(len(r.s)) {
		return 0, io.EOF
	}
	n := copy(p[:min(len(p), 3)], r.s[off:])
	return n, nil
}

func TestShortReadsAreRetried(t *testing.T) {
	s := "one two three four five\nsix"
	got := words(t, NewText(shortReaderAt{s}, int64(len(s))), 1)
	want := []string{"one", "two", "three", "four", "five", "\n", "six"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func TestCountSortsByFrequencyAndAppliesLimits(t *testing.T) {
	text := FromString("b a c a b a\nd d d d")
	cases := []struct {
		name string
		opt  CountOptions
		want []string
		cnt  []int64
	}{
		{"all words", CountOptions{}, []string{"d", "a", "b", "c"}, []int64{4, 3, 2, 1}},
		{"min count 2 drops c", CountOptions{MinCount: 2}, []string{"d", "a", "b"}, []int64{4, 3, 2}},
		{"max size 2 keeps the two most frequent", CountOptions{MaxSize: 2}, []string{"d", "a"}, []int64{4, 3}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			v, err := Count(context.Background(), text, c.opt)
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.want, v.Words); diff != "" {
				t.Errorf("words (-want +got)\n%s", diff)
			}
			if diff := cmp.Diff(c.cnt, v.Counts); diff != "" {
				t.Errorf("counts (-want +got)\n%s", diff)
			}
			if v.ID([]byte(c.want[0])) != 0 || v.IDString("zzz") != -1 {
				t.Errorf("ID lookups wrong")
			}
		})
	}
}

func TestCountOfEmptyTextIsErrEmpty(t *testing.T) {
	for _, s := range []string{"", "\n\n", "a b"} {
		_, err := Count(context.Background(), FromString(s), CountOptions{MinCount: 2})
		if !errors.Is(err, ErrEmpty) {
			t.Errorf("%q: err = %v, want ErrEmpty", s, err)
		}
	}
}

func TestCountWithBoundedMemoryKeepsFrequentWords(t *testing.T) {
	var sb strings.Builder
	for i := range 20000 {
		sb.WriteString("The ")
		sb.WriteString(strings.Repeat("x", i%50+1))
		sb.WriteString("q ")
		sb.WriteString(string(rune('a'+i%26)) + string(rune('a'+(i/26)%26)) + string(rune('a'+(i/676)%26)) + " ")
	}
	v, err := Count(context.Background(), FromString(sb.String()), CountOptions{MaxEntries: 100})
	if err != nil {
		t.Fatal(err)
	}
	if v.Words[0] != "The" || v.Counts[0] != 20000 {
		t.Errorf("most frequent = %q×%d, want The×20000", v.Words[0], v.Counts[0])
	}
	if v.Len() > 200 {
		t.Errorf("vocabulary has %d words, want it bounded near 100", v.Len())
	}
}

func TestCountStopsWhenCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	_, err := Count(ctx, FromString(strings.Repeat("a b c ", 100000)), CountOptions{})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err = %v, want context.Canceled", err)
	}
}

func TestNewVocabRejectsRepeatedWords(t *testing.T) {
	if _, err := NewVocab([]string{"a", "a"}, []int64{1, 1}); err == nil {
		t.Fatal("want an error for a repeated word")
	}
}

func FuzzScannerMatchesFields(f *testing.F) {
	f.Add("a bb\nccc  d\n", 3)
	f.Add("\x00x\ty\r\n\n", 2)
	f.Add("é日本 \xff", 5)
	f.Fuzz(func(t *testing.T, s string, parts int) {
		parts = 1 + (parts%16+16)%16
		var want []string
		for i, line := range strings.Split(s, "\n") {
			if i > 0 {
				want = append(want, "\n")
			}
			want = append(want, strings.FieldsFunc(line, func(r rune) bool { return r < 128 && IsSpace(byte(r)) })...)
		}
		for i := range want {
			if len(want[i]) > MaxWordLen {
				want[i] = string(truncate([]byte(want[i])))
			}
		}
		got := words(t, FromString(s), parts)
		if diff := cmp.Diff(want, got, cmpopts.EquateEmpty()); diff != "" {
			t.Fatalf("%d parts (-fields +scanner)\n%s", parts, diff)
		}
	})
}
