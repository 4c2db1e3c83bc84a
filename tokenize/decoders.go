package tokenize

import (
	"regexp"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goformer/goformer/tokenize/bpe"
)

// A Decoder turns token strings back into text. Decode returns the decoded
// parts, which the tokenizer concatenates. Decoders must be safe for
// concurrent use.
type Decoder interface {
	Decode(tokens []string) ([]string, error)
}

// ByteLevelDecoder maps tokens written in GPT-2's byte-level alphabet back
// to their bytes. The result holds the exact bytes, so decoding the ids of
// any byte string gives it back, invalid UTF-8 included.
type ByteLevelDecoder struct{}

// Decode joins the tokens' bytes. A token with a rune outside the alphabet
// (an added token) contributes its own bytes.
func (ByteLevelDecoder) Decode(tokens []string) ([]string, error) {
	var b []byte
	for _, t := range tokens {
		raw, ok := bpe.ByteLevelDecode(t)
		if !ok {
			raw = t
		}
		b = append(b, raw...)
	}
	return []string{string(b)}, nil
}

// WordPieceDecoder joins WordPiece tokens: continuation tokens (starting
// with Prefix, "##") attach to the previous token, others get a space.
// Cleanup removes spaces before punctuation and in English contractions.
type WordPieceDecoder struct {
	Prefix  string
	Cleanup bool
}

// Decode decodes the tokens.
func (d WordPieceDecoder) Decode(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		if i != 0 {
			if strings.HasPrefix(t, d.Prefix) {
				t = strings.Replace(t, d.Prefix, "", 1)
			} else {
				t = " " + t
			}
		}
		if d.Cleanup {
			t = cleanupWordPiece(t)
		}
		out[i] = t
	}
	return out, nil
}

var wordPieceCleanup = strings.NewReplacer()

func cleanupWordPiece(s string) string {
	for _, p := range [][2]string{
		{" .", "."}, {" ?", "?"}, {" !", "!"}, {" ,", ","}, {" ' ", "'"}, {" n't", "n't"},
		{" 'm", "'m"}, {" do not", " don't"}, {" 's", "'s"}, {" 've", "'ve"}, {" 're", "'re"},
	} {
		s = strings.ReplaceAll(s, p[0], p[1])
	}
	return s
}

// MetaspaceDecoder turns SentencePiece's '▁' back into spaces, dropping it
// from the first token unless the prepend scheme is PrependNever.
type MetaspaceDecoder struct {
	Replacement rune
	Prepend     PrependScheme
	Split       bool
}

// Decode decodes the tokens.
func (d MetaspaceDecoder) Decode(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		var b strings.Builder
		for _, r := range t {
			if r == d.Replacement {
				if i == 0 && d.Prepend != PrependNever {
					continue
				}
				r = ' '
			}
			b.WriteRune(r)
		}
		out[i] = b.String()
	}
	return out, nil
}

// BPEDecoder replaces the end-of-word suffix with a space (none after the
// last token).
type BPEDecoder struct{ Suffix string }

// Decode decodes the tokens.
func (d BPEDecoder) Decode(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		rep := " "
		if i == len(tokens)-1 {
			rep = ""
		}
		out[i] = strings.ReplaceAll(t, d.Suffix, rep)
	}
	return out, nil
}

// ByteFallbackDecoder turns byte tokens "<0xAB>" back into bytes; a run of
// them that is not valid UTF-8 becomes one U+FFFD per byte.
type ByteFallbackDecoder struct{}

// Decode decodes the tokens.
func (ByteFallbackDecoder) Decode(tokens []string) ([]string, error) {
	var out []string
	var pending []byte
	flush := func() {
		if len(pending) == 0 {
			return
		}
		if utf8.Valid(pending) {
			out = append(out, string(pending))
		} else {
			for range pending {
				out = append(out, "\uFFFD")
			}
		}
		pending = pending[:0]
	}
	for _, t := range tokens {
		if len(t) == 6 && strings.HasPrefix(t, "<0x") && t[5] == '>' {
			if v, err := strconv.ParseUint(t[3:5], 16, 8); err == nil {
				pending = append(pending, byte(v))
				continue
			}
		}
		flush()
		out = append(out, t)
	}
	flush()
	return out, nil
}

// FuseDecoder joins all tokens into one.
type FuseDecoder struct{}

// Decode joins the tokens.
func (FuseDecoder) Decode(tokens []string) ([]string, error) {
	return []string{strings.Join(tokens, "")}, nil
}

// StripDecoder removes up to Start copies of Content from the start and up
// to Stop from the end of each token.
type StripDecoder struct {
	Content     rune
	Start, Stop int
}

// Decode strips the tokens.
func (d StripDecoder) Decode(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		for k := 0; k < d.Start; k++ {
			r, w := utf8.DecodeRuneInString(t)
			if w == 0 || r != d.Content {
				break
			}
			t = t[w:]
		}
		for k := 0; k < d.Stop; k++ {
			r, w := utf8.DecodeLastRuneInString(t)
			if w == 0 || r != d.Content {
				break
			}
			t = t[:len(t)-w]
		}
		out[i] = t
	}
	return out, nil
}

// ReplaceDecoder replaces a literal string or regular expression in every
// token.
type ReplaceDecoder struct {
	Old    string
	Regexp *regexp.Regexp
	New    string
}

// Decode rewrites the tokens.
func (d ReplaceDecoder) Decode(tokens []string) ([]string, error) {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		if d.Regexp != nil {
			out[i] = d.Regexp.ReplaceAllLiteralString(t, d.New)
		} else if d.Old != "" {
			out[i] = strings.ReplaceAll(t, d.Old, d.New)
		} else {
			out[i] = t
		}
	}
	return out, nil
}

// DecoderSequence applies decoders in order.
type DecoderSequence []Decoder

// Decode applies each decoder to the output of the previous.
func (s DecoderSequence) Decode(tokens []string) ([]string, error) {
	var err error
	for _, d := range s {
		tokens, err = d.Decode(tokens)
		if err != nil {
			return nil, err
		}
	}
	return tokens, nil
}
