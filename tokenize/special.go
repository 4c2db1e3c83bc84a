package tokenize

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// SpecialText says what encoding does with the text of a special token
// ([CLS], <|endoftext|>) found in its input. Text that reads like a special
// token may come from an untrusted user: matching it lets that user inject
// control tokens into a prompt.
type SpecialText int

const (
	// SpecialDefault, in EncodeOptions, takes the tokenizer's SpecialText;
	// as a Tokenizer's SpecialText it means SpecialMatch.
	SpecialDefault SpecialText = iota
	// SpecialMatch encodes the text of a special token as that token:
	// Hugging Face's behaviour (split_special_tokens=False), tiktoken's
	// allowed_special="all".
	SpecialMatch
	// SpecialAsText encodes it as plain text like any other: tiktoken's
	// encode_ordinary, Hugging Face's split_special_tokens=True.
	SpecialAsText
	// SpecialRefuse makes encoding fail with a *SpecialTokenError (which
	// matches ErrSpecialToken): tiktoken's encode with its default
	// disallowed_special="all".
	SpecialRefuse
)

func (s SpecialText) String() string {
	switch s {
	case SpecialDefault:
		return "default"
	case SpecialMatch:
		return "match"
	case SpecialAsText:
		return "as-text"
	case SpecialRefuse:
		return "refuse"
	}
	return fmt.Sprintf("SpecialText(%d)", int(s))
}

// ErrSpecialToken: the input holds the text of a special token that the
// call does not allow. The error is a *SpecialTokenError.
var ErrSpecialToken = errors.New("tokenize: special token in input")

// SpecialTokenError reports the first special token found in an input that
// may not hold it.
type SpecialTokenError struct {
	// Token is the special token's text.
	Token string
	// Offset is the byte offset of the token in its sequence.
	Offset int
	// Sequence is 0 for the first sequence, 1 for the second of a pair.
	Sequence int
}

func (e *SpecialTokenError) Error() string {
	where := ""
	if e.Sequence == 1 {
		where = " of the second sequence"
	}
	return fmt.Sprintf("tokenize: the input holds special token %q at byte %d%s; "+
		"allow it (EncodeOptions.AllowedSpecial, SpecialMatch) or encode it as text (EncodeOrdinary, SpecialAsText)",
		e.Token, e.Offset, where)
}

// Is makes errors.Is(err, ErrSpecialToken) true.
func (e *SpecialTokenError) Is(target error) bool { return target == ErrSpecialToken }

// specialAction is what one call does with one added token found in the
// input.
type specialAction uint8

const (
	actMatch specialAction = iota
	actText
	actRefuse
)

// specialPolicy is the resolved special-token choice of one call.
type specialPolicy struct {
	mode                SpecialText // SpecialMatch, SpecialAsText or SpecialRefuse
	allowed, disallowed []string
}

// policy resolves a call's options against the tokenizer's default.
func (t *Tokenizer) policy(o *EncodeOptions) (specialPolicy, error) {
	p := specialPolicy{mode: o.SpecialText, allowed: o.AllowedSpecial, disallowed: o.DisallowedSpecial}
	if p.mode == SpecialDefault {
		p.mode = t.SpecialText
	}
	switch p.mode {
	case SpecialDefault:
		p.mode = SpecialMatch
	case SpecialMatch, SpecialAsText, SpecialRefuse:
	default:
		return p, fmt.Errorf("tokenize: unknown SpecialText %d", int(p.mode))
	}
	for _, list := range [][]string{p.allowed, p.disallowed} {
		for _, s := range list {
			i, ok := t.added.byText[s]
			if !ok || !t.added.tokens[i].Special {
				return p, fmt.Errorf("tokenize: %q in AllowedSpecial or DisallowedSpecial is not a special token of this tokenizer", s)
			}
		}
	}
	for _, s := range p.allowed {
		if slices.Contains(p.disallowed, s) {
			return p, fmt.Errorf("tokenize: %q is both allowed and disallowed", s)
		}
	}
	return p, nil
}

// action returns what the call does with added token tok. A nil policy
// matches everything.
func (p *specialPolicy) action(tok *AddedToken) specialAction {
	if p == nil || !tok.Special {
		return actMatch
	}
	if len(p.allowed) > 0 && slices.Contains(p.allowed, tok.Content) {
		return actMatch
	}
	if len(p.disallowed) > 0 && slices.Contains(p.disallowed, tok.Content) {
		return actRefuse
	}
	switch p.mode {
	case SpecialAsText:
		return actText
	case SpecialRefuse:
		return actRefuse
	}
	return actMatch
}

// refuses reports whether the policy can refuse any token.
func (p *specialPolicy) refuses() bool {
	return p != nil && (p.mode == SpecialRefuse || len(p.disallowed) > 0)
}

// checkRefused returns a *SpecialTokenError for the first occurrence, at
// any position, of a special token the policy refuses, as tiktoken searches
// the whole text for disallowed tokens before it encodes.
func (t *Tokenizer) checkRefused(text string, seq int, pol *specialPolicy) error {
	if !pol.refuses() || t.added.raw.n == 0 {
		return nil
	}
	m := &t.added.raw
	for i := 0; i < len(text); i++ {
		if m.only >= 0 {
			k := strings.IndexByte(text[i:], byte(m.only))
			if k < 0 {
				return nil
			}
			i += k
		} else if !m.first[text[i]] {
			continue
		}
		for _, k := range m.byFirst[text[i]] {
			tok := &t.added.tokens[k]
			if pol.action(tok) == actRefuse && len(text)-i >= len(tok.Content) && text[i:i+len(tok.Content)] == tok.Content {
				return &SpecialTokenError{Token: tok.Content, Offset: i, Sequence: seq}
			}
		}
	}
	return nil
}
