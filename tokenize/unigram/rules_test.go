package unigram

import (
	"testing"
	"time"
	"unicode/utf8"
)

// longRuleSets are compared too with the long tag (each takes seconds).
var longRuleSets []struct{ rules, model string }

// rawNormalizer applies only the character map of spec: no dummy prefix,
// no whitespace handling.
func rawNormalizer(t *testing.T, spec NormalizerSpec) *Normalizer {
	t.Helper()
	spec.AddDummyPrefix, spec.RemoveExtraWhitespaces, spec.EscapeWhitespaces = false, false, false
	n, err := NewNormalizer(spec, false)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestBuiltinRulesAgreeWithSentencePiece compares the rule sets built from
// golang.org/x/text with the ones sentencepiece 0.1.97 stores in the
// fixture models, on every character and on each character followed by a
// few combining marks. The differences come from the Unicode versions of
// ICU (sentencepiece's) and x/text: they are counted and must stay few.
func TestBuiltinRulesAgreeWithSentencePiece(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the rule sets (several seconds)")
	}
	for _, tc := range append([]struct {
		rules, model string
	}{
		{RulesNmtNFKC, "sotu_nfkc_4k"},
	}, longRuleSets...) {
		t.Run(tc.rules, func(t *testing.T) {
			start := time.Now()
			spec, err := BuiltinNormalizerSpec(tc.rules)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("built %s in %v: %d bytes (sentencepiece's: %d)", tc.rules, time.Since(start),
				len(spec.PrecompiledCharsmap), len(loadTestModel(t, tc.model).Proto().Normalizer.PrecompiledCharsmap))
			ours := rawNormalizer(t, spec)
			theirs := rawNormalizer(t, loadTestModel(t, tc.model).Proto().Normalizer)
			diffs, total := 0, 0
			var examples []string
			check := func(s string) {
				total++
				a, b := ours.NormalizeString(s), theirs.NormalizeString(s)
				if a != b {
					diffs++
					if len(examples) < 12 {
						examples = append(examples, s+" → "+a+" | spm "+b)
					}
				}
			}
			for cp := rune(1); cp <= 0x10FFFF; cp++ {
				if !isUnicodeChar(cp) {
					continue
				}
				s := string(cp)
				check(s)
				if cp < 0x3000 && utf8.RuneLen(cp) > 0 {
					check(s + "\u0301")
					check(s + "\u0308\u0301")
				}
			}
			t.Logf("%d of %d strings normalize differently, e.g. %q", diffs, total, examples)
			if float64(diffs) > 0.002*float64(total) {
				t.Errorf("too many differences: %d of %d", diffs, total)
			}
		})
	}
}

func TestBuiltinNormalizerSpecNames(t *testing.T) {
	spec, err := BuiltinNormalizerSpec(RulesIdentity)
	if err != nil || len(spec.PrecompiledCharsmap) != 0 || !spec.AddDummyPrefix {
		t.Fatalf("identity: %v %v", spec, err)
	}
	if _, err := BuiltinNormalizerSpec("no_such_rules"); err == nil {
		t.Fatal("an unknown rule set gave no error")
	}
}
