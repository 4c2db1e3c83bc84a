package chat

import (
	"errors"
	"fmt"
	"math"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Values are Go values: string, int64, float64, bool, nil (None), []any,
// *dict, callable and undefined.

// undefined is a missing variable, attribute or item: it prints as
// nothing, is false, and iterates as empty, as Jinja's default Undefined.
type undefined struct{}

// dict is an insertion-ordered mapping, as Python's dict (a namespace is
// one too).
type dict struct {
	keys []string
	m    map[string]any
}

func newDict() *dict { return &dict{m: map[string]any{}} }

func (d *dict) set(k string, v any) {
	if _, ok := d.m[k]; !ok {
		d.keys = append(d.keys, k)
	}
	d.m[k] = v
}

func (d *dict) get(k string) (any, bool) {
	v, ok := d.m[k]
	return v, ok
}

type callable func(args []any, kwargs map[string]any) (any, error)

// errRaise carries raise_exception's message.
type errRaise struct{ msg string }

func (e errRaise) Error() string { return e.msg }

var (
	errBreak    = errors.New("break")
	errContinue = errors.New("continue")
)

type scope struct {
	vars   []map[string]any
	out    *strings.Builder
	now    func() time.Time
	budget int // statements left, against runaway loops
}

func (s *scope) lookup(name string) any {
	for i := len(s.vars) - 1; i >= 0; i-- {
		if v, ok := s.vars[i][name]; ok {
			return v
		}
	}
	if g, ok := globals[name]; ok {
		return g
	}
	if name == "strftime_now" {
		return callable(func(args []any, _ map[string]any) (any, error) {
			if len(args) != 1 {
				return nil, fmt.Errorf("strftime_now takes a format")
			}
			return strftime(s.now(), str(args[0])), nil
		})
	}
	return undefined{}
}

func (s *scope) exec(body []stmt) error {
	for _, st := range body {
		if s.budget--; s.budget < 0 {
			return fmt.Errorf("template runs too long")
		}
		switch st := st.(type) {
		case textStmt:
			s.out.WriteString(st.s)
		case outStmt:
			v, err := s.eval(st.x)
			if err != nil {
				return err
			}
			s.out.WriteString(str(v))
		case ifStmt:
			done := false
			for i, c := range st.conds {
				v, err := s.eval(c)
				if err != nil {
					return err
				}
				if truthy(v) {
					if err := s.exec(st.bodies[i]); err != nil {
						return err
					}
					done = true
					break
				}
			}
			if !done && st.els != nil {
				if err := s.exec(st.els); err != nil {
					return err
				}
			}
		case forStmt:
			if err := s.execFor(st); err != nil {
				return err
			}
		case setStmt:
			var v any
			if st.body != nil {
				sub := &scope{vars: s.vars, out: &strings.Builder{}, now: s.now, budget: s.budget}
				if err := sub.exec(st.body); err != nil {
					return err
				}
				s.budget = sub.budget
				v = sub.out.String()
			} else {
				var err error
				if v, err = s.eval(st.x); err != nil {
					return err
				}
			}
			if st.attr == "" {
				s.vars[len(s.vars)-1][st.name] = v
				continue
			}
			ns, ok := s.lookup(st.name).(*dict)
			if !ok {
				return fmt.Errorf("set %s.%s: %s is not a namespace", st.name, st.attr, st.name)
			}
			ns.set(st.attr, v)
		case breakStmt:
			return errBreak
		case continueStmt:
			return errContinue
		}
	}
	return nil
}

func (s *scope) execFor(st forStmt) error {
	it, err := s.eval(st.iter)
	if err != nil {
		return err
	}
	items, err := iterate(it)
	if err != nil {
		return err
	}
	// The loop filter runs first: loop.index counts the kept items.
	var kept []any
	for _, x := range items {
		if st.cond != nil {
			s.vars = append(s.vars, bind(st.vars, x))
			v, err := s.eval(st.cond)
			s.vars = s.vars[:len(s.vars)-1]
			if err != nil {
				return err
			}
			if !truthy(v) {
				continue
			}
		}
		kept = append(kept, x)
	}
	if len(kept) == 0 {
		if st.els != nil {
			return s.exec(st.els)
		}
		return nil
	}
	n := len(kept)
	loop := newDict() // one per loop, updated in place at each iteration
	for i, x := range kept {
		vars := bind(st.vars, x)
		loop.set("index", int64(i+1))
		loop.set("index0", int64(i))
		loop.set("revindex", int64(n-i))
		loop.set("revindex0", int64(n-i-1))
		loop.set("first", i == 0)
		loop.set("last", i == n-1)
		loop.set("length", int64(n))
		var prev, next any = undefined{}, undefined{}
		if i > 0 {
			prev = kept[i-1]
		}
		if i < n-1 {
			next = kept[i+1]
		}
		loop.set("previtem", prev)
		loop.set("nextitem", next)
		vars["loop"] = loop
		s.vars = append(s.vars, vars)
		err := s.exec(st.body)
		s.vars = s.vars[:len(s.vars)-1]
		switch {
		case errors.Is(err, errBreak):
			return nil
		case errors.Is(err, errContinue):
		case err != nil:
			return err
		}
	}
	return nil
}

// bind assigns a loop item to the loop variables (unpacking pairs).
func bind(names []string, x any) map[string]any {
	vars := map[string]any{}
	if len(names) == 1 {
		vars[names[0]] = x
		return vars
	}
	parts, _ := x.([]any)
	for i, n := range names {
		if i < len(parts) {
			vars[n] = parts[i]
		} else {
			vars[n] = undefined{}
		}
	}
	return vars
}

func iterate(v any) ([]any, error) {
	switch v := v.(type) {
	case []any:
		return v, nil
	case *dict:
		out := make([]any, len(v.keys))
		for i, k := range v.keys {
			out[i] = k
		}
		return out, nil
	case string:
		var out []any
		for _, r := range v {
			out = append(out, string(r))
		}
		return out, nil
	case undefined:
		return nil, nil
	}
	return nil, fmt.Errorf("%s is not iterable", typeName(v))
}

func (s *scope) eval(n node) (any, error) {
	switch n := n.(type) {
	case litNode:
		return n.v, nil
	case nameNode:
		return s.lookup(n.name), nil
	case listNode:
		out := make([]any, len(n.items))
		for i, x := range n.items {
			v, err := s.eval(x)
			if err != nil {
				return nil, err
			}
			out[i] = v
		}
		return out, nil
	case dictNode:
		d := newDict()
		for i := range n.keys {
			k, err := s.eval(n.keys[i])
			if err != nil {
				return nil, err
			}
			v, err := s.eval(n.vals[i])
			if err != nil {
				return nil, err
			}
			d.set(str(k), v)
		}
		return d, nil
	case attrNode:
		x, err := s.eval(n.x)
		if err != nil {
			return nil, err
		}
		return getAttr(x, n.name), nil
	case indexNode:
		x, err := s.eval(n.x)
		if err != nil {
			return nil, err
		}
		i, err := s.eval(n.i)
		if err != nil {
			return nil, err
		}
		return getItem(x, i), nil
	case sliceNode:
		return s.slice(n)
	case callNode:
		f, err := s.eval(n.fn)
		if err != nil {
			return nil, err
		}
		args, kwargs, err := s.args(n.args, n.kwargs)
		if err != nil {
			return nil, err
		}
		c, ok := f.(callable)
		if !ok {
			return nil, fmt.Errorf("%s is not callable", describeNode(n.fn))
		}
		return c(args, kwargs)
	case filterNode:
		x, err := s.eval(n.x)
		if err != nil {
			return nil, err
		}
		args, kwargs, err := s.args(n.args, n.kwargs)
		if err != nil {
			return nil, err
		}
		f, ok := filters[n.name]
		if !ok {
			return nil, fmt.Errorf("%w: filter %q", ErrUnsupported, n.name)
		}
		return f(x, args, kwargs)
	case testNode:
		x, err := s.eval(n.x)
		if err != nil {
			return nil, err
		}
		args, _, err := s.args(n.args, nil)
		if err != nil {
			return nil, err
		}
		ok, err := runTest(n.name, x, args)
		if err != nil {
			return nil, err
		}
		return ok != n.negate, nil
	case unaryNode:
		x, err := s.eval(n.x)
		if err != nil {
			return nil, err
		}
		switch n.op {
		case "not":
			return !truthy(x), nil
		case "-":
			switch x := x.(type) {
			case int64:
				return -x, nil
			case float64:
				return -x, nil
			}
			return nil, fmt.Errorf("bad operand for unary -: %s", typeName(x))
		}
		return x, nil
	case binaryNode:
		return s.binary(n)
	case condNode:
		c, err := s.eval(n.cond)
		if err != nil {
			return nil, err
		}
		if truthy(c) {
			return s.eval(n.then)
		}
		return s.eval(n.els)
	}
	return nil, fmt.Errorf("unknown node %T", n)
}

func describeNode(n node) string {
	switch n := n.(type) {
	case nameNode:
		return n.name
	case attrNode:
		return describeNode(n.x) + "." + n.name
	}
	return "expression"
}

func (s *scope) args(ns []node, kws []kwarg) ([]any, map[string]any, error) {
	args := make([]any, len(ns))
	for i, a := range ns {
		v, err := s.eval(a)
		if err != nil {
			return nil, nil, err
		}
		args[i] = v
	}
	var kwargs map[string]any
	if len(kws) > 0 {
		kwargs = map[string]any{}
		for _, kw := range kws {
			v, err := s.eval(kw.v)
			if err != nil {
				return nil, nil, err
			}
			kwargs[kw.name] = v
		}
	}
	return args, kwargs, nil
}

func (s *scope) slice(n sliceNode) (any, error) {
	x, err := s.eval(n.x)
	if err != nil {
		return nil, err
	}
	var b [3]*int64
	for i, part := range []node{n.lo, n.hi, n.step} {
		if part == nil {
			continue
		}
		v, err := s.eval(part)
		if err != nil {
			return nil, err
		}
		iv, ok := v.(int64)
		if !ok {
			if v == nil {
				continue
			}
			return nil, fmt.Errorf("slice bound %s is not an integer", typeName(v))
		}
		b[i] = &iv
	}
	var items []any
	isStr := false
	switch x := x.(type) {
	case []any:
		items = x
	case string:
		isStr = true
		for _, r := range x {
			items = append(items, string(r))
		}
	case undefined:
		return undefined{}, nil
	default:
		return nil, fmt.Errorf("%s cannot be sliced", typeName(x))
	}
	idx := sliceIndices(len(items), b)
	out := make([]any, len(idx))
	for i, j := range idx {
		out[i] = items[j]
	}
	if isStr {
		var sb strings.Builder
		for _, c := range out {
			sb.WriteString(c.(string))
		}
		return sb.String(), nil
	}
	return out, nil
}

// sliceIndices applies Python's slice rules.
func sliceIndices(n int, b [3]*int64) []int {
	step := 1
	if b[2] != nil {
		step = int(*b[2])
	}
	if step == 0 {
		return nil
	}
	clamp := func(p *int64, def int, lo, hi int) int {
		if p == nil {
			return def
		}
		v := int(*p)
		if v < 0 {
			v += n
		}
		return min(max(v, lo), hi)
	}
	var out []int
	if step > 0 {
		start, stop := clamp(b[0], 0, 0, n), clamp(b[1], n, 0, n)
		for i := start; i < stop; i += step {
			out = append(out, i)
		}
	} else {
		start, stop := clamp(b[0], n-1, -1, n-1), clamp(b[1], -1, -1, n-1)
		if b[1] != nil && *b[1] < 0 && int(*b[1])+n < 0 {
			stop = -1
		}
		for i := start; i > stop; i += step {
			out = append(out, i)
		}
	}
	return out
}

func (s *scope) binary(n binaryNode) (any, error) {
	l, err := s.eval(n.l)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "and":
		if !truthy(l) {
			return l, nil
		}
		return s.eval(n.r)
	case "or":
		if truthy(l) {
			return l, nil
		}
		return s.eval(n.r)
	}
	r, err := s.eval(n.r)
	if err != nil {
		return nil, err
	}
	switch n.op {
	case "==":
		return equal(l, r), nil
	case "!=":
		return !equal(l, r), nil
	case "in", "not in":
		ok, err := contains(r, l)
		if err != nil {
			return nil, err
		}
		return ok == (n.op == "in"), nil
	case "~":
		return str(l) + str(r), nil
	case "<", ">", "<=", ">=":
		c, err := compare(l, r)
		if err != nil {
			return nil, err
		}
		switch n.op {
		case "<":
			return c < 0, nil
		case ">":
			return c > 0, nil
		case "<=":
			return c <= 0, nil
		}
		return c >= 0, nil
	case "+":
		switch lv := l.(type) {
		case string:
			if rv, ok := r.(string); ok {
				return lv + rv, nil
			}
		case []any:
			if rv, ok := r.([]any); ok {
				return append(slices.Clip(lv), rv...), nil
			}
		}
	case "*":
		if ls, ok := l.(string); ok {
			if k, ok := r.(int64); ok {
				return strings.Repeat(ls, int(max(k, 0))), nil
			}
		}
	}
	return arith(n.op, l, r)
}

