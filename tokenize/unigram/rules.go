package unigram

import (
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/cases"
	"golang.org/x/text/unicode/norm"
)

// Builtin normalization rule sets, by SentencePiece's names.
const (
	RulesNmtNFKC   = "nmt_nfkc"    // NFKC plus NMT whitespace and control-character rules (SentencePiece's default)
	RulesNFKC      = "nfkc"        // NFKC
	RulesNmtNFKCCF = "nmt_nfkc_cf" // nmt_nfkc plus Unicode case folding
	RulesNFKCCF    = "nfkc_cf"     // nfkc plus Unicode case folding
	RulesIdentity  = "identity"    // no rules
)

// BuiltinNormalizerSpec returns the normalizer spec of a named rule set,
// with SentencePiece's default whitespace settings. The rules are built the
// way SentencePiece's builder builds them (single characters to their NFKC
// form, plus every sequence whose NFKD composes differently, reduced to the
// rules that longest-match normalization needs), from the Unicode tables of
// golang.org/x/text instead of ICU; the Unicode versions differ, so a
// handful of characters assigned or changed between them normalize
// differently (see TestBuiltinRulesAgreeWithSentencePiece). Building a set
// takes about two seconds the first time; it is cached.
func BuiltinNormalizerSpec(name string) (NormalizerSpec, error) {
	spec := DefaultNormalizerSpec()
	spec.Name = name
	if name == RulesIdentity {
		return spec, nil
	}
	build, ok := builtinRules[name]
	if !ok {
		return NormalizerSpec{}, fmt.Errorf("unknown normalization rule set %q", name)
	}
	blob, err := build()
	if err != nil {
		return NormalizerSpec{}, err
	}
	spec.PrecompiledCharsmap = slices.Clone(blob)
	return spec, nil
}

var builtinRules = map[string]func() ([]byte, error){
	RulesNFKC:      sync.OnceValues(func() ([]byte, error) { return EncodeCharsmap(runeRulesToStrings(nfkcRules())) }),
	RulesNmtNFKC:   sync.OnceValues(func() ([]byte, error) { return EncodeCharsmap(runeRulesToStrings(nmtNFKCRules())) }),
	RulesNFKCCF:    sync.OnceValues(func() ([]byte, error) { return EncodeCharsmap(runeRulesToStrings(caseFold(nfkcRules()))) }),
	RulesNmtNFKCCF: sync.OnceValues(func() ([]byte, error) { return EncodeCharsmap(runeRulesToStrings(caseFold(nmtNFKCRules()))) }),
}

// runeRules maps a source sequence (as a string) to its replacement.
type runeRules map[string]string

func runeRulesToStrings(r runeRules) map[string]string { return r }

// isUnicodeChar excludes surrogates and noncharacters.
func isUnicodeChar(c rune) bool {
	if c < 0xD800 {
		return true
	}
	if c <= 0xDFFF || c > 0x10FFFF {
		return false
	}
	return !(c >= 0xFDD0 && c <= 0xFDEF) && c&0xFFFE != 0xFFFE
}

