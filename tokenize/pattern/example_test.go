package pattern_test

import (
	"fmt"

	"github.com/goformer/goformer/tokenize/pattern"
)

func ExamplePattern_Split() {
	s := "I'm here   with 12345 JSONParsers!\n"
	fmt.Printf("%q\n", pattern.GPT2.Split(s))
	fmt.Printf("%q\n", pattern.CL100K.Split(s))
	fmt.Printf("%q\n", pattern.O200K.Split(s))
	// Output:
	// ["I" "'m" " here" "  " " with" " 12345" " JSONParsers" "!" "\n"]
	// ["I" "'m" " here" "  " " with" " " "123" "45" " JSONParsers" "!\n"]
	// ["I'm" " here" "  " " with" " " "123" "45" " JSONParsers" "!\n"]
}

func ExampleLookup() {
	p, ok := pattern.Lookup(`'s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+`)
	fmt.Println(p, ok)
	// Output: gpt2 true
}
