package nn

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// The errors a load reports, wrapped in a *LoadError.
var (
	ErrMissingKeys    = errors.New("nn: tensors missing from the checkpoint")
	ErrUnexpectedKeys = errors.New("nn: unexpected tensors in the checkpoint")
	ErrShapeMismatch  = errors.New("nn: tensor shapes differ")
)

// Mismatch is a tensor whose shape in the checkpoint differs from the
// model's.
type Mismatch struct {
	Name        string
	Model, File []int
}

// LoadError lists everything that kept a checkpoint from loading. Nothing
// is loaded when it is returned. errors.Is matches ErrMissingKeys,
// ErrUnexpectedKeys and ErrShapeMismatch according to its lists.
type LoadError struct {
	Path       string   // the checkpoint file, when loading from one
	Missing    []string // model tensors the checkpoint lacks
	Unexpected []string // checkpoint tensors the model lacks
	Mismatched []Mismatch
}

// Error lists the problems, ten names of each kind at most.
func (e *LoadError) Error() string {
	var parts []string
	list := func(what string, names []string) {
		if len(names) == 0 {
			return
		}
		shown := names
		if len(shown) > 10 {
			shown = shown[:10]
		}
		s := fmt.Sprintf("%d %s: %s", len(names), what, strings.Join(shown, ", "))
		if len(names) > len(shown) {
			s += ", ..."
		}
		parts = append(parts, s)
	}
	list("missing", e.Missing)
	list("unexpected", e.Unexpected)
	if len(e.Mismatched) > 0 {
		var ms []string
		for i, m := range e.Mismatched {
			if i == 10 {
				ms = append(ms, "...")
				break
			}
			ms = append(ms, fmt.Sprintf("%s (model %v, checkpoint %v)", m.Name, m.Model, m.File))
		}
		parts = append(parts, fmt.Sprintf("%d with other shapes: %s", len(e.Mismatched), strings.Join(ms, ", ")))
	}
	if e.Path != "" {
		return "nn: load " + e.Path + ": " + strings.Join(parts, "; ")
	}
	return "nn: load: " + strings.Join(parts, "; ")
}

// Is reports whether the error contains the kind of problem target names.
func (e *LoadError) Is(target error) bool {
	switch target {
	case ErrMissingKeys:
		return len(e.Missing) > 0
	case ErrUnexpectedKeys:
		return len(e.Unexpected) > 0
	case ErrShapeMismatch:
		return len(e.Mismatched) > 0
	}
	return false
}

// LoadOptions relaxes the checks of a load and says how checkpoint names
// and tensors map onto the model's. The zero value is strict: every model
// tensor must be in the checkpoint with its shape, and nothing else may be
// there.
type LoadOptions struct {
	// AllowMissing leaves model tensors absent from the checkpoint as they
	// are (a new head on a pre-trained body).
	AllowMissing bool
	// Optional, when set, names the model tensors the checkpoint may lack
	// (left as they are) when AllowMissing is false: the parameters of a
	// new head, while the body's must all be there.
	Optional func(name string) bool
	// AllowUnexpected ignores checkpoint tensors the model lacks (a
	// pre-training head the model drops).
	AllowUnexpected bool
	// Rename maps a model tensor's name to its name in the checkpoint
	// (adding a prefix); nil keeps names.
	Rename func(name string) string
	// FromCheckpoint maps a checkpoint tensor's name to the model's name
	// for it (stripping a prefix, translating old names such as "gamma"
	// to "weight"); an empty result drops the tensor (a buffer the model
	// does not keep) without counting it as unexpected. It applies before
	// Rename is consulted; nil keeps names.
	FromCheckpoint func(name string) string
	// Transform, when set, converts each checkpoint tensor before its
	// shape is checked and it is copied into the model: GPT-2's Conv1D
	// weights, stored [in, out], are transposed to a Linear's [out, in].
	// name is the model's name of the tensor; t is the tensor as stored,
	// possibly a read-only view of a memory-mapped file that is valid
	// during the call only: Transform returns t itself, a view of it or a
	// new tensor, and never modifies it. Dtypes need no Transform: values
	// are converted to the model tensor's dtype as they are copied.
	Transform func(name string, t *tensor.Tensor) (*tensor.Tensor, error)
	// TransformShape, when set together with Transform, returns the shape
	// Transform makes of a tensor stored with the given shape, so that
	// shapes are checked from the checkpoint's header before any data is
	// read. Without it, a load with a Transform reads and transforms every
	// tensor twice: once to check the shapes, once to copy.
	TransformShape func(name string, shape []int) []int
}

