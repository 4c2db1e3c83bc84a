package text

import "testing"

func TestExpand(t *testing.T) {
	tests := []struct {
		name  string
		years bool
		in    string
		want  string
	}{
		{"empty", false, "", ""},
		{"no numbers", false, "no numbers here", "no numbers here"},
		{"integer", false, "I have 5 cats", "I have five cats"},
		{"thousands separators", false, "2,500 people", "two thousand five hundred people"},
		{"decimal", false, "pi is 3.14", "pi is three point one four"},
		{"leading point", false, "take .5 ml", "take point five ml"},
		{"sentence point after a number", false, "I have 5.", "I have five."},
		{"comma after a number", false, "1, 2, 3", "one, two, three"},
		{"negative at the start", false, "-4 degrees", "minus four degrees"},
		{"negative after a bracket", false, "(-4)", "(minus four)"},
		{"unicode minus", false, "\u22124", "minus four"},
		{"percent", false, "up 50% or 2.5%", "up fifty percent or two point five percent"},
		{"ordinals", false, "1st 2nd 3rd 4th 21ST 101st", "first second third fourth twenty-first one hundred first"},
		{"dollars and cents", false, "$3.50", "three dollars and fifty cents"},
		{"one dollar", false, "$1", "one dollar"},
		{"cents only", false, "$0.99", "ninety-nine cents"},
		{"one cent", false, "$0.01", "one cent"},
		{"whole dollars with zero cents", false, "$2.00", "two dollars"},
		{"dollars with an odd fraction", false, "$1.5", "one point five dollars"},
		{"pounds and pence", false, "£2.50", "two pounds and fifty pence"},
		{"euros", false, "€1,000,000", "one million euros"},
		{"yen", false, "¥500", "five hundred yen"},
		{"negative money", false, "-$5", "minus five dollars"},
		{"year off", false, "in 1999", "in one thousand nine hundred ninety-nine"},
		{"year on", true, "in 1999 and 2005", "in nineteen ninety-nine and two thousand five"},
		{"year with separator is a number", true, "1,999 votes", "one thousand nine hundred ninety-nine votes"},
		{"decade", true, "the 1990s", "the nineteen nineties"},
		{"decade off", false, "the 1990s", "the 1990s"},
		{"glued to letters", false, "mp3 A4 COVID-19 3D 5km", "mp3 A4 COVID-19 3D 5km"},
		{"time", false, "at 10:30", "at 10:30"},
		{"date", false, "on 2020-01-05 or 1/2/2020", "on 2020-01-05 or 1/2/2020"},
		{"range", false, "pages 5-10", "pages 5-10"},
		{"version", false, "v1.2.3 and 1.2.3", "v1.2.3 and 1.2.3"},
		{"bad grouping is left", false, "1,23", "1,23"},
		{"currency glued to letters", false, "US$5", "US$5"},
		{"currency with percent", false, "$5%", "$5%"},
		{"hyphen between words is not a minus", false, "a-5", "a-5"},
		{"non-ASCII neighbours", false, "café 3 €", "café three €"},
		{"digits after non-ASCII letters", false, "é3", "é3"},
		{"invalid bytes", false, "\xff5\xff", "\uFFFDfive\uFFFD"},
		{"huge number is left", false, "1" + string(make([]byte, 0)) + "000000000000000000000000000000000000000000000000000000000000000000000", "1000000000000000000000000000000000000000000000000000000000000000000000"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := (Speller{Years: tc.years}).Expand(tc.in); got != tc.want {
				t.Errorf("Expand(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
