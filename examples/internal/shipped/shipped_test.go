package shipped

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"testing/fstest"

	"github.com/goformer/goformer/models/hub"
)

func TestTheShippedBERTOpensAndIsRemoved(t *testing.T) {
	d, cleanup, err := OpenBERT("")
	if err != nil {
		t.Fatal(err)
	}
	if d.ModelType != "bert" {
		t.Errorf("model type %q", d.ModelType)
	}
	for _, f := range []string{"config.json", "model.safetensors", "vocab.txt"} {
		if _, err := os.Stat(filepath.Join(d.Path, f)); err != nil {
			t.Error(err)
		}
	}
	cleanup()
	if _, err := os.Stat(d.Path); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("%s left behind: %v", d.Path, err)
	}
}

func TestANamedDirectoryOpensAsIs(t *testing.T) {
	src, cleanup, err := OpenBERT("")
	if err != nil {
		t.Fatal(err)
	}
	defer cleanup()
	d, none, err := OpenBERT(src.Path)
	if err != nil {
		t.Fatal(err)
	}
	none()
	if d.Path != src.Path {
		t.Errorf("opened %s, want %s", d.Path, src.Path)
	}
	if _, err := os.Stat(src.Path); err != nil {
		t.Errorf("the named folder was removed: %v", err)
	}
	_, none, err = OpenBERT(filepath.Join(t.TempDir(), "absent"))
	if !errors.Is(err, hub.ErrNotFound) || none == nil {
		t.Errorf("a missing folder: %v (cleanup %v)", err, none != nil)
	}
}

func TestAShippedFolderThatIsNoModelIsRefusedAndRemoved(t *testing.T) {
	before, _ := filepath.Glob(filepath.Join(os.TempDir(), "goformer-model-*"))
	d, cleanup, err := Open("", fstest.MapFS{"notes.txt": {Data: []byte("no config here")}})
	if err == nil || d != nil || cleanup == nil {
		t.Fatalf("got %v, %v", d, err)
	}
	cleanup()
	after, _ := filepath.Glob(filepath.Join(os.TempDir(), "goformer-model-*"))
	if len(after) > len(before) {
		t.Errorf("temporary folders left behind: %v", after)
	}
}
