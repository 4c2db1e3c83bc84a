// Package ddtp ships the data of examples/translate and examples/summarize:
// Debian package descriptions and their German translations from the
// Debian Description Translation Project (DDTP), taken from bookworm's apt
// index files. README.md beside this file gives the provenance and the
// licence; make_data.py rebuilds the two files.
//
// Each pair carries the split it belongs to, chosen by its source package:
// the binary packages of one source (libfoo1, libfoo-dev), whose
// descriptions are near-copies of each other, all fall in the same split.
package ddtp

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed"
	"encoding/json"
	"fmt"
	"io"
)

//go:embed en-de.jsonl.gz
var enDE []byte

//go:embed summ.jsonl.gz
var summ []byte

// The splits of the data.
const (
	Train = "train"
	Dev   = "dev"
	Test  = "test"
)

// Pair is one example: an input text and its target.
type Pair struct {
	// Package is the binary package the description belongs to, Source
	// its source package.
	Package, Source string
	// Split is Train, Dev or Test.
	Split string
	// Input and Target: the English and the German synopsis
	// (EnglishGerman), or the long description and the synopsis
	// (Summaries).
	Input, Target string
}

// EnglishGerman returns the translation pairs: 6,000 one-line package
// synopses of 2 to 12 English words with their German translation.
func EnglishGerman() ([]Pair, error) {
	return read("en-de.jsonl.gz", enDE, "en", "de")
}

// Summaries returns the summarization pairs: 4,000 English long
// descriptions of 25 to 90 words (paragraphs separated by "\n") with
// their one-line synopsis.
func Summaries() ([]Pair, error) {
	return read("summ.jsonl.gz", summ, "description", "synopsis")
}

// Split returns the pairs of one split, in order.
func Split(pairs []Pair, split string) []Pair {
	var out []Pair
	for _, p := range pairs {
		if p.Split == split {
			out = append(out, p)
		}
	}
	return out
}

// Parse reads pairs from gzip-compressed JSON lines with the fields
// package, source, split and the two named fields, as make_data.py
// writes them. A line without one of them, or with an unknown split, is
// an error naming the line.
func Parse(r io.Reader, input, target string) ([]Pair, error) {
	z, err := gzip.NewReader(r)
	if err != nil {
		return nil, err
	}
	sc := bufio.NewScanner(z)
	sc.Buffer(nil, 1<<20)
	var out []Pair
	for line := 1; sc.Scan(); line++ {
		var row map[string]string
		if err := json.Unmarshal(sc.Bytes(), &row); err != nil {
			return nil, fmt.Errorf("line %d: %w", line, err)
		}
		p := Pair{Package: row["package"], Source: row["source"], Split: row["split"], Input: row[input], Target: row[target]}
		if p.Package == "" || p.Input == "" || p.Target == "" {
			return nil, fmt.Errorf("line %d: package, %s or %s missing", line, input, target)
		}
		if p.Split != Train && p.Split != Dev && p.Split != Test {
			return nil, fmt.Errorf("line %d: split %q", line, p.Split)
		}
		out = append(out, p)
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	if err := z.Close(); err != nil {
		return nil, err
	}
	return out, nil
}

func read(name string, data []byte, input, target string) ([]Pair, error) {
	p, err := Parse(bytes.NewReader(data), input, target)
	if err != nil {
		return nil, fmt.Errorf("ddtp: %s: %w", name, err)
	}
	return p, nil
}
