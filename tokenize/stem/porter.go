package stem

import (
	"fmt"
	"unicode/utf8"
)

// PorterMode selects one of the three variants of the Porter stemmer that
// nltk's PorterStemmer offers.
type PorterMode int

const (
	// NLTKExtensions is nltk's default mode (used by Google's rouge-score):
	// Martin Porter's extensions plus nltk's own, among them a table of
	// irregular forms (dying → die, skies → sky), "ies"/"ied" on four-letter
	// words (dies → die, spied → spi), a y → i rule that needs a consonant
	// before the y (happy → happi, enjoy → enjoy), and a rule that applies
	// "alli" → "al" before the other step 2 rules.
	NLTKExtensions PorterMode = iota
	// MartinExtensions follows the implementations on Martin Porter's web
	// site: "bli" → "ble" instead of "abli" → "able", "logi" → "log", and
	// words of one or two letters left alone.
	MartinExtensions
	// OriginalAlgorithm follows the 1980 paper exactly. Its output matches
	// Snowball's "porter" stemmer and its published vocabulary list.
	OriginalAlgorithm
)

// String returns the nltk name of the mode ("NLTK_EXTENSIONS", ...).
func (m PorterMode) String() string {
	switch m {
	case NLTKExtensions:
		return "NLTK_EXTENSIONS"
	case MartinExtensions:
		return "MARTIN_EXTENSIONS"
	case OriginalAlgorithm:
		return "ORIGINAL_ALGORITHM"
	}
	return fmt.Sprintf("PorterMode(%d)", int(m))
}

// ParsePorterMode returns the mode named by s: an nltk constant name
// ("NLTK_EXTENSIONS", "MARTIN_EXTENSIONS", "ORIGINAL_ALGORITHM") or the
// short forms "nltk", "martin" and "original".
func ParsePorterMode(s string) (PorterMode, error) {
	switch s {
	case "NLTK_EXTENSIONS", "nltk":
		return NLTKExtensions, nil
	case "MARTIN_EXTENSIONS", "martin":
		return MartinExtensions, nil
	case "ORIGINAL_ALGORITHM", "original":
		return OriginalAlgorithm, nil
	}
	return 0, fmt.Errorf("stem: unknown Porter mode %q (want nltk, martin or original)", s)
}

// Porter is the Porter stemmer as nltk 3.8's PorterStemmer implements it,
// in one of its three modes. Its output equals nltk's for every input,
// including upper-case and non-ASCII text (see Stem). The zero value is
// nltk's default: NLTK extensions, lower-casing on. A Porter holds no state
// and is safe for concurrent use.
type Porter struct {
	// Mode selects the variant of the algorithm.
	Mode PorterMode
	// KeepCase turns off the lower-casing of the word before stemming, like
	// nltk's stem(word, to_lowercase=False). Upper-case letters then count
	// as consonants and match no suffix.
	KeepCase bool
}

// nltkIrregular is nltk's table of irregular forms, used in NLTKExtensions
// mode. It is looked up with the word as given, before lower-casing.
var nltkIrregular = map[string]string{
	"sky": "sky", "skies": "sky",
	"dying": "die", "lying": "lie", "tying": "tie",
	"news":    "news",
	"innings": "inning", "inning": "inning",
	"outings": "outing", "outing": "outing",
	"cannings": "canning", "canning": "canning",
	"howe":    "howe",
	"proceed": "proceed", "exceed": "exceed", "succeed": "succeed",
}

