package wordvec

import (
	"bytes"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"
)

// toy is a table with known geometry: king - man + woman = queen exactly.
func toy() *Table {
	words := []string{"man", "woman", "king", "queen", "apple", "Paris"}
	data := []float32{
		1, 0, 0, 0,
		1, 1, 0, 0,
		1, 0, 1, 0,
		1, 1, 1, 0,
		0, 0, 0, 1,
		0, 0.1, 0.2, 1,
	}
	return New(words, 4, data)
}

func TestTextRoundTripIsExact(t *testing.T) {
	tab := toy()
	tab.Data[0] = 0.1234567
	tab.Data[1] = -3.4e-38
	for _, header := range []bool{true, false} {
		var buf bytes.Buffer
		if err := WriteText(&buf, tab, header); err != nil {
			t.Fatal(err)
		}
		got, err := ReadText(&buf)
		if err != nil {
			t.Fatalf("header=%v: %v", header, err)
		}
		if diff := cmp.Diff(tab.Words, got.Words); diff != "" {
			t.Errorf("words (-want +got)\n%s", diff)
		}
		if diff := cmp.Diff(tab.Data, got.Data); diff != "" {
			t.Errorf("data (-want +got)\n%s", diff)
		}
	}
}

func TestBinaryRoundTripIsExact(t *testing.T) {
	tab := toy()
	var buf bytes.Buffer
	if err := WriteBinary(&buf, tab); err != nil {
		t.Fatal(err)
	}
	got, err := ReadBinary(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(tab.Words, got.Words); diff != "" {
		t.Errorf("words (-want +got)\n%s", diff)
	}
	if diff := cmp.Diff(tab.Data, got.Data); diff != "" {
		t.Errorf("data (-want +got)\n%s", diff)
	}
}

func TestSaveAndLoadPickTheFormatFromTheName(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{"v.bin", "v.vec", "v.txt"} {
		path := filepath.Join(dir, name)
		if err := Save(path, toy(), name == "v.txt"); err != nil {
			t.Fatal(err)
		}
		got, err := Load(path)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if diff := cmp.Diff(toy().Data, got.Data); diff != "" {
			t.Errorf("%s (-want +got)\n%s", name, diff)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.vec")); err == nil {
		t.Error("loading a missing file must fail")
	}
	// Saved files get the mode os.Create gives (0666 less the umask).
	ref, err := os.Create(filepath.Join(dir, "ref"))
	if err != nil {
		t.Fatal(err)
	}
	ref.Close()
	want, _ := os.Stat(ref.Name())
	for _, name := range []string{"v.bin", "v.vec"} {
		if st, _ := os.Stat(filepath.Join(dir, name)); st.Mode().Perm() != want.Mode().Perm() {
			t.Errorf("%s: mode %v, want %v as os.Create gives", name, st.Mode().Perm(), want.Mode().Perm())
		}
	}
}

func TestReadTextAcceptsTheKnownForms(t *testing.T) {
	cases := []struct {
		name  string
		in    string
		words []string
		dim   int
	}{
		{"word2vec with header", "2 3\na 1 2 3\nb 4 5 6\n", []string{"a", "b"}, 3},
		{"fastText trailing spaces", "2 2 \na 1 2 \nb 3 4 \n", []string{"a", "b"}, 2},
		{"GloVe without header", "a 1 2 3\nb 4 5 6", []string{"a", "b"}, 3},
		{"two-value GloVe line is not a header", "a 1\nb 2\n", []string{"a", "b"}, 1},
		{"CRLF line ends", "1 2\r\nx 1 2\r\n", []string{"x"}, 2},
		{"header of zero words", "0 300\n", []string{}, 300},
		{"non-ASCII words", "é 1\n日本 2\n", []string{"é", "日本"}, 1},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := ReadText(strings.NewReader(c.in))
			if err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(c.words, got.Words); diff != "" || got.Dim != c.dim {
				t.Errorf("dim %d want %d; words (-want +got)\n%s", got.Dim, c.dim, diff)
			}
		})
	}
}

