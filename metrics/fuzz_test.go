package metrics

import (
	"math"
	"strings"
	"testing"
	"unicode/utf8"
)

var fuzzSeeds = []string{
	"", " ", "The dog bit the man.", "It wasn't surprising.", "3.5-times, (no)!",
	"1,000.50 and 2-3 pages.", "&quot;quoted&quot; &amp; <skipped> line-\nbreak\n",
	"naïve café Ñandú", "我们今天讨论国家的未来。", "日本語の文もテストします。",
	"İstanbul ΟΔΟΣ Σ", "\u00a0\u3000\x1c\x1f\u2028", "a\xffb\xfe", "the the a an",
	"…—–“”‘’«»", "$100 + 5% = ?", "e.g. U.S.A.", "x\u0301y\u200dz",
}

func FuzzBLEUTokenizers(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		plain := !strings.ContainsAny(s, "&<\n")
		squeezed := strings.Join(pySplit(s, nil), "")
		for _, tok := range []BLEUTokenizer{Tokenize13a, TokenizeIntl, TokenizeChar, TokenizeNone} {
			toks := tok.Tokenize(s)
			for _, x := range toks {
				if x == "" {
					t.Fatalf("%s: empty token in %q", tok, toks)
				}
				for _, r := range x {
					if pyIsSpace(r) {
						t.Fatalf("%s: token %q holds whitespace", tok, x)
					}
				}
			}
			// The tokenizers only insert spaces (13a also rewrites a few
			// entities and line breaks): without those, the tokens put back
			// together are the input without its whitespace.
			if (plain || tok != Tokenize13a) && strings.Join(toks, "") != squeezed {
				t.Fatalf("%s: tokens %q do not rebuild %q", tok, toks, squeezed)
			}
		}
	})
}

func FuzzBLEUAndCHRFScores(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+3)%len(fuzzSeeds)])
	}
	f.Fuzz(func(t *testing.T, hyp, ref string) {
		if ref == "" {
			return
		}
		for _, c := range []BLEU{{}, {Tokenize: TokenizeIntl, Smooth: SmoothFloor}, {Tokenize: TokenizeChar, Lowercase: true, EffectiveOrder: true}} {
			s, err := c.Sentence(hyp, []string{ref})
			if err != nil {
				t.Fatal(err)
			}
			if math.IsNaN(s.Score) || s.Score < 0 || s.Score > 100+1e-9 {
				t.Fatalf("BLEU %v out of range for %q / %q", s.Score, hyp, ref)
			}
		}
		for _, c := range []CHRF{DefaultCHRF, DefaultCHRFPlusPlus} {
			s, err := c.Sentence(hyp, []string{ref})
			if err != nil {
				t.Fatal(err)
			}
			if math.IsNaN(s.Score) || s.Score < 0 || s.Score > 100+1e-9 {
				t.Fatalf("chrF %v out of range for %q / %q", s.Score, hyp, ref)
			}
		}
		if strings.TrimSpace(ref) != "" && len(pySplit(ref, nil)) > 0 {
			if s, _ := DefaultCHRF.Sentence(ref, []string{ref}); math.Abs(s.Score-100) > 1e-9 {
				t.Fatalf("chrF of %q against itself is %v", ref, s.Score)
			}
		}
	})
}

func FuzzROUGE(f *testing.F) {
	for i, s := range fuzzSeeds {
		f.Add(s, fuzzSeeds[(i+5)%len(fuzzSeeds)])
	}
	r := ROUGE{Types: []string{"rouge1", "rouge2", "rougeL", "rougeLsum"}, Stemmer: PorterStemmer}
	f.Fuzz(func(t *testing.T, target, pred string) {
		a, err := r.Score(target, pred)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := r.Score(pred, target)
		for _, typ := range []string{"rouge1", "rouge2", "rougeL"} {
			x, y := a[typ], b[typ]
			for _, v := range []float64{x.Precision, x.Recall, x.F} {
				if math.IsNaN(v) || v < 0 || v > 1 {
					t.Fatalf("%s value %v out of range", typ, v)
				}
			}
			// Swapping the sides swaps precision and recall.
			if x.Precision != y.Recall || x.Recall != y.Precision {
				t.Fatalf("%s not symmetric: %+v vs %+v", typ, x, y)
			}
		}
		for _, tok := range ROUGETokenize(target, PorterStemmer) {
			if !validROUGEToken(tok) {
				t.Fatalf("invalid token %q", tok)
			}
		}
	})
}

func FuzzPythonStrings(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		l := pyLower(s)
		if utf8.ValidString(s) && !utf8.ValidString(l) {
			t.Fatalf("pyLower(%q) = %q is not valid UTF-8", s, l)
		}
		if pyLower(l) != l {
			t.Fatalf("pyLower is not idempotent on %q: %q then %q", s, l, pyLower(l))
		}
		n := SQuADNormalize(s)
		if SQuADNormalize(n) != n {
			t.Fatalf("SQuADNormalize is not idempotent on %q: %q then %q", s, n, SQuADNormalize(n))
		}
		if r := pyRStrip(s); !strings.HasPrefix(s, r) {
			t.Fatalf("pyRStrip(%q) = %q is not a prefix", s, r)
		}
	})
}
