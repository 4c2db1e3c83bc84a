package nn

import (
	"reflect"

	"github.com/goformer/goformer/tensor"
)

// Detached returns a view of module m for inference and evaluation: a copy
// of its module tree whose tensors share storage with m's but require no
// gradient, so that forward passes through the view record no autograd
// graph and allocate nothing for one, whatever m's parameters require.
//
// The view shares the weights: in-place updates of m's parameters (an
// optimizer step, a loaded checkpoint copied in with CopyFrom) show in the
// view at once, and the view costs only the module structs, not the
// weights. It is safe for many goroutines at once (serving, generation,
// evaluation running beside training), since a forward pass through it
// only reads the weights:
//
//	eval := nn.Detached(model)
//	nn.Eval(eval)                  // dropout off in the view only
//	logits := eval.Forward(x)      // no graph, m's gradients untouched
//
// The copy is deep where Tensors walks (exported fields: submodules,
// slices, arrays, maps and interfaces holding modules), so the view's
// training modes (Train, Eval) and generators are its own to set; tied
// tensors stay tied, and a module reached twice is copied once.
// Unexported fields are copied as they are (shared pointers stay shared).
// Fields that m replaces later (nn.To, nn.Cast) are not seen by a view
// made before: make a new view.
func Detached[M any](m M) M {
	walkModule("Detached", m, &walker{}) // validates m
	c := detacher{ptrs: map[uintptr]reflect.Value{}, tensors: map[*tensor.Tensor]*tensor.Tensor{}}
	return c.value(reflect.ValueOf(m)).Interface().(M)
}

// detacher copies a module tree, detaching its tensors.
type detacher struct {
	ptrs    map[uintptr]reflect.Value // struct pointers already copied
	tensors map[*tensor.Tensor]*tensor.Tensor
}

func (c *detacher) tensor(t *tensor.Tensor) *tensor.Tensor {
	if d, ok := c.tensors[t]; ok {
		return d
	}
	d := t
	if t.RequiresGrad() {
		d = t.Detach()
	}
	c.tensors[t] = d
	return d
}

// value returns a copy of v (of v's type) with its tensors detached.
func (c *detacher) value(v reflect.Value) reflect.Value {
	switch v.Kind() {
	case reflect.Pointer:
		if v.IsNil() {
			return v
		}
		if v.Type() == tensorType {
			return reflect.ValueOf(c.tensor(v.Interface().(*tensor.Tensor)))
		}
		if v.Elem().Kind() != reflect.Struct || v.Elem().Type().PkgPath() == tensorPkg {
			return v // a *tensor.Generator, a pointer to a number: shared
		}
		if p, ok := c.ptrs[v.Pointer()]; ok {
			return p
		}
		p := reflect.New(v.Elem().Type())
		c.ptrs[v.Pointer()] = p
		p.Elem().Set(v.Elem())
		c.fields(p.Elem())
		return p
	case reflect.Struct:
		if v.Type().PkgPath() == tensorPkg {
			return v
		}
		s := reflect.New(v.Type()).Elem()
		s.Set(v)
		c.fields(s)
		return s
	case reflect.Interface:
		if v.IsNil() {
			return v
		}
		e := c.value(v.Elem())
		i := reflect.New(v.Type()).Elem()
		i.Set(e)
		return i
	case reflect.Slice:
		if v.IsNil() || !holdsTensors(v.Type().Elem()) {
			return v
		}
		s := reflect.MakeSlice(v.Type(), v.Len(), v.Len())
		for i := range v.Len() {
			s.Index(i).Set(c.value(v.Index(i)))
		}
		return s
	case reflect.Array:
		if !holdsTensors(v.Type().Elem()) {
			return v
		}
		a := reflect.New(v.Type()).Elem()
		for i := range v.Len() {
			a.Index(i).Set(c.value(v.Index(i)))
		}
		return a
	case reflect.Map:
		if v.IsNil() || v.Type().Key().Kind() != reflect.String || !holdsTensors(v.Type().Elem()) {
			return v
		}
		m := reflect.MakeMapWithSize(v.Type(), v.Len())
		for _, k := range v.MapKeys() {
			m.SetMapIndex(k, c.value(v.MapIndex(k)))
		}
		return m
	}
	return v
}

// fields replaces, in the addressable struct s (already a shallow copy),
// the exported fields that the module walk visits with deep copies.
func (c *detacher) fields(s reflect.Value) {
	t := s.Type()
	for i := range t.NumField() {
		f := t.Field(i)
		if !f.IsExported() && !(f.Anonymous && f.Type.Kind() == reflect.Struct) {
			continue
		}
		if parseTag(f).skip || !holdsTensors(f.Type) {
			continue
		}
		fv := s.Field(i)
		if !fv.CanSet() {
			// An embedded struct of an unexported type: its exported
			// fields are promoted and settable one by one.
			if fv.Kind() == reflect.Struct {
				c.fields(fv)
			}
			continue
		}
		fv.Set(c.value(fv))
	}
}
