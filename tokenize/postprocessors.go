package tokenize

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// A PostProcessor adds special tokens around the encoded sequences and
// joins a pair into one Encoding. Post-processors must be safe for
// concurrent use.
type PostProcessor interface {
	// AddedTokens returns how many tokens Process adds to a single
	// sequence or to a pair.
	AddedTokens(pair bool) int
	// Process joins a and b (nil for a single sequence), adding special
	// tokens if addSpecial is set.
	Process(a, b *Encoding, addSpecial bool) (*Encoding, error)
}

// TemplatePiece is one element of a template: a sequence ($A or $B) or a
// special token, with the type id its tokens get.
type TemplatePiece struct {
	// Sequence is "A" or "B" for an input sequence, empty for a special
	// token.
	Sequence string
	// Special names a special token of the template.
	Special string
	TypeID  int
}

// SpecialToken is a special token of a template: a name and the ids (and
// token strings) it expands to.
type SpecialToken struct {
	Name   string
	IDs    []int
	Tokens []string
}

// Template is Hugging Face's TemplateProcessing: a template for single
// sequences and one for pairs, such as BERT's
//
//	single: [CLS] $A [SEP]
//	pair:   [CLS] $A [SEP] $B:1 [SEP]:1
type Template struct {
	Single, Pair []TemplatePiece
	Specials     map[string]SpecialToken
}

// ParseTemplate parses a template written as in Hugging Face tokenizers:
// space-separated pieces, "$A", "$B" or "$" for sequences ("$0".."$9" for
// sequence A with that type id), any other word for a special token, each
// with an optional ":type_id".
func ParseTemplate(s string) ([]TemplatePiece, error) {
	var out []TemplatePiece
	for _, w := range strings.Fields(s) {
		name, typ, hasType := strings.Cut(w, ":")
		tid := 0
		if hasType {
			v, err := strconv.Atoi(typ)
			if err != nil || v < 0 {
				return nil, fmt.Errorf("template piece %q: bad type id", w)
			}
			tid = v
		}
		if strings.HasPrefix(name, "$") {
			rest := name[1:]
			switch {
			case rest == "" || rest == "A" || rest == "a":
				out = append(out, TemplatePiece{Sequence: "A", TypeID: tid})
			case rest == "B" || rest == "b":
				out = append(out, TemplatePiece{Sequence: "B", TypeID: tid})
			default:
				v, err := strconv.Atoi(rest)
				if err != nil || hasType {
					return nil, fmt.Errorf("template piece %q: want $A, $B or $<type id>", w)
				}
				out = append(out, TemplatePiece{Sequence: "A", TypeID: v})
			}
			continue
		}
		out = append(out, TemplatePiece{Special: name, TypeID: tid})
	}
	return out, nil
}

// NewTemplate builds a Template from its two templates and the special
// tokens they use (name → id, each expanding to itself).
func NewTemplate(single, pair string, specials map[string]int) (*Template, error) {
	s, err := ParseTemplate(single)
	if err != nil {
		return nil, err
	}
	p, err := ParseTemplate(pair)
	if err != nil {
		return nil, err
	}
	t := &Template{Single: s, Pair: p, Specials: map[string]SpecialToken{}}
	for name, id := range specials {
		t.Specials[name] = SpecialToken{Name: name, IDs: []int{id}, Tokens: []string{name}}
	}
	return t, t.validate()
}

func (t *Template) validate() error {
	hasA, hasB := false, false
	for _, p := range t.Pair {
		hasA = hasA || p.Sequence == "A"
		hasB = hasB || p.Sequence == "B"
	}
	if len(t.Pair) > 0 && (!hasA || !hasB) {
		return errors.New("template for pairs must use both $A and $B")
	}
	for _, p := range append(append([]TemplatePiece(nil), t.Single...), t.Pair...) {
		if p.Special == "" {
			continue
		}
		st, ok := t.Specials[p.Special]
		if !ok {
			return fmt.Errorf("template uses the undefined special token %q", p.Special)
		}
		if len(st.IDs) != len(st.Tokens) {
			return fmt.Errorf("special token %q has %d ids and %d tokens", p.Special, len(st.IDs), len(st.Tokens))
		}
	}
	return nil
}

