package unigram_test

import (
	"fmt"
	"log"
	"math/rand/v2"
	"os"
	"strings"

	"github.com/goformer/goformer/tokenize/unigram"
)

func ExampleLoadFile() {
	m, err := unigram.LoadFile("testdata/albert_30k_clean.model")
	if err != nil {
		log.Fatal(err)
	}
	for _, p := range m.Encode("Hello world, unbelievable!") {
		fmt.Println(p.ID, p.Piece, p.Start, p.End)
	}
	// Output:
	// 13 ▁ 0 0
	// 1 H 0 1
	// 7523 ello 1 5
	// 126 ▁world 5 11
	// 15 , 11 12
	// 367 ▁un 12 15
	// 863 be 15 17
	// 17837 liev 17 21
	// 579 able 21 25
	// 187 ! 25 26
}

func ExampleModel_Decode() {
	m, err := unigram.LoadFile("testdata/sotu_nfkc_4k.model")
	if err != nil {
		log.Fatal(err)
	}
	ids := m.EncodeIDs("The  Congress   shall assemble.")
	text, err := m.Decode(ids)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(ids)
	fmt.Println(text)
	// Output:
	// [22 53 140 26 2201 41 6]
	// The Congress shall assemble.
}

func ExampleModel_NBest() {
	m, err := unigram.LoadFile("testdata/sotu_nfkc_4k.model")
	if err != nil {
		log.Fatal(err)
	}
	for _, s := range m.NBest("nations", 3) {
		var pieces []string
		for _, p := range s.Pieces {
			pieces = append(pieces, p.Piece)
		}
		fmt.Printf("%.2f %s\n", s.Score, strings.Join(pieces, " "))
	}
	// Output:
	// -7.30 ▁nations
	// -11.29 ▁nation s
	// -19.35 ▁ n ations
}

func ExampleModel_Sample() {
	m, err := unigram.LoadFile("testdata/sotu_nfkc_4k.model")
	if err != nil {
		log.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(1, 2)) // a fixed seed gives the same samples
	for range 3 {
		var pieces []string
		for _, p := range m.Sample("unbelievable", 0.1, -1, rng) {
			pieces = append(pieces, p.Piece)
		}
		fmt.Println(strings.Join(pieces, " "))
	}
	// Output:
	// ▁ u n b e l i e v a ble
	// ▁ u n be l i e v able
	// ▁un be l ie v a ble
}

func ExampleTrain() {
	f, err := os.Open("testdata/sotu_small.txt")
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	cfg := unigram.DefaultTrainerConfig()
	cfg.Trainer.VocabSize = 500
	m, err := unigram.Train(f, cfg)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(m.VocabSize(), m.EncodePieces("The government of the people"))
	// Output:
	// 500 [▁The ▁government ▁of ▁the ▁people]
}

func ExampleNormalizer() {
	m, err := unigram.LoadFile("testdata/sotu_nfkc_4k.model")
	if err != nil {
		log.Fatal(err)
	}
	norm, align := m.Normalizer().Normalize("  Ｆｕｌｌ  width ")
	fmt.Println(norm)
	fmt.Println(align)
	// Output:
	// ▁Full▁width
	// [2 2 2 2 5 8 11 14 14 14 16 17 18 19 20 21]
}
