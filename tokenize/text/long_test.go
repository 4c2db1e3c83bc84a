//go:build long

package text

import (
	"testing"
	"unicode/utf8"
)

// TestEveryCodePointInContext runs every code point, in three contexts
// that exercise composition, reordering and final sigma, through the normal
// forms (against x/text), StripAccents (against its definition) and the
// other normalizers (valid UTF-8, idempotence). It takes about a minute:
//
//	go test -tags long -run TestEveryCodePointInContext ./tokenize/text
func TestEveryCodePointInContext(t *testing.T) {
	bad := 0
	for r := rune(0); r <= utf8.MaxRune; r++ {
		if r >= 0xD800 && r <= 0xDFFF {
			continue
		}
		c := string(r)
		for _, in := range []string{"a" + c + "\u0301b", "Σ" + c + "Σ\u0323\u0301", "\u1100" + c + "\u1161\u11a8e\u0301"} {
			for _, f := range forms {
				if got, want := f.fn(in), f.f.String(in); got != want {
					if bad++; bad <= 20 {
						t.Errorf("%s(%+q) = %+q, x/text gives %+q", f.name, in, got, want)
					}
				}
			}
			if got, want := StripAccents(in), stripAccentsByDefinition(in); got != want {
				if bad++; bad <= 20 {
					t.Errorf("StripAccents(%+q) = %+q, by definition %+q", in, got, want)
				}
			}
			for _, n := range normalizers {
				out := n.fn(in)
				if !utf8.ValidString(out) || n.idempotent && n.fn(out) != out {
					if bad++; bad <= 20 {
						t.Errorf("%s(%+q) = %+q: invalid or not idempotent", n.name, in, out)
					}
				}
			}
		}
	}
	if bad > 0 {
		t.Errorf("%d failures", bad)
	}
}