func arith(op string, l, r any) (any, error) {
	li, lInt := l.(int64)
	ri, rInt := r.(int64)
	lf, lok := toFloat(l)
	rf, rok := toFloat(r)
	if !lok || !rok {
		return nil, fmt.Errorf("unsupported operands for %s: %s and %s", op, typeName(l), typeName(r))
	}
	if lInt && rInt {
		switch op {
		case "+":
			return li + ri, nil
		case "-":
			return li - ri, nil
		case "*":
			return li * ri, nil
		case "//", "%":
			if ri == 0 {
				return nil, fmt.Errorf("division by zero")
			}
			q, m := li/ri, li%ri
			if m != 0 && (m < 0) != (ri < 0) {
				q--
				m += ri
			}
			if op == "//" {
				return q, nil
			}
			return m, nil
		}
	}
	switch op {
	case "+":
		return lf + rf, nil
	case "-":
		return lf - rf, nil
	case "*":
		return lf * rf, nil
	case "/":
		if rf == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return lf / rf, nil
	case "//":
		if rf == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return math.Floor(lf / rf), nil
	case "%":
		if rf == 0 {
			return nil, fmt.Errorf("division by zero")
		}
		return lf - math.Floor(lf/rf)*rf, nil
	}
	return nil, fmt.Errorf("unknown operator %s", op)
}

