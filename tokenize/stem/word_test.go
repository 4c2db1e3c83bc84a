package stem

import (
	"strconv"
	"strings"
	"testing"
	"unicode"
)

// lowerString lower-cases s with appendRunes and encodes the result.
func lowerString(s string) string {
	return string(appendEncoded(nil, appendRunes(nil, s, true)))
}

func TestLowerMatchesPython(t *testing.T) {
	rows := readTSVGz(t, "testdata/pylower.tsv.gz")
	want := map[rune]string{}
	for _, r := range rows[1:] {
		c, err := strconv.ParseUint(r[0], 16, 32)
		if err != nil {
			t.Fatal(err)
		}
		var b strings.Builder
		for _, h := range strings.Fields(r[1]) {
			x, err := strconv.ParseUint(h, 16, 32)
			if err != nil {
				t.Fatal(err)
			}
			b.WriteRune(rune(x))
		}
		want[rune(c)] = b.String()
	}
	// Python 3.11 knows Unicode 14.0; Go's tables may be newer. Characters
	// that are not letters in Python's version are left out of the check.
	bad := 0
	for c := rune(0); c <= unicode.MaxRune; c++ {
		if c >= 0xD800 && c < 0xE000 || c == 0x3A3 {
			continue
		}
		w, ok := want[c]
		if !ok {
			w = string(c)
		}
		if got := lowerString(string(c)); got != w {
			if bad++; bad <= 20 {
				t.Errorf("lower(%U) = %q, Python gives %q", c, got, w)
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d code points lower differently from Python", bad)
	}
}

func TestLowerFinalSigma(t *testing.T) {
	tests := []struct {
		name, in, want string
	}{
		{"sigma alone is not final", "Σ", "σ"},
		{"sigma after a letter at the end is final", "ΟΔΟΣ", "οδος"},
		{"sigma before a letter is not final", "ΣΑΣ", "σας"},
		{"sigma followed by a space is final", "ΟΣ Α", "ος α"},
		{"case-ignorable marks are skipped before", "Α\u0301Σ", "α\u0301ς"},
		{"case-ignorable apostrophe is skipped after", "ΑΣ'Α", "ασ'α"},
		{"digits are not cased", "1Σ", "1σ"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := lowerString(tc.in); got != tc.want {
				t.Errorf("lower(%q) = %q, want %q", tc.in, got, tc.want)
			}
		})
	}
}
