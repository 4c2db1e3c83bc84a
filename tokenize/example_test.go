package tokenize_test

import (
	"errors"
	"fmt"
	"strings"

	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
)

func ExampleGPT2() {
	tok := tokenize.GPT2()
	ids, _ := tok.EncodeIDs("Hello, World! How are you today? 🌍")
	fmt.Println(ids)
	text, _ := tok.Decode(ids, false)
	fmt.Println(text)
	// Output:
	// [15496 11 2159 0 1374 389 345 1909 30 12520 234 235]
	// Hello, World! How are you today? 🌍
}

func ExampleCL100K() {
	tok := tokenize.CL100K()
	// Like tiktoken's encode, Encode refuses the text of a special token.
	_, err := tok.EncodeIDs("tiktoken is great!<|endoftext|>")
	fmt.Println(errors.Is(err, tokenize.ErrSpecialToken))
	// Allowed, it becomes the special token.
	ids, _ := tok.AppendIDsWith(nil, "tiktoken is great!<|endoftext|>",
		tokenize.EncodeOptions{AllowedSpecial: []string{"<|endoftext|>"}})
	fmt.Println(ids)
	// EncodeOrdinary reads it as plain text, like encode_ordinary.
	e, _ := tok.EncodeOrdinary("tiktoken is great!<|endoftext|>")
	fmt.Println(e.IDs)
	// Output:
	// true
	// [83 1609 5963 374 2294 0 100257]
	// [83 1609 5963 374 2294 88032 91 8862 728 428 91 29]
}

func ExampleTokenizer_Encode() {
	tok := tokenize.GPT2()
	text := "Héllo wörld"
	e, _ := tok.Encode(text)
	for i, id := range e.IDs {
		o := e.Offsets[i]
		fmt.Printf("%d %q %q\n", id, e.Tokens[i], text[o.Start:o.End])
	}
	// Output:
	// 39 "H" "H"
	// 2634 "Ã©" "é"
	// 18798 "llo" "llo"
	// 266 "Ġw" "w"
	// 30570 "Ã¶r" "ör"
	// 335 "ld" "ld"
}

func ExampleTokenizer_EncodePair() {
	tok := tokenize.BERTUncased()
	tok.Truncation = &tokenize.Truncation{MaxLength: 12}
	tok.Padding = &tokenize.Padding{Length: 12, ID: 0, Token: "[PAD]"}
	e, _ := tok.EncodePair("Where is Paris?", "Paris is the capital of France.")
	fmt.Println(strings.Join(e.Tokens, " "))
	fmt.Println(e.TypeIDs)
	fmt.Println(e.AttentionMask)
	fmt.Println(len(e.Overflowing), "overflowing window(s)")
	// Output:
	// [CLS] where is paris ? [SEP] paris is the capital of [SEP]
	// [0 0 0 0 0 0 1 1 1 1 1 1]
	// [1 1 1 1 1 1 1 1 1 1 1 1]
	// 1 overflowing window(s)
}

func ExampleTokenizer_TrainBPE() {
	corpus := strings.Repeat("the cat sat on the mat. the dog sat on the log.\n", 50)
	tok := &tokenize.Tokenizer{
		PreTokenizer: tokenize.ByteLevel{Pattern: pattern.GPT2},
		Decoder:      tokenize.ByteLevelDecoder{},
	}
	err := tok.TrainBPE(strings.NewReader(corpus), bpe.TrainerConfig{VocabSize: 40})
	if err != nil {
		panic(err)
	}
	e, _ := tok.Encode("the cat sat on the log")
	fmt.Println(e.Tokens)
	// Output:
	// [the Ġcat Ġsat Ġon Ġthe Ġlog]
}

func ExampleTokenizer_EncodeBatch() {
	tok := tokenize.BERTUncased()
	tok.Padding = &tokenize.Padding{ID: 0, Token: "[PAD]"} // to the longest
	batch, _ := tok.EncodeBatch([]string{"short", "a bit longer text"})
	for _, e := range batch {
		fmt.Println(e.IDs, e.AttentionMask)
	}
	// Output:
	// [101 2460 102 0 0 0] [1 1 1 0 0 0]
	// [101 1037 2978 2936 3793 102] [1 1 1 1 1 1]
}

func ExampleFromSentencePieceFile() {
	// A SentencePiece BPE model; Unigram models load the same way.
	tok, err := tokenize.FromSentencePieceFile("unigram/testdata/sotu_bpe_1k.model")
	if err != nil {
		fmt.Println(err)
		return
	}
	e, _ := tok.Encode("Tokenizers split the Congressional record.")
	fmt.Println(strings.Join(e.Tokens, " "))
	text, _ := tok.Decode(e.IDs, false)
	fmt.Println(text)
	// Output:
	// ▁To k en iz ers ▁sp lit ▁the ▁Congress ion al ▁rec ord .
	// Tokenizers split the Congressional record.
}