func toFloat(v any) (float64, bool) {
	switch v := v.(type) {
	case int64:
		return float64(v), true
	case float64:
		return v, true
	case bool:
		if v {
			return 1, true
		}
		return 0, true
	}
	return 0, false
}

func compare(l, r any) (int, error) {
	if ls, ok := l.(string); ok {
		if rs, ok := r.(string); ok {
			return strings.Compare(ls, rs), nil
		}
	}
	lf, lok := toFloat(l)
	rf, rok := toFloat(r)
	if !lok || !rok {
		return 0, fmt.Errorf("cannot compare %s and %s", typeName(l), typeName(r))
	}
	switch {
	case lf < rf:
		return -1, nil
	case lf > rf:
		return 1, nil
	}
	return 0, nil
}

func equal(l, r any) bool {
	switch lv := l.(type) {
	case nil:
		return r == nil
	case undefined:
		_, ok := r.(undefined)
		return ok
	case string:
		rv, ok := r.(string)
		return ok && lv == rv
	case []any:
		rv, ok := r.([]any)
		if !ok || len(lv) != len(rv) {
			return false
		}
		for i := range lv {
			if !equal(lv[i], rv[i]) {
				return false
			}
		}
		return true
	case *dict:
		rv, ok := r.(*dict)
		if !ok || len(lv.keys) != len(rv.keys) {
			return false
		}
		for _, k := range lv.keys {
			x, ok := rv.m[k]
			if !ok || !equal(lv.m[k], x) {
				return false
			}
		}
		return true
	}
	lf, lok := toFloat(l)
	rf, rok := toFloat(r)
	return lok && rok && lf == rf
}

