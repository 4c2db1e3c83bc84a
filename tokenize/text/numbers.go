package text

import (
	"errors"
	"fmt"
	"math"
	"strconv"
	"strings"
)

// Speller spells numbers as English words. The zero value uses the
// American convention: no "and", no commas, hyphens inside 21 to 99, and
// "minus" for negative numbers:
//
//	1234567 → "one million two hundred thirty-four thousand five hundred sixty-seven"
//
// With Commas set, groups of thousands are separated by ", " and the output
// equals npm number-to-words' toWords; with And and Commas set it equals
// Perl's Lingua::EN::Inflect NUMWORDS (British: "one hundred and one",
// "one thousand and one"). A Speller is a plain value, safe for concurrent
// use.
type Speller struct {
	// And puts "and" after "hundred" when tens or units follow, and before
	// a last group of thousands under one hundred: "one hundred and one",
	// "one million and five". This is the British convention.
	And bool
	// Commas separates groups of thousands with ", " instead of " ".
	Commas bool
	// Years makes Expand read a four-digit integer from 1000 to 2099,
	// written without a thousands separator, as a year: "in 1999" → "in
	// nineteen ninety-nine". It also reads decades: "the 1990s" → "the
	// nineteen nineties".
	Years bool
	// NoHyphens joins tens and units with a space instead of a hyphen:
	// "twenty one" instead of "twenty-one". Use it when punctuation is
	// removed afterwards, which would otherwise leave "twentyone".
	NoHyphens bool
}

// ErrNotNumber is returned by Speller.Number for text that is not a
// decimal number.
var ErrNotNumber = errors.New("not a decimal number")

// ErrTooLarge is returned by Speller.Number for a number of 10^66 or more,
// which has no English name here.
var ErrTooLarge = errors.New("number too large to spell (10^66 or more)")

var (
	smallNames = [20]string{"zero", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine",
		"ten", "eleven", "twelve", "thirteen", "fourteen", "fifteen", "sixteen", "seventeen", "eighteen", "nineteen"}
	tensNames = [10]string{"", "", "twenty", "thirty", "forty", "fifty", "sixty", "seventy", "eighty", "ninety"}
	// scaleNames[k] names 1000^k; the short scale, as in American and
	// modern British usage.
	scaleNames = [...]string{"", "thousand", "million", "billion", "trillion", "quadrillion",
		"quintillion", "sextillion", "septillion", "octillion", "nonillion", "decillion",
		"undecillion", "duodecillion", "tredecillion", "quattuordecillion", "quindecillion",
		"sexdecillion", "septendecillion", "octodecillion", "novemdecillion", "vigintillion"}
)

// Cardinal spells n with the zero Speller: Cardinal(-21) is "minus
// twenty-one".
func Cardinal(n int64) string { return Speller{}.Cardinal(n) }

// Ordinal spells n as an ordinal with the zero Speller: Ordinal(21) is
// "twenty-first".
func Ordinal(n int64) string { return Speller{}.Ordinal(n) }

// Year spells y as a year is read aloud; see Speller.Year.
func Year(y int) string { return Speller{}.Year(y) }

// Cardinal spells n: 0 → "zero", 21 → "twenty-one", -1000000 → "minus one
// million". Every int64 works, math.MinInt64 included.
func (sp Speller) Cardinal(n int64) string {
	var b []byte
	if n < 0 {
		b = append(b, "minus "...)
	}
	u := uint64(n)
	if n < 0 {
		u = -u
	}
	return string(sp.appendUint(b, u))
}

// Ordinal spells n as an ordinal number: 1 → "first", 12 → "twelfth",
// 20 → "twentieth", 101 → "one hundred first", 0 → "zeroth", -3 → "minus
// third".
func (sp Speller) Ordinal(n int64) string { return toOrdinal(sp.Cardinal(n)) }

// appendUint appends the words for u.
func (sp Speller) appendUint(b []byte, u uint64) []byte {
	if u == 0 {
		return append(b, "zero"...)
	}
	var groups [7]int // groups of three digits, least significant first
	k := 0
	for ; u > 0; k++ {
		groups[k] = int(u % 1000)
		u /= 1000
	}
	return sp.appendGroups(b, groups[:k])
}