// Stem returns the stem of word.
//
// The word is lower-cased first (unless KeepCase is set) the way Python's
// str.lower does it. Letters other than a, e, i, o, u and y count as
// consonants, so non-ASCII letters take part in the measure of a word but
// never in a suffix. Invalid UTF-8 bytes are kept as they are and count as
// consonants. When the stem is a prefix of word, Stem returns a slice of
// word and allocates nothing.
func (p Porter) Stem(word string) string {
	if p.Mode == NLTKExtensions {
		if s, ok := nltkIrregular[word]; ok {
			return s
		}
	}
	lower := !p.KeepCase
	if isASCII(word) {
		var buf [64]byte
		w := appendASCII(buf[:0], word, lower)
		if p.Mode != OriginalAlgorithm && len(word) <= 2 {
			return fromBytes(word, w)
		}
		return fromBytes(word, porterSteps(w, p.Mode))
	}
	var buf [64]rune
	w := appendRunes(buf[:0], word, lower)
	if p.Mode != OriginalAlgorithm && utf8.RuneCountInString(word) <= 2 {
		return fromRunes(word, w)
	}
	return fromRunes(word, porterSteps(w, p.Mode))
}

// fromBytes returns w as a string, reusing word when w is a prefix of it.
func fromBytes(word string, w []byte) string {
	if len(w) <= len(word) && string(w) == word[:len(w)] {
		return word[:len(w)]
	}
	return string(w)
}

// fromRunes returns w encoded as UTF-8, reusing word when that is a prefix
// of it.
func fromRunes(word string, w []rune) string {
	var buf [256]byte
	b := appendEncoded(buf[:0], w)
	return fromBytes(word, b)
}

// porterSteps runs steps 1a to 5b of the Porter algorithm on the
// lower-cased word w, in place where it can, and returns the stem.
func porterSteps[T char](w []T, mode PorterMode) []T {
	w = porterStep1a(w, mode)
	w = porterStep1b(w, mode)
	w = porterStep1c(w, mode)
	w = porterStep2(w, mode)
	w = porterStep3(w)
	w = porterStep4(w)
	w = porterStep5a(w, mode)
	w = porterStep5b(w)
	return w
}

// isCons reports whether w[i] is a consonant in Porter's sense: a letter
// other than a, e, i, o, u, and other than a y that follows a consonant.
// Anything that is not one of those letters (digits, upper-case and
// non-ASCII letters, punctuation) is a consonant.
func isCons[T char](w []T, i int) bool {
	switch w[i] {
	case 'a', 'e', 'i', 'o', 'u':
		return false
	case 'y':
		// A run of y's alternates, starting from the status the
		// character before the run gives the first y.
		j := i
		for j > 0 && w[j-1] == 'y' {
			j--
		}
		first := j == 0 || !isCons(w, j-1)
		if (i-j)%2 == 0 {
			return first
		}
		return !first
	}
	return true
}

// measure returns m, the number of vowel-consonant sequences in w, per the
// paper's form [C](VC){m}[V].
func measure[T char](w []T) int {
	m := 0
	prevCons, prevVowel := false, false
	for i, c := range w {
		var cons bool
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			cons = false
		case 'y':
			cons = i == 0 || !prevCons
		default:
			cons = true
		}
		if cons && prevVowel {
			m++
		}
		prevCons, prevVowel = cons, !cons
	}
	return m
}

// containsVowel reports the paper's condition *v*.
func containsVowel[T char](w []T) bool {
	prevCons := false
	for i, c := range w {
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			return true
		case 'y':
			if i > 0 && prevCons {
				return true
			}
			prevCons = true
		default:
			prevCons = true
		}
	}
	return false
}

// endsDoubleCons reports the paper's condition *d.
func endsDoubleCons[T char](w []T) bool {
	n := len(w)
	return n >= 2 && w[n-1] == w[n-2] && isCons(w, n-1)
}

// endsCVC reports the paper's condition *o: w ends consonant, vowel,
// consonant, the last not w, x or y. nltk's mode also accepts a two-letter
// word that is vowel, consonant.
func endsCVC[T char](w []T, mode PorterMode) bool {
	n := len(w)
	if n >= 3 && isCons(w, n-3) && !isCons(w, n-2) && isCons(w, n-1) {
		switch w[n-1] {
		case 'w', 'x', 'y':
		default:
			return true
		}
	}
	return mode == NLTKExtensions && n == 2 && !isCons(w, 0) && isCons(w, 1)
}

// cond is the condition a suffix rule puts on the stem left once the
// suffix is removed.
type cond uint8

