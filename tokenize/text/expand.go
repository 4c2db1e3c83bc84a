package text

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// ExpandNumbers spells out the numbers in s with the zero Speller; see
// Speller.Expand.
func ExpandNumbers(s string) string { return Speller{}.Expand(s) }

// currency names a currency symbol's unit and sub-unit.
type currency struct {
	one, many       string // the unit, singular and plural
	subOne, subMany string // the hundredth, or "" when amounts are read as decimals
}

var currencies = map[rune]currency{
	'$':      {"dollar", "dollars", "cent", "cents"},
	'€':      {"euro", "euros", "cent", "cents"},
	'£':      {"pound", "pounds", "penny", "pence"},
	'¥':      {"yen", "yen", "", ""},
	'\u20B9': {"rupee", "rupees", "paisa", "paise"},
}

// Expand returns s with its numbers spelled out:
//
//	"In 1999, 2,500 people paid $3.50 (-4.5%) for the 3rd time."
//	→ "In nineteen ninety-nine, two thousand five hundred people paid three
//	   dollars and fifty cents (minus four point five percent) for the third
//	   time."   (with Years set; without it 1999 is "one thousand nine hundred ninety-nine")
//
// A number is a run of digits, with optional comma separators between
// groups of three and an optional decimal fraction, that stands on its own:
// not touching a letter, digit, underscore, colon or slash, nor a hyphen
// or point followed by a digit, so that words such as "mp3" and "COVID-19",
// times ("10:30"), dates ("2020-01-05", "1/2/2020"), fractions, ranges
// ("5-10") and version numbers ("1.2.3") are left as they are. Around a
// number Expand reads:
//
//   - a minus sign ("-" or U+2212) that starts the text or follows a space
//     or an opening bracket: "minus";
//   - a currency symbol before it ($ € £ ¥ ₹): "$1" → "one dollar", "$0.99"
//     → "ninety-nine cents", "£2.50" → "two pounds and fifty pence",
//     "$1.5" → "one point five dollars";
//   - a percent sign after it: "50%" → "fifty percent";
//   - an ordinal suffix after an integer: "21st" → "twenty-first"
//     (st, nd, rd or th, in either case, whatever the number);
//   - with Years set, "s" after a year ending in 0: "1990s" → "nineteen
//     nineties".
//
// Invalid UTF-8 is first replaced as ToValidUTF8 describes.
func (sp Speller) Expand(s string) string {
	s = ToValidUTF8(s)
	var b strings.Builder
	last := 0 // s[last:] has not been written yet
	for i := 0; i < len(s); {
		start, end, words := sp.numberAt(s, i)
		if end == 0 {
			_, n := utf8.DecodeRuneInString(s[i:])
			i += n
			continue
		}
		if end < 0 {
			i = -end
			continue
		}
		b.WriteString(s[last:start])
		b.WriteString(words)
		last, i = end, end
	}
	if last == 0 {
		return s
	}
	b.WriteString(s[last:])
	return b.String()
}

// isDigit reports whether c is an ASCII digit.
func isDigit(c byte) bool { return '0' <= c && c <= '9' }

// glue reports whether r joins a number to its neighbour so that the number
// is part of a larger token.
func glue(r rune) bool {
	return r == '_' || r == ':' || r == '/' || unicode.IsLetter(r) || unicode.IsDigit(r)
}

