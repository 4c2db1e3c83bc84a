package seq2seq

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/unigram"
)

// The SentencePiece files of a T5 directory.
const (
	SpieceFile          = "spiece.model"
	tokenizerConfigFile = "tokenizer_config.json"
)

// DefaultExtraIDs is the number of sentinel tokens T5's tokenizer adds
// when tokenizer_config.json does not say (extra_ids).
const DefaultExtraIDs = 100

// LoadTokenizer reads the tokenizer of a model directory: tokenizer.json
// when there is one (hub.Dir.Tokenizer); else T5's SentencePiece model,
// spiece.model, made into T5's tokenizer by T5Tokenizer with
// tokenizer_config.json's extra_ids (DefaultExtraIDs when absent).
func LoadTokenizer(d *hub.Dir) (*tokenize.Tokenizer, error) {
	spiece := filepath.Join(d.Path, SpieceFile)
	if _, err := os.Stat(filepath.Join(d.Path, hub.TokenizerFile)); err == nil {
		return d.Tokenizer()
	}
	if _, err := os.Stat(spiece); err != nil {
		return d.Tokenizer() // the other formats, or ErrNotFound naming them
	}
	extra := DefaultExtraIDs
	if b, err := os.ReadFile(filepath.Join(d.Path, tokenizerConfigFile)); err == nil {
		var c struct {
			ExtraIDs *int `json:"extra_ids"`
		}
		if err := json.Unmarshal(b, &c); err != nil {
			return nil, fmt.Errorf("seq2seq: %s: %w", filepath.Join(d.Path, tokenizerConfigFile), err)
		}
		if c.ExtraIDs != nil {
			extra = *c.ExtraIDs
		}
	} else if !errors.Is(err, fs.ErrNotExist) {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	m, err := unigram.LoadFile(spiece)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: %w", err)
	}
	t, err := T5Tokenizer(m, extra)
	if err != nil {
		return nil, fmt.Errorf("seq2seq: %s: %w", spiece, err)
	}
	return t, nil
}

// T5Tokenizer returns T5's tokenizer for a SentencePiece Unigram model,
// as Hugging Face's T5TokenizerFast builds it from spiece.model: the
// pipeline of tokenize.NewUnigramTokenizer, </s> appended to a sequence
// (and to each of a pair), the model's <pad>, </s> and <unk> matched as
// special tokens in the text, and extraIDs sentinel tokens for span
// corruption, <extra_id_0> … <extra_id_{extraIDs-1}>, numbered downwards
// from the top: <extra_id_0> is VocabSize+extraIDs-1.
func T5Tokenizer(m *unigram.Model, extraIDs int) (*tokenize.Tokenizer, error) {
	if extraIDs < 0 {
		return nil, fmt.Errorf("extra_ids %d is negative", extraIDs)
	}
	eos := m.EosID()
	if eos < 0 {
		return nil, errors.New("the SentencePiece model has no </s>")
	}
	t, err := tokenize.NewUnigramTokenizer(m)
	if err != nil {
		return nil, err
	}
	eosTok := m.IDToPiece(eos)
	post, err := tokenize.NewTemplate("$A "+eosTok, "$A "+eosTok+" $B "+eosTok, map[string]int{eosTok: eos})
	if err != nil {
		return nil, err
	}
	t.PostProcessor = post
	for _, id := range []int{m.PadID(), eos, m.UnkID()} {
		if id >= 0 {
			t.AddSpecialTokens(m.IDToPiece(id))
		}
	}
	for i := extraIDs - 1; i >= 0; i-- {
		t.AddSpecialTokens(fmt.Sprintf("<extra_id_%d>", i))
	}
	return t, nil
}