// appendGroups appends the words for a number given as its groups of
// three digits, least significant first, with no leading zero group.
func (sp Speller) appendGroups(b []byte, groups []int) []byte {
	first := true
	for k := len(groups) - 1; k >= 0; k-- {
		g := groups[k]
		if g == 0 {
			continue
		}
		if !first {
			switch {
			case sp.And && k == 0 && g < 100:
				b = append(b, " and "...)
			case sp.Commas:
				b = append(b, ", "...)
			default:
				b = append(b, ' ')
			}
		}
		first = false
		b = sp.appendBelow1000(b, g)
		if k > 0 {
			b = append(b, ' ')
			b = append(b, scaleNames[k]...)
		}
	}
	return b
}

// appendBelow1000 appends the words for 1 <= n <= 999.
func (sp Speller) appendBelow1000(b []byte, n int) []byte {
	if h := n / 100; h > 0 {
		b = append(b, smallNames[h]...)
		b = append(b, " hundred"...)
		n %= 100
		if n == 0 {
			return b
		}
		if sp.And {
			b = append(b, " and "...)
		} else {
			b = append(b, ' ')
		}
	}
	if n < 20 {
		return append(b, smallNames[n]...)
	}
	b = append(b, tensNames[n/10]...)
	if n%10 != 0 {
		if sp.NoHyphens {
			b = append(b, ' ')
		} else {
			b = append(b, '-')
		}
		b = append(b, smallNames[n%10]...)
	}
	return b
}

// toOrdinal turns the spelled cardinal c into an ordinal by changing its
// last word.
func toOrdinal(c string) string {
	i := strings.LastIndexAny(c, " -") + 1
	head, last := c[:i], c[i:]
	switch last {
	case "one":
		last = "first"
	case "two":
		last = "second"
	case "three":
		last = "third"
	case "five":
		last = "fifth"
	case "eight":
		last = "eighth"
	case "nine":
		last = "ninth"
	case "twelve":
		last = "twelfth"
	default:
		if strings.HasSuffix(last, "y") {
			last = last[:len(last)-1] + "ieth"
		} else {
			last += "th"
		}
	}
	return head + last
}

// OrdinalSuffix returns n with its English ordinal suffix: 1 → "1st",
// 2 → "2nd", 3 → "3rd", 11 → "11th", 22 → "22nd", -1 → "-1st".
func OrdinalSuffix(n int64) string {
	m := n % 100
	if m < 0 {
		m = -m
	}
	suf := "th"
	if m < 11 || m > 13 {
		switch m % 10 {
		case 1:
			suf = "st"
		case 2:
			suf = "nd"
		case 3:
			suf = "rd"
		}
	}
	return strconv.FormatInt(n, 10) + suf
}

// Number spells a number written in decimal: an optional sign ("-", "+"
// or U+2212 minus), digits with optional comma separators between groups
// of three, and an optional fraction after a point, read digit by digit:
//
//	"3.14"        → "three point one four"
//	"-0.05"       → "minus zero point zero five"
//	"1,000,001"   → "one million one"
//	".5"          → "point five"
//
// Leading zeros of the integer part are ignored and trailing zeros of the
// fraction are read ("1.50" → "one point five zero"). Integers of any size
// below 10^66 work. Text that is not such a number gets an error wrapping
// ErrNotNumber; a number too large to name gets ErrTooLarge.
func (sp Speller) Number(s string) (string, error) {
	neg, intPart, frac, ok := parseDecimal(s)
	if !ok {
		return "", fmt.Errorf("spell %q: %w", s, ErrNotNumber)
	}
	var b []byte
	if neg {
		b = append(b, "minus "...)
	}
	if intPart != "" {
		var err error
		if b, err = sp.appendDigits(b, intPart); err != nil {
			return "", fmt.Errorf("spell %q: %w", s, err)
		}
	}
	if frac != "" || intPart == "" {
		if intPart != "" {
			b = append(b, ' ')
		}
		b = append(b, "point"...)
		for i := 0; i < len(frac); i++ {
			b = append(b, ' ')
			b = append(b, smallNames[frac[i]-'0']...)
		}
	}
	return string(b), nil
}

// OrdinalNumber spells an integer written in decimal, as Number accepts
// it but without a fraction, as an ordinal: "21" → "twenty-first",
// "1,000,000" → "one millionth". Text that is not an integer gets an
// error wrapping ErrNotNumber; a number of 10^66 or more, ErrTooLarge.
func (sp Speller) OrdinalNumber(s string) (string, error) {
	if strings.Contains(s, ".") {
		return "", fmt.Errorf("spell %q as an ordinal: %w", s, ErrNotNumber)
	}
	w, err := sp.Number(s)
	if err != nil {
		return "", err
	}
	return toOrdinal(w), nil
}

