package unigram

import (
	"os"
	"path/filepath"
	"testing"
)

func BenchmarkLoadModel(b *testing.B) {
	data, err := os.ReadFile(filepath.Join("testdata", "albert_30k_clean.model"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for range b.N {
		if _, err := LoadBytes(data); err != nil {
			b.Fatal(err)
		}
	}
}
