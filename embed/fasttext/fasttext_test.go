package fasttext

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed/corpus"
	"github.com/goformer/goformer/embed/sotu"
	"github.com/google/go-cmp/cmp"
)

// fixture is what testdata/generate.sh dumps from fastText 0.9.2.
type fixture struct {
	vectors    map[string][]float64
	words      []string
	subwords   map[string][]string
	subwordIDs map[string][]int32
}

func loadFixture(t *testing.T, name string) fixture {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("testdata", name+".json"))
	if err != nil {
		t.Fatal(err)
	}
	var all map[string]json.RawMessage
	if err := json.Unmarshal(raw, &all); err != nil {
		t.Fatal(err)
	}
	f := fixture{vectors: map[string][]float64{}}
	for k, v := range all {
		var err error
		switch k {
		case "#words":
			err = json.Unmarshal(v, &f.words)
		case "#subwords":
			err = json.Unmarshal(v, &f.subwords)
		case "#subword_ids":
			err = json.Unmarshal(v, &f.subwordIDs)
		default:
			var vec []float64
			err = json.Unmarshal(v, &vec)
			f.vectors[k] = vec
		}
		if err != nil {
			t.Fatal(err)
		}
	}
	return f
}

func TestVectorsMatchFastTextForKnownAndUnknownWords(t *testing.T) {
	for _, name := range []string{"tiny", "nongram"} {
		t.Run(name, func(t *testing.T) {
			m, err := Load(filepath.Join("testdata", name+".bin"))
			if err != nil {
				t.Fatal(err)
			}
			fx := loadFixture(t, name)
			if diff := cmp.Diff(fx.words, m.Words[:len(fx.words)]); diff != "" {
				t.Errorf("dictionary order (-fastText +ours)\n%s", diff)
			}
			if len(fx.vectors) < 10 {
				t.Fatalf("fixture has only %d vectors", len(fx.vectors))
			}
			for w, want := range fx.vectors {
				got := m.WordVector(w)
				if len(got) != len(want) {
					t.Fatalf("%q: dim %d, want %d", w, len(got), len(want))
				}
				for i := range want {
					if d := math.Abs(float64(got[i]) - want[i]); d > 1e-6 {
						t.Errorf("%q[%d] = %v, fastText %v (|Δ| %.2g > 1e-6)", w, i, got[i], want[i], d)
					}
				}
			}
		})
	}
}

func TestSubwordsAndBucketsMatchFastText(t *testing.T) {
	m, err := Load("testdata/tiny.bin")
	if err != nil {
		t.Fatal(err)
	}
	fx := loadFixture(t, "tiny")
	for w, want := range fx.subwordIDs {
		if diff := cmp.Diff(want, m.SubwordIDs(w)); diff != "" {
			t.Errorf("%q ids (-fastText +ours)\n%s", w, diff)
		}
		subs := Subwords(w, int(m.Args.MinN), int(m.Args.MaxN))
		wantSubs := fx.subwords[w]
		if m.ID(w) >= 0 {
			wantSubs = wantSubs[1:] // fastText lists the word itself first
		}
		if w == EOS {
			subs = nil
		}
		if diff := cmp.Diff(wantSubs, subs, cmp.Comparer(func(a, b []string) bool { return len(a) == 0 && len(b) == 0 || cmp.Equal(a, b) })); diff != "" && !(len(wantSubs) == 0 && len(subs) == 0) {
			t.Errorf("%q n-grams (-fastText +ours)\n%s", w, diff)
		}
	}
}

func TestVectorsMatchPrintWordVectors(t *testing.T) {
	m, err := Load("testdata/tiny.bin")
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open("testdata/tiny.printed.txt")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	words, err := os.ReadFile("testdata/words.txt")
	if err != nil {
		t.Fatal(err)
	}
	want := strings.Split(strings.TrimSpace(string(words)), "\n")
	sc := bufio.NewScanner(f)
	n := 0
	for sc.Scan() {
		fields := strings.Fields(sc.Text())
		w := want[n]
		n++
		got := m.WordVector(w)
		vals := fields[len(fields)-len(got):]
		for i, s := range vals {
			v, err := strconv.ParseFloat(s, 64)
			if err != nil {
				t.Fatal(err)
			}
			// print-word-vectors prints 5 significant digits.
			if d := math.Abs(float64(got[i]) - v); d > 5e-5*math.Max(1, math.Abs(v)) {
				t.Errorf("%q[%d] = %v, printed %v", w, i, got[i], v)
			}
		}
	}
	if n != len(want) {
		t.Errorf("printed %d vectors, want %d", n, len(want))
	}
}

