package stem_test

import (
	"fmt"

	"github.com/goformer/goformer/tokenize/stem"
)

func ExamplePorter() {
	var p stem.Porter // nltk's default: NLTK extensions, lower-casing
	for _, w := range []string{"Connections", "generously", "dying", "happy"} {
		fmt.Println(w, "→", p.Stem(w))
	}
	// Output:
	// Connections → connect
	// generously → gener
	// dying → die
	// happy → happi
}

func ExamplePorter_modes() {
	for _, m := range []stem.PorterMode{stem.NLTKExtensions, stem.MartinExtensions, stem.OriginalAlgorithm} {
		p := stem.Porter{Mode: m}
		fmt.Printf("%-18s %s %s %s\n", m, p.Stem("geology"), p.Stem("enjoy"), p.Stem("as"))
	}
	// Output:
	// NLTK_EXTENSIONS    geolog enjoy as
	// MARTIN_EXTENSIONS  geologi enjoi as
	// ORIGINAL_ALGORITHM geologi enjoi a
}

func ExampleEnglish() {
	var e stem.English
	for _, w := range []string{"generously", "running", "skies", "dog's", "communism", "happiness"} {
		fmt.Println(w, "→", e.Stem(w))
	}
	// Output:
	// generously → generous
	// running → run
	// skies → sky
	// dog's → dog
	// communism → communism
	// happiness → happi
}
