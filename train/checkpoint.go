package train

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
)

// A checkpoint is a folder <Dir>/step-<8 digits> holding
//
//	model.safetensors      the model's tensors (nn.Save)
//	optimizer.safetensors  the optimizer's state (optim.Optimizer.Save)
//	trainer.json           the loop's state (State), with the size and
//	                       SHA-256 of the two files above
//
// It is written in a hidden temporary folder, synced, and renamed into
// place, so that a crash leaves either the whole checkpoint or none; a
// checkpoint damaged later (a truncated file) fails its checksums and the
// loop resumes from the one before.

const (
	modelFile   = "model.safetensors"
	optimFile   = "optimizer.safetensors"
	trainerFile = "trainer.json"
	stepPrefix  = "step-"
)

// ErrCorrupt is returned (wrapped) for a checkpoint whose files do not
// match their recorded sizes and checksums, or whose trainer.json is
// unreadable.
var ErrCorrupt = errors.New("train: damaged checkpoint")

// State is the loop's part of a checkpoint (trainer.json).
type State struct {
	Format int `json:"format"`
	// Step is the number of optimizer updates done.
	Step int `json:"step"`
	// Epoch and Batch locate the next micro-batch; Micro counts the
	// micro-batches done since the start.
	Epoch int `json:"epoch"`
	Batch int `json:"batch"`
	Micro int `json:"micro"`
	// Tokens counts the tokens trained on.
	Tokens int64 `json:"tokens"`
	// The dropout generator's seed and counter.
	GenSeed   uint64 `json:"generator_seed"`
	GenOffset uint64 `json:"generator_offset"`
	// What the data order depends on: a resumed run must agree.
	Seed       uint64 `json:"seed"`
	BatchSize  int    `json:"batch_size"`
	Accumulate int    `json:"accumulate"`
	Examples   int    `json:"examples"`
	// Early stopping: the best monitored metric and its step (0: none
	// yet), the evaluations since it, and whether the run stopped.
	Best     float64 `json:"best"`
	BestStep int     `json:"best_step"`
	Bad      int     `json:"bad_evals"`
	Early    bool    `json:"early_stopped"`
	// History holds the curves.
	History History `json:"history"`
	// Files maps each file of the checkpoint to its size and SHA-256.
	Files map[string]FileSum `json:"files"`
}

// FileSum is the size and SHA-256 (hex) of a checkpoint file.
type FileSum struct {
	Size   int64  `json:"size"`
	SHA256 string `json:"sha256"`
}

func sumFile(path string) (FileSum, error) {
	f, err := os.Open(path)
	if err != nil {
		return FileSum{}, err
	}
	defer f.Close()
	h := sha256.New()
	n, err := io.Copy(h, f)
	if err != nil {
		return FileSum{}, err
	}
	return FileSum{Size: n, SHA256: hex.EncodeToString(h.Sum(nil))}, nil
}

func syncDir(dir string) error {
	d, err := os.Open(dir)
	if err != nil {
		return err
	}
	defer d.Close()
	if err := d.Sync(); err != nil && !errors.Is(err, os.ErrInvalid) {
		return err
	}
	return nil
}

// writeCheckpoint writes a checkpoint of step into dir atomically and
// returns its folder.
func writeCheckpoint(dir string, model any, opt *optim.Optimizer, st State) (string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return "", err
	}
	tmp, err := os.MkdirTemp(dir, ".tmp-"+stepPrefix)
	if err != nil {
		return "", err
	}
	defer os.RemoveAll(tmp) // after a successful rename there is nothing left to remove
	if err := nn.Save(filepath.Join(tmp, modelFile), model, map[string]string{"step": strconv.Itoa(st.Step)}); err != nil {
		return "", err
	}
	if err := opt.Save(filepath.Join(tmp, optimFile)); err != nil {
		return "", err
	}
	st.Files = map[string]FileSum{}
	for _, name := range []string{modelFile, optimFile} {
		s, err := sumFile(filepath.Join(tmp, name))
		if err != nil {
			return "", err
		}
		st.Files[name] = s
	}
	b, err := json.MarshalIndent(st, "", " ")
	if err != nil {
		return "", err
	}
	if err := writeSynced(filepath.Join(tmp, trainerFile), b); err != nil {
		return "", err
	}
	if err := syncDir(tmp); err != nil {
		return "", err
	}
	final := filepath.Join(dir, fmt.Sprintf("%s%08d", stepPrefix, st.Step))
	if err := os.RemoveAll(final); err != nil { // a damaged checkpoint of the same step, from before a resume
		return "", err
	}
	if err := os.Rename(tmp, final); err != nil {
		return "", err
	}
	return final, syncDir(dir)
}