func TestQuantizedModelsGiveAClearError(t *testing.T) {
	_, err := Load("testdata/clf.ftz")
	if !errors.Is(err, ErrQuantized) {
		t.Fatalf("err = %v, want ErrQuantized", err)
	}
	if !strings.Contains(err.Error(), ".ftz") {
		t.Errorf("error %q should name the .ftz format", err)
	}
}

func TestEveryTruncationGivesAnError(t *testing.T) {
	raw, err := os.ReadFile("testdata/nongram.bin")
	if err != nil {
		t.Fatal(err)
	}
	for n := 0; n < len(raw); n++ {
		if _, err := Read(bytes.NewReader(raw[:n])); !errors.Is(err, ErrFormat) {
			t.Fatalf("cut at %d of %d bytes: err = %v, want ErrFormat", n, len(raw), err)
		}
	}
	if _, err := Read(bytes.NewReader(raw)); err != nil {
		t.Fatalf("whole file: %v", err)
	}
}

func TestCorruptHeadersGiveErrors(t *testing.T) {
	raw, err := os.ReadFile("testdata/nongram.bin")
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		off  int
		val  uint32
	}{
		{"wrong magic", 0, 12345},
		{"future version", 4, 13},
		{"negative dim", 8, 0xffffffff},
		{"huge bucket", 8 + 4*8, 0x7fffffff},
		{"dictionary size not words plus labels", 64, 99999},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			b := append([]byte(nil), raw...)
			b[c.off], b[c.off+1], b[c.off+2], b[c.off+3] = byte(c.val), byte(c.val>>8), byte(c.val>>16), byte(c.val>>24)
			if _, err := Read(bytes.NewReader(b)); !errors.Is(err, ErrFormat) {
				t.Fatalf("err = %v, want ErrFormat", err)
			}
		})
	}
}

func TestSaveThenLoadGivesTheSameModel(t *testing.T) {
	m, err := Load("testdata/tiny.bin")
	if err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(t.TempDir(), "copy.bin")
	if err := Save(path, m); err != nil {
		t.Fatal(err)
	}
	a, _ := os.ReadFile("testdata/tiny.bin")
	b, _ := os.ReadFile(path)
	if !bytes.Equal(a, b) {
		t.Errorf("saved file differs from fastText's (%d vs %d bytes)", len(b), len(a))
	}
	// The mode is what os.Create gives (0666 less the umask), not 0600.
	ref, err := os.Create(filepath.Join(filepath.Dir(path), "ref"))
	if err != nil {
		t.Fatal(err)
	}
	ref.Close()
	want, _ := os.Stat(ref.Name())
	if st, _ := os.Stat(path); st.Mode().Perm() != want.Mode().Perm() {
		t.Errorf("mode %v, want %v as os.Create gives", st.Mode().Perm(), want.Mode().Perm())
	}
}

func TestHashMatchesFastTextOnNonASCII(t *testing.T) {
	// fastText hashes bytes as signed chars; ids in the fixture check the
	// rest, this checks the sign extension directly.
	if Hash("") != 2166136261 {
		t.Errorf("Hash(\"\") = %d", Hash(""))
	}
	h := uint32(2166136261)
	h = (h ^ 0xffffffc3) * 16777619 // 0xC3 as int8 is -61
	h = (h ^ 0xffffffa9) * 16777619
	if got := Hash("é"); got != h {
		t.Errorf("Hash(é) = %d, want %d", got, h)
	}
}

func TestSubwordsOfAShortWord(t *testing.T) {
	got := Subwords("where", 3, 3)
	want := []string{"<wh", "whe", "her", "ere", "re>"}
	if diff := cmp.Diff(want, got); diff != "" {
		t.Errorf("(-want +got)\n%s", diff)
	}
}

func trainOptions() Options {
	opt := DefaultOptions()
	opt.Dim = 32
	opt.Bucket = 20000
	opt.MinCount = 3
	opt.Epochs = 3
	opt.Threads = 2
	if raceEnabled {
		opt.Threads = 1
	}
	return opt
}