func contains(container, x any) (bool, error) {
	switch c := container.(type) {
	case string:
		xs, ok := x.(string)
		if !ok {
			return false, fmt.Errorf("'in <string>' requires a string, not %s", typeName(x))
		}
		return strings.Contains(c, xs), nil
	case []any:
		for _, y := range c {
			if equal(x, y) {
				return true, nil
			}
		}
		return false, nil
	case *dict:
		xs, ok := x.(string)
		if !ok {
			return false, nil
		}
		_, found := c.m[xs]
		return found, nil
	case undefined:
		return false, nil
	}
	return false, fmt.Errorf("%s is not a container", typeName(container))
}

func truthy(v any) bool {
	switch v := v.(type) {
	case nil, undefined:
		return false
	case bool:
		return v
	case string:
		return v != ""
	case int64:
		return v != 0
	case float64:
		return v != 0
	case []any:
		return len(v) > 0
	case *dict:
		return len(v.keys) > 0
	}
	return true
}

func typeName(v any) string {
	switch v.(type) {
	case nil:
		return "None"
	case undefined:
		return "undefined"
	case string:
		return "str"
	case int64:
		return "int"
	case float64:
		return "float"
	case bool:
		return "bool"
	case []any:
		return "list"
	case *dict:
		return "dict"
	case callable:
		return "function"
	}
	return fmt.Sprintf("%T", v)
}

