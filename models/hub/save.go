package hub

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sort"

	"github.com/goformer/goformer/internal/atomicfile"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

// SaveOptions adds to what Save writes.
type SaveOptions struct {
	// Tokenizer, when set, is written beside the model as tokenizer.json.
	Tokenizer *tokenize.Tokenizer
	// MaxShardSize, when positive, splits the weights into files of at
	// most this many bytes (a single larger tensor gets a file of its
	// own), named model-00001-of-00003.safetensors and listed by
	// model.safetensors.index.json, as transformers' max_shard_size does.
	// Zero writes one model.safetensors.
	MaxShardSize int64
}

// Save writes m as a Hugging Face model directory dir (created if needed):
// config.json from config, a family's config struct whose JSON must carry
// a non-empty model_type; the weights under their checkpoint names (l's
// table read backwards, transposed weights transposed back, each tied
// tensor once under its first name) with the metadata {"format": "pt"}
// that transformers requires; and the tokenizer when o has one. Each file
// is written to a temporary file and renamed into place. Files of the
// other weight format left by an earlier save (model.safetensors against
// shards) are removed, so the directory holds one checkpoint.
func Save(dir string, m any, l *Layout, config any, o SaveOptions) error {
	cfg, err := json.MarshalIndent(config, "", "  ")
	if err != nil {
		return fmt.Errorf("hub: save %s: config: %w", dir, err)
	}
	var head struct {
		ModelType string `json:"model_type"`
	}
	if err := json.Unmarshal(cfg, &head); err != nil || head.ModelType == "" {
		return fmt.Errorf("hub: save %s: the config has no model_type: %w", dir, ErrUnknownModelType)
	}
	fromModel, err := newRenamer(l.Names)
	if err != nil {
		return err
	}
	sd, err := nn.Export(m, nn.SaveOptions{
		Rename: fromModel.apply,
		Transform: func(name string, t *tensor.Tensor) (*tensor.Tensor, error) {
			if matchAny(l.Transposed, name) && t.Rank() == 2 {
				return t.T(), nil
			}
			return t, nil
		},
	})
	if err != nil {
		return fmt.Errorf("hub: save %s: %w", dir, err)
	}
	if err := splitFused(m, l, fromModel, sd); err != nil {
		return fmt.Errorf("hub: save %s: %w", dir, err)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return fmt.Errorf("hub: save: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, ConfigFile), append(cfg, '\n')); err != nil {
		return err
	}
	old, _, _ := (&Dir{Path: dir}).weightFiles()
	written, err := writeWeights(dir, sd, o.MaxShardSize)
	if err != nil {
		return err
	}
	keep := map[string]bool{}
	for _, w := range written {
		keep[w] = true
	}
	for _, p := range old {
		if !keep[p] {
			os.Remove(p)
		}
	}
	if len(written) == 1 {
		os.Remove(filepath.Join(dir, WeightsIndex))
	}
	if o.Tokenizer != nil {
		if err := o.Tokenizer.Save(filepath.Join(dir, TokenizerFile), true); err != nil {
			return fmt.Errorf("hub: save tokenizer: %w", err)
		}
	}
	return nil
}

var ptMetadata = map[string]string{"format": "pt"}

// splitFused replaces the fused tensors of sd by their parts (views).
func splitFused(m any, l *Layout, fromModel *renamer, sd map[string]*tensor.Tensor) error {
	fz, err := newFuser(l.Fused)
	if err != nil || len(l.Fused) == 0 {
		return err
	}
	for _, p := range nn.Tensors(m) {
		parts, f, ok := fz.split(p.Name)
		t, saved := sd[fromModel.apply(p.Name)]
		if !ok || !saved {
			continue
		}
		rows := t.Dim(0)
		var sizes []int
		if f.Sizes != nil {
			sizes = f.Sizes(rows)
		} else if rows%len(parts) == 0 {
			for range parts {
				sizes = append(sizes, rows/len(parts))
			}
		}
		sum := 0
		for _, n := range sizes {
			sum += n
		}
		if len(sizes) != len(parts) || sum != rows {
			return fmt.Errorf("%s: %d rows do not split into %d parts of sizes %v", p.Name, rows, len(parts), sizes)
		}
		delete(sd, fromModel.apply(p.Name))
		off := 0
		for i, part := range parts {
			sd[part] = t.Narrow(0, off, sizes[i])
			off += sizes[i]
		}
	}
	return nil
}

// writeWeights writes sd as one file or as shards with an index, and
// returns the paths written.
func writeWeights(dir string, sd map[string]*tensor.Tensor, maxShard int64) ([]string, error) {
	names := make([]string, 0, len(sd))
	var total int64
	size := func(t *tensor.Tensor) int64 { return int64(t.Numel()) * int64(t.DType().Size()) }
	for k, t := range sd {
		names = append(names, k)
		total += size(t)
	}
	sort.Strings(names)
	var shards [][]string
	var cur []string
	var curSize int64
	for _, n := range names {
		s := size(sd[n])
		if maxShard > 0 && len(cur) > 0 && curSize+s > maxShard {
			shards = append(shards, cur)
			cur, curSize = nil, 0
		}
		cur = append(cur, n)
		curSize += s
	}
	shards = append(shards, cur)
	if len(shards) == 1 {
		p := filepath.Join(dir, WeightsFile)
		if err := safetensors.WriteFile(p, sd, ptMetadata); err != nil {
			return nil, fmt.Errorf("hub: %w", err)
		}
		return []string{p}, nil
	}
	var paths []string
	weightMap := map[string]string{}
	for i, shard := range shards {
		base := fmt.Sprintf("model-%05d-of-%05d.safetensors", i+1, len(shards))
		part := map[string]*tensor.Tensor{}
		for _, n := range shard {
			part[n] = sd[n]
			weightMap[n] = base
		}
		p := filepath.Join(dir, base)
		if err := safetensors.WriteFile(p, part, ptMetadata); err != nil {
			return nil, fmt.Errorf("hub: %w", err)
		}
		paths = append(paths, p)
	}
	idx, err := json.MarshalIndent(map[string]any{
		"metadata":   map[string]any{"total_size": total},
		"weight_map": weightMap,
	}, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("hub: %w", err)
	}
	if err := writeAtomic(filepath.Join(dir, WeightsIndex), append(idx, '\n')); err != nil {
		return nil, err
	}
	os.Remove(filepath.Join(dir, WeightsFile))
	return paths, nil
}

// writeAtomic writes b to path atomically.
func writeAtomic(path string, b []byte) error {
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fmt.Errorf("hub: write %s: %w", path, err)
	}
	return nil
}
