package chat

import (
	"fmt"
	"strconv"
	"strings"
)

// The expression language: the part of Jinja's that chat templates use.

type tokKind int

const (
	tName tokKind = iota
	tString
	tInt
	tFloat
	tOp
	tEOF
)

type token struct {
	kind tokKind
	s    string
	i    int64
	f    float64
}

func tokenize(src string) ([]token, error) {
	var out []token
	i := 0
	for i < len(src) {
		c := src[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '_' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z':
			j := i
			for j < len(src) && (src[j] == '_' || src[j] >= 'a' && src[j] <= 'z' || src[j] >= 'A' && src[j] <= 'Z' || src[j] >= '0' && src[j] <= '9') {
				j++
			}
			out = append(out, token{kind: tName, s: src[i:j]})
			i = j
		case c >= '0' && c <= '9':
			j := i
			isFloat := false
			for j < len(src) && (src[j] >= '0' && src[j] <= '9' || src[j] == '.' && !isFloat && j+1 < len(src) && src[j+1] >= '0' && src[j+1] <= '9') {
				if src[j] == '.' {
					isFloat = true
				}
				j++
			}
			if isFloat {
				f, err := strconv.ParseFloat(src[i:j], 64)
				if err != nil {
					return nil, err
				}
				out = append(out, token{kind: tFloat, f: f})
			} else {
				n, err := strconv.ParseInt(src[i:j], 10, 64)
				if err != nil {
					return nil, err
				}
				out = append(out, token{kind: tInt, i: n})
			}
			i = j
		case c == '\'' || c == '"':
			var b strings.Builder
			j := i + 1
			for ; j < len(src) && src[j] != c; j++ {
				if src[j] == '\\' && j+1 < len(src) {
					j++
					switch src[j] {
					case 'n':
						b.WriteByte('\n')
					case 't':
						b.WriteByte('\t')
					case 'r':
						b.WriteByte('\r')
					case 'u', 'x', 'U':
						n := map[byte]int{'x': 2, 'u': 4, 'U': 8}[src[j]]
						if j+n >= len(src) {
							return nil, fmt.Errorf("truncated escape")
						}
						r, err := strconv.ParseUint(src[j+1:j+1+n], 16, 32)
						if err != nil {
							return nil, fmt.Errorf("bad escape \\%c%s", src[j], src[j+1:j+1+n])
						}
						b.WriteRune(rune(r))
						j += n
					default:
						b.WriteByte(src[j])
					}
					continue
				}
				b.WriteByte(src[j])
			}
			if j >= len(src) {
				return nil, fmt.Errorf("unterminated string")
			}
			out = append(out, token{kind: tString, s: b.String()})
			i = j + 1
		default:
			two := ""
			if i+1 < len(src) {
				two = src[i : i+2]
			}
			switch two {
			case "==", "!=", "<=", ">=", "//", "**":
				out = append(out, token{kind: tOp, s: two})
				i += 2
				continue
			}
			if strings.IndexByte("()[]{}.,:|~+-*/%<>=", c) < 0 {
				return nil, fmt.Errorf("unexpected character %q", c)
			}
			out = append(out, token{kind: tOp, s: string(c)})
			i++
		}
	}
	return append(out, token{kind: tEOF}), nil
}

// node is an expression.
type node interface{}

type (
	litNode  struct{ v any }
	nameNode struct{ name string }
	attrNode struct {
		x    node
		name string
	}
	indexNode struct{ x, i node }
	sliceNode struct{ x, lo, hi, step node }
	callNode  struct {
		fn     node
		args   []node
		kwargs []kwarg
	}
	filterNode struct {
		x      node
		name   string
		args   []node
		kwargs []kwarg
	}
	testNode struct {
		x      node
		name   string
		args   []node
		negate bool
	}
	unaryNode struct {
		op string
		x  node
	}
	binaryNode struct {
		op   string
		l, r node
	}
	condNode struct{ then, cond, els node }
	listNode struct{ items []node }
	dictNode struct{ keys, vals []node }
)

type kwarg struct {
	name string
	v    node
}

type parser struct {
	toks []token
	p    int
}

func parseExpr(src string) (node, error) {
	toks, err := tokenize(src)
	if err != nil {
		return nil, err
	}
	p := &parser{toks: toks}
	n, err := p.expr()
	if err != nil {
		return nil, err
	}
	if p.peek().kind != tEOF {
		return nil, fmt.Errorf("unexpected %s", p.peek().describe())
	}
	return n, nil
}

