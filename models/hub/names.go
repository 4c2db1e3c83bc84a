package hub

import (
	"fmt"
	"strings"

	"github.com/goformer/goformer/nn"
)

// Rename pairs a pattern of the model's tensor names with the pattern of
// the same tensors' names in checkpoints. Patterns are dotted names in
// which "*" stands for exactly one segment (a layer number); both sides
// have the same number of "*", filled in order:
//
//	{Model: "encoder.layer.*.self_attn.q_proj", Checkpoint: "encoder.layer.*.attention.self.query"}
//
// maps "encoder.layer.3.self_attn.q_proj.weight" to
// "encoder.layer.3.attention.self.query.weight". A pattern matches a run
// of whole segments anywhere in a name (the leftmost match wins), so that
// one table serves a base model and the task models that hold it under a
// prefix ("bert.encoder.layer.3..."); the rest of the name is kept.
type Rename struct {
	Model, Checkpoint string
}

// Layout says how a model family's module tree is stored in its Hugging
// Face checkpoints. Families declare one per model type, beside the model.
type Layout struct {
	// Names maps the model's names to the checkpoint's, for loading and
	// saving alike: at the leftmost position where some pair's Model
	// pattern matches, the first such pair replaces the matched segments;
	// names no pair matches are the same in both.
	Names []Rename
	// BasePrefix is the first segment of the base model's names inside
	// task models ("bert" in "bert.encoder.layer.0..."; "transformer" for
	// GPT-2, "model" for Llama). A checkpoint of the base model alone
	// lacks it, a task checkpoint has it; Load accepts either for either
	// kind of model, as Hugging Face's loaders do, and skips a task
	// checkpoint's heads when it loads a base model. Empty: no prefix.
	BasePrefix string
	// Transposed lists patterns (globs over the model's dotted names, as
	// nn.MatchName reads them) of 2-D weights stored transposed: GPT-2's
	// Conv1D keeps [in, out] where a Linear holds [out, in].
	Transposed []string
	// Fused lists model tensors that checkpoints store as several tensors
	// joined along dimension 0 (a fused query-key-value projection whose
	// checkpoints keep query, key and value apart): Load joins them, Save
	// splits them.
	Fused []Fuse
	// Ignore lists patterns of checkpoint names that Load skips: buffers
	// the model recomputes ("*.position_ids", "h.*.attn.bias") and
	// duplicates of tied weights ("cls.predictions.decoder.bias").
	Ignore []string
}

// Fuse is a model tensor stored as several checkpoint tensors joined
// along dimension 0. Model is a pattern as in Rename that must match the
// end of a name; each of Parts names a stored tensor, its "*" filled as
// Model's and the segments before the match kept:
//
//	{Model: "encoder.layer.*.self_attn.in_proj_weight",
//	 Parts: []string{"encoder.layer.*.attention.self.query.weight", "encoder.layer.*.attention.self.key.weight", "encoder.layer.*.attention.self.value.weight"}}
//
// joins "bert.encoder.layer.3.attention.self.query.weight" and the key's
// and value's into "bert.encoder.layer.3.self_attn.in_proj_weight".
type Fuse struct {
	Model string
	Parts []string
	// Sizes returns the parts' lengths along dimension 0 for a model
	// tensor of the given length, for Save (grouped-query attention's
	// keys and values are shorter than its queries); nil splits evenly.
	Sizes func(rows int) []int
}

// fuser finds the parts of fused tensors.
type fuser struct {
	model []namePattern
	parts [][]namePattern
	fuses []Fuse
}

func newFuser(fs []Fuse) (*fuser, error) {
	f := &fuser{fuses: fs}
	for _, x := range fs {
		m := parseNamePattern(x.Model)
		var ps []namePattern
		for _, p := range x.Parts {
			pp := parseNamePattern(p)
			if pp.stars() != m.stars() {
				return nil, fmt.Errorf("hub: layout: fuse %q ↔ %q: the sides have different numbers of \"*\"", x.Model, p)
			}
			ps = append(ps, pp)
		}
		if len(ps) < 2 {
			return nil, fmt.Errorf("hub: layout: fuse %q has fewer than two parts", x.Model)
		}
		f.model = append(f.model, m)
		f.parts = append(f.parts, ps)
	}
	return f, nil
}