// Source is a checkpoint a load reads from: its tensors' names, shapes and
// dtypes, known without reading their values, and the values on demand.
// Safetensors files are one (FilesSource); a Source may also compute
// tensors, as package models/hub joins the parts of a fused projection
// that checkpoints store apart.
type Source interface {
	// Names returns the tensor names in sorted order.
	Names() []string
	// Shape returns the named tensor's shape, and false when there is no
	// such tensor.
	Shape(name string) ([]int, bool)
	// IsFloat reports whether the named tensor's values are
	// floating-point.
	IsFloat(name string) bool
	// DType names the named tensor's stored dtype, for messages.
	DType(name string) string
	// With runs fn on the named tensor, which may be valid during the
	// call only (a view of a memory-mapped file): fn copies what it keeps.
	With(name string, fn func(t *tensor.Tensor) error) error
}

type mapSource map[string]*tensor.Tensor

func (s mapSource) Names() []string {
	ns := make([]string, 0, len(s))
	for k := range s {
		ns = append(ns, k)
	}
	sort.Strings(ns)
	return ns
}

func (s mapSource) Shape(name string) ([]int, bool) {
	t, ok := s[name]
	if !ok || t == nil {
		return nil, false
	}
	return t.Shape(), true
}

func (s mapSource) IsFloat(name string) bool { return s[name].DType().IsFloat() }

func (s mapSource) DType(name string) string { return s[name].DType().String() }

func (s mapSource) With(name string, fn func(*tensor.Tensor) error) error { return fn(s[name]) }

// filesSource reads from one or more safetensors files (the shards of a
// checkpoint), each tensor from the file that holds it.
type filesSource struct {
	byName map[string]*safetensors.File
	order  []string
}

func newFilesSource(fs []*safetensors.File) (*filesSource, error) {
	s := &filesSource{byName: map[string]*safetensors.File{}}
	for _, f := range fs {
		for _, n := range f.Names() {
			if _, dup := s.byName[n]; dup {
				return nil, fmt.Errorf("nn: load: tensor %q is in more than one checkpoint file", n)
			}
			s.byName[n] = f
			s.order = append(s.order, n)
		}
	}
	sort.Strings(s.order)
	return s, nil
}

func (s *filesSource) Names() []string { return s.order }

func (s *filesSource) Shape(name string) ([]int, bool) {
	f, ok := s.byName[name]
	if !ok {
		return nil, false
	}
	in, _ := f.Info(name)
	return in.Shape, true
}

func (s *filesSource) IsFloat(name string) bool {
	in, _ := s.byName[name].Info(name)
	switch in.DType {
	case safetensors.F16, safetensors.BF16, safetensors.F32, safetensors.F64, safetensors.F8E4M3, safetensors.F8E5M2:
		return true
	}
	return false
}

func (s *filesSource) DType(name string) string {
	in, _ := s.byName[name].Info(name)
	return string(in.DType)
}

func (s *filesSource) With(name string, fn func(*tensor.Tensor) error) error {
	return s.byName[name].View(name, fn)
}

// LoadStateDict copies the tensors of sd into m's tensors of the same
// names (converting dtype and device), after checking them all: on any
// problem it returns a *LoadError and changes nothing.
func LoadStateDict(m any, sd map[string]*tensor.Tensor, o LoadOptions) error {
	return load(m, mapSource(sd), o)
}

// LoadFile loads m from an open safetensors file, as LoadStateDict. Only
// the tensors the model needs are read, one at a time, straight from the
// file's memory into the model's tensors: a load needs no memory beyond
// the model's own (and a transformed tensor's, when Transform copies).
func LoadFile(m any, f *safetensors.File, o LoadOptions) error {
	return LoadFiles(m, []*safetensors.File{f}, o)
}

// LoadFiles loads m from a checkpoint split across several safetensors
// files (the shards of a large Hugging Face model), as LoadFile. A tensor
// name found in two files is an error.
func LoadFiles(m any, fs []*safetensors.File, o LoadOptions) error {
	src, err := FilesSource(fs)
	if err != nil {
		return err
	}
	return load(m, src, o)
}

// FilesSource shows safetensors files (the shards of a checkpoint) as one
// Source, each tensor read from the file that holds it, without a copy
// where the file allows (safetensors File.View). A tensor name found in
// two files is an error.
func FilesSource(fs []*safetensors.File) (Source, error) { return newFilesSource(fs) }

// LoadSource loads m from src, as LoadStateDict: every name, shape and
// dtype is checked before anything is copied, then the tensors are
// copied one at a time.
func LoadSource(m any, src Source, o LoadOptions) error { return load(m, src, o) }

