package nn

import (
	"fmt"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"

	"github.com/goformer/goformer/tensor"
)

// Param is one tensor of a module tree: a parameter or a buffer, with its
// dotted name.
type Param struct {
	// Name is the tensor's dotted path from the root module
	// ("encoder.layers.3.self_attn.out_proj.weight").
	Name string
	// Tensor is the tensor itself (shared, not copied).
	Tensor *tensor.Tensor
	// Buffer is true for a buffer: state that is never trained (a field
	// tagged `nn:",buffer"`).
	Buffer bool
	// Transient is true for a buffer that is derived rather than learned
	// (a sinusoidal table, rotary cosines: a field tagged
	// `nn:",transient"`): it moves with To and Cast but is neither saved
	// nor expected by Load, as PyTorch's non-persistent buffers.
	Transient bool
}

// entry is a Param together with the field that holds it, so that To, Cast
// and loaders can replace the tensor.
type entry struct {
	Param
	field reflect.Value // settable *tensor.Tensor
}

var (
	tensorType = reflect.TypeFor[*tensor.Tensor]()
	tensorPkg  = tensorType.Elem().PkgPath()
)

// fieldTag is the parsed `nn:"name,opts"` tag of a struct field.
type fieldTag struct {
	name      string
	skip      bool
	buffer    bool
	transient bool
	inline    bool
}

func parseTag(f reflect.StructField) fieldTag {
	tag, ok := f.Tag.Lookup("nn")
	if !ok {
		return fieldTag{name: SnakeCase(f.Name), inline: f.Anonymous}
	}
	if tag == "-" {
		return fieldTag{skip: true}
	}
	name, opts, _ := strings.Cut(tag, ",")
	t := fieldTag{name: name}
	for _, o := range strings.Split(opts, ",") {
		switch o {
		case "buffer":
			t.buffer = true
		case "transient":
			t.buffer, t.transient = true, true
		case "inline":
			t.inline = true
		case "":
		default:
			panic(fmt.Sprintf("nn: field %s: unknown tag option %q in `nn:%q`", f.Name, o, tag))
		}
	}
	if t.name == "" && !t.inline {
		if f.Anonymous {
			t.inline = true
		} else {
			t.name = SnakeCase(f.Name)
		}
	}
	return t
}

// SnakeCase converts a Go field name to the lower-case, underscore-separated
// name that modules get by default: "Weight" → "weight", "LayerNorm" →
// "layer_norm", "QKVProj" → "qkv_proj", "Linear1" → "linear1".
func SnakeCase(s string) string {
	rs := []rune(s)
	var b strings.Builder
	for i, r := range rs {
		if unicode.IsUpper(r) {
			if i > 0 {
				prev := rs[i-1]
				nextLower := i+1 < len(rs) && unicode.IsLower(rs[i+1])
				if unicode.IsLower(prev) || unicode.IsDigit(prev) || (unicode.IsUpper(prev) && nextLower) {
					b.WriteByte('_')
				}
			}
			b.WriteRune(unicode.ToLower(r))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

func join(prefix, name string) string {
	switch {
	case prefix == "":
		return name
	case name == "":
		return prefix
	}
	return prefix + "." + name
}

// walker visits the tensors and modules of a tree.
type walker struct {
	onTensor func(e entry)
	onModule func(path string, v reflect.Value) // v: the module's pointer (or addressable struct)
	path     map[uintptr]bool                   // struct pointers on the current path (cycle guard)
	write    bool                               // store map elements back (the walk may replace tensors)
}

// walkModule walks m, which must be a non-nil pointer to a struct.
func walkModule(op string, m any, w *walker) {
	v := reflect.ValueOf(m)
	if !v.IsValid() || v.Kind() != reflect.Pointer || v.IsNil() || v.Elem().Kind() != reflect.Struct {
		panic(fmt.Sprintf("nn: %s: a module must be a non-nil pointer to a struct, not %T", op, m))
	}
	w.path = map[uintptr]bool{}
	w.value("", v, kind{})
}

// kind is what a tagged field makes of the tensors below it.
type kind struct{ buffer, transient bool }

// value walks one value found at path. k marks tensors found under a field
// tagged as a buffer.
func (w *walker) value(path string, v reflect.Value, k kind) {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return
		}
		if v.Type() == tensorType {
			if w.onTensor != nil {
				w.onTensor(entry{Param: Param{Name: path, Tensor: v.Interface().(*tensor.Tensor), Buffer: k.buffer, Transient: k.transient}, field: v})
			}
			return
		}
		if v.Elem().Kind() != reflect.Struct {
			w.value(path, v.Elem(), k)
			return
		}
		if v.Elem().Type().PkgPath() == tensorPkg {
			return // a *tensor.Generator and the like: not a module
		}
		p := v.Pointer()
		if w.path[p] {
			return // a cycle back to an enclosing module
		}
		w.path[p] = true
		if w.onModule != nil {
			w.onModule(path, v)
		}
		w.fields(path, v.Elem(), k)
		delete(w.path, p)
	case reflect.Struct:
		if v.Type().PkgPath() == tensorPkg {
			return
		}
		if v.CanAddr() && w.onModule != nil {
			w.onModule(path, v.Addr())
		}
		w.fields(path, v, k)
	case reflect.Interface:
		if !v.IsNil() {
			w.value(path, v.Elem(), k)
		}
	case reflect.Slice, reflect.Array:
		if !holdsTensors(v.Type().Elem()) {
			return
		}
		for i := range v.Len() {
			w.value(join(path, strconv.Itoa(i)), v.Index(i), k)
		}
	case reflect.Map:
		if v.Type().Key().Kind() != reflect.String || !holdsTensors(v.Type().Elem()) {
			return
		}
		keys := v.MapKeys()
		sort.Slice(keys, func(i, j int) bool { return keys[i].String() < keys[j].String() })
		for _, key := range keys {
			// Map elements are not addressable: walk a settable copy and
			// store it back so that To and Cast can replace tensors.
			e := reflect.New(v.Type().Elem()).Elem()
			e.Set(v.MapIndex(key))
			w.value(join(path, key.String()), e, k)
			if w.write {
				v.SetMapIndex(key, e)
			}
		}
	}
}

// holdsTensors reports whether values of type t may contain tensors or
// modules, so that slices of numbers are skipped without visiting each
// element.
func holdsTensors(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}

func (w *walker) fields(path string, v reflect.Value, k kind) {
	t := v.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		// An embedded struct of an unexported type still promotes its
		// exported fields, as in encoding/json.
		if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
			continue
		}
		tag := parseTag(f)
		if tag.skip {
			continue
		}
		fv := v.Field(i)
		if !holdsTensors(f.Type) {
			continue
		}
		name := path
		if !tag.inline {
			name = join(path, tag.name)
		}
		w.value(name, fv, kind{k.buffer || tag.buffer, k.transient || tag.transient})
	}
}