func (t token) describe() string {
	switch t.kind {
	case tEOF:
		return "end of expression"
	case tString:
		return strconv.Quote(t.s)
	case tInt:
		return strconv.FormatInt(t.i, 10)
	case tFloat:
		return strconv.FormatFloat(t.f, 'g', -1, 64)
	}
	return strconv.Quote(t.s)
}

func (p *parser) peek() token { return p.toks[p.p] }
func (p *parser) next() token {
	t := p.toks[p.p]
	if t.kind != tEOF {
		p.p++
	}
	return t
}

func (p *parser) isOp(s string) bool {
	t := p.peek()
	return t.kind == tOp && t.s == s
}

func (p *parser) isName(s string) bool {
	t := p.peek()
	return t.kind == tName && t.s == s
}

func (p *parser) expect(s string) error {
	if !p.isOp(s) {
		return fmt.Errorf("expected %q, found %s", s, p.peek().describe())
	}
	p.next()
	return nil
}

// expr parses a conditional expression: a if c else b.
func (p *parser) expr() (node, error) {
	n, err := p.or()
	if err != nil {
		return nil, err
	}
	for p.isName("if") {
		p.next()
		cond, err := p.or()
		if err != nil {
			return nil, err
		}
		var els node = litNode{undefined{}}
		if p.isName("else") {
			p.next()
			if els, err = p.expr(); err != nil {
				return nil, err
			}
		}
		n = condNode{n, cond, els}
	}
	return n, nil
}

func (p *parser) or() (node, error) {
	l, err := p.and()
	for err == nil && p.isName("or") {
		p.next()
		var r node
		r, err = p.and()
		l = binaryNode{"or", l, r}
	}
	return l, err
}

func (p *parser) and() (node, error) {
	l, err := p.not()
	for err == nil && p.isName("and") {
		p.next()
		var r node
		r, err = p.not()
		l = binaryNode{"and", l, r}
	}
	return l, err
}

func (p *parser) not() (node, error) {
	if p.isName("not") {
		p.next()
		x, err := p.not()
		return unaryNode{"not", x}, err
	}
	return p.compare()
}

func (p *parser) compare() (node, error) {
	l, err := p.math1()
	if err != nil {
		return nil, err
	}
	for {
		t := p.peek()
		var op string
		switch {
		case t.kind == tOp && (t.s == "==" || t.s == "!=" || t.s == "<" || t.s == ">" || t.s == "<=" || t.s == ">="):
			op = t.s
			p.next()
		case t.kind == tName && t.s == "in":
			op = "in"
			p.next()
		case t.kind == tName && t.s == "not" && p.toks[p.p+1].kind == tName && p.toks[p.p+1].s == "in":
			op = "not in"
			p.next()
			p.next()
		default:
			return l, nil
		}
		r, err := p.math1()
		if err != nil {
			return nil, err
		}
		l = binaryNode{op, l, r}
	}
}

func (p *parser) math1() (node, error) {
	l, err := p.concat()
	for err == nil && (p.isOp("+") || p.isOp("-")) {
		op := p.next().s
		var r node
		r, err = p.concat()
		l = binaryNode{op, l, r}
	}
	return l, err
}

func (p *parser) concat() (node, error) {
	l, err := p.math2()
	for err == nil && p.isOp("~") {
		p.next()
		var r node
		r, err = p.math2()
		l = binaryNode{"~", l, r}
	}
	return l, err
}

func (p *parser) math2() (node, error) {
	l, err := p.unary()
	for err == nil && (p.isOp("*") || p.isOp("/") || p.isOp("//") || p.isOp("%")) {
		op := p.next().s
		var r node
		r, err = p.unary()
		l = binaryNode{op, l, r}
	}
	return l, err
}

func (p *parser) unary() (node, error) {
	if p.isOp("-") || p.isOp("+") {
		op := p.next().s
		x, err := p.unary()
		return unaryNode{op, x}, err
	}
	x, err := p.primary()
	if err != nil {
		return nil, err
	}
	if x, err = p.postfix(x); err != nil {
		return nil, err
	}
	return p.filters(x)
}

