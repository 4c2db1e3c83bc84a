// Package shipped opens the models the examples run on: a model directory
// the user names, or by default the small pre-trained BERT that ships in
// examples/finetune/model.
package shipped

import (
	"os"

	"github.com/goformer/goformer/examples/finetune/model"
	"github.com/goformer/goformer/models/hub"
)

// OpenBERT opens the model directory name: a path or a Hugging Face
// repository name (hub.Open), or, when name is "", the shipped BERT
// written to a temporary folder, which cleanup removes. cleanup is never
// nil, and is to be called when the model is loaded (or on an error).
func OpenBERT(name string) (d *hub.Dir, cleanup func(), err error) {
	if name != "" {
		d, err := hub.Open(name, hub.Options{})
		return d, func() {}, err
	}
	tmp, err := os.MkdirTemp("", "goformer-bert-*")
	if err != nil {
		return nil, func() {}, err
	}
	cleanup = func() { os.RemoveAll(tmp) }
	if err := os.CopyFS(tmp, model.FS); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	if d, err = hub.OpenDir(tmp); err != nil {
		cleanup()
		return nil, func() {}, err
	}
	return d, cleanup, nil
}
