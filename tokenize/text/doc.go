// Package text normalizes text before tokenization: case mapping, Unicode
// normal forms, accent stripping, removal of control characters,
// punctuation and symbols, white-space folding, and English numbers spelled
// out in words.
//
// Each normalizer is a func(string) string; chain the ones you need:
//
//	clean := text.Chain(text.NFKC, text.RemoveControl, text.Lower, text.StripAccents, text.FoldWhitespace)
//	clean("  Ｃafé\u200b  ﬁne  ") // "cafe fine"
//
// Numbers become words with a Speller, American style by default:
//
//	text.Cardinal(1234)                        // "one thousand two hundred thirty-four"
//	text.Ordinal(21)                           // "twenty-first"
//	text.Year(1999)                            // "nineteen ninety-nine"
//	text.Speller{Years: true}.Expand("In 1999 I paid $3.50.")
//	// "In nineteen ninety-nine I paid three dollars and fifty cents."
//
// Invalid UTF-8: every function here returns valid UTF-8. Invalid bytes are
// first replaced with U+FFFD, one per maximal invalid subsequence, exactly
// as Python's bytes.decode(errors="replace") does (see ToValidUTF8);
// RemoveControl then removes them. No function panics on any input.
package text
