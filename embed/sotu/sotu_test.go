package sotu

import (
	"strings"
	"testing"
)

func TestDataIsPresentAndWellFormed(t *testing.T) {
	if n := strings.Count(Sample, "\n"); n < 2000 {
		t.Errorf("Sample has %d lines, want over 2000", n)
	}
	sections, questions := 0, 0
	for _, line := range strings.Split(strings.TrimSpace(Analogies), "\n") {
		if strings.HasPrefix(line, ":") {
			sections++
			continue
		}
		if len(strings.Fields(line)) != 4 {
			t.Fatalf("analogy line %q does not have four words", line)
		}
		questions++
	}
	if sections != 10 || questions < 3000 {
		t.Errorf("%d sections and %d questions, want 10 and over 3000", sections, questions)
	}
	pairs := 0
	for _, line := range strings.Split(Similarity, "\n") {
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		if len(strings.Split(line, "\t")) != 3 {
			t.Fatalf("similarity line %q is not word1<TAB>word2<TAB>rating", line)
		}
		pairs++
	}
	if pairs < 150 {
		t.Errorf("%d similarity pairs, want at least 150", pairs)
	}
}
