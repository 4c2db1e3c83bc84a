package chat

import (
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

type filterFunc func(x any, args []any, kwargs map[string]any) (any, error)

var filters map[string]filterFunc

func init() {
	filters = map[string]filterFunc{
		"trim": func(x any, args []any, _ map[string]any) (any, error) {
			cs := " \t\n\r\v\f"
			if len(args) > 0 && args[0] != nil {
				cs = str(args[0])
			}
			return strings.Trim(str(x), cs), nil
		},
		"length": length,
		"count":  length,
		"upper":  func(x any, _ []any, _ map[string]any) (any, error) { return strings.ToUpper(str(x)), nil },
		"lower":  func(x any, _ []any, _ map[string]any) (any, error) { return strings.ToLower(str(x)), nil },
		"title":  func(x any, _ []any, _ map[string]any) (any, error) { return title(str(x)), nil },
		"capitalize": func(x any, _ []any, _ map[string]any) (any, error) {
			return capitalize(str(x)), nil
		},
		"string": func(x any, _ []any, _ map[string]any) (any, error) { return str(x), nil },
		"int": func(x any, _ []any, _ map[string]any) (any, error) {
			switch v := x.(type) {
			case int64:
				return v, nil
			case float64:
				return int64(v), nil
			case bool:
				if v {
					return int64(1), nil
				}
				return int64(0), nil
			case string:
				if n, err := strconv.ParseInt(strings.TrimSpace(v), 10, 64); err == nil {
					return n, nil
				}
				if f, err := strconv.ParseFloat(strings.TrimSpace(v), 64); err == nil {
					return int64(f), nil
				}
			}
			return int64(0), nil
		},
		"float": func(x any, _ []any, _ map[string]any) (any, error) {
			if f, ok := toFloat(x); ok {
				return f, nil
			}
			if s, ok := x.(string); ok {
				if f, err := strconv.ParseFloat(strings.TrimSpace(s), 64); err == nil {
					return f, nil
				}
			}
			return 0.0, nil
		},
		"abs": func(x any, _ []any, _ map[string]any) (any, error) {
			switch v := x.(type) {
			case int64:
				if v < 0 {
					return -v, nil
				}
				return v, nil
			case float64:
				return math.Abs(v), nil
			}
			return nil, fmt.Errorf("abs of %s", typeName(x))
		},
		"first": func(x any, _ []any, _ map[string]any) (any, error) {
			items, err := iterate(x)
			if err != nil || len(items) == 0 {
				return undefined{}, err
			}
			return items[0], nil
		},
		"last": func(x any, _ []any, _ map[string]any) (any, error) {
			items, err := iterate(x)
			if err != nil || len(items) == 0 {
				return undefined{}, err
			}
			return items[len(items)-1], nil
		},
		"list": func(x any, _ []any, _ map[string]any) (any, error) {
			items, err := iterate(x)
			return slices.Clone(items), err
		},
		"reverse": func(x any, _ []any, _ map[string]any) (any, error) {
			if s, ok := x.(string); ok {
				r := []rune(s)
				slices.Reverse(r)
				return string(r), nil
			}
			items, err := iterate(x)
			items = slices.Clone(items)
			slices.Reverse(items)
			return items, err
		},
		"join": func(x any, args []any, kwargs map[string]any) (any, error) {
			items, err := iterate(x)
			if err != nil {
				return nil, err
			}
			sep := ""
			if len(args) > 0 {
				sep = str(args[0])
			}
			attr, hasAttr := kwargs["attribute"]
			parts := make([]string, len(items))
			for i, it := range items {
				if hasAttr {
					it = getAttr(it, str(attr))
				}
				parts[i] = str(it)
			}
			return strings.Join(parts, sep), nil
		},
		"default": defaultFilter,
		"d":       defaultFilter,
		"replace": func(x any, args []any, _ map[string]any) (any, error) {
			if len(args) < 2 {
				return nil, fmt.Errorf("replace takes two arguments")
			}
			n := -1
			if len(args) > 2 {
				if k, ok := args[2].(int64); ok {
					n = int(k)
				}
			}
			return strings.Replace(str(x), str(args[0]), str(args[1]), n), nil
		},
		"tojson": func(x any, args []any, kwargs map[string]any) (any, error) {
			indent := -1
			if v, ok := kwargs["indent"]; ok {
				if n, ok := v.(int64); ok {
					indent = int(n)
				}
			} else if len(args) > 0 {
				if n, ok := args[0].(int64); ok {
					indent = int(n)
				}
			}
			var b strings.Builder
			if err := toJSON(&b, x, indent, 0); err != nil {
				return nil, err
			}
			return b.String(), nil
		},
		"items": func(x any, _ []any, _ map[string]any) (any, error) {
			d, ok := x.(*dict)
			if !ok {
				return nil, fmt.Errorf("items of %s", typeName(x))
			}
			return method(d, "items")(nil, nil)
		},
		"selectattr": func(x any, args []any, _ map[string]any) (any, error) { return selectAttr(x, args, true) },
		"rejectattr": func(x any, args []any, _ map[string]any) (any, error) { return selectAttr(x, args, false) },
		"map": func(x any, args []any, kwargs map[string]any) (any, error) {
			items, err := iterate(x)
			if err != nil {
				return nil, err
			}
			out := make([]any, len(items))
			if attr, ok := kwargs["attribute"]; ok {
				for i, it := range items {
					out[i] = getAttr(it, str(attr))
				}
				return out, nil
			}
			if len(args) == 0 {
				return nil, fmt.Errorf("map needs a filter or attribute=")
			}
			f, ok := filters[str(args[0])]
			if !ok {
				return nil, fmt.Errorf("%w: filter %q", ErrUnsupported, str(args[0]))
			}
			for i, it := range items {
				if out[i], err = f(it, args[1:], nil); err != nil {
					return nil, err
				}
			}
			return out, nil
		},
	}
}

func length(x any, _ []any, _ map[string]any) (any, error) {
	switch v := x.(type) {
	case string:
		return int64(utf8.RuneCountInString(v)), nil
	case []any:
		return int64(len(v)), nil
	case *dict:
		return int64(len(v.keys)), nil
	case undefined:
		return int64(0), nil
	}
	return nil, fmt.Errorf("length of %s", typeName(x))
}

func defaultFilter(x any, args []any, kwargs map[string]any) (any, error) {
	var def any = ""
	if len(args) > 0 {
		def = args[0]
	}
	boolean := len(args) > 1 && truthy(args[1]) || truthy(kwargs["boolean"])
	if _, undef := x.(undefined); undef || boolean && !truthy(x) {
		return def, nil
	}
	return x, nil
}

func selectAttr(x any, args []any, keep bool) (any, error) {
	items, err := iterate(x)
	if err != nil {
		return nil, err
	}
	if len(args) == 0 {
		return nil, fmt.Errorf("selectattr needs an attribute")
	}
	var out []any
	for _, it := range items {
		v := getAttr(it, str(args[0]))
		ok := truthy(v)
		if len(args) > 1 {
			if ok, err = runTest(str(args[1]), v, args[2:]); err != nil {
				return nil, err
			}
		}
		if ok == keep {
			out = append(out, it)
		}
	}
	return out, nil
}

func runTest(name string, x any, args []any) (bool, error) {
	arg := func() (any, error) {
		if len(args) != 1 {
			return nil, fmt.Errorf("test %q takes one argument", name)
		}
		return args[0], nil
	}
	switch name {
	case "defined":
		_, u := x.(undefined)
		return !u, nil
	case "undefined":
		_, u := x.(undefined)
		return u, nil
	case "none":
		return x == nil, nil
	case "string":
		_, ok := x.(string)
		return ok, nil
	case "number":
		switch x.(type) {
		case int64, float64:
			return true, nil
		}
		return false, nil
	case "integer":
		_, ok := x.(int64)
		return ok, nil
	case "float":
		_, ok := x.(float64)
		return ok, nil
	case "boolean":
		_, ok := x.(bool)
		return ok, nil
	case "true":
		return x == true, nil
	case "false":
		return x == false, nil
	case "mapping":
		_, ok := x.(*dict)
		return ok, nil
	case "sequence", "iterable":
		switch x.(type) {
		case string, []any, *dict:
			return true, nil
		}
		return false, nil
	case "callable":
		_, ok := x.(callable)
		return ok, nil
	case "odd", "even":
		n, ok := x.(int64)
		if !ok {
			return false, fmt.Errorf("test %q of %s", name, typeName(x))
		}
		return (n%2 != 0) == (name == "odd"), nil
	case "eq", "equalto", "==", "sameas":
		a, err := arg()
		return err == nil && equal(x, a), err
	case "ne", "!=":
		a, err := arg()
		return err == nil && !equal(x, a), err
	case "in":
		a, err := arg()
		if err != nil {
			return false, err
		}
		return contains(a, x)
	case "lt", "gt", "le", "ge", "lessthan", "greaterthan":
		a, err := arg()
		if err != nil {
			return false, err
		}
		c, err := compare(x, a)
		switch name {
		case "lt", "lessthan":
			return c < 0, err
		case "gt", "greaterthan":
			return c > 0, err
		case "le":
			return c <= 0, err
		}
		return c >= 0, err
	}
	return false, fmt.Errorf("%w: test %q", ErrUnsupported, name)
}

// toJSON writes x as Python's json.dumps(x, ensure_ascii=False,
// indent=indent) does (indent < 0: on one line, ", " and ": ").
func toJSON(b *strings.Builder, x any, indent, depth int) error {
	nl := func(d int) {
		if indent >= 0 {
			b.WriteByte('\n')
			b.WriteString(strings.Repeat(" ", indent*d))
		}
	}
	sep := ", "
	if indent >= 0 {
		sep = ","
	}
	switch v := x.(type) {
	case nil, undefined:
		b.WriteString("null")
	case bool:
		if v {
			b.WriteString("true")
		} else {
			b.WriteString("false")
		}
	case int64:
		b.WriteString(strconv.FormatInt(v, 10))
	case float64:
		switch {
		case math.IsNaN(v):
			b.WriteString("NaN")
		case math.IsInf(v, 1):
			b.WriteString("Infinity")
		case math.IsInf(v, -1):
			b.WriteString("-Infinity")
		default:
			b.WriteString(pyFloat(v))
		}
	case string:
		jsonString(b, v)
	case []any:
		if len(v) == 0 {
			b.WriteString("[]")
			return nil
		}
		b.WriteByte('[')
		for i, it := range v {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(depth + 1)
			if err := toJSON(b, it, indent, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte(']')
	case *dict:
		if len(v.keys) == 0 {
			b.WriteString("{}")
			return nil
		}
		b.WriteByte('{')
		for i, k := range v.keys {
			if i > 0 {
				b.WriteString(sep)
			}
			nl(depth + 1)
			jsonString(b, k)
			b.WriteString(": ")
			if err := toJSON(b, v.m[k], indent, depth+1); err != nil {
				return err
			}
		}
		nl(depth)
		b.WriteByte('}')
	default:
		return fmt.Errorf("%s is not JSON serializable", typeName(x))
	}
	return nil
}

func jsonString(b *strings.Builder, s string) {
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"':
			b.WriteString(`\"`)
		case '\\':
			b.WriteString(`\\`)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			if r < 0x20 {
				fmt.Fprintf(b, `\u%04x`, r)
			} else {
				b.WriteRune(r)
			}
		}
	}
	b.WriteByte('"')
}
