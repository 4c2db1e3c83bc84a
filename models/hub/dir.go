package hub

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/tokenize/wordpiece"
)

// The errors callers may branch on (wrapped with details).
var (
	// ErrUnknownModelType reports a config.json whose model_type is not
	// one the caller reads (or is absent).
	ErrUnknownModelType = errors.New("hub: unknown model_type")
	// ErrNotFound reports a model, file or revision that is neither on
	// disk nor (when downloads are allowed) on the hub.
	ErrNotFound = errors.New("hub: not found")
	// ErrAccess reports a repository the hub refuses to serve without a
	// valid token (private or gated).
	ErrAccess = errors.New("hub: access denied")
)

// The file names of a Hugging Face model directory.
const (
	ConfigFile     = "config.json"
	WeightsFile    = "model.safetensors"
	WeightsIndex   = "model.safetensors.index.json"
	TokenizerFile  = "tokenizer.json"
	tokenizerCfg   = "tokenizer_config.json"
	specialTokens  = "special_tokens_map.json"
	vocabTxt       = "vocab.txt"
	vocabJSON      = "vocab.json"
	mergesTxt      = "merges.txt"
	generationFile = "generation_config.json"
	pytorchBin     = "pytorch_model.bin"
)

// Dir is an opened Hugging Face model directory: its config.json has been
// read; weights and tokenizer files are read when asked for.
type Dir struct {
	// Path is the directory (a snapshot folder for a cached model).
	Path string
	// ModelType is config.json's model_type ("bert", "gpt2", "llama").
	ModelType string
	// Architectures is config.json's architectures
	// (["BertForMaskedLM"]), possibly empty.
	Architectures []string

	config []byte
}