// Float spells f through its shortest decimal form ("0.1" for 0.1, not
// 0.1000000000000000055...): Float(2.5) is "two point five", Float(1e21) is
// "one sextillion". NaN and the infinities are spelled "not a number",
// "infinity" and "minus infinity".
func (sp Speller) Float(f float64) string {
	switch {
	case math.IsNaN(f):
		return "not a number"
	case math.IsInf(f, 1):
		return "infinity"
	case math.IsInf(f, -1):
		return "minus infinity"
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	w, err := sp.Number(s)
	if err != nil { // |f| >= 10^66: read it in scientific form
		m, e, _ := strings.Cut(strconv.FormatFloat(f, 'e', -1, 64), "e")
		w, _ = sp.Number(m)
		exp, _ := strconv.Atoi(e)
		return w + " times ten to the power of " + sp.Cardinal(int64(exp))
	}
	return w
}

// parseDecimal splits a decimal number into its sign, integer digits
// (without separators or leading zeros, "0" for zero) and fraction digits.
func parseDecimal(s string) (neg bool, intPart, frac string, ok bool) {
	switch {
	case strings.HasPrefix(s, "-"), strings.HasPrefix(s, "+"):
		neg = s[0] == '-'
		s = s[1:]
	case strings.HasPrefix(s, "\u2212"):
		neg = true
		s = s[len("\u2212"):]
	}
	ip, fp, hasPoint := strings.Cut(s, ".")
	if hasPoint && (fp == "" || !allDigits(fp)) {
		return false, "", "", false
	}
	if ip == "" {
		if !hasPoint {
			return false, "", "", false
		}
		return neg, "", fp, true
	}
	if strings.Contains(ip, ",") {
		parts := strings.Split(ip, ",")
		if len(parts[0]) == 0 || len(parts[0]) > 3 {
			return false, "", "", false
		}
		for _, p := range parts[1:] {
			if len(p) != 3 {
				return false, "", "", false
			}
		}
		ip = strings.Join(parts, "")
	}
	if !allDigits(ip) {
		return false, "", "", false
	}
	ip = strings.TrimLeft(ip, "0")
	if ip == "" {
		ip = "0"
	}
	return neg, ip, fp, true
}

// allDigits reports whether s is a non-empty string of ASCII digits.
func allDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// appendDigits appends the words for the integer written by the digit
// string d, which has no leading zeros.
func (sp Speller) appendDigits(b []byte, d string) ([]byte, error) {
	if d == "0" {
		return append(b, "zero"...), nil
	}
	if len(d) > 3*len(scaleNames) {
		return b, ErrTooLarge
	}
	var groups [len(scaleNames)]int
	k := 0
	for end := len(d); end > 0; end -= 3 {
		g := 0
		for _, c := range d[max(0, end-3):end] {
			g = g*10 + int(c-'0')
		}
		groups[k] = g
		k++
	}
	return sp.appendGroups(b, groups[:k]), nil
}

// Year spells y as a year is read aloud in English:
//
//	1999 → "nineteen ninety-nine"    1900 → "nineteen hundred"
//	1905 → "nineteen oh five"        2000 → "two thousand"
//	2005 → "two thousand five"       2010 → "twenty ten"
//	1066 → "ten sixty-six"           476  → "four seventy-six"
//	800  → "eight hundred"           33   → "thirty-three"
//
// Years from 100 to 9999 are read in pairs of digits, except that a year
// whose last three digits are 000 to 009 is read as a cardinal and one
// whose last two digits are 00 as "... hundred"; other years, negative ones
// included, are read as cardinals.
func (sp Speller) Year(y int) string {
	if y < 100 || y > 9999 || y%1000 < 10 {
		return sp.Cardinal(int64(y))
	}
	hi, lo := y/100, y%100
	var b []byte
	b = sp.appendBelow1000(b, hi)
	switch {
	case lo == 0:
		b = append(b, " hundred"...)
	case lo < 10:
		b = append(b, " oh "...)
		b = append(b, smallNames[lo]...)
	default:
		b = append(b, ' ')
		b = sp.appendBelow1000(b, lo)
	}
	return string(b)
}
