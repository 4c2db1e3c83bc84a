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

// LoadOptions relaxes the checks of a load. The zero value is strict:
// every model tensor must be in the checkpoint with its shape, and nothing
// else may be there.
type LoadOptions struct {
	// AllowMissing leaves model tensors absent from the checkpoint as they
	// are (a new head on a pre-trained body).
	AllowMissing bool
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
}

// source is where a load reads tensors from.
type source interface {
	names() []string
	shape(name string) ([]int, bool)
	get(name string) (*tensor.Tensor, error)
}

type mapSource map[string]*tensor.Tensor

func (s mapSource) names() []string {
	ns := make([]string, 0, len(s))
	for k := range s {
		ns = append(ns, k)
	}
	sort.Strings(ns)
	return ns
}

func (s mapSource) shape(name string) ([]int, bool) {
	t, ok := s[name]
	if !ok || t == nil {
		return nil, false
	}
	return t.Shape(), true
}

func (s mapSource) get(name string) (*tensor.Tensor, error) { return s[name], nil }

type fileSource struct{ f *safetensors.File }

func (s fileSource) names() []string { return s.f.Names() }

func (s fileSource) shape(name string) ([]int, bool) {
	in, ok := s.f.Info(name)
	return in.Shape, ok
}

func (s fileSource) get(name string) (*tensor.Tensor, error) { return s.f.Tensor(name) }

// LoadStateDict copies the tensors of sd into m's tensors of the same
// names (converting dtype and device), after checking them all: on any
// problem it returns a *LoadError and changes nothing.
func LoadStateDict(m any, sd map[string]*tensor.Tensor, o LoadOptions) error {
	return load(m, mapSource(sd), o)
}

// LoadFile loads m from an open safetensors file, reading only the tensors
// the model needs. Checks are as in LoadStateDict.
func LoadFile(m any, f *safetensors.File, o LoadOptions) error {
	return load(m, fileSource{f}, o)
}

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

func load(m any, src source, o LoadOptions) error {
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
		dst  *tensor.Tensor
		name string // in the checkpoint
	}
	var jobs []job
	le := &LoadError{}
	for _, e := range es {
		name := rename(e.Name)
		shape, ok := src.shape(name)
		if !ok {
			continue
		}
		used[name] = true
		found[e.Tensor] = true
		if !equalShapes(shape, e.Tensor.Shape()) {
			le.Mismatched = append(le.Mismatched, Mismatch{Name: e.Name, Model: e.Tensor.Shape(), File: shape})
			continue
		}
		jobs = append(jobs, job{e.Tensor, name})
	}
	if !o.AllowMissing {
		seen := map[*tensor.Tensor]bool{}
		for _, e := range es {
			if !found[e.Tensor] && !seen[e.Tensor] {
				seen[e.Tensor] = true
				le.Missing = append(le.Missing, e.Name)
			}
		}
	}
	if !o.AllowUnexpected {
		for _, n := range src.names() {
			if !used[n] {
				le.Unexpected = append(le.Unexpected, n)
			}
		}
	}
	if len(le.Missing)+len(le.Unexpected)+len(le.Mismatched) > 0 {
		return le
	}
	// Read every tensor before writing any, so that a read error leaves
	// the model unchanged.
	vals := make([]*tensor.Tensor, len(jobs))
	for i, j := range jobs {
		t, err := src.get(j.name)
		if err != nil {
			return fmt.Errorf("nn: load %s: %w", j.name, err)
		}
		if t.DType().IsFloat() && !j.dst.DType().IsFloat() {
			return fmt.Errorf("nn: load %s: cannot load %s values into a %s tensor", j.name, t.DType(), j.dst.DType())
		}
		vals[i] = t
	}
	for i, j := range jobs {
		j.dst.CopyFrom(vals[i])
	}
	return nil
}

// renamedSource shows a source under translated names.
type renamedSource struct {
	src    source
	byName map[string]string // translated name → source name
	order  []string
}

func translated(src source, f func(string) string) source {
	r := &renamedSource{src: src, byName: map[string]string{}}
	for _, n := range src.names() {
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

func (r *renamedSource) names() []string { return r.order }

func (r *renamedSource) shape(name string) ([]int, bool) {
	n, ok := r.byName[name]
	if !ok {
		return nil, false
	}
	return r.src.shape(n)
}

func (r *renamedSource) get(name string) (*tensor.Tensor, error) { return r.src.get(r.byName[name]) }

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

// Save writes the tensors of m (parameters and buffers) to path as
// safetensors, atomically, with the given metadata (may be nil). A tensor
// reachable under several names is written once, under the first; Load
// fills the other names from it.
func Save(path string, m any, metadata map[string]string) error {
	out := map[string]*tensor.Tensor{}
	seen := map[*tensor.Tensor]bool{}
	for _, p := range Tensors(m) {
		if seen[p.Tensor] || p.Transient {
			continue
		}
		seen[p.Tensor] = true
		out[p.Name] = p.Tensor
	}
	return safetensors.WriteFile(path, out, metadata)
}
