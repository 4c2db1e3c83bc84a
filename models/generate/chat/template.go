package chat

import (
	"fmt"
	"strings"
)

// stmt is a node of a template's statement tree.
type stmt interface{}

type (
	textStmt struct{ s string }
	outStmt  struct {
		x   node
		pos int
	}
	ifStmt struct {
		conds  []node
		bodies [][]stmt
		els    []stmt
	}
	forStmt struct {
		vars      []string
		iter      node
		cond      node
		body, els []stmt
	}
	setStmt struct {
		name, attr string
		x          node
		body       []stmt // a block set: {% set x %}...{% endset %}
	}
	breakStmt    struct{}
	continueStmt struct{}
)

// treeParser builds the statement tree from the lexer's pieces.
type treeParser struct {
	pieces []piece
	p      int
}

func parseTemplate(src string) ([]stmt, error) {
	// Jinja drops one newline at the end of a template
	// (keep_trailing_newline is off).
	src = strings.TrimSuffix(src, "\n")
	pieces, err := lex(src)
	if err != nil {
		return nil, err
	}
	tp := &treeParser{pieces: pieces}
	body, end, err := tp.block()
	if err != nil {
		return nil, err
	}
	if end != "" {
		return nil, fmt.Errorf("unexpected {%% %s %%}", end)
	}
	return body, nil
}

// keyword splits a statement into its first word and the rest.
func keyword(s string) (string, string) {
	s = strings.TrimSpace(s)
	i := strings.IndexAny(s, " \t\n\r")
	if i < 0 {
		return s, ""
	}
	return s[:i], strings.TrimSpace(s[i:])
}

// block parses statements until an end, elif or else tag, which it returns
// with its piece (the tag is consumed); "" at the end of the template.
func (tp *treeParser) block() ([]stmt, string, error) {
	var out []stmt
	for tp.p < len(tp.pieces) {
		pc := tp.pieces[tp.p]
		tp.p++
		switch pc.kind {
		case textPiece:
			out = append(out, textStmt{pc.text})
			continue
		case exprPiece:
			x, err := parseExpr(pc.text)
			if err != nil {
				return nil, "", fmt.Errorf("offset %d: {{%s}}: %w", pc.pos, pc.text, err)
			}
			out = append(out, outStmt{x, pc.pos})
			continue
		}
		kw, rest := keyword(pc.text)
		wrap := func(err error) error { return fmt.Errorf("offset %d: {%%%s%%}: %w", pc.pos, pc.text, err) }
		switch kw {
		case "endfor", "endif", "elif", "else", "endset", "endgeneration":
			tp.p-- // the caller reads it
			return out, kw, nil
		case "if":
			s, err := tp.ifStmt(rest)
			if err != nil {
				return nil, "", wrap(err)
			}
			out = append(out, s)
		case "for":
			s, err := tp.forStmt(rest)
			if err != nil {
				return nil, "", wrap(err)
			}
			out = append(out, s)
		case "set":
			s, err := tp.setStmt(rest)
			if err != nil {
				return nil, "", wrap(err)
			}
			out = append(out, s)
		case "break":
			out = append(out, breakStmt{})
		case "continue":
			out = append(out, continueStmt{})
		case "generation":
			body, end, err := tp.block()
			if err != nil {
				return nil, "", err
			}
			if end != "endgeneration" {
				return nil, "", wrap(fmt.Errorf("no {%% endgeneration %%}"))
			}
			tp.p++
			out = append(out, body...)
		default:
			return nil, "", wrap(fmt.Errorf("%w: %q", ErrUnsupported, kw))
		}
	}
	return out, "", nil
}

// tag returns the keyword and rest of the current statement piece.
func (tp *treeParser) tag() (string, string) {
	kw, rest := keyword(tp.pieces[tp.p].text)
	tp.p++
	return kw, rest
}

func (tp *treeParser) ifStmt(cond string) (stmt, error) {
	var s ifStmt
	for {
		c, err := parseExpr(cond)
		if err != nil {
			return nil, err
		}
		body, end, err := tp.block()
		if err != nil {
			return nil, err
		}
		s.conds, s.bodies = append(s.conds, c), append(s.bodies, body)
		switch end {
		case "elif":
			_, cond = tp.tag()
			continue
		case "else":
			tp.tag()
			els, end, err := tp.block()
			if err != nil {
				return nil, err
			}
			if end != "endif" {
				return nil, fmt.Errorf("if without endif")
			}
			tp.tag()
			s.els = els
			return s, nil
		case "endif":
			tp.tag()
			return s, nil
		}
		return nil, fmt.Errorf("if without endif")
	}
}

func (tp *treeParser) forStmt(head string) (stmt, error) {
	toks, err := tokenize(head)
	if err != nil {
		return nil, err
	}
	var s forStmt
	i := 0
	for ; i < len(toks) && !(toks[i].kind == tName && toks[i].s == "in"); i++ {
		switch t := toks[i]; {
		case t.kind == tName:
			s.vars = append(s.vars, t.s)
		case t.kind == tOp && (t.s == "," || t.s == "(" || t.s == ")"):
		default:
			return nil, fmt.Errorf("unexpected %s in a loop variable", t.describe())
		}
	}
	if i == len(toks) || len(s.vars) == 0 {
		return nil, fmt.Errorf("expected 'for NAME in EXPR'")
	}
	p := &parser{toks: toks[i+1:]}
	if s.iter, err = p.or(); err != nil {
		return nil, err
	}
	if p.isName("if") {
		p.next()
		if s.cond, err = p.expr(); err != nil {
			return nil, err
		}
	}
	if p.isName("recursive") {
		return nil, fmt.Errorf("%w: recursive loops", ErrUnsupported)
	}
	if p.peek().kind != tEOF {
		return nil, fmt.Errorf("unexpected %s", p.peek().describe())
	}
	body, end, err := tp.block()
	if err != nil {
		return nil, err
	}
	if end == "else" {
		tp.tag()
		if s.els, end, err = tp.block(); err != nil {
			return nil, err
		}
	}
	if end != "endfor" {
		return nil, fmt.Errorf("for without endfor")
	}
	tp.tag()
	s.body = body
	return s, nil
}

func (tp *treeParser) setStmt(rest string) (stmt, error) {
	target, value, hasValue := strings.Cut(rest, "=")
	target = strings.TrimSpace(target)
	if hasValue && strings.HasPrefix(value, "=") { // '==' is no assignment
		hasValue = false
		target = strings.TrimSpace(rest)
	}
	var s setStmt
	name, attr, dotted := strings.Cut(target, ".")
	s.name = strings.TrimSpace(name)
	if dotted {
		s.attr = strings.TrimSpace(attr)
	}
	if !isIdent(s.name) || dotted && !isIdent(s.attr) {
		return nil, fmt.Errorf("%w: assignment to %q", ErrUnsupported, target)
	}
	if hasValue {
		x, err := parseExpr(value)
		if err != nil {
			return nil, err
		}
		s.x = x
		return s, nil
	}
	body, end, err := tp.block()
	if err != nil {
		return nil, err
	}
	if end != "endset" {
		return nil, fmt.Errorf("set without endset")
	}
	tp.tag()
	s.body = body
	return s, nil
}

func isIdent(s string) bool {
	if s == "" {
		return false
	}
	for i, c := range s {
		if !(c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || i > 0 && c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}
