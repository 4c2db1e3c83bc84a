package metrics

import (
	"errors"
	"strings"
	"testing"
)

type sacreBLEUResult struct {
	Score      float64   `json:"score"`
	Counts     []float64 `json:"counts"`
	Totals     []float64 `json:"totals"`
	Precisions []float64 `json:"precisions"`
	BP         float64   `json:"bp"`
	SysLen     int       `json:"sys_len"`
	RefLen     int       `json:"ref_len"`
	Signature  string    `json:"signature"`
	Formatted  string    `json:"formatted"`
}

type sacreBLEUFixture struct {
	SentenceSignatures map[string]string `json:"sentence_signatures"`
	Cases              []struct {
		ID      string                     `json:"id"`
		Kind    string                     `json:"kind"`
		Hyp     string                     `json:"hyp"`
		Hyps    []string                   `json:"hyps"`
		Refs    json2DStrings              `json:"refs"`
		Results map[string]sacreBLEUResult `json:"results"`
	} `json:"cases"`
}

// json2DStrings holds "refs": a list of strings for a sentence case and a
// list of lists for a corpus case.
type json2DStrings struct {
	flat   []string
	nested [][]string
}

func (j *json2DStrings) UnmarshalJSON(b []byte) error {
	if err := jsonUnmarshal(b, &j.nested); err == nil {
		return nil
	}
	j.nested = nil
	return jsonUnmarshal(b, &j.flat)
}

// bleuConfigFromKey parses a fixture key such as "13a|floor|lc".
func bleuConfigFromKey(t *testing.T, key string, sentence bool) BLEU {
	t.Helper()
	parts := strings.Split(key, "|")
	c := BLEU{Tokenize: BLEUTokenizer(parts[0]), Smooth: BLEUSmoothing(parts[1]), EffectiveOrder: sentence}
	for _, p := range parts[2:] {
		switch p {
		case "lc":
			c.Lowercase = true
		case "eff:no":
			c.EffectiveOrder = false
		default:
			t.Fatalf("unknown key part %q in %q", p, key)
		}
	}
	return c
}

func TestBLEUMatchesSacreBLEUFixtures(t *testing.T) {
	var fx sacreBLEUFixture
	loadFixture(t, "sacrebleu_bleu.json", &fx)
	var ex exactness
	cases := 0
	for _, tc := range fx.Cases {
		for key, want := range tc.Results {
			sentence := tc.Kind == "sentence"
			c := bleuConfigFromKey(t, key, sentence)
			var got BLEUScore
			var err error
			if sentence {
				got, err = c.Sentence(tc.Hyp, tc.Refs.flat)
			} else {
				got, err = c.Corpus(tc.Hyps, tc.Refs.nested)
			}
			if err != nil {
				t.Errorf("%s %s: %v", tc.ID, key, err)
				continue
			}
			cases++
			if !closeTo(got.Score, want.Score, 1e-9) {
				t.Errorf("%s %s: score %.17g, sacreBLEU %.17g", tc.ID, key, got.Score, want.Score)
			}
			ex.see(got.Score, want.Score)
			if got.SysLen != want.SysLen || got.RefLen != want.RefLen {
				t.Errorf("%s %s: lengths %d/%d, sacreBLEU %d/%d", tc.ID, key, got.SysLen, got.RefLen, want.SysLen, want.RefLen)
			}
			for i := range want.Counts {
				if got.Counts[i] != want.Counts[i] || got.Totals[i] != want.Totals[i] {
					t.Errorf("%s %s: counts %v totals %v, sacreBLEU %v %v", tc.ID, key, got.Counts, got.Totals, want.Counts, want.Totals)
					break
				}
				if !closeTo(got.Precisions[i], want.Precisions[i], 1e-9) {
					t.Errorf("%s %s: precisions %v, sacreBLEU %v", tc.ID, key, got.Precisions, want.Precisions)
					break
				}
			}
			if !closeTo(got.BP, want.BP, 1e-12) {
				t.Errorf("%s %s: bp %v, sacreBLEU %v", tc.ID, key, got.BP, want.BP)
			}
			if sentence {
				nrefs := len(nonEmpty(tc.Refs.flat))
				sigKey := "nrefs:" + nrefsString(nrefs) + "|" + key
				if wantSig, ok := fx.SentenceSignatures[sigKey]; ok && got.Signature != wantSig {
					t.Errorf("%s %s: signature %q, sacreBLEU %q", tc.ID, key, got.Signature, wantSig)
				}
			} else {
				if got.Signature != want.Signature {
					t.Errorf("%s %s: signature %q, sacreBLEU %q", tc.ID, key, got.Signature, want.Signature)
				}
				if got.String() != want.Formatted {
					t.Errorf("%s %s: printed %q, sacreBLEU %q", tc.ID, key, got.String(), want.Formatted)
				}
			}
		}
	}
	if cases < 2000 {
		t.Errorf("only %d BLEU results checked", cases)
	}
	ex.log(t, "sacreBLEU BLEU scores")
	if ex.exact < ex.n*99/100 {
		t.Errorf("only %d of %d values are bit-identical to the reference", ex.exact, ex.n)
	}
}

