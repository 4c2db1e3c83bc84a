package wordpiece_test

import (
	"fmt"
	"strings"

	"github.com/goformer/goformer/tokenize/wordpiece"
)

func Example() {
	vocab, err := wordpiece.ReadVocab(strings.NewReader("[UNK]\nun\n##aff\n##able\naff\n"))
	if err != nil {
		panic(err)
	}
	m, err := wordpiece.New(vocab, wordpiece.Options{})
	if err != nil {
		panic(err)
	}
	toks, _ := m.AppendTokens(nil, "unaffable")
	for _, t := range toks {
		s, _ := m.IDToToken(t.ID)
		fmt.Println(s, t.Start, t.End)
	}
	ids, _ := m.AppendIDs(nil, "xyz")
	fmt.Println(ids)
	// Output:
	// un 0 2
	// ##aff 2 5
	// ##able 5 9
	// [0]
}
