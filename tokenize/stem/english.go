package stem

import "unicode/utf8"

// English is the Snowball English stemmer, also known as Porter2, as
// published by the Snowball project (version 2.x, the algorithm of
// libstemmer 2.2 and of Snowball's 2021 test lists). The zero value is ready
// to use; it holds no state and is safe for concurrent use.
//
// Like Snowball's own stemmers, English expects lower-case input and leaves
// upper-case letters alone (they count as consonants); lower-case the word
// first if needed. Characters other than a, e, i, o, u and y are
// consonants, so non-ASCII letters take part in the regions R1 and R2 but
// never in a suffix. Invalid UTF-8 bytes are kept as they are and count as
// consonants.
type English struct{}

// Stem returns the Snowball English stem of word. When the stem is a
// prefix of word, Stem returns a slice of word and allocates nothing.
func (English) Stem(word string) string {
	if s, ok := englishException1[word]; ok {
		return s
	}
	if isASCII(word) {
		if len(word) < 3 {
			return word
		}
		var buf [64]byte
		w := append(buf[:0], word...)
		return fromBytes(word, englishSteps(w))
	}
	if utf8.RuneCountInString(word) < 3 {
		return word
	}
	var buf [64]rune
	w := appendRunes(buf[:0], word, false)
	return fromRunes(word, englishSteps(w))
}

// englishException1 maps the words Snowball treats as whole-word
// exceptions to their stems.
var englishException1 = map[string]string{
	"skis": "ski", "skies": "sky",
	"dying": "die", "lying": "lie", "tying": "tie",
	"idly": "idl", "gently": "gentl", "ugly": "ugli", "early": "earli",
	"only": "onli", "singly": "singl",
	"sky": "sky", "news": "news", "howe": "howe",
	"atlas": "atlas", "cosmos": "cosmos", "bias": "bias", "andes": "andes",
}

// englishException2 lists the words that step 1a may leave and that no
// later step touches.
var englishException2 = []string{
	"inning", "outing", "canning", "herring", "earring",
	"proceed", "exceed", "succeed",
}

// isV reports whether c is a vowel for Snowball English: a, e, i, o, u, y
// (a y marked as a consonant is stored as Y).
func isV[T char](c T) bool {
	switch c {
	case 'a', 'e', 'i', 'o', 'u', 'y':
		return true
	}
	return false
}

// englishShortV reports whether w ends in a short syllable: a non-vowel, a
// vowel and a non-vowel other than w, x or Y; or, for a two-letter w, a
// vowel and a non-vowel.
func englishShortV[T char](w []T) bool {
	n := len(w)
	if n < 2 || isV(w[n-1]) || !isV(w[n-2]) {
		return false
	}
	if n == 2 {
		return true
	}
	switch w[n-1] {
	case 'w', 'x', 'Y':
		return false
	}
	return !isV(w[n-3])
}

// englishRegions returns R1 and R2 as start indexes into w.
func englishRegions[T char](w []T) (p1, p2 int) {
	n := len(w)
	// afterVC returns the index after the first non-vowel that follows a
	// vowel at or after i, or n.
	afterVC := func(i int) int {
		for i < n && !isV(w[i]) {
			i++
		}
		for i < n && isV(w[i]) {
			i++
		}
		if i >= n {
			return n
		}
		return i + 1
	}
	switch {
	case hasPrefix(w, "gener"), hasPrefix(w, "arsen"):
		p1 = 5
	case hasPrefix(w, "commun"):
		p1 = 6
	default:
		p1 = afterVC(0)
		if p1 == n {
			return n, n
		}
	}
	return p1, afterVC(p1)
}

// hasPrefix reports whether w starts with the ASCII string s.
func hasPrefix[T char](w []T, s string) bool {
	if len(w) < len(s) {
		return false
	}
	for i := 0; i < len(s); i++ {
		if w[i] != T(s[i]) {
			return false
		}
	}
	return true
}

// englishSteps stems w, a word of three or more characters.
func englishSteps[T char](w []T) []T {
	// Prelude: drop an initial apostrophe; mark a y that starts the word
	// or follows a vowel as a consonant, Y.
	if w[0] == '\'' {
		w = w[1:]
	}
	yFound := false
	for i := range w {
		if w[i] == 'y' && (i == 0 || isV(w[i-1])) {
			w[i] = 'Y'
			yFound = true
		}
	}
	p1, p2 := englishRegions(w)

	w = englishStep1a(w)
	exception := false
	for _, e := range englishException2 {
		if equalASCII(w, e) {
			exception = true
			break
		}
	}
	if !exception {
		w = englishStep1b(w, p1)
		w = englishStep1c(w)
		w = englishStep2(w, p1)
		w = englishStep3(w, p1, p2)
		w = englishStep4(w, p2)
		w = englishStep5(w, p1, p2)
	}
	if yFound {
		for i := range w {
			if w[i] == 'Y' {
				w[i] = 'y'
			}
		}
	}
	return w
}

// englishStep1a removes apostrophes and plural endings.
func englishStep1a[T char](w []T) []T {
	switch {
	case hasSuffix(w, "'s'"):
		w = w[:len(w)-3]
	case hasSuffix(w, "'s"):
		w = w[:len(w)-2]
	case hasSuffix(w, "'"):
		w = w[:len(w)-1]
	}
	n := len(w)
	switch {
	case hasSuffix(w, "sses"):
		return w[:n-2]
	case hasSuffix(w, "ied"), hasSuffix(w, "ies"):
		if n-3 >= 2 {
			return replaceSuffix(w, 3, "i")
		}
		return replaceSuffix(w, 3, "ie")
	case hasSuffix(w, "us"), hasSuffix(w, "ss"):
		return w
	case hasSuffix(w, "s"):
		// Delete the s if a vowel comes before the letter before it.
		for i := 0; i < n-2; i++ {
			if isV(w[i]) {
				return w[:n-1]
			}
		}
	}
	return w
}