// split returns the stored names of the parts of model tensor name, with
// its Fuse, or false when name is not fused.
func (f *fuser) split(name string) ([]string, *Fuse, bool) {
	segs := strings.Split(name, ".")
	for i, m := range f.model {
		at := len(segs) - len(m)
		if at < 0 {
			continue
		}
		caps, ok := m.match(segs[at:])
		if !ok {
			continue
		}
		var out []string
		for _, p := range f.parts[i] {
			out = append(out, strings.Join(append(append([]string(nil), segs[:at]...), p.fill(caps)...), "."))
		}
		return out, &f.fuses[i], true
	}
	return nil, nil, false
}

// CheckpointName returns the name under which the layout's checkpoints
// store the model's tensor name (Names applied as Load and Save apply
// them), for messages and tests that speak in the checkpoint's names. An
// invalid Names table panics.
func (l *Layout) CheckpointName(name string) string {
	r, err := newRenamer(l.Names)
	if err != nil {
		panic(err.Error())
	}
	return r.apply(name)
}

// namePattern is a parsed Rename side.
type namePattern []string

func parseNamePattern(p string) namePattern { return strings.Split(p, ".") }

func (p namePattern) stars() int {
	n := 0
	for _, s := range p {
		if s == "*" {
			n++
		}
	}
	return n
}

// match matches p against the first len(p) segments of name and returns
// the segments the stars matched.
func (p namePattern) match(name []string) ([]string, bool) {
	if len(name) < len(p) {
		return nil, false
	}
	var caps []string
	for i, s := range p {
		switch s {
		case "*":
			caps = append(caps, name[i])
		case name[i]:
		default:
			return nil, false
		}
	}
	return caps, true
}

func (p namePattern) fill(caps []string) []string {
	out := make([]string, len(p))
	k := 0
	for i, s := range p {
		if s == "*" {
			s = caps[k]
			k++
		}
		out[i] = s
	}
	return out
}

// renamer maps model names to checkpoint names by a Rename table.
type renamer struct{ from, to []namePattern }

func newRenamer(rs []Rename) (*renamer, error) {
	r := &renamer{}
	for _, x := range rs {
		a, b := parseNamePattern(x.Model), parseNamePattern(x.Checkpoint)
		if a.stars() != b.stars() {
			return nil, fmt.Errorf("hub: layout: rename %q ↔ %q: the sides have different numbers of \"*\"", x.Model, x.Checkpoint)
		}
		r.from = append(r.from, a)
		r.to = append(r.to, b)
	}
	return r, nil
}

func (r *renamer) apply(name string) string {
	segs := strings.Split(name, ".")
	for at := range segs {
		for i, p := range r.from {
			if caps, ok := p.match(segs[at:]); ok {
				out := append(append(segs[:at:at], r.to[i].fill(caps)...), segs[at+len(p):]...)
				return strings.Join(out, ".")
			}
		}
	}
	return name
}

func matchAny(patterns []string, name string) bool {
	for _, p := range patterns {
		if nn.MatchName(p, name) {
			return true
		}
	}
	return false
}

// oldNames translates the parameter names of old checkpoints, as Hugging
// Face's loaders do for every model: a final "gamma" is a norm's "weight",
// a final "beta" its "bias".
func oldNames(name string) string {
	switch {
	case strings.HasSuffix(name, ".gamma"):
		return strings.TrimSuffix(name, "gamma") + "weight"
	case strings.HasSuffix(name, ".beta"):
		return strings.TrimSuffix(name, "beta") + "bias"
	}
	return name
}