const (
	always      cond = iota
	mGT0             // m > 0
	mGT1             // m > 1
	mGT1AndST        // m > 1 and the stem ends in s or t (step 4's "ion")
	mGT0WithL        // nltk's "logi": m > 0 for the stem plus the "l"
	mGT1WithOne      // step 5b's "ll": m > 1 for the stem plus one "l"
)

// rule replaces suffix by repl when the stem meets the condition.
type rule struct {
	suffix, repl string
	cond         cond
}

// applyRules applies the first rule whose suffix w ends with, if its
// condition holds; either way no later rule is tried, as in the paper.
func applyRules[T char](w []T, rules []rule) []T {
	for _, r := range rules {
		if !hasSuffix(w, r.suffix) {
			continue
		}
		stem := w[:len(w)-len(r.suffix)]
		ok := false
		switch r.cond {
		case always:
			ok = true
		case mGT0:
			ok = measure(stem) > 0
		case mGT1:
			ok = measure(stem) > 1
		case mGT1AndST:
			ok = measure(stem) > 1 && (stem[len(stem)-1] == 's' || stem[len(stem)-1] == 't')
		case mGT0WithL:
			ok = measure(w[:len(stem)+1]) > 0
		case mGT1WithOne:
			ok = measure(w[:len(stem)+1]) > 1
		}
		if ok {
			return appendString(stem, r.repl)
		}
		return w
	}
	return w
}

var step1aRules = []rule{
	{"sses", "ss", always},
	{"ies", "i", always},
	{"ss", "ss", always},
	{"s", "", always},
}

// porterStep1a removes plurals: sses → ss, ies → i, s → "".
func porterStep1a[T char](w []T, mode PorterMode) []T {
	if mode == NLTKExtensions && len(w) == 4 && hasSuffix(w, "ies") {
		return replaceSuffix(w, 3, "ie")
	}
	return applyRules(w, step1aRules)
}

// porterStep1b removes -eed, -ed and -ing and tidies the stem left.
func porterStep1b[T char](w []T, mode PorterMode) []T {
	if mode == NLTKExtensions && hasSuffix(w, "ied") {
		if len(w) == 4 {
			return replaceSuffix(w, 3, "ie")
		}
		return replaceSuffix(w, 3, "i")
	}
	if hasSuffix(w, "eed") {
		if measure(w[:len(w)-3]) > 0 {
			return w[:len(w)-1]
		}
		return w
	}
	var stem []T
	switch {
	case hasSuffix(w, "ed") && containsVowel(w[:len(w)-2]):
		stem = w[:len(w)-2]
	case hasSuffix(w, "ing") && containsVowel(w[:len(w)-3]):
		stem = w[:len(w)-3]
	default:
		return w
	}
	switch {
	case hasSuffix(stem, "at"), hasSuffix(stem, "bl"), hasSuffix(stem, "iz"):
		return append(stem, 'e')
	case endsDoubleCons(stem):
		switch stem[len(stem)-1] {
		case 'l', 's', 'z':
			return stem
		}
		return stem[:len(stem)-1]
	case hasSuffix(stem, "*d"):
		// nltk writes the double-consonant rule as a rule for the suffix
		// "*d", so a stem that really ends in "*d" matches it: the "*" goes.
		return append(stem[:len(stem)-2], 'd')
	case measure(stem) == 1 && endsCVC(stem, mode):
		return append(stem, 'e')
	}
	return stem
}

// porterStep1c turns a final y into i.
func porterStep1c[T char](w []T, mode PorterMode) []T {
	if !hasSuffix(w, "y") {
		return w
	}
	stem := w[:len(w)-1]
	var ok bool
	if mode == NLTKExtensions {
		ok = len(stem) > 1 && isCons(stem, len(stem)-1)
	} else {
		ok = containsVowel(stem)
	}
	if ok {
		return append(stem, 'i')
	}
	return w
}