// AddedTokens counts the special tokens of the template.
func (t *Template) AddedTokens(pair bool) int {
	tpl := t.Single
	if pair {
		tpl = t.Pair
	}
	n := 0
	for _, p := range tpl {
		if p.Special != "" {
			n += len(t.Specials[p.Special].IDs)
		}
	}
	return n
}

// Process applies the template.
func (t *Template) Process(a, b *Encoding, addSpecial bool) (*Encoding, error) {
	tpl := t.Single
	if b != nil {
		tpl = t.Pair
		if len(tpl) == 0 {
			tpl = []TemplatePiece{{Sequence: "A"}, {Sequence: "B", TypeID: 1}}
		}
	}
	if len(tpl) == 0 {
		tpl = []TemplatePiece{{Sequence: "A"}}
	}
	if len(a.Overflowing) == 0 && (b == nil || len(b.Overflowing) == 0) {
		return t.assemble(tpl, a, b, addSpecial)
	}
	var parts []*Encoding
	for _, p := range tpl {
		switch {
		case p.Sequence == "A" || p.Sequence == "B":
			e := a
			if p.Sequence == "B" {
				if b == nil {
					return nil, errors.New("template uses $B for a single sequence")
				}
				e = b
			}
			c := e.clone()
			c.setTypeID(p.TypeID)
			parts = append(parts, c)
		case addSpecial:
			st, ok := t.Specials[p.Special]
			if !ok {
				return nil, fmt.Errorf("template uses the undefined special token %q", p.Special)
			}
			parts = append(parts, specialEncoding(st.IDs, st.Tokens, p.TypeID))
		}
	}
	return mergeEncodings(parts), nil
}

// assemble applies a template to encodings without overflowing windows,
// writing the result once instead of cloning and merging the parts.
func (t *Template) assemble(tpl []TemplatePiece, a, b *Encoding, addSpecial bool) (*Encoding, error) {
	if b == nil && addSpecial {
		if e, ok := t.assembleInPlace(tpl, a); ok {
			return e, nil
		}
	}
	n := 0
	for _, p := range tpl {
		switch {
		case p.Sequence == "A":
			n += len(a.IDs)
		case p.Sequence == "B":
			if b == nil {
				return nil, errors.New("template uses $B for a single sequence")
			}
			n += len(b.IDs)
		case addSpecial:
			st, ok := t.Specials[p.Special]
			if !ok {
				return nil, fmt.Errorf("template uses the undefined special token %q", p.Special)
			}
			n += len(st.IDs)
		}
	}
	out := &Encoding{texts: a.texts}
	if b != nil {
		out.texts[1] = b.texts[1]
	}
	ints := make([]int, 0, 6*n)
	out.IDs, out.TypeIDs, out.WordIDs = ints[0:0:n], ints[n:n:2*n], ints[2*n:2*n:3*n]
	out.SequenceIDs, out.SpecialTokensMask, out.AttentionMask = ints[3*n:3*n:4*n], ints[4*n:4*n:5*n], ints[5*n:5*n:6*n]
	out.Tokens = make([]string, 0, n)
	out.Offsets = make([]Offset, 0, n)
	for _, p := range tpl {
		var e *Encoding
		switch p.Sequence {
		case "A":
			e = a
		case "B":
			e = b
		}
		if e != nil {
			out.IDs = append(out.IDs, e.IDs...)
			out.Tokens = append(out.Tokens, e.Tokens...)
			out.Offsets = append(out.Offsets, e.Offsets...)
			out.WordIDs = append(out.WordIDs, e.WordIDs...)
			out.SequenceIDs = append(out.SequenceIDs, e.SequenceIDs...)
			out.SpecialTokensMask = append(out.SpecialTokensMask, e.SpecialTokensMask...)
			out.AttentionMask = append(out.AttentionMask, e.AttentionMask...)
			for range e.IDs {
				out.TypeIDs = append(out.TypeIDs, p.TypeID)
			}
			continue
		}
		if !addSpecial {
			continue
		}
		st := t.Specials[p.Special]
		for i, id := range st.IDs {
			out.IDs = append(out.IDs, id)
			out.Tokens = append(out.Tokens, st.Tokens[i])
			out.Offsets = append(out.Offsets, Offset{})
			out.WordIDs = append(out.WordIDs, -1)
			out.SequenceIDs = append(out.SequenceIDs, -1)
			out.SpecialTokensMask = append(out.SpecialTokensMask, 1)
			out.AttentionMask = append(out.AttentionMask, 1)
			out.TypeIDs = append(out.TypeIDs, p.TypeID)
		}
	}
	return out, nil
}

