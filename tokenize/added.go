package tokenize

import (
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// AddedToken is a token added to a tokenizer on top of its model's
// vocabulary: special tokens ([CLS], <|endoftext|>) and user tokens. Added
// tokens are found in the input before the model runs and are never split.
type AddedToken struct {
	// Content is the token's text.
	Content string
	// ID is the token's id, assigned when it is added.
	ID int
	// Special marks tokens that Decode can skip and whose text in the
	// input is matched, kept as text or refused as the SpecialText of the
	// tokenizer or of the call says.
	Special bool
	// SingleWord matches the token only where it is not part of a larger
	// word.
	SingleWord bool
	// LStrip and RStrip make the match swallow white space on the left or
	// right.
	LStrip, RStrip bool
	// Normalized matches the token in the normalized text rather than the
	// original.
	Normalized bool
}

// addedVocab holds the added tokens and their matchers.
type addedVocab struct {
	tokens  []AddedToken // in the order added
	byText  map[string]int
	byID    map[int]int
	special map[int]bool
	raw     matcher // tokens matched in the original text
	norm    matcher // tokens matched in the normalized text
}

// matcher finds the leftmost-longest occurrences of a set of strings.
type matcher struct {
	first [256]bool
	// byFirst lists the tokens (indices into addedVocab.tokens) by their
	// first byte, longest first.
	byFirst map[byte][]int
	n       int
	// only is the one first byte of all tokens, or -1 when they start
	// with different bytes; the scan then jumps with IndexByte.
	only int
}

func (v *addedVocab) rebuild() {
	v.raw = matcher{byFirst: map[byte][]int{}}
	v.norm = matcher{byFirst: map[byte][]int{}}
	for i, t := range v.tokens {
		if t.Content == "" {
			continue
		}
		m := &v.raw
		if t.Normalized && !t.Special {
			m = &v.norm
		}
		c := t.Content[0]
		m.first[c] = true
		m.byFirst[c] = append(m.byFirst[c], i)
		m.n++
	}
	for _, m := range []*matcher{&v.raw, &v.norm} {
		for _, l := range m.byFirst {
			sort.SliceStable(l, func(a, b int) bool { return len(v.tokens[l[a]].Content) > len(v.tokens[l[b]].Content) })
		}
		m.only = -1
		if len(m.byFirst) == 1 {
			for c := range m.byFirst {
				m.only = int(c)
			}
		}
	}
}

// segment is a part of a text: an added token (tok >= 0) or plain text.
type segment struct {
	start, end int
	tok        int // index into addedVocab.tokens, or -1
}

// find cuts s into plain segments and added-token matches; pol says which
// special tokens are matched (the others are plain text).
func (v *addedVocab) find(m *matcher, s string, pol *specialPolicy, dst []segment) []segment {
	if m.n == 0 || len(s) == 0 {
		return append(dst, segment{0, len(s), -1})
	}
	last := 0
	for i := 0; i < len(s); i++ {
		if m.only >= 0 {
			k := strings.IndexByte(s[i:], byte(m.only))
			if k < 0 {
				break
			}
			i += k
		} else if !m.first[s[i]] {
			continue
		}
		best := -1
		for _, k := range m.byFirst[s[i]] {
			t := &v.tokens[k]
			if pol.action(t) != actMatch {
				continue
			}
			if strings.HasPrefix(s[i:], t.Content) {
				best = k
				break
			}
		}
		if best < 0 {
			continue
		}
		t := &v.tokens[best]
		start, stop := i, i+len(t.Content)
		if t.SingleWord {
			if (start > 0 && endsWithWord(s[:start])) || (stop < len(s) && startsWithWord(s[stop:])) {
				continue
			}
		}
		if t.LStrip {
			start = max(len(strings.TrimRightFunc(s[:start], unicode.IsSpace)), last)
		}
		if t.RStrip {
			stop = len(s) - len(strings.TrimLeftFunc(s[stop:], unicode.IsSpace))
		}
		if last < start {
			dst = append(dst, segment{last, start, -1})
		}
		dst = append(dst, segment{start, stop, best})
		last = stop
		i = stop - 1
	}
	if last < len(s) {
		dst = append(dst, segment{last, len(s), -1})
	}
	return dst
}

func endsWithWord(s string) bool {
	r, _ := utf8.DecodeLastRuneInString(s)
	return isWordRune(r)
}

func startsWithWord(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return isWordRune(r)
}

// AddTokens adds tokens to the vocabulary and returns how many were new.
// A token already known to the model keeps the model's id; a new one gets
// the next free id after the model's vocabulary (the ID field is ignored).
// Adding is not safe while other goroutines encode.
func (t *Tokenizer) AddTokens(tokens ...AddedToken) int {
	n := 0
	for _, tok := range tokens {
		if t.addToken(tok, false) {
			n++
		}
	}
	t.added.rebuild()
	return n
}

// addToken adds one token; with explicitID its ID field is kept (as when
// loading a tokenizer.json). It reports whether the token was new.
func (t *Tokenizer) addToken(tok AddedToken, explicitID bool) bool {
	v := &t.added
	if v.byText == nil {
		v.byText = map[string]int{}
		v.byID = map[int]int{}
		v.special = map[int]bool{}
	}
	if tok.Content == "" {
		return false
	}
	if i, ok := v.byText[tok.Content]; ok {
		// Update the flags of a known token, keep its id.
		if !explicitID {
			tok.ID = v.tokens[i].ID
		}
		delete(v.byID, v.tokens[i].ID)
		v.tokens[i] = tok
		v.byID[tok.ID] = i
		v.special[tok.ID] = tok.Special
		return false
	}
	if !explicitID {
		if id, ok := t.Model.TokenToID(tok.Content); ok {
			tok.ID = id
		} else {
			next := t.Model.VocabSize()
			for _, a := range v.tokens {
				next = max(next, a.ID+1)
			}
			tok.ID = next
		}
	}
	v.byText[tok.Content] = len(v.tokens)
	v.byID[tok.ID] = len(v.tokens)
	v.special[tok.ID] = tok.Special
	v.tokens = append(v.tokens, tok)
	return true
}

// AddSpecialTokens adds special tokens (matched in the original text,
// skipped by Decode when asked) and returns how many were new.
func (t *Tokenizer) AddSpecialTokens(contents ...string) int {
	toks := make([]AddedToken, len(contents))
	for i, c := range contents {
		toks[i] = AddedToken{Content: c, Special: true}
	}
	return t.AddTokens(toks...)
}

// AddedTokens returns the added tokens in the order they were added.
func (t *Tokenizer) AddedTokens() []AddedToken {
	return append([]AddedToken(nil), t.added.tokens...)
}
