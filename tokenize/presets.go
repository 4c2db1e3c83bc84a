package tokenize

import (
	"bytes"
	"compress/gzip"
	"embed"
	"fmt"
	"io"
	"sync"

	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/tokenize/wordpiece"
)

// The shipped vocabularies (see data/README.md for sources and licences).
//
//go:embed data/*.gz
var shipped embed.FS

func openShipped(name string) (io.Reader, error) {
	b, err := shipped.ReadFile("data/" + name)
	if err != nil {
		return nil, err
	}
	return gzip.NewReader(bytes.NewReader(b))
}

func loadRanks(name string) func() *bpe.Model {
	return sync.OnceValue(func() *bpe.Model {
		r, err := openShipped(name + ".ranks.gz")
		if err != nil {
			panic(fmt.Sprintf("tokenize: shipped %s missing: %v", name, err))
		}
		m, err := bpe.ReadCompact(r)
		if err != nil {
			panic(fmt.Sprintf("tokenize: shipped %s corrupt: %v", name, err))
		}
		return m
	})
}

var (
	r50kModel   = loadRanks("r50k_base")
	cl100kModel = loadRanks("cl100k_base")
	o200kModel  = loadRanks("o200k_base")
)

// byteLevelTokenizer builds a tiktoken-style tokenizer: a ranked byte-level
// BPE model, a split pattern, byte-level offsets trimming and decoding, and
// special tokens, whose text in the input is refused as tiktoken's encode
// refuses it.
func byteLevelTokenizer(m *bpe.Model, p pattern.Pattern, specials map[string]int) *Tokenizer {
	t := &Tokenizer{
		PreTokenizer:  ByteLevel{Pattern: p},
		Model:         BPE{m},
		PostProcessor: ByteLevelProcessing{TrimOffsets: true},
		Decoder:       ByteLevelDecoder{},
		SpecialText:   SpecialRefuse,
	}
	for _, name := range sortedKeys(specials) {
		t.addToken(AddedToken{Content: name, ID: specials[name], Special: true}, true)
	}
	t.added.rebuild()
	return t
}

// GPT2 returns the tokenizer of GPT-2 (tiktoken's r50k_base: 50,257 ids
// with <|endoftext|>), as Hugging Face's gpt2 tokenizer.json configures it
// but for the text of <|endoftext|> in the input, which it refuses as R50K
// does (set SpecialText to SpecialMatch for Hugging Face's behaviour). The
// model is loaded from the shipped rank file once per process; each call
// returns a new Tokenizer sharing it.
func GPT2() *Tokenizer { return R50K() }

// R50K returns tiktoken's r50k_base encoding (GPT-2, GPT-3). Like
// tiktoken's encode, Encode refuses input that holds the text of a special
// token (a *SpecialTokenError) unless the call allows it
// (EncodeOptions.AllowedSpecial or SpecialText); EncodeOrdinary encodes
// that text as plain text, as encode_ordinary does. The same holds for
// CL100K and O200K.
func R50K() *Tokenizer {
	return byteLevelTokenizer(r50kModel(), pattern.GPT2, map[string]int{"<|endoftext|>": 50256})
}

// CL100K returns tiktoken's cl100k_base encoding (GPT-3.5, GPT-4).
func CL100K() *Tokenizer {
	return byteLevelTokenizer(cl100kModel(), pattern.CL100K, map[string]int{
		"<|endoftext|>": 100257, "<|fim_prefix|>": 100258, "<|fim_middle|>": 100259,
		"<|fim_suffix|>": 100260, "<|endofprompt|>": 100276,
	})
}

// O200K returns tiktoken's o200k_base encoding (GPT-4o).
func O200K() *Tokenizer {
	return byteLevelTokenizer(o200kModel(), pattern.O200K, map[string]int{
		"<|endoftext|>": 199999, "<|endofprompt|>": 200018,
	})
}

func sortedKeys(m map[string]int) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && m[keys[j]] < m[keys[j-1]]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

func loadWordPiece(file string) func() *wordpiece.Model {
	return sync.OnceValue(func() *wordpiece.Model {
		r, err := openShipped(file)
		if err != nil {
			panic(fmt.Sprintf("tokenize: shipped %s missing: %v", file, err))
		}
		v, err := wordpiece.ReadVocab(r)
		if err != nil {
			panic(fmt.Sprintf("tokenize: shipped %s corrupt: %v", file, err))
		}
		m, err := wordpiece.New(v, wordpiece.Options{})
		if err != nil {
			panic(fmt.Sprintf("tokenize: shipped %s: %v", file, err))
		}
		return m
	})
}

var (
	bertUncasedModel = loadWordPiece("bert-base-uncased-vocab.txt.gz")
	bertCasedModel   = loadWordPiece("bert-cased-vocab.txt.gz")
)

// NewBERT returns BERT's tokenizer around a WordPiece model: BERT's
// normalizer (lower-casing and accent stripping when lowercase is set),
// pre-tokenizer, [CLS] A [SEP] (B [SEP]) post-processing and WordPiece
// decoding, with [PAD], [UNK], [CLS], [SEP] and [MASK] as special tokens
// (those the vocabulary has).
func NewBERT(m *wordpiece.Model, lowercase bool) (*Tokenizer, error) {
	cls, okC := m.TokenToID("[CLS]")
	sep, okS := m.TokenToID("[SEP]")
	if !okC || !okS {
		return nil, fmt.Errorf("tokenize: BERT needs [CLS] and [SEP] in the vocabulary")
	}
	t := &Tokenizer{
		Normalizer:    NewBertNormalizer(lowercase),
		PreTokenizer:  BertPreTokenizer{},
		Model:         WordPiece{m},
		PostProcessor: NewBertProcessing("[SEP]", sep, "[CLS]", cls),
		Decoder:       WordPieceDecoder{Prefix: m.Options().ContinuingSubwordPrefix, Cleanup: true},
	}
	for _, s := range []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"} {
		if id, ok := m.TokenToID(s); ok {
			t.addToken(AddedToken{Content: s, ID: id, Special: true}, true)
		}
	}
	t.added.rebuild()
	return t, nil
}

// BERTUncased returns the tokenizer of bert-base-uncased (30,522 tokens).
func BERTUncased() *Tokenizer {
	t, err := NewBERT(bertUncasedModel(), true)
	if err != nil {
		panic(err)
	}
	return t
}

// BERTCased returns the tokenizer of the cased BERT models (28,996
// tokens; no lower-casing or accent stripping).
func BERTCased() *Tokenizer {
	t, err := NewBERT(bertCasedModel(), false)
	if err != nil {
		panic(err)
	}
	return t
}