// Load loads m from the safetensors file at path, as LoadFile.
func Load(path string, m any, o LoadOptions) error {
	f, err := safetensors.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	err = LoadFile(m, f, o)
	if le, ok := err.(*LoadError); ok {
		le.Path = path
	}
	return err
}

// load checks everything it can before it writes anything: names, shapes
// (after Transform), dtypes, and the values of integer tensors (which may
// not fit in int32). Then it copies tensor by tensor; only a Transform
// that fails in the copying pass after succeeding on the shapes can leave
// the model partly loaded.
func load(m any, src Source, o LoadOptions) error {
	var es []entry
	for _, e := range entries("Load", m) {
		if !e.Transient {
			es = append(es, e)
		}
	}
	if o.FromCheckpoint != nil {
		src = translated(src, o.FromCheckpoint)
	}
	rename := o.Rename
	if rename == nil {
		rename = func(s string) string { return s }
	}
	// A tensor reachable under several names (tied weights) is satisfied by
	// any one of them.
	found := map[*tensor.Tensor]bool{}
	used := map[string]bool{}
	type job struct {
		dst   *tensor.Tensor
		model string         // the model's name
		name  string         // in the checkpoint
		pre   *tensor.Tensor // an integer tensor read (and checked) in advance
	}
	var jobs []job
	le := &LoadError{}
	probe := o.Transform != nil && o.TransformShape == nil
	for _, e := range es {
		name := rename(e.Name)
		shape, ok := src.Shape(name)
		if !ok {
			continue
		}
		used[name] = true
		found[e.Tensor] = true
		if o.Transform != nil && o.TransformShape != nil {
			shape = o.TransformShape(e.Name, shape)
		}
		if !probe && !equalShapes(shape, e.Tensor.Shape()) {
			le.Mismatched = append(le.Mismatched, Mismatch{Name: e.Name, Model: e.Tensor.Shape(), File: shape})
			continue
		}
		jobs = append(jobs, job{dst: e.Tensor, model: e.Name, name: name})
	}
	if !o.AllowMissing {
		seen := map[*tensor.Tensor]bool{}
		for _, e := range es {
			if !found[e.Tensor] && !seen[e.Tensor] {
				seen[e.Tensor] = true
				if o.Optional != nil && o.Optional(e.Name) {
					continue
				}
				le.Missing = append(le.Missing, e.Name)
			}
		}
	}
	if !o.AllowUnexpected {
		for _, n := range src.Names() {
			if !used[n] {
				le.Unexpected = append(le.Unexpected, n)
			}
		}
	}
	transform := func(j job, t *tensor.Tensor) (*tensor.Tensor, error) {
		if o.Transform == nil {
			return t, nil
		}
		u, err := o.Transform(j.model, t)
		if err == nil && u == nil {
			err = fmt.Errorf("Transform returned no tensor")
		}
		return u, err
	}
	if probe {
		// The shapes Transform makes, one tensor at a time.
		kept := jobs[:0]
		for _, j := range jobs {
			var shape []int
			err := src.With(j.name, func(t *tensor.Tensor) error {
				u, err := transform(j, t)
				if err == nil {
					shape = u.Shape()
				}
				return err
			})
			if err != nil {
				return fmt.Errorf("nn: load %s: %w", j.name, err)
			}
			if !equalShapes(shape, j.dst.Shape()) {
				le.Mismatched = append(le.Mismatched, Mismatch{Name: j.model, Model: j.dst.Shape(), File: shape})
				continue
			}
			kept = append(kept, j)
		}
		jobs = kept
	}
	if len(le.Missing)+len(le.Unexpected)+len(le.Mismatched) > 0 {
		return le
	}
	for i, j := range jobs {
		if src.IsFloat(j.name) {
			if !j.dst.DType().IsFloat() {
				return fmt.Errorf("nn: load %s: cannot load %s values into a %s tensor", j.name, src.DType(j.name), j.dst.DType())
			}
			continue
		}
		// Integer values are decoded (and range-checked) now, so that a
		// bad value leaves the model unchanged; integer tensors are small
		// buffers (position ids, masks).
		err := src.With(j.name, func(t *tensor.Tensor) error {
			u, err := transform(j, t)
			if err != nil {
				return err
			}
			jobs[i].pre = u.Detach().Clone()
			return nil
		})
		if err != nil {
			return fmt.Errorf("nn: load %s: %w", j.name, err)
		}
	}
	for _, j := range jobs {
		if j.pre != nil {
			j.dst.CopyFrom(j.pre)
			continue
		}
		err := src.With(j.name, func(t *tensor.Tensor) error {
			u, err := transform(j, t)
			if err != nil {
				return err
			}
			if !equalShapes(u.Shape(), j.dst.Shape()) {
				return fmt.Errorf("Transform made shape %v of a tensor the model holds as %v (TransformShape said otherwise)", u.Shape(), j.dst.Shape())
			}
			if u.DType().IsFloat() && !j.dst.DType().IsFloat() {
				return fmt.Errorf("cannot load %s values into a %s tensor", u.DType(), j.dst.DType())
			}
			j.dst.CopyFrom(u)
			return nil
		})
		if err != nil {
			return fmt.Errorf("nn: load %s: %w", j.name, err)
		}
	}
	return nil
}

