package text_test

import (
	"fmt"

	"github.com/goformer/goformer/tokenize/text"
)

func ExampleChain() {
	clean := text.Chain(text.NFKC, text.RemoveControl, text.Lower, text.StripAccents, text.FoldWhitespace)
	fmt.Printf("%q\n", clean("  Ｃafé\u200b  ﬁne\t ΟΔΟΣ  "))
	// Output:
	// "cafe fine οδος"
}

func ExampleToValidUTF8() {
	fmt.Printf("%+q\n", text.ToValidUTF8("a\xe2\x82b\xffc"))
	// Output:
	// "a\ufffdb\ufffdc"
}

func ExampleSpeller() {
	fmt.Println(text.Cardinal(1234567))
	fmt.Println(text.Speller{Commas: true}.Cardinal(1234567))
	fmt.Println(text.Speller{And: true, Commas: true}.Cardinal(1234567))
	fmt.Println(text.Ordinal(21), "/", text.OrdinalSuffix(21))
	fmt.Println(text.Year(1999), "/", text.Year(2005))
	w, _ := text.Speller{}.Number("-3.14")
	fmt.Println(w)
	// Output:
	// one million two hundred thirty-four thousand five hundred sixty-seven
	// one million, two hundred thirty-four thousand, five hundred sixty-seven
	// one million, two hundred and thirty-four thousand, five hundred and sixty-seven
	// twenty-first / 21st
	// nineteen ninety-nine / two thousand five
	// minus three point one four
}

func ExampleSpeller_Expand() {
	sp := text.Speller{Years: true}
	fmt.Println(sp.Expand("In 1999, 2,500 people paid $3.50 (-4.5%) for the 3rd time."))
	// Output:
	// In nineteen ninety-nine, two thousand five hundred people paid three dollars and fifty cents (minus four point five percent) for the third time.
}

func ExampleSteps() {
	clean, err := text.Steps{Lower: true, Numbers: &text.Speller{}, RemovePunctuation: true, FoldWhitespace: true}.Func()
	if err != nil {
		panic(err)
	}
	fmt.Println(clean("Route 66, 3.5 km, then 21 more."))
	// Output: route sixty six three point five km then twenty one more
}
