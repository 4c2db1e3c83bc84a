package gentest

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tokenize"
)

// ModelType is the model_type of the directories WriteDir writes.
const ModelType = "goformer-gentest-table"

// Words are the tokens of a Table directory's tokenizer: id i is Words[i]
// (then "w32", "w33"... for larger vocabularies). Id 0 is the unknown
// word, id 1 the end of sequence.
var Words = []string{"<unk>", "</s>", "the", "a", "cat", "dog", "sat", "ran", "on", "under", "mat", "tree",
	"and", "then", "it", "slept", "ate", "fish", "big", "small", "red", "blue", "happy", "sad",
	"today", "here", "there", "very", "quickly", "home", "park", ".", "user", "assistant", "system"}

// dirConfig is a Table directory's config.json.
type dirConfig struct {
	ModelType string `json:"model_type"`
	Vocab     int    `json:"vocab_size"`
	MaxPos    int    `json:"max_position_embeddings"`
	Seed      uint64 `json:"seed"`
	EOS       int    `json:"eos_token_id"`
	BOS       int    `json:"bos_token_id"`
}

// WriteDir writes a model directory for NewTable(vocab, maxPos, seed) in
// the Hugging Face layout, for tests of code that loads models by
// directory: config.json (model_type ModelType), tokenizer.json (a
// whitespace word-level tokenizer over Words, "</s>" special) and
// tokenizer_config.json with a ChatML-like chat template over the words
// "user", "assistant" and "system".
func WriteDir(dir string, vocab, maxPos int, seed uint64) error {
	if vocab < 2 {
		return fmt.Errorf("gentest: WriteDir: vocabulary %d below 2", vocab)
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	cfg, _ := json.MarshalIndent(dirConfig{ModelType, vocab, maxPos, seed, 1, 1}, "", "  ")
	if err := os.WriteFile(filepath.Join(dir, hub.ConfigFile), cfg, 0o644); err != nil {
		return err
	}
	v := map[string]int{}
	for i := range vocab {
		w := fmt.Sprintf("w%d", i)
		if i < len(Words) {
			w = Words[i]
		}
		v[w] = i
	}
	m, err := tokenize.NewWordLevel(v, "<unk>")
	if err != nil {
		return err
	}
	tok := tokenize.New(m)
	tok.PreTokenizer = tokenize.WhitespaceSplit{}
	tok.AddSpecialTokens("</s>")
	if err := tok.Save(filepath.Join(dir, hub.TokenizerFile), false); err != nil {
		return err
	}
	tc, _ := json.Marshal(map[string]any{
		"eos_token":     "</s>",
		"chat_template": "{% for m in messages %}{{ m.role }} {{ m.content }} </s> {% endfor %}{% if add_generation_prompt %}assistant {% endif %}",
	})
	return os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), tc, 0o644)
}

// FromDir returns the Table of a directory WriteDir wrote; its signature
// fits the loaders of models/auto:
//
//	auto.Register(gentest.ModelType, func(d *hub.Dir, _ auto.Options) (generate.Model, error) {
//		return gentest.FromDir(d)
//	})
func FromDir(d *hub.Dir) (*Table, error) {
	if err := d.Expect(ModelType); err != nil {
		return nil, err
	}
	var c dirConfig
	if err := d.DecodeConfig(&c); err != nil {
		return nil, err
	}
	if c.Vocab < 2 || c.MaxPos < 1 {
		return nil, fmt.Errorf("gentest: %s: vocabulary %d and positions %d must be at least 2 and 1", d.Path, c.Vocab, c.MaxPos)
	}
	return NewTable(c.Vocab, c.MaxPos, c.Seed), nil
}
