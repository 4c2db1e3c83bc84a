// Package quiz reads the quiz databases of BSD quiz(6), shipped in data/
// (from Debian's bsdgames package; see data/README.md), into facts with
// their questions and answer sentences: capitals of countries and US
// states, state abbreviations and flowers, chemical symbols and atomic
// numbers, collective nouns, young animals and feminine forms. The
// examples chat and qa build their training data from them.
//
// A database holds one item a line, its fields separated by ':'
// ("France:Paris"), a '\' at the end of a line continuing it. A Field is
// a pattern: "a|b" are alternatives, "{x}" is optional ("Cal{if{ornia}}"
// matches "Cal", "Calif" and "California"), "[x|y]" is a required choice
// ("Yaound['e|e'|e]", accents written as two characters), and groups nest.
package quiz

import (
	"fmt"
	"strings"
	"unicode"
)

// A quiz database of BSD quiz(6) holds one item a line, its fields
// separated by ':' ("France:Paris"), a '\' at the end of a line continuing
// it. A Field is a Field: "a|b" are alternatives, "{x}" is optional
// ("Cal{if{ornia}}" matches "Cal", "Calif" and "California"), "[x|y]" is
// a required choice ("Yaound['e|e'|e]", accents written as two
// characters), and groups nest.

// Item is one line of a database: its fields, parsed.
type Item []Field

// Field is one Field: its alternatives.
type Field []seq

// seq is a sequence of literal text and groups.
type seq []part

// part is literal text, or a group of alternatives (optional for "{}").
type part struct {
	text     string
	group    Field
	optional bool
}

// Parse reads a quiz database.
func Parse(src string) ([]Item, error) {
	var items []Item
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	for n := 0; n < len(lines); n++ {
		line, first := lines[n], n+1
		for strings.HasSuffix(line, "\\") && n+1 < len(lines) {
			n++
			line = line[:len(line)-1] + lines[n]
		}
		if strings.TrimSpace(line) == "" {
			continue
		}
		item, err := parseItem(line)
		if err != nil {
			return nil, fmt.Errorf("line %d: %w", first, err)
		}
		items = append(items, item)
	}
	return items, nil
}

// parseItem splits a line into fields at the ':' outside groups.
func parseItem(line string) (Item, error) {
	p := &quizParser{s: line}
	var item Item
	for {
		f, err := p.alternatives(0)
		if err != nil {
			return nil, err
		}
		item = append(item, f)
		if p.i >= len(p.s) {
			return item, nil
		}
		if p.s[p.i] != ':' {
			return nil, fmt.Errorf("unexpected %q at byte %d of %q", p.s[p.i], p.i, line)
		}
		p.i++
	}
}

type quizParser struct {
	s string
	i int
}

// alternatives parses "seq|seq|..." up to the closing bracket close (0 at
// the top level, where ':' ends a Field).
func (p *quizParser) alternatives(close byte) (Field, error) {
	var alts Field
	for {
		s, err := p.sequence(close)
		if err != nil {
			return nil, err
		}
		alts = append(alts, s)
		if p.i < len(p.s) && p.s[p.i] == '|' {
			p.i++
			continue
		}
		return alts, nil
	}
}

func (p *quizParser) sequence(close byte) (seq, error) {
	var out seq
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			out = append(out, part{text: lit.String()})
			lit.Reset()
		}
	}
	for p.i < len(p.s) {
		c := p.s[p.i]
		switch {
		case c == '|' || (close == 0 && c == ':') || (close != 0 && c == close):
			flush()
			return out, nil
		case c == '}' || c == ']':
			return nil, fmt.Errorf("unbalanced %q at byte %d of %q", c, p.i, p.s)
		case c == '{' || c == '[':
			flush()
			end := byte('}')
			if c == '[' {
				end = ']'
			}
			p.i++
			g, err := p.alternatives(end)
			if err != nil {
				return nil, err
			}
			if p.i >= len(p.s) || p.s[p.i] != end {
				return nil, fmt.Errorf("unclosed %q in %q", c, p.s)
			}
			p.i++
			out = append(out, part{group: g, optional: c == '{'})
		case c == '\\' && p.i+1 < len(p.s):
			lit.WriteByte(p.s[p.i+1])
			p.i += 2
		default:
			lit.WriteByte(c)
			p.i++
		}
	}
	if close != 0 {
		return nil, fmt.Errorf("unclosed group in %q", p.s)
	}
	flush()
	return out, nil
}

// Canonical returns the field's fullest plain form: the first
// alternative (but an abbreviation in capitals gives way to a longer
// one), every optional part included, and in a choice the first
// alternative written without accent codes ("Yaound['e|e'|e]" gives
// "Yaounde").
func (p Field) Canonical() string {
	best := p[0].canonical()
	if isUpper(best) {
		for _, s := range p[1:] {
			if c := s.canonical(); len(c) > len(best) {
				best = c
			}
		}
	}
	return strings.Join(strings.Fields(best), " ")
}

func (s seq) canonical() string {
	var b strings.Builder
	for _, pt := range s {
		if pt.group == nil {
			b.WriteString(pt.text)
			continue
		}
		if pt.optional {
			b.WriteString(pt.group[0].canonical())
			continue
		}
		choice := pt.group[0].canonical()
		for _, alt := range pt.group {
			if c := alt.canonical(); plain(c) {
				choice = c
				break
			}
		}
		b.WriteString(choice)
	}
	return b.String()
}

// Forms returns every string the field matches, spaces collapsed (at
// most limit of them).
func (p Field) Forms(limit int) []string {
	var out []string
	seen := map[string]bool{}
	for _, f := range p.raw(limit) {
		f = strings.Join(strings.Fields(f), " ")
		if !seen[f] && len(out) < limit {
			seen[f] = true
			out = append(out, f)
		}
	}
	return out
}

// raw returns the strings the Field matches, as written.
func (p Field) raw(limit int) []string {
	var out []string
	seen := map[string]bool{}
	for _, s := range p {
		for _, f := range s.forms(limit) {
			if !seen[f] && len(out) < limit {
				seen[f] = true
				out = append(out, f)
			}
		}
	}
	return out
}

func (s seq) forms(limit int) []string {
	out := []string{""}
	for _, pt := range s {
		var opts []string
		if pt.group == nil {
			opts = []string{pt.text}
		} else {
			opts = pt.group.raw(limit)
			if pt.optional {
				opts = append(opts, "")
			}
		}
		var next []string
		for _, a := range out {
			for _, o := range opts {
				if len(next) < limit {
					next = append(next, a+o)
				}
			}
		}
		out = next
	}
	return out
}

// plain reports text free of the quiz's accent codes: letters, digits,
// spaces, hyphens and full stops only.
func plain(s string) bool {
	for _, r := range s {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)) || r == ' ' || r == '-' || r == '.') {
			return false
		}
	}
	return true
}

func isUpper(s string) bool {
	return s != "" && strings.ToUpper(s) == s && strings.ToLower(s) != s
}
