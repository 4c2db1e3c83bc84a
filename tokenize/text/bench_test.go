package text

import (
	"strings"
	"testing"
)

// benchText is about 1 MB of mixed text: English prose with numbers,
// accented Latin, Greek, Cyrillic, CJK, emoji and odd white space.
var benchText = strings.Repeat("The 3 quick brown foxes jumped over 1,250 lazy dogs in 1999; "+
	"Ångström's café served crème brûlée for $4.50.  Η γρήγορη καφέ αλεπού.\t"+
	"Съешь же ещё этих мягких французских булок. 敏捷的棕色狐狸跳过了懒狗。 😀👍\n", 4500)

func benchNormalizer(b *testing.B, fn func(string) string) {
	b.SetBytes(int64(len(benchText)))
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		fn(benchText)
	}
	b.ReportMetric(float64(b.N)*float64(len(benchText))/b.Elapsed().Seconds()/1e6, "MB/s")
}

func BenchmarkNormalize(b *testing.B) {
	for _, n := range normalizers {
		b.Run(n.name, func(b *testing.B) { benchNormalizer(b, n.fn) })
	}
	b.Run("LowerASCII", func(b *testing.B) {
		ascii := strings.Repeat("The Quick Brown Fox Jumps Over The Lazy Dog. ", 20000)
		b.SetBytes(int64(len(ascii)))
		for i := 0; i < b.N; i++ {
			Lower(ascii)
		}
	})
}