// assembleInPlace applies a template of special tokens around one $A to a
// by growing a's slices in place, when the encoder left room for them: a
// long encoding is then not copied. It reports false when it cannot.
func (t *Template) assembleInPlace(tpl []TemplatePiece, a *Encoding) (*Encoding, bool) {
	pre, post, seen, typeID := 0, 0, false, 0
	for _, p := range tpl {
		switch {
		case p.Sequence == "A":
			if seen {
				return nil, false
			}
			seen, typeID = true, p.TypeID
		case p.Sequence != "":
			return nil, false
		default:
			st, ok := t.Specials[p.Special]
			if !ok || len(st.IDs) != len(st.Tokens) {
				return nil, false
			}
			if seen {
				post += len(st.IDs)
			} else {
				pre += len(st.IDs)
			}
		}
	}
	k := pre + post
	if !seen || !hasRoom(k, a.IDs, a.TypeIDs, a.WordIDs, a.SequenceIDs, a.SpecialTokensMask, a.AttentionMask) ||
		cap(a.Tokens)-len(a.Tokens) < k || cap(a.Offsets)-len(a.Offsets) < k {
		return nil, false
	}
	n := len(a.IDs)
	for i := range a.TypeIDs {
		a.TypeIDs[i] = typeID
	}
	a.IDs, a.TypeIDs, a.WordIDs = shiftIn(a.IDs, pre, post), shiftIn(a.TypeIDs, pre, post), shiftIn(a.WordIDs, pre, post)
	a.SequenceIDs, a.SpecialTokensMask, a.AttentionMask = shiftIn(a.SequenceIDs, pre, post), shiftIn(a.SpecialTokensMask, pre, post), shiftIn(a.AttentionMask, pre, post)
	a.Tokens, a.Offsets = shiftIn(a.Tokens, pre, post), shiftIn(a.Offsets, pre, post)
	i, seen := 0, false
	for _, p := range tpl {
		if p.Sequence == "A" {
			i, seen = pre+n, true
			continue
		}
		st := t.Specials[p.Special]
		for j, id := range st.IDs {
			a.IDs[i], a.Tokens[i], a.Offsets[i], a.TypeIDs[i] = id, st.Tokens[j], Offset{}, p.TypeID
			a.WordIDs[i], a.SequenceIDs[i], a.SpecialTokensMask[i], a.AttentionMask[i] = -1, -1, 1, 1
			i++
		}
	}
	return a, true
}

func hasRoom(k int, ss ...[]int) bool {
	for _, s := range ss {
		if cap(s)-len(s) < k {
			return false
		}
	}
	return true
}

// shiftIn lengthens s by pre+post and moves its elements pre places right.
func shiftIn[T any](s []T, pre, post int) []T {
	n := len(s)
	s = s[:n+pre+post]
	copy(s[pre:], s[:n])
	return s
}

func specialEncoding(ids []int, toks []string, typeID int) *Encoding {
	n := len(ids)
	return &Encoding{
		IDs:               append([]int(nil), ids...),
		TypeIDs:           repeat(typeID, n),
		Tokens:            append([]string(nil), toks...),
		Offsets:           make([]Offset, n),
		WordIDs:           repeat(-1, n),
		SequenceIDs:       repeat(-1, n),
		SpecialTokensMask: repeat(1, n),
		AttentionMask:     repeat(1, n),
	}
}

// NewBertProcessing returns BERT's post-processor: [CLS] A [SEP] and
// [CLS] A [SEP] B [SEP] with type id 1 for B and its [SEP].
func NewBertProcessing(sep string, sepID int, cls string, clsID int) *Template {
	t, _ := NewTemplate(cls+" $A "+sep, cls+" $A "+sep+" $B:1 "+sep+":1", map[string]int{cls: clsID, sep: sepID})
	return t
}

// RobertaProcessing is RoBERTa's post-processor: <s> A </s> and
// <s> A </s> </s> B </s>, all type ids 0, with optional trimming of white
// space from the offsets (as ByteLevelProcessing).
type RobertaProcessing struct {
	Template       *Template
	TrimOffsets    bool
	AddPrefixSpace bool
}