func (p *parser) primary() (node, error) {
	t := p.next()
	switch t.kind {
	case tString:
		s := t.s
		for p.peek().kind == tString { // adjacent literals concatenate
			s += p.next().s
		}
		return litNode{s}, nil
	case tInt:
		return litNode{t.i}, nil
	case tFloat:
		return litNode{t.f}, nil
	case tName:
		switch t.s {
		case "true", "True":
			return litNode{true}, nil
		case "false", "False":
			return litNode{false}, nil
		case "none", "None":
			return litNode{nil}, nil
		}
		return nameNode{t.s}, nil
	case tOp:
		switch t.s {
		case "(":
			x, err := p.expr()
			if err != nil {
				return nil, err
			}
			if p.isOp(",") { // a tuple
				items := []node{x}
				for p.isOp(",") {
					p.next()
					if p.isOp(")") {
						break
					}
					y, err := p.expr()
					if err != nil {
						return nil, err
					}
					items = append(items, y)
				}
				x = listNode{items}
			}
			return x, p.expect(")")
		case "[":
			var items []node
			for !p.isOp("]") {
				x, err := p.expr()
				if err != nil {
					return nil, err
				}
				items = append(items, x)
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			return listNode{items}, p.expect("]")
		case "{":
			var d dictNode
			for !p.isOp("}") {
				k, err := p.expr()
				if err != nil {
					return nil, err
				}
				if err := p.expect(":"); err != nil {
					return nil, err
				}
				v, err := p.expr()
				if err != nil {
					return nil, err
				}
				d.keys, d.vals = append(d.keys, k), append(d.vals, v)
				if !p.isOp(",") {
					break
				}
				p.next()
			}
			return d, p.expect("}")
		}
	}
	return nil, fmt.Errorf("unexpected %s", t.describe())
}

func (p *parser) postfix(x node) (node, error) {
	for {
		switch {
		case p.isOp("."):
			p.next()
			t := p.next()
			if t.kind != tName && t.kind != tInt {
				return nil, fmt.Errorf("expected an attribute name after '.', found %s", t.describe())
			}
			if t.kind == tInt {
				x = indexNode{x, litNode{t.i}}
			} else {
				x = attrNode{x, t.s}
			}
		case p.isOp("["):
			p.next()
			var parts [3]node
			n, colons := 0, 0
			for !p.isOp("]") {
				if p.isOp(":") {
					p.next()
					colons++
					n = colons
					if colons > 2 {
						return nil, fmt.Errorf("too many ':' in a subscript")
					}
					continue
				}
				e, err := p.expr()
				if err != nil {
					return nil, err
				}
				parts[n] = e
			}
			p.next()
			if colons == 0 {
				if parts[0] == nil {
					return nil, fmt.Errorf("empty subscript")
				}
				x = indexNode{x, parts[0]}
			} else {
				x = sliceNode{x, parts[0], parts[1], parts[2]}
			}
		case p.isOp("("):
			args, kwargs, err := p.callArgs()
			if err != nil {
				return nil, err
			}
			x = callNode{x, args, kwargs}
		default:
			return x, nil
		}
	}
}

// callArgs parses (a, b, name=c) after the opening parenthesis.
func (p *parser) callArgs() ([]node, []kwarg, error) {
	p.next()
	var args []node
	var kwargs []kwarg
	for !p.isOp(")") {
		if p.peek().kind == tName && p.toks[p.p+1].kind == tOp && p.toks[p.p+1].s == "=" {
			name := p.next().s
			p.next()
			v, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			kwargs = append(kwargs, kwarg{name, v})
		} else {
			v, err := p.expr()
			if err != nil {
				return nil, nil, err
			}
			args = append(args, v)
		}
		if !p.isOp(",") {
			break
		}
		p.next()
	}
	return args, kwargs, p.expect(")")
}

func (p *parser) filters(x node) (node, error) {
	for {
		switch {
		case p.isOp("|"):
			p.next()
			t := p.next()
			if t.kind != tName {
				return nil, fmt.Errorf("expected a filter name after '|', found %s", t.describe())
			}
			f := filterNode{x: x, name: t.s}
			if p.isOp("(") {
				var err error
				if f.args, f.kwargs, err = p.callArgs(); err != nil {
					return nil, err
				}
			}
			x = f
		case p.isName("is"):
			p.next()
			tn := testNode{x: x}
			if p.isName("not") {
				p.next()
				tn.negate = true
			}
			t := p.next()
			if t.kind != tName {
				return nil, fmt.Errorf("expected a test name after 'is', found %s", t.describe())
			}
			tn.name = t.s
			if p.isOp("(") {
				args, _, err := p.callArgs()
				if err != nil {
					return nil, err
				}
				tn.args = args
			} else if k := p.peek().kind; k == tString || k == tInt || k == tFloat {
				a, err := p.primary()
				if err != nil {
					return nil, err
				}
				tn.args = []node{a}
			}
			x = tn
		default:
			return x, nil
		}
	}
}
