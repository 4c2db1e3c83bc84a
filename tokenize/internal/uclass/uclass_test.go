package uclass

import (
	"testing"
	"unicode"
)

func TestOfAgreesWithTheUnicodePackageForEveryRune(t *testing.T) {
	assigned := func(r rune) bool {
		return unicode.In(r, unicode.L, unicode.M, unicode.N, unicode.P, unicode.S, unicode.Z, unicode.C)
	}
	for r := rune(0); r <= unicode.MaxRune; r++ {
		var want uint8
		if unicode.IsLetter(r) {
			want |= L
		}
		if unicode.IsNumber(r) {
			want |= N
		}
		if unicode.Is(unicode.White_Space, r) {
			want |= S
		}
		if unicode.In(r, unicode.Lu, unicode.Lt, unicode.Lm, unicode.Lo, unicode.M) {
			want |= Up
		}
		if unicode.In(r, unicode.Ll, unicode.Lm, unicode.Lo, unicode.M) {
			want |= Lw
		}
		if unicode.Is(unicode.Mn, r) {
			want |= Mn
		}
		if unicode.IsPunct(r) {
			want |= P
		}
		if unicode.In(r, unicode.Cc, unicode.Cf, unicode.Co, unicode.Cs) || !assigned(r) {
			want |= C
		}
		if got := Of(r); got != want {
			t.Fatalf("Of(%U) = %08b, want %08b", r, got, want)
		}
	}
}

func TestAtTreatsAnInvalidByteAsOneReplacementCharacter(t *testing.T) {
	for _, s := range []string{"\xff", "\xc3", "\xe2\x82", "\x80abc", "\xed\xa0\x80"} {
		f, w := At(s, 0)
		if w != 1 || f != Of(unicode.ReplacementChar) {
			t.Errorf("At(%q, 0) = %08b, %d; want %08b, 1", s, f, w, Of(unicode.ReplacementChar))
		}
	}
	if f, w := At("é", 0); w != 2 || f&L == 0 {
		t.Errorf("At(é) = %08b, %d; want a letter of width 2", f, w)
	}
}

func TestOfOutsideUnicodeHasNoFlags(t *testing.T) {
	for _, r := range []rune{-1, unicode.MaxRune + 1, 1 << 30} {
		if got := Of(r); got != 0 {
			t.Errorf("Of(%d) = %08b, want 0", r, got)
		}
	}
}