func TestBadFilesGiveFormatErrors(t *testing.T) {
	cases := []struct {
		name, in string
		binary   bool
	}{
		{"empty text", "", false},
		{"fewer words than the header", "3 2\na 1 2\n", false},
		{"more words than the header", "1 2\na 1 2\nb 1 2\n", false},
		{"a row too short", "2 3\na 1 2 3\nb 1 2\n", false},
		{"GloVe row too long", "a 1 2\nb 1 2 3\n", false},
		{"not a number", "1 2\na 1 x\n", false},
		{"NaN value", "1 2\na 1 NaN\n", false},
		{"infinite value", "a 1e39 1\n", false},
		{"word alone", "a\n", false},
		{"empty binary", "", true},
		{"binary header not numbers", "x y\n", true},
		{"binary negative count", "-1 2\n", true},
		{"binary zero dim", "1 0\n", true},
		{"binary truncated vector", "1 2\na \x00\x00\x80?\x00", true},
		{"binary missing word", "2 1\na \x00\x00\x80?", true},
		{"binary NaN", "1 1\na \x00\x00\xc0\x7f", true},
		{"binary huge count, no data", "99999999999 300\n", true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var err error
			if c.binary {
				_, err = ReadBinary(strings.NewReader(c.in))
			} else {
				_, err = ReadText(strings.NewReader(c.in))
			}
			if !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func TestWritersRejectWordsWithSpaces(t *testing.T) {
	tab := New([]string{"a b"}, 1, []float32{1})
	if err := WriteText(&bytes.Buffer{}, tab, true); err == nil {
		t.Error("WriteText accepted a word with a space")
	}
	if err := WriteBinary(&bytes.Buffer{}, tab); err == nil {
		t.Error("WriteBinary accepted a word with a space")
	}
}

func TestNearestRanksByCosineAndLeavesOutTheWord(t *testing.T) {
	tab := toy()
	got, err := tab.Nearest("king", 2)
	if err != nil {
		t.Fatal(err)
	}
	// cos(king, man) = 1/√2, cos(king, queen) = 2/√6.
	if got[0].Word != "queen" || got[1].Word != "man" {
		t.Fatalf("got %v, want queen then man", got)
	}
	if math.Abs(float64(got[0].Score)-2/math.Sqrt(6)) > 1e-6 {
		t.Errorf("score %v, want %v", got[0].Score, 2/math.Sqrt(6))
	}
	if _, err := tab.Nearest("nope", 3); !errors.Is(err, ErrUnknownWord) {
		t.Errorf("err = %v, want ErrUnknownWord", err)
	}
	if all := tab.NearestTo([]float32{1, 0, 0, 0}, 100); len(all) != tab.Len() {
		t.Errorf("k beyond the table: got %d neighbours, want %d", len(all), tab.Len())
	}
	if none := tab.NearestTo([]float32{0, 0, 0, 0}, 3); none != nil {
		t.Errorf("a zero query must match nothing, got %v", none)
	}
}

func TestNearestOnALargeTableMatchesBruteForce(t *testing.T) {
	const n, dim = 20000, 16
	words := make([]string, n)
	data := make([]float32, n*dim)
	x := uint32(1)
	for i := range data {
		x = x*1664525 + 1013904223
		data[i] = float32(int32(x)) / (1 << 31)
	}
	for i := range words {
		words[i] = strings.Repeat("w", 1+i%7) + string(rune('a'+i%26)) + string(rune(0x4e00+i))
	}
	tab := New(words, dim, data)
	q := tab.Row(123)
	got := tab.NearestTo(q, 10, 123)
	best := -1
	var bestS float32 = -2
	for i := range n {
		if i == 123 {
			continue
		}
		if s := Cosine(q, tab.Row(i)); s > bestS {
			best, bestS = i, s
		}
	}
	if got[0].Index != best || math.Abs(float64(got[0].Score-bestS)) > 1e-5 {
		t.Fatalf("top hit %d (%v), brute force %d (%v)", got[0].Index, got[0].Score, best, bestS)
	}
	for i := 1; i < len(got); i++ {
		if got[i].Score > got[i-1].Score {
			t.Fatalf("results not sorted: %v", got)
		}
	}
}

func TestAnalogyMethodsSolveTheToyAnalogy(t *testing.T) {
	tab := toy()
	for _, m := range []Method{CosAdd, CosMul} {
		got, err := tab.Analogy("man", "king", "woman", 1, m)
		if err != nil {
			t.Fatal(err)
		}
		if got[0].Word != "queen" {
			t.Errorf("%v: man:king::woman:%s, want queen", m, got[0].Word)
		}
	}
	if _, err := tab.Analogy("man", "king", "nobody", 1, CosAdd); !errors.Is(err, ErrUnknownWord) {
		t.Errorf("err = %v, want ErrUnknownWord", err)
	}
}

func TestEvalAnalogiesCountsSectionsAndSkips(t *testing.T) {
	q := `: family
MAN KING WOMAN QUEEN
man king woman apple
man king woman dragon
: capitals
# comment lines are ignored
apple paris man woman
`
	res, err := EvalAnalogies(toy(), strings.NewReader(q), EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Correct != 1 || res.Total != 3 || res.Skipped != 1 || len(res.Sections) != 2 {
		t.Fatalf("got %+v", res)
	}
	if s := res.Sections[0]; s.Name != "family" || s.Correct != 1 || s.Total != 2 || s.Skipped != 1 {
		t.Errorf("section 0 = %+v", s)
	}
	// Restricted to the first 3 words, queen is unknown.
	res, err = EvalAnalogies(toy(), strings.NewReader(q), EvalOptions{Restrict: 3})
	if err != nil || res.Total != 0 {
		t.Errorf("restricted: %+v, %v", res, err)
	}
	if _, err := EvalAnalogies(toy(), strings.NewReader("a b c\n"), EvalOptions{}); !errors.Is(err, ErrFormat) {
		t.Errorf("a three-word line: err = %v, want ErrFormat", err)
	}
}

func TestEvalSimilarityGivesRankCorrelation(t *testing.T) {
	r := "king\tqueen\t9\nking man 5\nking apple 1\nking dragon 3\n"
	res, err := EvalSimilarity(toy(), strings.NewReader(r), EvalOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if res.Pairs != 3 || res.Skipped != 1 || math.Abs(res.Spearman-1) > 1e-12 {
		t.Errorf("got %+v, want 3 pairs, 1 skipped, Spearman 1", res)
	}
	if _, err := EvalSimilarity(toy(), strings.NewReader("a b x\n"), EvalOptions{}); !errors.Is(err, ErrFormat) {
		t.Errorf("bad rating: err = %v, want ErrFormat", err)
	}
}

func TestSpearmanAveragesTiedRanks(t *testing.T) {
	// scipy.stats.spearmanr([1, 2, 2, 3, 5], [2, 1, 4, 4, 9]).correlation
	got := Spearman([]float64{1, 2, 2, 3, 5}, []float64{2, 1, 4, 4, 9})
	if want := 0.7631578947368421; math.Abs(got-want) > 1e-12 {
		t.Errorf("Spearman = %v, want %v", got, want)
	}
	if !math.IsNaN(Spearman([]float64{1}, []float64{1})) {
		t.Error("one pair must give NaN")
	}
}

func TestHeadSharesRows(t *testing.T) {
	tab := toy()
	h := tab.Head(2)
	if h.Len() != 2 || &h.Data[0] != &tab.Data[0] {
		t.Fatal("Head must share the first rows")
	}
	if tab.Head(0) != tab || tab.Head(100) != tab {
		t.Error("Head(0) and Head(>Len) must return the table")
	}
}

func FuzzReadText(f *testing.F) {
	f.Add("2 3\na 1 2 3\nb 4 5 6\n")
	f.Add("a 1 2\n")
	f.Add("1 1\n\xff 1e-3\n")
	f.Add("3 2\na 1 2\n")
	f.Fuzz(func(t *testing.T, s string) {
		tab, err := ReadText(strings.NewReader(s))
		if err != nil {
			return
		}
		if len(tab.Data) != tab.Len()*tab.Dim {
			t.Fatalf("inconsistent table: %d words, dim %d, %d values", tab.Len(), tab.Dim, len(tab.Data))
		}
	})
}

func FuzzReadBinary(f *testing.F) {
	var buf bytes.Buffer
	WriteBinary(&buf, toy())
	f.Add(buf.Bytes())
	f.Add([]byte("1 1\na \x00\x00\x80?\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		tab, err := ReadBinary(bytes.NewReader(b))
		if err != nil {
			return
		}
		if len(tab.Data) != tab.Len()*tab.Dim {
			t.Fatalf("inconsistent table")
		}
	})
}

func FuzzEvalFiles(f *testing.F) {
	f.Add(": s\nman king woman queen\n", "king queen 9\nman woman 3.5\n")
	f.Add("a b c\n", "x y z\n")
	f.Add(":\n\n#\n", "# c\n\tking\tqueen\t1e308\n")
	f.Fuzz(func(t *testing.T, analogies, ratings string) {
		res, err := EvalAnalogies(toy(), strings.NewReader(analogies), EvalOptions{})
		if err == nil && res.Correct > res.Total {
			t.Fatalf("more correct than asked: %+v", res)
		}
		sim, err := EvalSimilarity(toy(), strings.NewReader(ratings), EvalOptions{})
		if err == nil && sim.Pairs > 1 && !math.IsNaN(sim.Spearman) && (sim.Spearman < -1-1e-9 || sim.Spearman > 1+1e-9) {
			t.Fatalf("Spearman out of range: %+v", sim)
		}
	})
}