// nfkcRules builds the NFKC rules: each character to its NFKC form, and
// every sequence of characters whose NFKD is a decomposition that composes
// differently, to that composition.
func nfkcRules() runeRules {
	rules := runeRules{}
	norm2orig := map[rune][]rune{}
	decomposed := map[string]bool{}
	for cp := rune(1); cp <= 0x10FFFF; cp++ {
		if !isUnicodeChar(cp) {
			continue
		}
		s := string(cp)
		if nfkc := norm.NFKC.String(s); nfkc != s {
			rules[s] = nfkc
		}
		nfkd := norm.NFKD.String(s)
		if r, size := utf8.DecodeRuneInString(nfkd); size == len(nfkd) {
			norm2orig[r] = append(norm2orig[r], cp)
		} else {
			decomposed[nfkd] = true
		}
	}
	keys := make([]string, 0, len(decomposed))
	for k := range decomposed {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, nfkd := range keys {
		nfc := norm.NFC.String(nfkd)
		if nfc == nfkd {
			continue
		}
		for _, orig := range expandUnnormalized(nfkd, norm2orig) {
			if orig != nfc {
				rules[orig] = nfc
			}
		}
	}
	return removeRedundant(rules)
}

// expandUnnormalized lists every sequence of characters whose characters
// decompose one for one into nfkd.
func expandUnnormalized(nfkd string, norm2orig map[rune][]rune) []string {
	results := []string{""}
	for _, c := range nfkd {
		orig, ok := norm2orig[c]
		if !ok {
			return nil
		}
		next := make([]string, 0, len(results)*len(orig))
		for _, r := range results {
			for _, o := range orig {
				next = append(next, r+string(o))
			}
		}
		results = next
	}
	return results
}

// nmtNFKCRules adds to NFKC the rules for machine translation: more
// whitespace characters become a space, ASCII control characters vanish,
// and the full-width tilde is kept.
func nmtNFKCRules() runeRules {
	rules := nfkcRules()
	for _, c := range []rune{0x09, 0x0A, 0x0C, 0x0D, 0x1680, 0x200B, 0x200E, 0x200F,
		0x2028, 0x2029, 0x2581, 0xFEFF, 0xFFFD, 0x200C} {
		rules[string(c)] = " "
	}
	for c := rune(1); c <= 0x1F; c++ {
		switch c {
		case 0x09, 0x0A, 0x0C, 0x0D:
			continue
		}
		rules[string(c)] = ""
	}
	for _, c := range []rune{0x7F, 0x8F, 0x9F} {
		rules[string(c)] = ""
	}
	delete(rules, string(rune(0xFF5E)))
	return removeRedundant(rules)
}

var folder = cases.Fold()

// foldRune is the simple (one character) Unicode case folding of c.
// Cherokee folds to its capital letters (CaseFolding.txt), which x/text's
// folder does the other way round.
func foldRune(c rune) rune {
	switch {
	case c >= 0x13A0 && c <= 0x13F5, c == 0x0130: // İ folds only with Turkic rules
		return c
	case c >= 0x13F8 && c <= 0x13FD:
		return c - 8
	case c >= 0xAB70 && c <= 0xABBF:
		return c - 0xAB70 + 0x13A0
	}
	f := folder.String(string(c))
	if r, size := utf8.DecodeRuneInString(f); size == len(f) && r != utf8.RuneError {
		return r
	}
	// Full folding gives several characters (ß → ss); the simple
	// folding of such characters is their lower case (ẞ → ß).
	return unicode.ToLower(c)
}

// caseFold folds the replacements of rules, adds a rule for every other
// character that folds, and reduces the set again.
func caseFold(rules runeRules) runeRules {
	for k, v := range rules {
		var b strings.Builder
		for _, c := range v {
			b.WriteRune(foldRune(c))
		}
		rules[k] = b.String()
	}
	for cp := rune(1); cp <= 0x10FFFF; cp++ {
		if !isUnicodeChar(cp) {
			continue
		}
		s := string(cp)
		if _, ok := rules[s]; ok {
			continue
		}
		if f := foldRune(cp); f != cp {
			rules[s] = string(f)
		}
	}
	return removeRedundant(rules)
}

// removeRedundant keeps the single-character rules and those longer rules
// that longest-match normalization with the shorter rules gets wrong.
func removeRedundant(rules runeRules) runeRules {
	out := runeRules{}
	byLen := map[int][]string{}
	maxLen := 0
	for k, v := range rules {
		n := utf8.RuneCountInString(k)
		maxLen = max(maxLen, n)
		if n == 1 {
			out[k] = v
		} else {
			byLen[n] = append(byLen[n], k)
		}
	}
	for n := 2; n <= maxLen; n++ {
		for _, k := range byLen[n] {
			if rules[k] != normalizeWithRules(out, k, n-1) {
				out[k] = rules[k]
			}
		}
	}
	return out
}

// normalizeWithRules applies rules with keys of at most maxLen characters
// to s, longest match first.
func normalizeWithRules(rules runeRules, s string, maxLen int) string {
	rs := []rune(s)
	var b strings.Builder
	for i := 0; i < len(rs); {
		matched := false
		for l := min(maxLen, len(rs)-i); l > 0; l-- {
			if v, ok := rules[string(rs[i:i+l])]; ok {
				b.WriteString(v)
				i += l
				matched = true
				break
			}
		}
		if !matched {
			b.WriteRune(rs[i])
			i++
		}
	}
	return b.String()
}