// NewRobertaProcessing returns RoBERTa's post-processor.
func NewRobertaProcessing(sep string, sepID int, cls string, clsID int, trimOffsets, addPrefixSpace bool) *RobertaProcessing {
	t, _ := NewTemplate(cls+" $A "+sep, cls+" $A "+sep+" "+sep+" $B "+sep, map[string]int{cls: clsID, sep: sepID})
	return &RobertaProcessing{Template: t, TrimOffsets: trimOffsets, AddPrefixSpace: addPrefixSpace}
}

// AddedTokens counts the special tokens.
func (r *RobertaProcessing) AddedTokens(pair bool) int { return r.Template.AddedTokens(pair) }

// Process trims offsets and applies the template.
func (r *RobertaProcessing) Process(a, b *Encoding, addSpecial bool) (*Encoding, error) {
	if r.TrimOffsets {
		trimOffsets(a, r.AddPrefixSpace)
		if b != nil {
			trimOffsets(b, r.AddPrefixSpace)
		}
	}
	return r.Template.Process(a, b, addSpecial)
}

// ByteLevelProcessing is the post-processor of byte-level BPE: it adds no
// tokens and, with TrimOffsets, removes leading and trailing white space
// from the offsets of each token.
type ByteLevelProcessing struct {
	TrimOffsets bool
	// AddPrefixSpace is kept for tokenizer.json; it does not change
	// offsets here.
	AddPrefixSpace bool
}

// AddedTokens returns 0.
func (ByteLevelProcessing) AddedTokens(bool) int { return 0 }

// Process trims offsets and joins a pair.
func (p ByteLevelProcessing) Process(a, b *Encoding, addSpecial bool) (*Encoding, error) {
	if p.TrimOffsets {
		trimOffsets(a, p.AddPrefixSpace)
		if b != nil {
			trimOffsets(b, p.AddPrefixSpace)
		}
	}
	return defaultProcess(a, b), nil
}

// trimOffsets shrinks each token's offsets to exclude the spaces at its
// ends, as Hugging Face's byte-level post-processor does: it counts the
// leading and trailing 'Ġ' (a space byte) or white-space runes of the token
// string. With addPrefixSpace, one leading space of the first token is kept.
func trimOffsets(e *Encoding, addPrefixSpace bool) {
	for _, o := range e.Overflowing {
		trimOffsets(o, addPrefixSpace)
	}
	isSpace := func(r rune) bool { return r == 'Ġ' || unicode.IsSpace(r) }
	for i, o := range e.Offsets {
		tok := e.Tokens[i]
		lead, trail := 0, 0
		for _, r := range tok {
			if !isSpace(r) {
				break
			}
			lead++
		}
		for s := tok; s != ""; {
			r, w := utf8.DecodeLastRuneInString(s)
			if !isSpace(r) {
				break
			}
			trail++
			s = s[:len(s)-w]
		}
		if lead == 0 && trail == 0 {
			continue
		}
		if lead > 0 {
			if (i == 0 || o.Start == 0) && addPrefixSpace && lead == 1 {
				lead = 0
			}
			o.Start = min(o.Start+lead, o.End)
		}
		if trail > 0 && o.End >= trail {
			o.End = max(o.End-trail, o.Start)
		}
		e.Offsets[i] = o
	}
}

// defaultProcess joins a pair with no special tokens, as Hugging Face does
// without a post-processor.
func defaultProcess(a, b *Encoding) *Encoding {
	if b == nil {
		return a
	}
	return mergeEncodings([]*Encoding{a, b})
}

// PostProcessorSequence applies post-processors in order.
type PostProcessorSequence []PostProcessor

// AddedTokens sums the tokens added by each.
func (s PostProcessorSequence) AddedTokens(pair bool) int {
	n := 0
	for _, p := range s {
		n += p.AddedTokens(pair)
	}
	return n
}

// Process applies each processor; after the first, a pair is already
// joined, so later processors see one encoding.
func (s PostProcessorSequence) Process(a, b *Encoding, addSpecial bool) (*Encoding, error) {
	var err error
	for _, p := range s {
		a, err = p.Process(a, b, addSpecial)
		if err != nil {
			return nil, err
		}
		b = nil
	}
	if b != nil {
		a = defaultProcess(a, b)
	}
	return a, nil
}