// OpenDir opens the model directory at path and reads its config.json.
func OpenDir(path string) (*Dir, error) {
	b, err := os.ReadFile(filepath.Join(path, ConfigFile))
	if err != nil {
		if errors.Is(err, fs.ErrNotExist) {
			return nil, fmt.Errorf("hub: open %s: no %s: %w", path, ConfigFile, ErrNotFound)
		}
		return nil, fmt.Errorf("hub: open %s: %w", path, err)
	}
	var head struct {
		ModelType     string   `json:"model_type"`
		Architectures []string `json:"architectures"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("hub: open %s: %s: %w", path, ConfigFile, err)
	}
	return &Dir{Path: path, ModelType: head.ModelType, Architectures: head.Architectures, config: b}, nil
}

// Open opens a model given as a local directory or as a repository name
// on the Hugging Face hub ("org/name", or "name" for the older top-level
// models), found in the local cache or downloaded into it (see Resolve).
func Open(nameOrPath string, o Options) (*Dir, error) {
	if st, err := os.Stat(nameOrPath); err == nil && st.IsDir() {
		return OpenDir(nameOrPath)
	}
	if !validRepoID(nameOrPath) {
		return nil, fmt.Errorf("hub: %q is neither a model directory nor a repository name: %w", nameOrPath, ErrNotFound)
	}
	path, err := Resolve(nameOrPath, o)
	if err != nil {
		return nil, err
	}
	return OpenDir(path)
}

// DecodeConfig decodes config.json into v, a family's config struct whose
// JSON tags are Hugging Face's names.
func (d *Dir) DecodeConfig(v any) error {
	if err := json.Unmarshal(d.config, v); err != nil {
		return fmt.Errorf("hub: %s: %w", filepath.Join(d.Path, ConfigFile), err)
	}
	return nil
}

// Expect returns nil when the model's model_type is one of types, and an
// error wrapping ErrUnknownModelType that names them otherwise.
func (d *Dir) Expect(types ...string) error {
	for _, t := range types {
		if d.ModelType == t {
			return nil
		}
	}
	if d.ModelType == "" {
		return fmt.Errorf("%w: %s has no model_type (want %s)", ErrUnknownModelType, filepath.Join(d.Path, ConfigFile), strings.Join(types, " or "))
	}
	return fmt.Errorf("%w %q in %s (want %s)", ErrUnknownModelType, d.ModelType, filepath.Join(d.Path, ConfigFile), strings.Join(types, " or "))
}

// Tokenizer reads the directory's tokenizer: tokenizer.json when there is
// one; else BERT's vocab.txt (lower-casing as tokenizer_config.json's
// do_lower_case says, by default on); else GPT-2's vocab.json and
// merges.txt (byte-level BPE). Without any, the error wraps ErrNotFound.
func (d *Dir) Tokenizer() (*tokenize.Tokenizer, error) {
	p := func(name string) string { return filepath.Join(d.Path, name) }
	exists := func(name string) bool { _, err := os.Stat(p(name)); return err == nil }
	switch {
	case exists(TokenizerFile):
		t, err := tokenize.FromFile(p(TokenizerFile))
		if err != nil {
			return nil, fmt.Errorf("hub: %w", err)
		}
		return t, nil
	case exists(vocabTxt):
		f, err := os.Open(p(vocabTxt))
		if err != nil {
			return nil, fmt.Errorf("hub: %w", err)
		}
		defer f.Close()
		v, err := wordpiece.ReadVocab(f)
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %w", p(vocabTxt), err)
		}
		m, err := wordpiece.New(v, wordpiece.Options{})
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %w", p(vocabTxt), err)
		}
		lower := true
		if b, err := os.ReadFile(p(tokenizerCfg)); err == nil {
			var c struct {
				DoLowerCase *bool `json:"do_lower_case"`
			}
			if err := json.Unmarshal(b, &c); err != nil {
				return nil, fmt.Errorf("hub: %s: %w", p(tokenizerCfg), err)
			}
			if c.DoLowerCase != nil {
				lower = *c.DoLowerCase
			}
		}
		t, err := tokenize.NewBERT(m, lower)
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %w", p(vocabTxt), err)
		}
		return t, nil
	case exists(vocabJSON) && exists(mergesTxt):
		v, err := os.Open(p(vocabJSON))
		if err != nil {
			return nil, fmt.Errorf("hub: %w", err)
		}
		defer v.Close()
		mg, err := os.Open(p(mergesTxt))
		if err != nil {
			return nil, fmt.Errorf("hub: %w", err)
		}
		defer mg.Close()
		m, err := bpe.ReadVocabMerges(v, mg, bpe.Options{ByteLevel: true})
		if err != nil {
			return nil, fmt.Errorf("hub: %s: %w", d.Path, err)
		}
		t := &tokenize.Tokenizer{
			PreTokenizer:  tokenize.ByteLevel{Pattern: pattern.GPT2},
			Model:         tokenize.BPE{Model: m},
			PostProcessor: tokenize.ByteLevelProcessing{TrimOffsets: true},
			Decoder:       tokenize.ByteLevelDecoder{},
		}
		if _, ok := m.TokenToID("<|endoftext|>"); ok {
			t.AddSpecialTokens("<|endoftext|>")
		}
		return t, nil
	}
	return nil, fmt.Errorf("hub: %s has no %s, %s or %s and %s: %w", d.Path, TokenizerFile, vocabTxt, vocabJSON, mergesTxt, ErrNotFound)
}

// weightFiles returns the safetensors files of the directory: model.
// safetensors, or the shards model.safetensors.index.json lists.
func (d *Dir) weightFiles() (files []string, index map[string]string, err error) {
	p := func(name string) string { return filepath.Join(d.Path, name) }
	if _, err := os.Stat(p(WeightsFile)); err == nil {
		return []string{p(WeightsFile)}, nil, nil
	}
	b, err := os.ReadFile(p(WeightsIndex))
	if errors.Is(err, fs.ErrNotExist) {
		msg := fmt.Sprintf("hub: %s has no %s or %s", d.Path, WeightsFile, WeightsIndex)
		if _, err := os.Stat(p(pytorchBin)); err == nil {
			msg += " (only " + pytorchBin + ", which goformer does not read: convert it to safetensors)"
		}
		return nil, nil, fmt.Errorf("%s: %w", msg, ErrNotFound)
	}
	if err != nil {
		return nil, nil, fmt.Errorf("hub: %w", err)
	}
	var idx struct {
		WeightMap map[string]string `json:"weight_map"`
	}
	if err := json.Unmarshal(b, &idx); err != nil {
		return nil, nil, fmt.Errorf("hub: %s: %w", p(WeightsIndex), err)
	}
	if len(idx.WeightMap) == 0 {
		return nil, nil, fmt.Errorf("hub: %s: empty weight_map", p(WeightsIndex))
	}
	seen := map[string]bool{}
	for _, f := range idx.WeightMap {
		if f == "" || filepath.IsAbs(f) || strings.Contains(f, "..") || strings.ContainsAny(f, `/\`) {
			return nil, nil, fmt.Errorf("hub: %s: shard name %q is not a file of the directory", p(WeightsIndex), f)
		}
		if !seen[f] {
			seen[f] = true
			files = append(files, p(f))
		}
	}
	sort.Strings(files)
	return files, idx.WeightMap, nil
}

// LoadOptions relaxes the checks of Dir.Load for one load. The zero value
// is strict: every tensor of the model must be in the checkpoint with its
// shape, and every tensor of the checkpoint must be used (except the
// Layout's Ignore list, and a task checkpoint's heads when a base model
// is loaded).
type LoadOptions struct {
	// New lists patterns (nn.MatchName globs over the model's names) of
	// tensors the checkpoint may lack: a new head on a pre-trained body
	// ("classifier"). They keep the values the model was built with.
	New []string
	// Unused lists patterns of checkpoint names to skip: a pre-training
	// head a task model drops ("cls").
	Unused []string
}

// Report says what a load left aside.
type Report struct {
	// New lists the model's tensors the checkpoint did not hold, kept as
	// built.
	New []string
	// Unused lists the checkpoint's tensors the model did not take.
	Unused []string
}

// Load copies the directory's weights into m, a module tree of the family
// whose Layout l is, after checking every name and shape: all problems
// come back together in one error wrapping an *nn.LoadError, and nothing
// is copied. Weights are memory-mapped and copied one tensor at a time,
// converted to the model's dtypes (bf16 and f16 checkpoints load into
// float32 models).
func (d *Dir) Load(m any, l *Layout, o LoadOptions) (*Report, error) {
	paths, index, err := d.weightFiles()
	if err != nil {
		return nil, err
	}
	var files []*safetensors.File
	defer func() {
		for _, f := range files {
			f.Close()
		}
	}()
	for _, p := range paths {
		f, err := safetensors.Open(p)
		if err != nil {
			if errors.Is(err, fs.ErrNotExist) {
				return nil, fmt.Errorf("hub: shard %s listed in %s is missing: %w", filepath.Base(p), WeightsIndex, ErrNotFound)
			}
			return nil, fmt.Errorf("hub: %w", err)
		}
		files = append(files, f)
	}
	if index != nil {
		byBase := map[string]*safetensors.File{}
		for i, p := range paths {
			byBase[filepath.Base(p)] = files[i]
		}
		var bad []string
		for name, shard := range index {
			if _, ok := byBase[shard].Info(name); !ok {
				bad = append(bad, name+" ("+shard+")")
			}
		}
		if len(bad) > 0 {
			sort.Strings(bad)
			return nil, fmt.Errorf("hub: %s lists tensors its shards lack: %s: %w", filepath.Join(d.Path, WeightsIndex), strings.Join(bad, ", "), safetensors.ErrFormat)
		}
	}
	rep, err := LoadFiles(m, l, files, o)
	if err != nil {
		var le *nn.LoadError
		if errors.As(err, &le) {
			le.Path = d.Path
		}
		return nil, fmt.Errorf("hub: %w", err)
	}
	return rep, nil
}

// LoadFiles loads m from open safetensors files laid out as l says, as
// Dir.Load does.
func LoadFiles(m any, l *Layout, files []*safetensors.File, o LoadOptions) (*Report, error) {
	toCk, err := newRenamer(l.Names)
	if err != nil {
		return nil, err
	}
	fz, err := newFuser(l.Fused)
	if err != nil {
		return nil, err
	}
	base, err := nn.FilesSource(files)
	if err != nil {
		return nil, err
	}
	prefix := ""
	if l.BasePrefix != "" {
		prefix = l.BasePrefix + "."
	}
	// The model's names in checkpoint form.
	ck := map[string]string{}
	modelPrefixed := false
	ps := nn.Tensors(m)
	for _, p := range ps {
		if p.Transient {
			continue
		}
		c := toCk.apply(p.Name)
		ck[p.Name] = c
		if prefix != "" && strings.HasPrefix(c, prefix) {
			modelPrefixed = true
		}
	}
	stored := base.Names()
	ckPrefixed := false
	for _, n := range stored {
		if prefix != "" && strings.HasPrefix(n, prefix) {
			ckPrefixed = true
		}
	}
	// The checkpoint as the model sees it: each stored name in the
	// model's checkpoint form (prefix added or dropped, old names
	// translated), buffers and unused heads left out, fused parts joined.
	rep := &Report{}
	src := &layoutSource{base: base, real: map[string]string{}, fused: map[string][]string{}}
	for _, n := range stored {
		t := oldNames(n)
		switch {
		case matchAny(l.Ignore, n) || matchAny(l.Ignore, t):
			continue
		case !modelPrefixed && ckPrefixed:
			if !strings.HasPrefix(t, prefix) {
				rep.Unused = append(rep.Unused, n) // a head the base model lacks
				continue
			}
			t = strings.TrimPrefix(t, prefix)
		}
		if matchAny(o.Unused, t) {
			rep.Unused = append(rep.Unused, n)
			continue
		}
		src.real[t] = n
	}
	form := func(c string) string {
		if modelPrefixed && !ckPrefixed {
			return strings.TrimPrefix(c, prefix)
		}
		return c
	}
	rename := func(name string) string { return form(ck[name]) }
	for _, p := range ps {
		parts, _, ok := fz.split(p.Name)
		if p.Transient || !ok {
			continue
		}
		var stored []string
		for _, part := range parts {
			if s, ok := src.real[form(part)]; ok {
				stored = append(stored, s)
			}
		}
		if len(stored) < len(parts) {
			continue // the model tensor is missing; the parts found, unexpected
		}
		for _, part := range parts {
			delete(src.real, form(part))
		}
		src.fused[rename(p.Name)] = stored
	}
	transposed := func(name string) bool { return matchAny(l.Transposed, name) }
	opts := nn.LoadOptions{
		Rename:   rename,
		Optional: func(name string) bool { return matchAny(o.New, name) },
	}
	if len(l.Transposed) > 0 {
		opts.Transform = func(name string, t *tensor.Tensor) (*tensor.Tensor, error) {
			if transposed(name) && t.Rank() == 2 {
				return t.T(), nil
			}
			return t, nil
		}
		opts.TransformShape = func(name string, s []int) []int {
			if transposed(name) && len(s) == 2 {
				return []int{s[1], s[0]}
			}
			return s
		}
	}
	if err := nn.LoadSource(m, src, opts); err != nil {
		return nil, err
	}
	seen := map[*tensor.Tensor]bool{}
	found := map[*tensor.Tensor]bool{}
	for _, p := range ps {
		if _, ok := src.Shape(rename(p.Name)); !p.Transient && ok {
			found[p.Tensor] = true
		}
	}
	for _, p := range ps {
		if !p.Transient && !found[p.Tensor] && !seen[p.Tensor] {
			seen[p.Tensor] = true
			rep.New = append(rep.New, p.Name)
		}
	}
	sort.Strings(rep.Unused)
	return rep, nil
}

// layoutSource shows a checkpoint under the model's checkpoint-form names:
// real tensors by their stored names, fused ones joined from their parts.
type layoutSource struct {
	base  nn.Source
	real  map[string]string   // name → stored name
	fused map[string][]string // name → stored names of the parts
}

func (s *layoutSource) Names() []string {
	out := make([]string, 0, len(s.real)+len(s.fused))
	for k := range s.real {
		out = append(out, k)
	}
	for k := range s.fused {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func (s *layoutSource) Shape(name string) ([]int, bool) {
	if n, ok := s.real[name]; ok {
		return s.base.Shape(n)
	}
	parts, ok := s.fused[name]
	if !ok {
		return nil, false
	}
	// Parts whose other dimensions differ give the first part's; the
	// model's shape then differs and the load reports it.
	shape, _ := s.base.Shape(parts[0])
	shape = append([]int(nil), shape...)
	if len(shape) == 0 {
		return []int{len(parts)}, true
	}
	for _, p := range parts[1:] {
		ps, _ := s.base.Shape(p)
		if len(ps) == 0 {
			return []int{-1}, true
		}
		shape[0] += ps[0]
	}
	return shape, true
}

func (s *layoutSource) stored(name string) string {
	if n, ok := s.real[name]; ok {
		return n
	}
	return s.fused[name][0]
}

func (s *layoutSource) IsFloat(name string) bool { return s.base.IsFloat(s.stored(name)) }

func (s *layoutSource) DType(name string) string { return s.base.DType(s.stored(name)) }

func (s *layoutSource) With(name string, fn func(*tensor.Tensor) error) error {
	if n, ok := s.real[name]; ok {
		return s.base.With(n, fn)
	}
	shape, _ := s.Shape(name)
	var out *tensor.Tensor
	off := 0
	for _, p := range s.fused[name] {
		err := s.base.With(p, func(t *tensor.Tensor) error {
			if out == nil {
				out = tensor.Empty(tensor.CPU, t.DType(), shape...)
			}
			if t.Rank() != len(shape) || t.Rank() == 0 || off+t.Dim(0) > shape[0] {
				return fmt.Errorf("the parts of %s have shapes that do not join", name)
			}
			part := out.Narrow(0, off, t.Dim(0))
			if !part.SameShape(t) {
				return fmt.Errorf("the parts of %s have shapes that do not join", name)
			}
			part.CopyFrom(t)
			off += t.Dim(0)
			return nil
		})
		if err != nil {
			return err
		}
	}
	return fn(out)
}