// str prints a value as Python's str.
func str(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case undefined:
		return ""
	}
	return repr(v)
}

// repr prints a value as Python's repr.
func repr(v any) string {
	switch v := v.(type) {
	case nil:
		return "None"
	case undefined:
		return ""
	case bool:
		if v {
			return "True"
		}
		return "False"
	case int64:
		return strconv.FormatInt(v, 10)
	case float64:
		return pyFloat(v)
	case string:
		q := "'"
		if strings.Contains(v, "'") && !strings.Contains(v, `"`) {
			q = `"`
		}
		var b strings.Builder
		b.WriteString(q)
		for _, r := range v {
			switch {
			case r == '\\':
				b.WriteString(`\\`)
			case string(r) == q:
				b.WriteString(`\` + q)
			case r == '\n':
				b.WriteString(`\n`)
			case r == '\r':
				b.WriteString(`\r`)
			case r == '\t':
				b.WriteString(`\t`)
			case r < 0x20 || r == 0x7f:
				fmt.Fprintf(&b, `\x%02x`, r)
			default:
				b.WriteRune(r)
			}
		}
		b.WriteString(q)
		return b.String()
	case []any:
		parts := make([]string, len(v))
		for i, x := range v {
			parts[i] = repr(x)
		}
		return "[" + strings.Join(parts, ", ") + "]"
	case *dict:
		parts := make([]string, len(v.keys))
		for i, k := range v.keys {
			parts[i] = repr(k) + ": " + repr(v.m[k])
		}
		return "{" + strings.Join(parts, ", ") + "}"
	case callable:
		return "<function>"
	}
	return fmt.Sprint(v)
}

func pyFloat(f float64) string {
	switch {
	case math.IsInf(f, 1):
		return "inf"
	case math.IsInf(f, -1):
		return "-inf"
	case math.IsNaN(f):
		return "nan"
	}
	if a := math.Abs(f); a != 0 && (a >= 1e16 || a < 1e-4) {
		s := strconv.FormatFloat(f, 'e', -1, 64)
		mant, exp, _ := strings.Cut(s, "e")
		sign := exp[0]
		exp = strings.TrimLeft(exp[1:], "0")
		if len(exp) < 2 {
			exp = strings.Repeat("0", 2-len(exp)) + exp
		}
		return mant + "e" + string(sign) + exp
	}
	s := strconv.FormatFloat(f, 'f', -1, 64)
	if !strings.Contains(s, ".") {
		s += ".0"
	}
	return s
}

// getAttr is Jinja's x.name: an item of a mapping, else a method.
func getAttr(x any, name string) any {
	if d, ok := x.(*dict); ok {
		if v, ok := d.get(name); ok {
			return v
		}
	}
	if m := method(x, name); m != nil {
		return m
	}
	return undefined{}
}

// getItem is Jinja's x[i].
func getItem(x, i any) any {
	switch xv := x.(type) {
	case *dict:
		if k, ok := i.(string); ok {
			if v, ok := xv.get(k); ok {
				return v
			}
			if m := method(x, k); m != nil {
				return m
			}
		}
	case []any:
		if k, ok := i.(int64); ok {
			if k < 0 {
				k += int64(len(xv))
			}
			if k >= 0 && k < int64(len(xv)) {
				return xv[k]
			}
		}
	case string:
		if k, ok := i.(int64); ok {
			rs := []rune(xv)
			if k < 0 {
				k += int64(len(rs))
			}
			if k >= 0 && k < int64(len(rs)) {
				return string(rs[k])
			}
		}
		if k, ok := i.(string); ok {
			if m := method(x, k); m != nil {
				return m
			}
		}
	}
	return undefined{}
}

// method returns the bound method name of x, or nil.
func method(x any, name string) callable {
	switch x := x.(type) {
	case string:
		return stringMethod(x, name)
	case *dict:
		switch name {
		case "items":
			return func([]any, map[string]any) (any, error) {
				out := make([]any, len(x.keys))
				for i, k := range x.keys {
					out[i] = []any{k, x.m[k]}
				}
				return out, nil
			}
		case "keys":
			return func([]any, map[string]any) (any, error) {
				out := make([]any, len(x.keys))
				for i, k := range x.keys {
					out[i] = k
				}
				return out, nil
			}
		case "values":
			return func([]any, map[string]any) (any, error) {
				out := make([]any, len(x.keys))
				for i, k := range x.keys {
					out[i] = x.m[k]
				}
				return out, nil
			}
		case "get":
			return func(args []any, _ map[string]any) (any, error) {
				if len(args) < 1 || len(args) > 2 {
					return nil, fmt.Errorf("get takes a key and an optional default")
				}
				if v, ok := x.get(str(args[0])); ok {
					return v, nil
				}
				if len(args) == 2 {
					return args[1], nil
				}
				return nil, nil
			}
		}
	}
	return nil
}

func stringMethod(s, name string) callable {
	chars := func(args []any) string {
		if len(args) > 0 && args[0] != nil {
			return str(args[0])
		}
		return " \t\n\r\v\f"
	}
	one := func(f func(args []any) (any, error)) callable {
		return func(args []any, _ map[string]any) (any, error) { return f(args) }
	}
	switch name {
	case "strip":
		return one(func(a []any) (any, error) { return strings.Trim(s, chars(a)), nil })
	case "lstrip":
		return one(func(a []any) (any, error) { return strings.TrimLeft(s, chars(a)), nil })
	case "rstrip":
		return one(func(a []any) (any, error) { return strings.TrimRight(s, chars(a)), nil })
	case "upper":
		return one(func([]any) (any, error) { return strings.ToUpper(s), nil })
	case "lower":
		return one(func([]any) (any, error) { return strings.ToLower(s), nil })
	case "title":
		return one(func([]any) (any, error) { return title(s), nil })
	case "capitalize":
		return one(func([]any) (any, error) { return capitalize(s), nil })
	case "startswith", "endswith":
		return one(func(a []any) (any, error) {
			if len(a) != 1 {
				return nil, fmt.Errorf("%s takes one argument", name)
			}
			var cands []any
			if l, ok := a[0].([]any); ok {
				cands = l
			} else {
				cands = []any{a[0]}
			}
			for _, c := range cands {
				if name == "startswith" && strings.HasPrefix(s, str(c)) || name == "endswith" && strings.HasSuffix(s, str(c)) {
					return true, nil
				}
			}
			return false, nil
		})
	case "split":
		return one(func(a []any) (any, error) {
			var parts []string
			limit := -1
			if len(a) > 1 {
				if n, ok := a[1].(int64); ok && n >= 0 {
					limit = int(n) + 1
				}
			}
			if len(a) == 0 || a[0] == nil {
				parts = strings.Fields(s)
				if limit > 0 && len(parts) > limit {
					// Python keeps the rest of the string, unsplit.
					parts = splitFieldsN(s, limit)
				}
			} else {
				parts = strings.SplitN(s, str(a[0]), limit)
			}
			out := make([]any, len(parts))
			for i, p := range parts {
				out[i] = p
			}
			return out, nil
		})
	case "replace":
		return one(func(a []any) (any, error) {
			if len(a) < 2 {
				return nil, fmt.Errorf("replace takes two arguments")
			}
			n := -1
			if len(a) > 2 {
				if k, ok := a[2].(int64); ok {
					n = int(k)
				}
			}
			return strings.Replace(s, str(a[0]), str(a[1]), n), nil
		})
	}
	return nil
}

func splitFieldsN(s string, n int) []string {
	var out []string
	rest := strings.TrimLeftFunc(s, unicode.IsSpace)
	for len(out) < n-1 && rest != "" {
		i := strings.IndexFunc(rest, unicode.IsSpace)
		if i < 0 {
			break
		}
		out = append(out, rest[:i])
		rest = strings.TrimLeftFunc(rest[i:], unicode.IsSpace)
	}
	if rest != "" {
		out = append(out, rest)
	}
	return out
}

func title(s string) string {
	var b strings.Builder
	prev := false
	for _, r := range s {
		if unicode.IsLetter(r) {
			if prev {
				b.WriteRune(unicode.ToLower(r))
			} else {
				b.WriteRune(unicode.ToUpper(r))
			}
			prev = true
		} else {
			b.WriteRune(r)
			prev = false
		}
	}
	return b.String()
}

func capitalize(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if n == 0 {
		return s
	}
	return string(unicode.ToUpper(r)) + strings.ToLower(s[n:])
}

var globals = map[string]any{
	"raise_exception": callable(func(args []any, _ map[string]any) (any, error) {
		msg := "raise_exception"
		if len(args) > 0 {
			msg = str(args[0])
		}
		return nil, errRaise{msg}
	}),
	"namespace": callable(func(args []any, kwargs map[string]any) (any, error) {
		d := newDict()
		keys := make([]string, 0, len(kwargs))
		for k := range kwargs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			d.set(k, kwargs[k])
		}
		return d, nil
	}),
	"range": callable(func(args []any, _ map[string]any) (any, error) {
		var b [3]int64
		b[2] = 1
		switch len(args) {
		case 1:
			b[1], _ = args[0].(int64)
		case 2, 3:
			for i, a := range args {
				v, ok := a.(int64)
				if !ok {
					return nil, fmt.Errorf("range takes integers")
				}
				b[i] = v
			}
		default:
			return nil, fmt.Errorf("range takes 1 to 3 arguments")
		}
		if b[2] == 0 {
			return nil, fmt.Errorf("range step is zero")
		}
		var out []any
		for i := b[0]; b[2] > 0 && i < b[1] || b[2] < 0 && i > b[1]; i += b[2] {
			if len(out) > 1<<16 {
				return nil, fmt.Errorf("range too long")
			}
			out = append(out, i)
		}
		return out, nil
	}),
}

func strftime(t time.Time, f string) string {
	var b strings.Builder
	for i := 0; i < len(f); i++ {
		if f[i] != '%' || i+1 == len(f) {
			b.WriteByte(f[i])
			continue
		}
		i++
		switch f[i] {
		case 'd':
			fmt.Fprintf(&b, "%02d", t.Day())
		case 'm':
			fmt.Fprintf(&b, "%02d", int(t.Month()))
		case 'Y':
			fmt.Fprintf(&b, "%d", t.Year())
		case 'y':
			fmt.Fprintf(&b, "%02d", t.Year()%100)
		case 'b':
			b.WriteString(t.Month().String()[:3])
		case 'B':
			b.WriteString(t.Month().String())
		case 'a':
			b.WriteString(t.Weekday().String()[:3])
		case 'A':
			b.WriteString(t.Weekday().String())
		case 'H':
			fmt.Fprintf(&b, "%02d", t.Hour())
		case 'M':
			fmt.Fprintf(&b, "%02d", t.Minute())
		case 'S':
			fmt.Fprintf(&b, "%02d", t.Second())
		case 'j':
			fmt.Fprintf(&b, "%03d", t.YearDay())
		case '%':
			b.WriteByte('%')
		default:
			b.WriteByte('%')
			b.WriteByte(f[i])
		}
	}
	return b.String()
}