// englishStep1b removes -eed, -ed, -ing and their -ly forms.
func englishStep1b[T char](w []T, p1 int) []T {
	n := len(w)
	var suf int
	switch {
	case hasSuffix(w, "eedly"):
		if n-5 >= p1 {
			return replaceSuffix(w, 5, "ee")
		}
		return w
	case hasSuffix(w, "ingly"):
		suf = 5
	case hasSuffix(w, "edly"):
		suf = 4
	case hasSuffix(w, "eed"):
		if n-3 >= p1 {
			return w[:n-1]
		}
		return w
	case hasSuffix(w, "ing"):
		suf = 3
	case hasSuffix(w, "ed"):
		suf = 2
	default:
		return w
	}
	stem := w[:n-suf]
	hasVowel := false
	for _, c := range stem {
		if isV(c) {
			hasVowel = true
			break
		}
	}
	if !hasVowel {
		return w
	}
	w = stem
	n = len(w)
	switch {
	case hasSuffix(w, "at"), hasSuffix(w, "bl"), hasSuffix(w, "iz"):
		return append(w, 'e')
	case n >= 2 && w[n-1] == w[n-2]:
		switch w[n-1] {
		case 'b', 'd', 'f', 'g', 'm', 'n', 'p', 'r', 't':
			return w[:n-1]
		}
	}
	if n == p1 && englishShortV(w) {
		return append(w, 'e')
	}
	return w
}

// englishStep1c turns a final y or Y after a non-vowel, which is not the
// first letter, into i.
func englishStep1c[T char](w []T) []T {
	n := len(w)
	if n >= 3 && (w[n-1] == 'y' || w[n-1] == 'Y') && !isV(w[n-2]) {
		w[n-1] = 'i'
	}
	return w
}

// suffixRule is one entry of a Snowball "among": a suffix and what replaces
// it. The lists are sorted longest first, so the first suffix that matches
// is the longest, as Snowball's among chooses it.
type suffixRule struct {
	suffix, repl string
}

var englishStep2Rules = []suffixRule{
	{"ational", "ate"}, {"ization", "ize"}, {"fulness", "ful"}, {"ousness", "ous"}, {"iveness", "ive"},
	{"tional", "tion"}, {"biliti", "ble"}, {"lessli", "less"},
	{"entli", "ent"}, {"ation", "ate"}, {"alism", "al"}, {"aliti", "al"}, {"ousli", "ous"}, {"iviti", "ive"}, {"fulli", "ful"},
	{"enci", "ence"}, {"anci", "ance"}, {"abli", "able"}, {"izer", "ize"}, {"ator", "ate"}, {"alli", "al"},
	{"bli", "ble"}, {"ogi", "og"},
	{"li", ""},
}

// englishStep2 maps double suffixes in R1 to single ones.
func englishStep2[T char](w []T, p1 int) []T {
	n := len(w)
	for _, r := range englishStep2Rules {
		if !hasSuffix(w, r.suffix) {
			continue
		}
		start := n - len(r.suffix)
		if start < p1 {
			return w
		}
		switch r.suffix {
		case "ogi":
			if start == 0 || w[start-1] != 'l' {
				return w
			}
		case "li":
			if start == 0 {
				return w
			}
			switch w[start-1] {
			case 'c', 'd', 'e', 'g', 'h', 'k', 'm', 'n', 'r', 't':
			default:
				return w
			}
		}
		return appendString(w[:start], r.repl)
	}
	return w
}

var englishStep3Rules = []suffixRule{
	{"ational", "ate"},
	{"tional", "tion"},
	{"alize", "al"}, {"icate", "ic"}, {"iciti", "ic"}, {"ative", ""},
	{"ical", "ic"}, {"ness", ""},
	{"ful", ""},
}

// englishStep3 removes or shortens -ful, -ness, -ative and the like in R1.
func englishStep3[T char](w []T, p1, p2 int) []T {
	n := len(w)
	for _, r := range englishStep3Rules {
		if !hasSuffix(w, r.suffix) {
			continue
		}
		start := n - len(r.suffix)
		if start < p1 || r.suffix == "ative" && start < p2 {
			return w
		}
		return appendString(w[:start], r.repl)
	}
	return w
}

var englishStep4Suffixes = []string{
	"ement",
	"ance", "ence", "able", "ible", "ment",
	"ant", "ent", "ism", "ate", "iti", "ous", "ive", "ize", "ion",
	"al", "er", "ic",
}

// englishStep4 removes a final suffix in R2.
func englishStep4[T char](w []T, p2 int) []T {
	n := len(w)
	for _, s := range englishStep4Suffixes {
		if !hasSuffix(w, s) {
			continue
		}
		start := n - len(s)
		if start < p2 {
			return w
		}
		if s == "ion" && (start == 0 || w[start-1] != 's' && w[start-1] != 't') {
			return w
		}
		return w[:start]
	}
	return w
}

// englishStep5 removes a final e in R2, or in R1 after a stem that does not
// end in a short syllable, and a final l of ll in R2.
func englishStep5[T char](w []T, p1, p2 int) []T {
	n := len(w)
	switch {
	case hasSuffix(w, "e"):
		if n-1 >= p2 || n-1 >= p1 && !englishShortV(w[:n-1]) {
			return w[:n-1]
		}
	case hasSuffix(w, "l"):
		if n-1 >= p2 && hasSuffix(w[:n-1], "l") {
			return w[:n-1]
		}
	}
	return w
}
