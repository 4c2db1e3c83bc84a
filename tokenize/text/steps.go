package text

import (
	"fmt"
	"strings"
)

// Steps chooses normalization steps by name, for programs that take them
// from a user (as the goformer CLI does). Func chains the chosen steps in
// a fixed order in which no step undoes another's work:
//
//	RemoveControl, Form, Lower, Fold, StripAccents, Numbers,
//	RemovePunctuation, RemoveSymbols, FoldWhitespace
//
// Numbers are spelled out before punctuation and symbols are removed, as
// the Speller reads them: "3.5 km" becomes "three point five km" and
// "$3.50" "three dollars and fifty cents", where removing first would give
// "thirty-five km" and "three fifty". When punctuation is removed the
// numbers are spelled without hyphens ("twenty one", not "twentyone").
// The zero Steps only repairs invalid UTF-8 (ToValidUTF8).
type Steps struct {
	// RemoveControl removes control and format characters; see
	// RemoveControl.
	RemoveControl bool
	// Form is a Unicode normal form: "nfc", "nfd", "nfkc" or "nfkd" (in
	// any case), or "" for none.
	Form string
	// Lower lower-cases (Lower); Fold case-folds (Fold).
	Lower, Fold bool
	// StripAccents removes diacritics; see StripAccents.
	StripAccents bool
	// Numbers, when not nil, spells numbers out with this Speller; see
	// Speller.Expand.
	Numbers *Speller
	// RemovePunctuation and RemoveSymbols remove Unicode punctuation (P*)
	// and symbols (S*); see the functions of the same names.
	RemovePunctuation, RemoveSymbols bool
	// FoldWhitespace folds runs of white space into one space and trims
	// the ends; see FoldWhitespace.
	FoldWhitespace bool
}

// Func returns the chosen steps chained in the order the Steps doc gives.
// It fails only for an unknown Form.
func (st Steps) Func() (func(string) string, error) {
	var fs []func(string) string
	add := func(on bool, f func(string) string) {
		if on {
			fs = append(fs, f)
		}
	}
	add(st.RemoveControl, RemoveControl)
	switch strings.ToLower(st.Form) {
	case "":
	case "nfc":
		fs = append(fs, NFC)
	case "nfd":
		fs = append(fs, NFD)
	case "nfkc":
		fs = append(fs, NFKC)
	case "nfkd":
		fs = append(fs, NFKD)
	default:
		return nil, fmt.Errorf("unknown normal form %q (want nfc, nfd, nfkc or nfkd)", st.Form)
	}
	add(st.Lower, Lower)
	add(st.Fold, Fold)
	add(st.StripAccents, StripAccents)
	if st.Numbers != nil {
		sp := *st.Numbers
		if st.RemovePunctuation {
			sp.NoHyphens = true
		}
		fs = append(fs, sp.Expand)
	}
	add(st.RemovePunctuation, RemovePunctuation)
	add(st.RemoveSymbols, RemoveSymbols)
	add(st.FoldWhitespace, FoldWhitespace)
	if len(fs) == 0 {
		fs = append(fs, ToValidUTF8)
	}
	return Chain(fs...), nil
}
