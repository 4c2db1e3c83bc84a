package servetest_test

import (
	"context"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/serve/servetest"

	_ "github.com/goformer/goformer/models/gpt"
	_ "github.com/goformer/goformer/models/llama"
)

func TestWrittenCausalModelsLoadAndGenerate(t *testing.T) {
	for _, tc := range []struct {
		name  string
		write func(dir string) error
	}{
		{"gpt2", func(dir string) error { return servetest.WriteGPT2(dir, servetest.GPT2Options{}) }},
		{"llama", func(dir string) error { return servetest.WriteLlama(dir, servetest.LlamaOptions{}) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			dir := t.TempDir()
			if err := tc.write(dir); err != nil {
				t.Fatal(err)
			}
			m, err := auto.LoadCausalLM(dir, auto.Options{})
			if err != nil {
				t.Fatal(err)
			}
			ids, err := m.ChatPrompt([]chat.Message{{Role: "user", Content: "Hello world! Café 🙂"}})
			if err != nil {
				t.Fatal(err)
			}
			if ids[0] != 1 {
				t.Errorf("the chat prompt starts with %d, want %s (1)", ids[0], servetest.ImStart)
			}
			text, err := m.Tokenizer.Decode(ids, false)
			if err != nil || !strings.Contains(text, "Café 🙂") {
				t.Errorf("the prompt decodes to %q, %v", text, err)
			}
			stops := m.StopTokens()
			if len(stops) != 2 || stops[0] != 0 || stops[1] != 2 {
				t.Errorf("stop tokens %v, want [0 2]", stops)
			}
			out, err := generate.Generate(context.Background(), m.Model, [][]int{ids}, generate.Options{MaxNewTokens: 8})
			if err != nil || len(out[0][0].Tokens) != 8 {
				t.Fatalf("generate: %v, %v", out, err)
			}
		})
	}
}

func TestWrittenBERTEmbeds(t *testing.T) {
	dir := t.TempDir()
	if err := servetest.WriteBERT(dir, servetest.BERTOptions{}); err != nil {
		t.Fatal(err)
	}
	m, d, err := bert.FromPretrained[*bert.Model](dir, bert.Options{Hub: hub.Options{Offline: true}})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := d.Tokenizer()
	if err != nil {
		t.Fatal(err)
	}
	enc, err := tok.Encode("the quick brown fox")
	if err != nil || enc.IDs[0] != 2 || enc.IDs[len(enc.IDs)-1] != 3 || len(enc.IDs) != 6 {
		t.Fatalf("encoding %v, %v: want [CLS] the quick brown fox [SEP]", enc, err)
	}
	if m.Config.HiddenSize != 32 {
		t.Errorf("hidden size %d", m.Config.HiddenSize)
	}
}

func TestTheTokenizerDecodesEveryIDOfItsVocabulary(t *testing.T) {
	tok, err := servetest.Tokenizer(4096)
	if err != nil {
		t.Fatal(err)
	}
	if tok.VocabSize() != 4096 {
		t.Fatalf("vocabulary %d", tok.VocabSize())
	}
	ids := make([]int, 4096)
	for i := range ids {
		ids[i] = i
	}
	if _, err := tok.Decode(ids, false); err != nil {
		t.Fatal(err)
	}
	if _, err := servetest.Tokenizer(100); err == nil {
		t.Error("a byte-level vocabulary of 100")
	}
}
