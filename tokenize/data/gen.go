//go:build ignore

// gen converts tiktoken rank files into the compact rank format embedded by
// package tokenize (about 60% of the size of a gzipped .tiktoken file). It
// also copies the BERT vocabularies gzipped. Run from this folder:
//
//	go run gen.go -tiktoken ../../.scratch/ref/node_modules/gpt-tokenizer/data -bert DIR
//
// where DIR holds bert-base-uncased-vocab.txt and
// bert-large-cased-whole-word-masking-finetuned-squad-vocab.txt from the Go module
// github.com/sugarme/tokenizer@v0.3.0 (pretrained/model/).
package main

import (
	"compress/gzip"
	"crypto/sha256"
	"flag"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/tokenize/bpe"
)

func main() {
	tk := flag.String("tiktoken", "../../.scratch/ref/node_modules/gpt-tokenizer/data", "folder with the .tiktoken files")
	bert := flag.String("bert", "", "folder with the BERT vocab.txt files (optional)")
	flag.Parse()
	for _, name := range []string{"r50k_base", "cl100k_base", "o200k_base"} {
		src := filepath.Join(*tk, name+".tiktoken")
		f, err := os.Open(src)
		if err != nil {
			log.Fatal(err)
		}
		m, err := bpe.ReadTiktoken(f)
		f.Close()
		if err != nil {
			log.Fatalf("%s: %v", src, err)
		}
		writeGz(name+".ranks.gz", func(w *gzip.Writer) error { return m.WriteCompact(w) })
		sum, _ := os.ReadFile(src)
		fmt.Printf("%s: %d tokens, source sha256 %x\n", name, m.Len(), sha256.Sum256(sum))
	}
	if *bert != "" {
		for src, dst := range map[string]string{
			"bert-base-uncased-vocab.txt":                                   "bert-base-uncased-vocab.txt.gz",
			"bert-large-cased-whole-word-masking-finetuned-squad-vocab.txt": "bert-cased-vocab.txt.gz",
		} {
			b, err := os.ReadFile(filepath.Join(*bert, src))
			if err != nil {
				log.Fatal(err)
			}
			writeGz(dst, func(w *gzip.Writer) error { _, err := w.Write(b); return err })
			fmt.Printf("%s: sha256 %x\n", src, sha256.Sum256(b))
		}
	}
}

func writeGz(name string, write func(*gzip.Writer) error) {
	f, err := os.Create(name)
	if err != nil {
		log.Fatal(err)
	}
	zw, _ := gzip.NewWriterLevel(f, gzip.BestCompression)
	if err := write(zw); err != nil {
		log.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		log.Fatal(err)
	}
	if err := f.Close(); err != nil {
		log.Fatal(err)
	}
}
