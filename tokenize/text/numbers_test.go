package text

import (
	"errors"
	"math"
	"strconv"
	"strings"
	"testing"
)

func TestSpellerMatchesNumberToWords(t *testing.T) {
	rows := readTSVGz(t, "testdata/numbers_ntw.tsv.gz")
	if len(rows) < 4000 {
		t.Fatalf("fixture has %d numbers, want at least 4000", len(rows))
	}
	sp := Speller{Commas: true}
	bad := 0
	for _, r := range rows {
		n, err := strconv.ParseInt(r[0], 10, 64)
		if err != nil {
			t.Fatalf("bad fixture line %q", r)
		}
		if got := sp.Cardinal(n); got != r[1] {
			if bad++; bad <= 10 {
				t.Errorf("Cardinal(%d) = %q, number-to-words gives %q", n, got, r[1])
			}
		}
		if got := sp.Ordinal(n); got != r[2] {
			if bad++; bad <= 10 {
				t.Errorf("Ordinal(%d) = %q, number-to-words gives %q", n, got, r[2])
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d mismatches in %d numbers", bad, len(rows))
	}
}

func TestSpellerMatchesLinguaENInflect(t *testing.T) {
	rows := readTSVGz(t, "testdata/numbers_lingua.tsv.gz")
	if len(rows) < 5000 {
		t.Fatalf("fixture has %d numbers, want at least 5000", len(rows))
	}
	sp := Speller{And: true, Commas: true}
	// Lingua::EN::Inflect names 10^51 and 10^60 "sedecillion" and
	// "novendecillion"; Speller uses the dictionary forms (Merriam-Webster,
	// Conway and Guy) "sexdecillion" and "novemdecillion".
	names := strings.NewReplacer("sedecillion", "sexdecillion", "novendecillion", "novemdecillion")
	bad := 0
	for _, r := range rows {
		r[1], r[2] = names.Replace(r[1]), names.Replace(r[2])
		got, err := sp.Number(r[0])
		if err != nil || got != r[1] {
			if bad++; bad <= 10 {
				t.Errorf("Number(%q) = %q, %v; Lingua::EN::Inflect gives %q", r[0], got, err, r[1])
			}
		}
		if n, err := strconv.ParseInt(r[0], 10, 64); err == nil && strconv.FormatInt(n, 10) == r[0] {
			if got := sp.Cardinal(n); got != r[1] {
				if bad++; bad <= 10 {
					t.Errorf("Cardinal(%d) = %q, Lingua::EN::Inflect gives %q", n, got, r[1])
				}
			}
			if got := sp.Ordinal(n); got != r[2] {
				if bad++; bad <= 10 {
					t.Errorf("Ordinal(%d) = %q, Lingua::EN::Inflect gives %q", n, got, r[2])
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d mismatches in %d numbers", bad, len(rows))
	}
}

func TestCardinal(t *testing.T) {
	tests := []struct {
		name string
		n    int64
		want string
	}{
		{"zero", 0, "zero"},
		{"teen", 13, "thirteen"},
		{"hyphenated tens", 42, "forty-two"},
		{"round tens", 90, "ninety"},
		{"hundreds without and", 101, "one hundred one"},
		{"thousands without commas", 1234567, "one million two hundred thirty-four thousand five hundred sixty-seven"},
		{"empty groups are skipped", 1000000001, "one billion one"},
		{"negative", -21, "minus twenty-one"},
		{"largest int64", math.MaxInt64, "nine quintillion two hundred twenty-three quadrillion three hundred seventy-two trillion thirty-six billion eight hundred fifty-four million seven hundred seventy-five thousand eight hundred seven"},
		{"smallest int64", math.MinInt64, "minus nine quintillion two hundred twenty-three quadrillion three hundred seventy-two trillion thirty-six billion eight hundred fifty-four million seven hundred seventy-five thousand eight hundred eight"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Cardinal(tc.n); got != tc.want {
				t.Errorf("Cardinal(%d) = %q, want %q", tc.n, got, tc.want)
			}
		})
	}
}

func TestOrdinal(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "zeroth"}, {1, "first"}, {2, "second"}, {3, "third"}, {4, "fourth"}, {5, "fifth"},
		{8, "eighth"}, {9, "ninth"}, {11, "eleventh"}, {12, "twelfth"}, {20, "twentieth"},
		{21, "twenty-first"}, {99, "ninety-ninth"}, {100, "one hundredth"}, {101, "one hundred first"},
		{1000000, "one millionth"}, {-3, "minus third"},
	}
	for _, tc := range tests {
		if got := Ordinal(tc.n); got != tc.want {
			t.Errorf("Ordinal(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestOrdinalSuffix(t *testing.T) {
	tests := []struct {
		n    int64
		want string
	}{
		{0, "0th"}, {1, "1st"}, {2, "2nd"}, {3, "3rd"}, {4, "4th"}, {11, "11th"}, {12, "12th"},
		{13, "13th"}, {21, "21st"}, {22, "22nd"}, {23, "23rd"}, {101, "101st"}, {111, "111th"},
		{112, "112th"}, {-1, "-1st"}, {-11, "-11th"}, {math.MinInt64, "-9223372036854775808th"},
	}
	for _, tc := range tests {
		if got := OrdinalSuffix(tc.n); got != tc.want {
			t.Errorf("OrdinalSuffix(%d) = %q, want %q", tc.n, got, tc.want)
		}
	}
}

func TestYear(t *testing.T) {
	tests := []struct {
		y    int
		want string
	}{
		{1999, "nineteen ninety-nine"},
		{2005, "two thousand five"},
		{2000, "two thousand"},
		{1900, "nineteen hundred"},
		{1905, "nineteen oh five"},
		{2010, "twenty ten"},
		{2024, "twenty twenty-four"},
		{1066, "ten sixty-six"},
		{1000, "one thousand"},
		{1009, "one thousand nine"},
		{1010, "ten ten"},
		{476, "four seventy-six"},
		{800, "eight hundred"},
		{33, "thirty-three"},
		{0, "zero"},
		{-44, "minus forty-four"},
		{12000, "twelve thousand"},
	}
	for _, tc := range tests {
		if got := Year(tc.y); got != tc.want {
			t.Errorf("Year(%d) = %q, want %q", tc.y, got, tc.want)
		}
	}
	if got, want := (Speller{And: true}).Year(2005), "two thousand and five"; got != want {
		t.Errorf("British Year(2005) = %q, want %q", got, want)
	}
}

func TestNumber(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"3.14", "three point one four"},
		{"-0.05", "minus zero point zero five"},
		{"+7", "seven"},
		{"\u22122", "minus two"},
		{"1,000,001", "one million one"},
		{".5", "point five"},
		{"007", "seven"},
		{"1.50", "one point five zero"},
		{"1" + strings.Repeat("0", 63), "one vigintillion"},
		{"1" + strings.Repeat("0", 65), "one hundred vigintillion"},
	}
	for _, tc := range tests {
		got, err := Speller{}.Number(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("Number(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
}

func TestOrdinalNumber(t *testing.T) {
	tests := []struct {
		in, want string
	}{
		{"21", "twenty-first"},
		{"1,000,000", "one millionth"},
		{"-2", "minus second"},
		{"1" + strings.Repeat("0", 63), "one vigintillionth"},
	}
	for _, tc := range tests {
		got, err := Speller{}.OrdinalNumber(tc.in)
		if err != nil || got != tc.want {
			t.Errorf("OrdinalNumber(%q) = %q, %v; want %q", tc.in, got, err, tc.want)
		}
	}
	for _, bad := range []string{"1.5", "", "x"} {
		if _, err := (Speller{}).OrdinalNumber(bad); !errors.Is(err, ErrNotNumber) {
			t.Errorf("OrdinalNumber(%q) error = %v, want ErrNotNumber", bad, err)
		}
	}
}

func TestNumberRejectsBadInput(t *testing.T) {
	tests := []struct {
		name, in string
		err      error
	}{
		{"empty", "", ErrNotNumber},
		{"sign only", "-", ErrNotNumber},
		{"point only", ".", ErrNotNumber},
		{"trailing point", "5.", ErrNotNumber},
		{"two points", "1.2.3", ErrNotNumber},
		{"letters", "12a", ErrNotNumber},
		{"bad grouping", "1,23", ErrNotNumber},
		{"leading comma", ",123", ErrNotNumber},
		{"comma in the fraction", "1.2,3", ErrNotNumber},
		{"invalid UTF-8", "1\xff", ErrNotNumber},
		{"too large", "1" + strings.Repeat("0", 66), ErrTooLarge},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := Speller{}.Number(tc.in)
			if !errors.Is(err, tc.err) {
				t.Errorf("Number(%q) error = %v, want %v", tc.in, err, tc.err)
			}
		})
	}
}

func TestFloat(t *testing.T) {
	tests := []struct {
		f    float64
		want string
	}{
		{2.5, "two point five"},
		{0.1, "zero point one"},
		{-3, "minus three"},
		{1e21, "one sextillion"},
		{1e300, "one times ten to the power of three hundred"},
		{math.NaN(), "not a number"},
		{math.Inf(1), "infinity"},
		{math.Inf(-1), "minus infinity"},
	}
	for _, tc := range tests {
		if got := (Speller{}).Float(tc.f); got != tc.want {
			t.Errorf("Float(%g) = %q, want %q", tc.f, got, tc.want)
		}
	}
}
