package wordvec_test

import (
	"fmt"
	"strings"

	"github.com/goformer/goformer/embed/wordvec"
)

const vectorsFile = `5 3
king 0.9 0.8 0.1
queen 0.9 0.1 0.8
man 0.1 0.9 0.1
woman 0.1 0.1 0.9
apple -0.5 0.0 0.1
`

func ExampleReadText() {
	t, err := wordvec.ReadText(strings.NewReader(vectorsFile))
	if err != nil {
		panic(err)
	}
	ns, _ := t.Nearest("king", 2)
	for _, n := range ns {
		fmt.Printf("%s %.3f\n", n.Word, n.Score)
	}
	// Output:
	// man 0.745
	// queen 0.664
}

func ExampleTable_Analogy() {
	t, _ := wordvec.ReadText(strings.NewReader(vectorsFile))
	// man is to king as woman is to ?
	ns, _ := t.Analogy("man", "king", "woman", 1, wordvec.CosAdd)
	fmt.Println(ns[0].Word)
	// Output: queen
}

func ExampleEvalAnalogies() {
	t, _ := wordvec.ReadText(strings.NewReader(vectorsFile))
	questions := ": gender\nman king woman queen\nman woman king queen\nman king dog cat\n"
	res, _ := wordvec.EvalAnalogies(t, strings.NewReader(questions), wordvec.EvalOptions{})
	fmt.Printf("%d/%d correct, %d skipped\n", res.Correct, res.Total, res.Skipped)
	// Output: 2/2 correct, 1 skipped
}

func ExampleNew() {
	// Rows for an embedding layer: one contiguous row-major slice.
	t := wordvec.New([]string{"a", "b"}, 2, []float32{1, 0, 0, 1})
	v, _ := t.Vector("b")
	fmt.Println(t.Len(), t.Dim, v)
	// Output: 2 2 [0 1]
}