func TestTrainingGivesUsefulVectorsForUnknownWords(t *testing.T) {
	text := corpus.FromString(sotu.Sample)
	for _, model := range []ModelName{SkipGram, CBOW} {
		t.Run(model.String(), func(t *testing.T) {
			opt := trainOptions()
			opt.Model = model
			m, err := Train(context.Background(), text, opt)
			if err != nil {
				t.Fatal(err)
			}
			tab := m.Vectors()
			// "governments" is rare; a misspelling shares most n-grams.
			oov := m.WordVector("governmment")
			if m.ID("governmment") >= 0 {
				t.Fatal("test word is in the vocabulary")
			}
			ns := tab.NearestTo(oov, 5)
			found := false
			for _, n := range ns {
				if strings.HasPrefix(n.Word, "govern") {
					found = true
				}
			}
			if !found {
				t.Errorf("neighbours of an unseen misspelling of government: %v", ns)
			}
			if st := m.Stats(); st.Words != 3*m.Tokens || st.Loss <= 0 {
				t.Errorf("stats %+v, want %d words and a positive loss", st, 3*m.Tokens)
			}
		})
	}
}

func TestTrainedModelRoundTripsThroughBin(t *testing.T) {
	opt := trainOptions()
	opt.Epochs = 1
	m, err := Train(context.Background(), corpus.FromString(sotu.Sample), opt)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := Write(&buf, m); err != nil {
		t.Fatal(err)
	}
	back, err := Read(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for _, w := range []string{"the", "congress", "unseenword"} {
		if diff := cmp.Diff(m.WordVector(w), back.WordVector(w)); diff != "" {
			t.Errorf("%q changed in the round trip", w)
		}
	}
}

func TestNoNgramsIsWord2vec(t *testing.T) {
	opt := trainOptions()
	opt.MaxN = 0
	opt.Epochs = 1
	m, err := Train(context.Background(), corpus.FromString(sotu.Sample), opt)
	if err != nil {
		t.Fatal(err)
	}
	if m.Args.Bucket != 0 || len(m.Input) != m.NWords*opt.Dim {
		t.Errorf("bucket %d, %d input values; want no n-gram rows", m.Args.Bucket, len(m.Input))
	}
	if v := m.WordVector("unseenword"); v[0] != 0 || v[1] != 0 {
		t.Errorf("an unknown word without n-grams must get a zero vector")
	}
}

func TestBadTrainingOptionsGiveErrors(t *testing.T) {
	text := corpus.FromString("a b c\n")
	for name, modify := range map[string]func(*Options){
		"supervised model":   func(o *Options) { o.Model = Supervised },
		"zero dim":           func(o *Options) { o.Dim = 0 },
		"minn above maxn":    func(o *Options) { o.MinN = 7 },
		"no buckets":         func(o *Options) { o.Bucket = 0 },
		"zero negatives":     func(o *Options) { o.Negative = 0 },
		"zero epochs":        func(o *Options) { o.Epochs = 0 },
		"negative sampling":  func(o *Options) { o.Sample = -1 },
		"zero learning rate": func(o *Options) { o.LR = 0 },
		"zero window":        func(o *Options) { o.Window = 0 },
		"negative lr":        func(o *Options) { o.LR = -1 },
		"NaN lr":             func(o *Options) { o.LR = math.NaN() },
		"negative sample":    func(o *Options) { o.Sample = -5 },
		"negative threads":   func(o *Options) { o.Threads = -3 },
		"negative min count": func(o *Options) { o.MinCount = -1 },
		"negative max vocab": func(o *Options) { o.MaxVocab = -2 },
		"NaN noise power":    func(o *Options) { o.NegPower = math.NaN() },
	} {
		t.Run(name, func(t *testing.T) {
			opt := trainOptions()
			modify(&opt)
			if _, err := Train(context.Background(), text, opt); !errors.Is(err, ErrOptions) {
				t.Fatalf("err = %v, want ErrOptions", err)
			}
		})
	}
	opt := trainOptions()
	if _, err := Train(context.Background(), corpus.FromString(""), opt); !errors.Is(err, corpus.ErrEmpty) {
		t.Errorf("empty corpus: err = %v, want corpus.ErrEmpty", err)
	}
	opt.MinCount = 1
	if _, err := Train(context.Background(), corpus.FromString("solo solo solo\n"), opt); err != nil {
		t.Errorf("one-word vocabulary: %v", err)
	}
}

func FuzzRead(f *testing.F) {
	for _, name := range []string{"nongram.bin", "clf.ftz"} {
		raw, err := os.ReadFile(filepath.Join("testdata", name))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(raw)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := Read(bytes.NewReader(b))
		if err != nil {
			return
		}
		m.WordVector("fuzz")
		m.Vectors()
	})
}