// entries returns every tensor of m in walk order, aliases included.
func entries(op string, m any) []entry {
	var es []entry
	walkModule(op, m, &walker{onTensor: func(e entry) { es = append(es, e) }})
	return es
}

// Tensors returns every tensor of module m — parameters and buffers — with
// its dotted name, in the order of the struct fields. A tensor reachable by
// two paths (tied weights, a module shared by two parents) appears under
// both names, as in PyTorch's state_dict.
//
// A module is a pointer to a struct. Its exported fields are walked:
//   - a *tensor.Tensor is a parameter, or a buffer when tagged
//     `nn:",buffer"` or `nn:",transient"` (a buffer that checkpoints
//     leave out); nil tensors (an absent bias) are skipped;
//   - a pointer to a struct, a struct, or an interface holding one is a
//     submodule whose names are prefixed with the field's name;
//   - slices and arrays number their elements ("layers.0", "layers.1");
//     maps with string keys use the keys, in sorted order;
//   - embedded structs, and fields tagged `nn:",inline"`, add their
//     children to the parent's namespace without a prefix;
//   - fields tagged `nn:"-"`, unexported fields and other types are
//     ignored.
//
// A field's name is its `nn:"name"` tag, or the field name in snake case
// (see SnakeCase).
func Tensors(m any) []Param {
	es := entries("Tensors", m)
	ps := make([]Param, len(es))
	for i, e := range es {
		ps[i] = e.Param
	}
	return ps
}

// Params returns the parameters of module m (not its buffers), each once:
// a tied parameter is listed under the first name it is reached by. Frozen
// parameters are included; see Trainable for those an optimizer updates.
func Params(m any) []Param {
	var ps []Param
	seen := map[*tensor.Tensor]bool{}
	for _, e := range entries("Params", m) {
		if e.Buffer || seen[e.Tensor] {
			continue
		}
		seen[e.Tensor] = true
		ps = append(ps, e.Param)
	}
	return ps
}

// Trainable returns the parameters of m that require a gradient (those not
// frozen), each once: what an optimizer should update.
func Trainable(m any) []Param {
	var ps []Param
	for _, p := range Params(m) {
		if p.Tensor.RequiresGrad() {
			ps = append(ps, p)
		}
	}
	return ps
}

// NumParams returns the number of scalar parameters of m, each tied tensor
// counted once.
func NumParams(m any) int {
	n := 0
	for _, p := range Params(m) {
		n += p.Tensor.Numel()
	}
	return n
}