// numberAt looks for a number whose digits start at s[i]. It returns the
// span [start, end) to replace and its words; end == 0 when there is no
// number at i, and end < 0 when s[i:-end] is a token to skip unchanged.
func (sp Speller) numberAt(s string, i int) (start, end int, words string) {
	c := s[i]
	if !isDigit(c) && !(c == '.' && i+1 < len(s) && isDigit(s[i+1])) {
		return 0, 0, ""
	}
	// The run of digits, commas and points.
	j := i
	for j < len(s) && (isDigit(s[j]) || s[j] == ',' || s[j] == '.') {
		j++
	}
	if prev, n := utf8.DecodeLastRuneInString(s[:i]); i > 0 && (glue(prev) || prev == '.' || prev == ',') {
		return 0, -j, ""
	} else if prev == '-' || prev == '\u2212' {
		// A hyphen after a word or number joins them: "COVID-19", "5-10".
		if before, _ := utf8.DecodeLastRuneInString(s[:i-n]); i-n > 0 && glue(before) {
			return 0, -j, ""
		}
	}
	// Trailing points and commas are punctuation: "I have 5."
	for j > i && (s[j-1] == '.' || s[j-1] == ',') {
		j--
	}
	run := s[i:j]
	neg, intPart, frac, ok := parseDecimal(run)
	if !ok {
		return 0, -j, ""
	}
	// What follows the number.
	end = j
	suffix := ""
	if next, n := utf8.DecodeRuneInString(s[j:]); j < len(s) {
		switch {
		case next == '%':
			suffix, end = "%", j+1
		case next == '-' || next == '\u2212':
			if k := j + n; k < len(s) && isDigit(s[k]) {
				return 0, -j, ""
			}
		case unicode.IsLetter(next):
			suffix, end = letterSuffix(s, j)
			if suffix == "" || suffix != "s" && frac != "" || suffix == "s" && !sp.yearDecade(run) {
				return 0, -wordEnd(s, j), ""
			}
		case glue(next):
			return 0, -j, ""
		}
	}
	// What comes before: a currency symbol, a sign.
	start = i
	var cur currency
	hasCur := false
	if r, n := utf8.DecodeLastRuneInString(s[:start]); n > 0 {
		if c, ok := currencies[r]; ok {
			if before, _ := utf8.DecodeLastRuneInString(s[:start-n]); start-n > 0 && glue(before) || suffix != "" {
				return 0, -end, "" // "US$5", "$5%", "$5th": left alone
			}
			cur, hasCur = c, true
			start -= n
		}
	}
	if r, n := utf8.DecodeLastRuneInString(s[:start]); n > 0 && (r == '-' || r == '\u2212') {
		before, _ := utf8.DecodeLastRuneInString(s[:start-n])
		if start-n == 0 || unicode.IsSpace(before) || before == '(' || before == '[' || before == '{' {
			neg = true
			start -= n
		}
	}
	var w string
	var err error
	switch {
	case hasCur:
		w, err = sp.money(cur, intPart, frac)
	case suffix == "%":
		w, err = sp.Number(run)
		w += " percent"
	case suffix == "s":
		w = plural(sp.Year(atoi(intPart)))
	case suffix != "":
		w, err = sp.Number(intPart)
		w = toOrdinal(w)
	case sp.Years && len(run) == 4 && allDigits(run) && run >= "1000" && run < "2100":
		w = sp.Year(atoi(run))
	default:
		w, err = sp.Number(run)
	}
	if err != nil { // too large to name
		return 0, -end, ""
	}
	if neg {
		w = "minus " + w
	}
	return start, end, w
}

// letterSuffix returns the letters that follow a number at s[j:] when they
// are an ordinal suffix (st, nd, rd, th) or a plural "s" that ends the
// word, with the index after them; otherwise "".
func letterSuffix(s string, j int) (string, int) {
	k := j
	for k < len(s) && k-j < 3 && ('a' <= s[k]|0x20 && s[k]|0x20 <= 'z') {
		k++
	}
	if k < len(s) {
		if r, _ := utf8.DecodeRuneInString(s[k:]); glue(r) {
			return "", 0
		}
	}
	switch suf := strings.ToLower(s[j:k]); suf {
	case "st", "nd", "rd", "th":
		return suf, k
	case "s":
		return "s", k
	}
	return "", 0
}

// wordEnd returns the index after the letters and digits that start at
// s[j:].
func wordEnd(s string, j int) int {
	for j < len(s) {
		r, n := utf8.DecodeRuneInString(s[j:])
		if !glue(r) {
			break
		}
		j += n
	}
	return j
}

// yearDecade reports whether run is a decade that Expand reads with Years
// set: four digits from 1000 to 2090 ending in 0.
func (sp Speller) yearDecade(run string) bool {
	return sp.Years && len(run) == 4 && allDigits(run) && run >= "1000" && run < "2100" && run[3] == '0'
}

// atoi converts a short digit string.
func atoi(d string) int {
	n := 0
	for i := 0; i < len(d); i++ {
		n = n*10 + int(d[i]-'0')
	}
	return n
}

// plural makes the last word of a spelled year plural: "nineteen ninety"
// → "nineteen nineties", "nineteen hundred" → "nineteen hundreds".
func plural(w string) string {
	if strings.HasSuffix(w, "y") {
		return w[:len(w)-1] + "ies"
	}
	return w + "s"
}

// money spells an amount of currency c with integer digits ip and fraction
// digits frac.
func (sp Speller) money(c currency, ip, frac string) (string, error) {
	amount := func(digits, one, many string) (string, error) {
		w, err := sp.Number(digits)
		if digits == "1" {
			return w + " " + one, err
		}
		return w + " " + many, err
	}
	if c.subOne == "" || len(frac) != 2 {
		if frac != "" {
			w, err := sp.Number(ip + "." + frac)
			return w + " " + c.many, err
		}
		return amount(ip, c.one, c.many)
	}
	cents := strings.TrimLeft(frac, "0")
	switch {
	case cents == "":
		return amount(ip, c.one, c.many)
	case ip == "0":
		return amount(cents, c.subOne, c.subMany)
	}
	main, err := amount(ip, c.one, c.many)
	sub, _ := amount(cents, c.subOne, c.subMany)
	return main + " and " + sub, err
}
