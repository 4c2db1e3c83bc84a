package hub_test

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tokenize"
)

func dirWith(t *testing.T, files map[string]string) *hub.Dir {
	t.Helper()
	dir := t.TempDir()
	files[hub.ConfigFile] = `{"model_type": "toy"}`
	for n, c := range files {
		if err := os.WriteFile(filepath.Join(dir, n), []byte(c), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func encode(t *testing.T, d *hub.Dir, text string) []int {
	t.Helper()
	tok, err := d.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	ids, err := tok.EncodeIDs(text)
	if err != nil {
		t.Fatal(err)
	}
	return ids
}

func TestTokenizersOfEveryFormatLoad(t *testing.T) {
	vocab := "[PAD]\n[UNK]\n[CLS]\n[SEP]\nhello\nworld\nHello\n"
	if got := encode(t, dirWith(t, map[string]string{"vocab.txt": vocab}), "Hello world"); !reflect.DeepEqual(got, []int{2, 4, 5, 3}) {
		t.Errorf("vocab.txt, lower-cased by default: %v", got)
	}
	cased := map[string]string{"vocab.txt": vocab, "tokenizer_config.json": `{"do_lower_case": false}`}
	if got := encode(t, dirWith(t, cased), "Hello world"); !reflect.DeepEqual(got, []int{2, 6, 5, 3}) {
		t.Errorf("vocab.txt, cased: %v", got)
	}
	bpe := map[string]string{
		"vocab.json": `{"h": 0, "i": 1, "hi": 2, "Ġ": 3, "Ġhi": 4, "<|endoftext|>": 5}`,
		"merges.txt": "#version: 0.2\nh i\nĠ hi\n",
	}
	if got := encode(t, dirWith(t, bpe), "hi hi<|endoftext|>"); !reflect.DeepEqual(got, []int{2, 4, 5}) {
		t.Errorf("vocab.json and merges.txt: %v", got)
	}
	// tokenizer.json wins over the others.
	tj, err := tokenize.BERTUncased().MarshalJSON()
	if err != nil {
		t.Fatal(err)
	}
	if got := encode(t, dirWith(t, map[string]string{"tokenizer.json": string(tj), "vocab.txt": vocab}), "hello world"); !reflect.DeepEqual(got, []int{101, 7592, 2088, 102}) {
		t.Errorf("tokenizer.json: %v", got)
	}
	if _, err := dirWith(t, map[string]string{}).Tokenizer(); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("no tokenizer: %v", err)
	}
	if _, err := dirWith(t, map[string]string{"tokenizer.json": "{"}).Tokenizer(); err == nil {
		t.Error("a broken tokenizer.json loaded")
	}
}
