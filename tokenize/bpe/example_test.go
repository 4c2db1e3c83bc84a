package bpe_test

import (
	"fmt"
	"strings"

	"github.com/goformer/goformer/tokenize/bpe"
)

func ExampleNew() {
	vocab := map[string]int{"l": 0, "o": 1, "w": 2, "e": 3, "r": 4, "lo": 5, "low": 6, "er": 7}
	merges := []bpe.Merge{{A: "l", B: "o"}, {A: "lo", B: "w"}, {A: "e", B: "r"}}
	m, err := bpe.New(vocab, merges, bpe.Options{})
	if err != nil {
		panic(err)
	}
	for _, t := range m.AppendTokens(nil, "lower") {
		s, _ := m.IDToToken(t.ID)
		fmt.Println(s, t.Start, t.End)
	}
	// Output:
	// low 0 3
	// er 3 5
}

func ExampleTrain() {
	words := map[string]int{" low": 5, " lower": 2, " newest": 6, " widest": 3}
	m, err := bpe.Train(words, bpe.TrainerConfig{VocabSize: 20, ByteLevel: true})
	if err != nil {
		panic(err)
	}
	var merges []string
	for _, mg := range m.Merges() {
		merges = append(merges, mg.A+"+"+mg.B)
	}
	fmt.Println(strings.Join(merges, " "))
	fmt.Println(m.AppendIDs(nil, " lowest"))
	// Output:
	// e+s es+t l+o Ġ+lo Ġlo+w e+w n+ew Ġ+new Ġnew+est
	// [15 12]
}
