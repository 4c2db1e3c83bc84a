// Package shipped opens the models the examples run on: a model directory
// the user names, or by default a small pre-trained model that ships in
// the repository (examples/finetune/model for most of them).
package shipped

import (
	"io/fs"
	"os"

	"github.com/goformer/goformer/examples/finetune/model"
	"github.com/goformer/goformer/models/hub"
)

// OpenBERT opens the model directory name, or, when name is "", the BERT
// shipped in examples/finetune/model (see Open).
func OpenBERT(name string) (d *hub.Dir, cleanup func(), err error) {
	return Open(name, model.FS)
}

// Open opens the model directory name: a path or a Hugging Face
// repository name (hub.Open), or, when name is "", the model whose files
// fsys holds, written to a temporary folder which cleanup removes.
// cleanup is never nil, and is to be called when the model is loaded (or
// on an error).
func Open(name string, fsys fs.FS) (d *hub.Dir, cleanup func(), err error) {
	if name != "" {
		d, err := hub.Open(name, hub.Options{})
		return d, func() {}, err
	}
	tmp, err := os.MkdirTemp("", "goformer-model-*")
	if err != nil {
		return nil, func() {}, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	if err := os.CopyFS(tmp, fsys); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	if d, err = hub.OpenDir(tmp); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	return d, cleanup, nil
}