// renamedSource shows a source under translated names.
type renamedSource struct {
	src    Source
	byName map[string]string // translated name → source name
	order  []string
}

func translated(src Source, f func(string) string) Source {
	r := &renamedSource{src: src, byName: map[string]string{}}
	for _, n := range src.Names() {
		t := f(n)
		if t == "" {
			continue
		}
		if _, dup := r.byName[t]; !dup {
			r.order = append(r.order, t)
		}
		r.byName[t] = n
	}
	sort.Strings(r.order)
	return r
}

func (r *renamedSource) Names() []string { return r.order }

func (r *renamedSource) Shape(name string) ([]int, bool) {
	n, ok := r.byName[name]
	if !ok {
		return nil, false
	}
	return r.src.Shape(n)
}

func (r *renamedSource) IsFloat(name string) bool { return r.src.IsFloat(r.byName[name]) }

func (r *renamedSource) DType(name string) string { return r.src.DType(r.byName[name]) }

func (r *renamedSource) With(name string, fn func(*tensor.Tensor) error) error {
	return r.src.With(r.byName[name], fn)
}

func equalShapes(a, b []int) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// SaveOptions says how a checkpoint is written. The zero value writes every
// tensor under its own name, as it is.
type SaveOptions struct {
	// Metadata is the file's string metadata (Hugging Face's loaders want
	// {"format": "pt"}); nil for none.
	Metadata map[string]string
	// Rename maps a model tensor's name to its name in the checkpoint; an
	// empty result leaves the tensor out. nil keeps names.
	Rename func(name string) string
	// Transform converts a model tensor to its stored form, the inverse of
	// LoadOptions.Transform (a Linear weight back to GPT-2's [in, out]);
	// name is the model's name. It returns t itself, a view of it or a new
	// tensor, and never modifies t.
	Transform func(name string, t *tensor.Tensor) (*tensor.Tensor, error)
}

// Save writes the tensors of m (parameters and buffers) to path as
// safetensors, atomically, with the given metadata (may be nil). A tensor
// reachable under several names is written once, under the first; Load
// fills the other names from it.
func Save(path string, m any, metadata map[string]string) error {
	return SaveWith(path, m, SaveOptions{Metadata: metadata})
}

// SaveWith writes m to path as Save does, with names and tensors mapped by
// o.
func SaveWith(path string, m any, o SaveOptions) error {
	sd, err := Export(m, o)
	if err != nil {
		return err
	}
	return safetensors.WriteFile(path, sd, o.Metadata)
}

// Export returns the tensors a save with o writes, by checkpoint name:
// parameters and buffers (not transient ones), each tied tensor once under
// the first name it is reached by, renamed and transformed. Two tensors
// renamed to one name are an error.
func Export(m any, o SaveOptions) (map[string]*tensor.Tensor, error) {
	out := map[string]*tensor.Tensor{}
	from := map[string]string{}
	seen := map[*tensor.Tensor]bool{}
	for _, p := range Tensors(m) {
		if seen[p.Tensor] || p.Transient {
			continue
		}
		seen[p.Tensor] = true
		name := p.Name
		if o.Rename != nil {
			if name = o.Rename(p.Name); name == "" {
				continue
			}
		}
		if prev, dup := from[name]; dup {
			return nil, fmt.Errorf("nn: save: tensors %s and %s are both named %s in the checkpoint", prev, p.Name, name)
		}
		from[name] = p.Name
		t := p.Tensor.Detach()
		if o.Transform != nil {
			u, err := o.Transform(p.Name, t)
			if err != nil {
				return nil, fmt.Errorf("nn: save %s: %w", p.Name, err)
			}
			if u == nil {
				return nil, fmt.Errorf("nn: save %s: Transform returned no tensor", p.Name)
			}
			t = u
		}
		out[name] = t
	}
	return out, nil
}