func nonEmpty(ss []string) []string {
	var out []string
	for _, s := range ss {
		if s != "" {
			out = append(out, s)
		}
	}
	return out
}

func TestBLEUReadmeExamplePrintsLikeSacreBLEU(t *testing.T) {
	refs, err := RefStreams(3,
		[]string{"The dog bit the man.", "It was not unexpected.", "The man bit him first."},
		[]string{"The dog had bit the man.", "No one was surprised.", "The man had bitten the dog."})
	if err != nil {
		t.Fatal(err)
	}
	got, err := CorpusBLEU([]string{"The dog bit the man.", "It wasn't surprising.", "The man had just bitten him."}, refs)
	if err != nil {
		t.Fatal(err)
	}
	const want = "BLEU = 48.53 82.4/50.0/45.5/37.5 (BP = 0.943 ratio = 0.944 hyp_len = 17 ref_len = 18)"
	if got.String() != want {
		t.Errorf("got  %q\nwant %q", got.String(), want)
	}
}

func TestBLEUEdgeCases(t *testing.T) {
	tests := []struct {
		name      string
		hyps      []string
		refs      [][]string
		wantErr   error
		wantScore float64
	}{
		{"an empty hypothesis scores zero", []string{""}, [][]string{{"a b c"}}, nil, 0},
		{"a hypothesis with no match scores zero", []string{"x y z w"}, [][]string{{"a b c d"}}, nil, 0},
		{"an identical hypothesis scores one hundred", []string{"a b c d e"}, [][]string{{"a b c d e"}}, nil, 100},
		{"an empty corpus is an error", nil, nil, ErrEmpty, 0},
		{"mismatched lengths are an error", []string{"a", "b"}, [][]string{{"a"}}, ErrLengthMismatch, 0},
		{"only empty references is an error", []string{"a"}, [][]string{{"", ""}}, ErrNoReference, 0},
		{"no references is an error", []string{"a"}, [][]string{{}}, ErrNoReference, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := CorpusBLEU(tt.hyps, tt.refs)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("error %v, want %v", err, tt.wantErr)
			}
			if err == nil && !closeTo(got.Score, tt.wantScore, 1e-9) {
				t.Errorf("score %v, want %v", got.Score, tt.wantScore)
			}
		})
	}
}

func TestBLEURejectsUnknownOptions(t *testing.T) {
	for _, c := range []BLEU{{Tokenize: "zh"}, {Smooth: "laplace"}, {MaxOrder: -1}} {
		if _, err := c.Corpus([]string{"a"}, [][]string{{"a"}}); !errors.Is(err, ErrBadOption) {
			t.Errorf("%+v: error %v, want ErrBadOption", c, err)
		}
	}
}

func TestBLEUCorpusIsTheSameOnOneOrManyWorkers(t *testing.T) {
	hyps, refs := syntheticPairs(3000, 7)
	one, err := BLEU{Workers: 1}.Corpus(hyps, refs)
	if err != nil {
		t.Fatal(err)
	}
	many, err := BLEU{Workers: 8}.Corpus(hyps, refs)
	if err != nil {
		t.Fatal(err)
	}
	if one.Score != many.Score || one.String() != many.String() {
		t.Errorf("1 worker %v, 8 workers %v", one, many)
	}
}

func TestBLEUWideVocabularyFallsBackToExactCounts(t *testing.T) {
	// 70000 distinct tokens need 17 bits each: 4-grams no longer fit in 64
	// bits, and the map path must count exactly.
	toks := make([]string, 70000)
	for i := range toks {
		toks[i] = "w" + itoa36(i)
	}
	ref := strings.Join(toks, " ")
	hyp := strings.Join(toks[:35000], " ") + " " + toks[0]
	got, err := BLEU{Tokenize: TokenizeNone}.Corpus([]string{hyp}, [][]string{{ref}})
	if err != nil {
		t.Fatal(err)
	}
	// Every n-gram of the prefix matches; the appended token adds one
	// unigram match (its second use is clipped) and one unmatched n-gram
	// of each higher order.
	want := []float64{35000, 34999, 34998, 34997}
	for i := range want {
		if got.Counts[i] != want[i] {
			t.Errorf("order %d: %v matches, want %v (of %v)", i+1, got.Counts[i], want[i], got.Totals[i])
		}
	}
}

func itoa36(i int) string {
	const digits = "0123456789abcdefghijklmnopqrstuvwxyz"
	if i == 0 {
		return "0"
	}
	var b []byte
	for ; i > 0; i /= 36 {
		b = append([]byte{digits[i%36]}, b...)
	}
	return string(b)
}
