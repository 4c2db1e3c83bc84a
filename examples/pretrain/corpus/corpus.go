// Package corpus ships the pre-training text of examples/pretrain: the
// State of the Union addresses from 1945 to 2016 (US Government works, in
// the public domain), one sentence a line, gzip-compressed (2.9 MB of
// text, 24,029 sentences). README.md beside this file gives the
// provenance; make_corpus.py rebuilds it.
package corpus

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"io"
	"strings"
)

//go:embed sotu_1945_2016.txt.gz
var sotuGz []byte

// SOTU returns the sentences of the addresses from 1945 to 2016.
func SOTU() ([]string, error) {
	r, err := gzip.NewReader(bytes.NewReader(sotuGz))
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	return strings.Split(strings.TrimSuffix(string(b), "\n"), "\n"), nil
}
