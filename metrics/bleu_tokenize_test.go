package metrics

import (
	"strings"
	"testing"
)

// tok13aReference applies mteval-v13a's four substitutions literally, one
// pass each, as Python's re.sub does: the reference for the faster tok13a.
func tok13aReference(s string) []string {
	s = strings.ReplaceAll(s, "<skipped>", "")
	s = strings.ReplaceAll(s, "-\n", "")
	s = strings.ReplaceAll(s, "\n", " ")
	s = strings.ReplaceAll(s, "&quot;", "\"")
	s = strings.ReplaceAll(s, "&amp;", "&")
	s = strings.ReplaceAll(s, "&lt;", "<")
	s = strings.ReplaceAll(s, "&gt;", ">")
	s = " " + s + " "
	var b []byte
	for i := 0; i < len(s); i++ {
		if punct13a[s[i]] {
			b = append(b, ' ', s[i], ' ')
		} else {
			b = append(b, s[i])
		}
	}
	sub := func(in []byte, match func(x, y byte) bool, repl func(x, y byte) []byte) []byte {
		var out []byte
		for i := 0; i < len(in); {
			if i+1 < len(in) && match(in[i], in[i+1]) {
				out = append(out, repl(in[i], in[i+1])...)
				i += 2
				continue
			}
			out = append(out, in[i])
			i++
		}
		return out
	}
	dc := func(c byte) bool { return c == '.' || c == ',' }
	b = sub(b, func(x, y byte) bool { return !isDigit(x) && dc(y) }, func(x, y byte) []byte { return []byte{x, ' ', y, ' '} })
	b = sub(b, func(x, y byte) bool { return dc(x) && !isDigit(y) }, func(x, y byte) []byte { return []byte{' ', x, ' ', y} })
	b = sub(b, func(x, y byte) bool { return isDigit(x) && y == '-' }, func(x, y byte) []byte { return []byte{x, ' ', y, ' '} })
	return pySplit(string(b), nil)
}

func TestTokenize13aExamples(t *testing.T) {
	tests := []struct{ in, want string }{
		{"The dog bit the man.", "The dog bit the man ."},
		{"It wasn't surprising.", "It wasn't surprising ."},
		{"1,000.50 and 2-3 pages, e.g. U.S.A...", "1,000.50 and 2 - 3 pages , e . g . U . S . A . . ."},
		{"&quot;Hi&quot; &amp; <skipped>bye-\nnow", "\" Hi \" & byenow"},
		{"(hello) [x] {y} $5 @me #tag", "( hello ) [ x ] { y } $ 5 @ me # tag"},
		{"well-known 3.5-times", "well-known 3.5 - times"},
		{"", ""},
	}
	for _, tt := range tests {
		got := strings.Join(Tokenize13a.Tokenize(tt.in), " ")
		if got != tt.want {
			t.Errorf("13a(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if ref := strings.Join(tok13aReference(tt.in), " "); ref != tt.want {
			t.Errorf("reference 13a(%q) = %q, want %q", tt.in, ref, tt.want)
		}
	}
}

func FuzzTokenize13aMatchesTheLiteralRules(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	f.Add("a.. b,,c 1.,2 .,. -1-2- ,5 5, 5. .5")
	f.Fuzz(func(t *testing.T, s string) {
		got := Tokenize13a.Tokenize(s)
		want := tok13aReference(s)
		if strings.Join(got, "\x00") != strings.Join(want, "\x00") {
			t.Fatalf("13a(%q):\n got  %q\n want %q", s, got, want)
		}
	})
}
