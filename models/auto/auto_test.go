package auto_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/generate/gentest"
	"github.com/goformer/goformer/models/hub"
)

func init() {
	auto.Register(gentest.ModelType, func(d *hub.Dir, _ auto.Options) (generate.Model, error) { return gentest.FromDir(d) })
}

func writeModel(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	if err := gentest.WriteDir(dir, 32, 64, 7); err != nil {
		t.Fatal(err)
	}
	return dir
}

func TestLoadCausalLMGeneratesText(t *testing.T) {
	dir := writeModel(t)
	lm, err := auto.LoadCausalLM(dir, auto.Options{Hub: hub.Options{Offline: true}})
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(auto.ModelTypes(), gentest.ModelType) {
		t.Errorf("ModelTypes %v", auto.ModelTypes())
	}
	if lm.Chat == nil || !slices.Equal(lm.StopTokens(), []int{1}) {
		t.Fatalf("chat template %v, stop tokens %v", lm.Chat, lm.StopTokens())
	}
	ids, err := lm.Encode("the cat sat on")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(ids, []int{2, 4, 6, 8}) {
		t.Fatalf("encoded %v", ids)
	}
	o := lm.Defaults()
	o.MaxNewTokens = 30
	out, err := generate.Generate(context.Background(), lm.Model, [][]int{ids}, o)
	if err != nil {
		t.Fatal(err)
	}
	text, err := lm.Text(out[0][0])
	if err != nil {
		t.Fatal(err)
	}
	want, _ := generate.Generate(context.Background(), gentest.NewTable(32, 64, 7), [][]int{ids}, generate.Options{MaxNewTokens: 30, StopTokens: []int{1}})
	if !slices.Equal(out[0][0].Tokens, want[0][0].Tokens) || text == "" || strings.Contains(text, "</s>") {
		t.Errorf("generated %v %q, want %v without </s>", out[0][0].Tokens, text, want[0][0].Tokens)
	}
	chatIDs, err := lm.ChatPrompt([]chat.Message{{Role: "user", Content: "the dog ran"}})
	if err != nil {
		t.Fatal(err)
	}
	// "user the dog ran </s> assistant", the roles unknown words of a
	// 32-word vocabulary.
	if !slices.Equal(chatIDs, []int{0, 2, 5, 7, 1, 0}) {
		t.Errorf("chat prompt %v", chatIDs)
	}
}

func TestGenerationConfigSetsTheDefaults(t *testing.T) {
	dir := writeModel(t)
	os.WriteFile(filepath.Join(dir, "generation_config.json"), []byte(`{"do_sample": true, "temperature": 0.6, "top_p": 0.9, "eos_token_id": [1, 3], "max_new_tokens": 12}`), 0o644)
	lm, err := auto.LoadCausalLM(dir, auto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := lm.Defaults()
	if o.Temperature != 0.6 || o.TopP != 0.9 || o.TopK != 50 || o.MaxNewTokens != 12 || !slices.Equal(o.StopTokens, []int{1, 3}) || o.PadToken != 1 {
		t.Errorf("defaults %+v", o)
	}
	os.WriteFile(filepath.Join(dir, "generation_config.json"), []byte(`{"num_beams": 4, "length_penalty": 0.0, "eos_token_id": 2}`), 0o644)
	if lm, err = auto.LoadCausalLM(dir, auto.Options{}); err != nil {
		t.Fatal(err)
	}
	if o := lm.Defaults(); o.Beams != 4 || o.LengthPenalty != generate.NoLengthPenalty || !slices.Equal(o.StopTokens, []int{2, 1}) {
		t.Errorf("beam defaults %+v", o)
	}
}

func TestLoadErrors(t *testing.T) {
	dir := writeModel(t)
	unknown := t.TempDir()
	os.WriteFile(filepath.Join(unknown, "config.json"), []byte(`{"model_type": "nosuchmodel"}`), 0o644)
	if _, err := auto.LoadCausalLM(unknown, auto.Options{}); !errors.Is(err, auto.ErrUnknownModelType) {
		t.Errorf("unknown model_type: %v", err)
	}
	if _, err := auto.LoadCausalLM(filepath.Join(dir, "missing"), auto.Options{Hub: hub.Options{Offline: true}}); err == nil {
		t.Error("a missing directory loaded")
	}
	os.WriteFile(filepath.Join(dir, "generation_config.json"), []byte(`{"eos_token_id": "x"}`), 0o644)
	if _, err := auto.LoadCausalLM(dir, auto.Options{}); err == nil {
		t.Error("a bad generation_config.json loaded")
	}
	os.Remove(filepath.Join(dir, "generation_config.json"))
	os.Remove(filepath.Join(dir, "tokenizer.json"))
	if _, err := auto.LoadCausalLM(dir, auto.Options{}); !errors.Is(err, hub.ErrNotFound) {
		t.Errorf("no tokenizer: %v", err)
	}
}

func TestCompleteAndReply(t *testing.T) {
	lm, err := auto.LoadCausalLM(writeModel(t), auto.Options{})
	if err != nil {
		t.Fatal(err)
	}
	o := lm.Defaults()
	o.MaxNewTokens = 10
	text, err := lm.Complete(context.Background(), "the cat", o)
	if err != nil || text == "" {
		t.Fatalf("Complete: %q, %v", text, err)
	}
	ids, _ := lm.Encode("the cat")
	want, _ := generate.Generate(context.Background(), lm.Model, [][]int{ids}, o)
	if w, _ := lm.Text(want[0][0]); w != text {
		t.Errorf("Complete = %q, want %q", text, w)
	}
	reply, err := lm.Reply(context.Background(), []chat.Message{{Role: "user", Content: "a dog"}}, o)
	if err != nil || reply == "" {
		t.Fatalf("Reply: %q, %v", reply, err)
	}
	lm.Chat = nil
	if _, err := lm.Reply(context.Background(), nil, o); !errors.Is(err, auto.ErrNoChatTemplate) {
		t.Errorf("Reply without a template: %v", err)
	}
}