// StateDict returns the tensors of m that checkpoints hold, by name:
// parameters and buffers, not transient buffers.
func StateDict(m any) map[string]*tensor.Tensor {
	sd := map[string]*tensor.Tensor{}
	for _, p := range Tensors(m) {
		if !p.Transient {
			sd[p.Name] = p.Tensor
		}
	}
	return sd
}

// ZeroGrad clears the accumulated gradient of every parameter of m.
func ZeroGrad(m any) {
	for _, p := range Params(m) {
		p.Tensor.ZeroGrad()
	}
}

// To moves every tensor of m to dev, replacing the fields in place;
// parameters keep their requires-grad mark and lose their gradient. It
// returns m.
func To[M any](m M, dev tensor.Device) M {
	replace("To", m, func(t *tensor.Tensor) *tensor.Tensor {
		if t.Device() == dev {
			return t
		}
		return t.Detach().To(dev)
	})
	return m
}

// Cast converts every floating-point tensor of m to dtype (Float32 or
// Float64 for training; Float16 or BFloat16 for storage), replacing the
// fields in place. Integer buffers are kept. It returns m.
func Cast[M any](m M, dtype tensor.DType) M {
	if !dtype.IsFloat() {
		panic(fmt.Sprintf("nn: Cast: %s is not a floating-point type", dtype))
	}
	replace("Cast", m, func(t *tensor.Tensor) *tensor.Tensor {
		if !t.DType().IsFloat() || t.DType() == dtype {
			return t
		}
		return t.Detach().As(dtype)
	})
	return m
}

// replace swaps every tensor of m for f(tensor), once per distinct tensor
// (so tied weights stay tied), keeping the requires-grad mark.
func replace(op string, m any, f func(*tensor.Tensor) *tensor.Tensor) {
	done := map[*tensor.Tensor]*tensor.Tensor{}
	// Replace during the walk, so that map elements (walked as copies) are
	// stored back with the new tensor.
	walkModule(op, m, &walker{write: true, onTensor: func(e entry) {
		old := e.Tensor
		nt, ok := done[old]
		if !ok {
			nt = f(old)
			if nt != old {
				nt.SetRequiresGrad(old.RequiresGrad() && nt.DType().IsFloat())
			}
			done[old] = nt
		}
		if nt != old {
			if !e.field.CanSet() {
				panic(fmt.Sprintf("nn: %s: tensor %s is held where it cannot be replaced (an interface value); hold it in a *tensor.Tensor field", op, e.Name))
			}
			e.field.Set(reflect.ValueOf(nt))
		}
	}})
}

// Moder is implemented by modules whose behaviour differs between training
// and evaluation (Dropout). Train and Eval call SetTraining on every module
// of a tree that implements it.
type Moder interface {
	SetTraining(on bool)
}

// Train puts every module of m in training mode (dropout active).
// Modules start in evaluation mode, unlike PyTorch's, so that a model
// loaded for inference is deterministic without a call.
func Train(m any) { setMode("Train", m, true) }

// Eval puts every module of m in evaluation mode (dropout off).
func Eval(m any) { setMode("Eval", m, false) }

func setMode(op string, m any, on bool) {
	seen := map[uintptr]bool{}
	walkModule(op, m, &walker{onModule: func(_ string, v reflect.Value) {
		if seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		if md, ok := v.Interface().(Moder); ok {
			md.SetTraining(on)
		}
	}})
}

// Modules returns the dotted path of every submodule of m (the root is "")
// with the module itself, in walk order, each module once.
func Modules(m any) []Module {
	var ms []Module
	seen := map[uintptr]bool{}
	walkModule("Modules", m, &walker{onModule: func(path string, v reflect.Value) {
		if seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		ms = append(ms, Module{Name: path, Module: v.Interface()})
	}})
	return ms
}

// Module is a submodule found by Modules.
type Module struct {
	Name   string // dotted path from the root ("" for the root)
	Module any    // the module: a pointer to its struct
}

var generatorType = reflect.TypeFor[*tensor.Generator]()

// SetGenerator sets every exported *tensor.Generator field of the modules
// of m (Dropout.Gen, attention.MultiHead.Gen, ...) to g, and returns how
// many it set. A model built for loading (with a nil generator) gets its
// random source this way before training with dropout.
func SetGenerator(m any, g *tensor.Generator) int {
	n := 0
	seen := map[uintptr]bool{}
	walkModule("SetGenerator", m, &walker{onModule: func(_ string, v reflect.Value) {
		if seen[v.Pointer()] {
			return
		}
		seen[v.Pointer()] = true
		s := v.Elem()
		for i := range s.NumField() {
			f := s.Type().Field(i)
			if f.IsExported() && f.Type == generatorType && s.Field(i).CanSet() {
				s.Field(i).Set(reflect.ValueOf(g))
				n++
			}
		}
	}})
	return n
}