func writeSynced(path string, b []byte) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// Checkpoints returns the checkpoint folders in dir, newest (highest step)
// first, without checking them.
func Checkpoints(dir string) ([]string, error) {
	ents, err := os.ReadDir(dir)
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, nil
		}
		return nil, err
	}
	type ck struct {
		step int
		path string
	}
	var cks []ck
	for _, e := range ents {
		name := e.Name()
		if !e.IsDir() || !strings.HasPrefix(name, stepPrefix) {
			continue
		}
		n, err := strconv.Atoi(strings.TrimPrefix(name, stepPrefix))
		if err != nil || n < 0 {
			continue
		}
		cks = append(cks, ck{n, filepath.Join(dir, name)})
	}
	sort.Slice(cks, func(i, j int) bool { return cks[i].step > cks[j].step })
	out := make([]string, len(cks))
	for i, c := range cks {
		out[i] = c.path
	}
	return out, nil
}

// ReadCheckpoint reads the trainer state of the checkpoint folder path and
// checks every file against its recorded size and checksum; a damaged
// checkpoint returns an error wrapping ErrCorrupt.
func ReadCheckpoint(path string) (State, error) {
	var st State
	b, err := os.ReadFile(filepath.Join(path, trainerFile))
	if err != nil {
		return st, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
	}
	if err := json.Unmarshal(b, &st); err != nil {
		return st, fmt.Errorf("%w: %s: %s: %v", ErrCorrupt, path, trainerFile, err)
	}
	if st.Format != 1 {
		return st, fmt.Errorf("%w: %s: format %d, want 1", ErrCorrupt, path, st.Format)
	}
	for _, name := range []string{modelFile, optimFile} {
		want, ok := st.Files[name]
		if !ok {
			return st, fmt.Errorf("%w: %s: no checksum for %s", ErrCorrupt, path, name)
		}
		got, err := sumFile(filepath.Join(path, name))
		if err != nil {
			return st, fmt.Errorf("%w: %s: %v", ErrCorrupt, path, err)
		}
		if got.Size != want.Size {
			return st, fmt.Errorf("%w: %s: %s has %d bytes, %d were written", ErrCorrupt, path, name, got.Size, want.Size)
		}
		if got.SHA256 != want.SHA256 {
			return st, fmt.Errorf("%w: %s: %s checksum differs", ErrCorrupt, path, name)
		}
	}
	return st, nil
}

// latestCheckpoint returns the newest checkpoint of dir that passes its
// checks, reporting each damaged one to warn; "" when there is none.
func latestCheckpoint(dir string, warn func(format string, args ...any)) (string, State, error) {
	cks, err := Checkpoints(dir)
	if err != nil {
		return "", State{}, err
	}
	for _, ck := range cks {
		st, err := ReadCheckpoint(ck)
		if err == nil {
			return ck, st, nil
		}
		warn("skipping checkpoint: %v", err)
	}
	return "", State{}, nil
}

// prune removes all but the keep newest checkpoints of dir.
func prune(dir string, keep int) error {
	cks, err := Checkpoints(dir)
	if err != nil {
		return err
	}
	for i, ck := range cks {
		if i >= keep {
			if err := os.RemoveAll(ck); err != nil {
				return err
			}
		}
	}
	return nil
}