// The step 2 rule lists differ between the modes in the "abli"/"bli" rule
// and in the rules nltk and Martin Porter appended.
var (
	step2Original = []rule{
		{"ational", "ate", mGT0},
		{"tional", "tion", mGT0},
		{"enci", "ence", mGT0},
		{"anci", "ance", mGT0},
		{"izer", "ize", mGT0},
		{"abli", "able", mGT0},
		{"alli", "al", mGT0},
		{"entli", "ent", mGT0},
		{"eli", "e", mGT0},
		{"ousli", "ous", mGT0},
		{"ization", "ize", mGT0},
		{"ation", "ate", mGT0},
		{"ator", "ate", mGT0},
		{"alism", "al", mGT0},
		{"iveness", "ive", mGT0},
		{"fulness", "ful", mGT0},
		{"ousness", "ous", mGT0},
		{"aliti", "al", mGT0},
		{"iviti", "ive", mGT0},
		{"biliti", "ble", mGT0},
	}
	step2Martin = withRules(step2Original, rule{"bli", "ble", mGT0}, rule{"logi", "log", mGT0})
	step2NLTK   = withRules(step2Original, rule{"bli", "ble", mGT0}, rule{"fulli", "ful", mGT0}, rule{"logi", "log", mGT0WithL})
)

// withRules returns a copy of the original step 2 list with its "abli"
// rule replaced by bli and the extra rules appended.
func withRules(orig []rule, bli rule, extra ...rule) []rule {
	rs := append([]rule(nil), orig...)
	for i := range rs {
		if rs[i].suffix == "abli" {
			rs[i] = bli
		}
	}
	return append(rs, extra...)
}

// porterStep2 maps double suffixes to single ones (-ization → -ize, ...).
func porterStep2[T char](w []T, mode PorterMode) []T {
	switch mode {
	case NLTKExtensions:
		if hasSuffix(w, "alli") && measure(w[:len(w)-4]) > 0 {
			return applyRules(replaceSuffix(w, 4, "al"), step2NLTK)
		}
		return applyRules(w, step2NLTK)
	case MartinExtensions:
		return applyRules(w, step2Martin)
	}
	return applyRules(w, step2Original)
}

var step3Rules = []rule{
	{"icate", "ic", mGT0},
	{"ative", "", mGT0},
	{"alize", "al", mGT0},
	{"iciti", "ic", mGT0},
	{"ical", "ic", mGT0},
	{"ful", "", mGT0},
	{"ness", "", mGT0},
}

// porterStep3 removes -ful, -ness and the like.
func porterStep3[T char](w []T) []T { return applyRules(w, step3Rules) }

var step4Rules = []rule{
	{"al", "", mGT1},
	{"ance", "", mGT1},
	{"ence", "", mGT1},
	{"er", "", mGT1},
	{"ic", "", mGT1},
	{"able", "", mGT1},
	{"ible", "", mGT1},
	{"ant", "", mGT1},
	{"ement", "", mGT1},
	{"ment", "", mGT1},
	{"ent", "", mGT1},
	{"ion", "", mGT1AndST},
	{"ou", "", mGT1},
	{"ism", "", mGT1},
	{"ate", "", mGT1},
	{"iti", "", mGT1},
	{"ous", "", mGT1},
	{"ive", "", mGT1},
	{"ize", "", mGT1},
}

// porterStep4 removes the last suffixes from stems with m > 1.
func porterStep4[T char](w []T) []T { return applyRules(w, step4Rules) }

// porterStep5a removes a final e when m > 1, or when m = 1 and the stem
// does not end cvc.
func porterStep5a[T char](w []T, mode PorterMode) []T {
	if !hasSuffix(w, "e") {
		return w
	}
	stem := w[:len(w)-1]
	m := measure(stem)
	if m > 1 || m == 1 && !endsCVC(stem, mode) {
		return stem
	}
	return w
}

var step5bRules = []rule{{"ll", "l", mGT1WithOne}}

// porterStep5b turns a final ll into l when m > 1.
func porterStep5b[T char](w []T) []T { return applyRules(w, step5bRules) }
