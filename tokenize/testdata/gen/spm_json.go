//go:build ignore

// spm_json writes the tokenizer.json that NewUnigramTokenizer builds for a
// SentencePiece model (Precompiled nmt_nfkc character map, Strip, Replace,
// Metaspace, Unigram), for hf_json_fixtures.js to load into Hugging Face
// tokenizers and record its encodings. Run from the repository root:
//
//	go run tokenize/testdata/gen/spm_json.go tokenize/unigram/testdata/sotu_nfkc_4k.model .scratch/spm_unigram.json
package main

import (
	"log"
	"os"

	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/unigram"
)

func main() {
	m, err := unigram.LoadFile(os.Args[1])
	if err != nil {
		log.Fatal(err)
	}
	tok, err := tokenize.NewUnigramTokenizer(m)
	if err != nil {
		log.Fatal(err)
	}
	if err := tok.Save(os.Args[2], true); err != nil {
		log.Fatal(err)
	}
}
