// Command markunused copies a SentencePiece .model file with some pieces
// marked UNUSED, for generate_bpe.py: sentencepiece's trainer cannot make
// such a model, and Debian's python3-sentencepiece has no protobuf module
// to edit one.
//
//	go run ./tokenize/unigram/testdata/markunused IN OUT PIECE...
package main

import (
	"fmt"
	"os"

	"github.com/goformer/goformer/tokenize/unigram"
)

func main() {
	if len(os.Args) < 4 {
		fmt.Fprintln(os.Stderr, "usage: markunused IN OUT PIECE...")
		os.Exit(2)
	}
	b, err := os.ReadFile(os.Args[1])
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	p, err := unigram.UnmarshalModel(b)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	want := map[string]bool{}
	for _, s := range os.Args[3:] {
		want[s] = true
	}
	for i := range p.Pieces {
		if want[p.Pieces[i].Piece] {
			p.Pieces[i].Type = unigram.Unused
			delete(want, p.Pieces[i].Piece)
		}
	}
	if len(want) > 0 {
		fmt.Fprintln(os.Stderr, "pieces not in the model:", want)
		os.Exit(1)
	}
	if err := os.WriteFile(os.Args[2], p.Marshal(), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
