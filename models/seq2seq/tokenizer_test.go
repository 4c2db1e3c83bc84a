package seq2seq_test

import (
	"context"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tokenize"
)

// tokenizerCases returns the texts of the T5 v1.0 fixture and
// T5Tokenizer's ids for them (sentencepiece's, then </s>).
func tokenizerCases(t *testing.T) (texts []string, ids [][]int) {
	t.Helper()
	f, err := safetensors.Open("testdata/t5-v1.0.ref.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := json.Unmarshal([]byte(f.Metadata()["texts"]), &texts); err != nil {
		t.Fatal(err)
	}
	for i := range texts {
		x, err := f.Tensor(fmt.Sprintf("tok.%d", i))
		if err != nil {
			t.Fatal(err)
		}
		var row []int
		for _, v := range x.Int32s() {
			row = append(row, int(v))
		}
		ids = append(ids, row)
	}
	return texts, ids
}

func loadTokenizer(t *testing.T, dir string) *tokenize.Tokenizer {
	t.Helper()
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := seq2seq.LoadTokenizer(d)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

func checkEncodings(t *testing.T, tok *tokenize.Tokenizer, texts []string, want [][]int) {
	t.Helper()
	for i, text := range texts {
		got, err := tok.EncodeIDs(text)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want[i]) {
			t.Errorf("%q: ids %v, want %v", text, got, want[i])
		}
		back, err := tok.Decode(got, true)
		if err != nil || back != text {
			t.Errorf("%q decodes to %q (%v)", text, back, err)
		}
	}
}

// TestT5TokenizerFromSpiece reads spiece.model as T5's tokenizer: the
// ids of sentencepiece followed by </s>, and the sentinel tokens.
func TestT5TokenizerFromSpiece(t *testing.T) {
	texts, want := tokenizerCases(t)
	tok := loadTokenizer(t, "testdata/t5-v1.0")
	checkEncodings(t, tok, texts, want)
	for tokText, id := range map[string]int{"<pad>": 0, "</s>": 1, "<unk>": 2, "<extra_id_3>": 100, "<extra_id_0>": 103} {
		if got, ok := tok.TokenToID(tokText); !ok || got != id {
			t.Errorf("%s has id %d (%v), want %d", tokText, got, ok, id)
		}
	}
	if n := tok.VocabSize(); n != 104 {
		t.Errorf("vocabulary of %d, want 104 (100 pieces and 4 extra ids)", n)
	}
	ids, err := tok.EncodeIDs("the <extra_id_0>")
	if err != nil || !slices.Contains(ids, 103) || ids[len(ids)-1] != 1 {
		t.Errorf("a sentinel in the text: ids %v (%v)", ids, err)
	}
}

// TestTokenizerSavesWithTheModel saves the tokenizer as tokenizer.json
// beside the model, and reads it back with the same encodings.
func TestTokenizerSavesWithTheModel(t *testing.T) {
	texts, want := tokenizerCases(t)
	tok := loadTokenizer(t, "testdata/t5-v1.0")
	dir := t.TempDir()
	if err := seq2seq.SaveDir(dir, loadFrozen(t, "t5-v1.0"), hub.SaveOptions{Tokenizer: tok}); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(filepath.Join(dir, hub.TokenizerFile)); err != nil {
		t.Fatal(err)
	}
	checkEncodings(t, loadTokenizer(t, dir), texts, want)
}

// TestTextToTextWithT5 runs the whole path a user takes: texts tokenized,
// padded into a batch, encoded, decoded by generate, and turned back into
// text; the tokens are the reference's greedy decoding of the same batch.
func TestTextToTextWithT5(t *testing.T) {
	texts, _ := tokenizerCases(t)
	tok := loadTokenizer(t, "testdata/t5-v1.0")
	m, err := seq2seq.LoadDir("testdata/t5-v1.0")
	if err != nil {
		t.Fatal(err)
	}
	sources := texts[:3]
	encs, err := tok.EncodeIDsBatch(sources)
	if err != nil {
		t.Fatal(err)
	}
	in, err := seq2seq.Collate(encs, nil, m.Special().Pad)
	if err != nil {
		t.Fatal(err)
	}
	src, srcMask := in.IDs, in.Mask
	ref := loadReference(t, "t5-v1.0")
	if !slices.Equal(src.Int32s(), ref["input_ids"].Int32s()) {
		t.Fatalf("batch %v, want the reference's %v", src.Int32s(), ref["input_ids"].Int32s())
	}
	b := seq2seq.Bind(m, src, srcMask)
	want := rows(ref["greedy"])
	out, err := generate.Generate(context.Background(), b, b.Prompts(), generate.Options{MaxNewTokens: len(want[0])})
	if err != nil {
		t.Fatal(err)
	}
	for i, seqs := range out {
		got := seqs[0].Tokens
		for j := range got {
			if int32(got[j]) != want[i][j] {
				t.Fatalf("source %q: tokens %v, want %v", sources[i], got, want[i])
			}
		}
		text, err := tok.Decode(got, true)
		if err != nil {
			t.Fatal(err)
		}
		t.Logf("%q → %q", sources[i], text)
	}
}

func TestTokenizerErrors(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(dir string)
		says   string
	}{
		{"a corrupt spiece.model", func(dir string) {
			os.WriteFile(filepath.Join(dir, seq2seq.SpieceFile), []byte("not a model"), 0o644)
		}, "spiece.model"},
		{"a tokenizer_config.json that is not JSON", func(dir string) {
			os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte("{"), 0o644)
		}, "tokenizer_config.json"},
		{"a negative extra_ids", func(dir string) {
			os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"extra_ids": -1}`), 0o644)
		}, "extra_ids -1"},
		{"no tokenizer file", func(dir string) {
			os.Remove(filepath.Join(dir, seq2seq.SpieceFile))
		}, "tokenizer.json"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := copyDir(t, "t5-v1.0")
			for _, f := range []string{seq2seq.SpieceFile, "tokenizer_config.json"} {
				data, err := os.ReadFile(filepath.Join("testdata", "t5-v1.0", f))
				if err != nil {
					t.Fatal(err)
				}
				os.WriteFile(filepath.Join(dir, f), data, 0o644)
			}
			c.change(dir)
			d, err := hub.OpenDir(dir)
			if err != nil {
				t.Fatal(err)
			}
			tok, err := seq2seq.LoadTokenizer(d)
			if err == nil {
				t.Fatalf("loaded %v", tok)
			}
			t.Logf("error: %v", err)
			if !strings.Contains(err.Error(), c.says) {
				t.Errorf("error %q does not mention %q", err, c.says)
			}
		})
	}
}
