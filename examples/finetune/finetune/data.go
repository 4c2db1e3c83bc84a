package finetune

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"unicode/utf8"
)

// Example is a labelled text.
type Example struct {
	Text  string
	Label int // index into Data.Labels
}

// Data is a labelled data set: examples and the names of their classes.
type Data struct {
	Examples []Example
	Labels   []string
}

// ReadLabelled reads a CSV or TSV file of text and label columns (the
// text first; with more than two columns, the first is the text and the
// last the label). The delimiter is a tab for .tsv and .tab files and
// wherever the first line holds a tab, a comma otherwise; fields may be
// quoted as in CSV. A first line whose label field is "label" (any case)
// is a header. Labels are the sorted distinct label strings.
func ReadLabelled(path string) (*Data, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	d, err := ParseLabelled(b, filepath.Ext(path))
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", path, err)
	}
	return d, nil
}

// ParseLabelled parses the contents of a labelled file as ReadLabelled
// does; ext (".tsv", ".csv" or "") helps choose the delimiter.
func ParseLabelled(b []byte, ext string) (*Data, error) {
	if !utf8.Valid(b) {
		return nil, errors.New("not UTF-8 text")
	}
	b = bytes.TrimPrefix(b, []byte("\ufeff"))
	first, _, _ := bytes.Cut(b, []byte("\n"))
	delim := ','
	if e := strings.ToLower(ext); e == ".tsv" || e == ".tab" || bytes.Contains(first, []byte("\t")) {
		delim = '\t'
	}
	type row struct{ text, label string }
	var rows []row
	records, err := records(b, delim)
	if err != nil {
		return nil, err
	}
	for i, rec := range records {
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue
		}
		if len(rec) < 2 {
			return nil, fmt.Errorf("line %d: one field, want text and label", i+1)
		}
		text, label := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[len(rec)-1])
		if i == 0 && strings.EqualFold(label, "label") {
			continue
		}
		if text == "" || label == "" {
			return nil, fmt.Errorf("line %d: empty text or label", i+1)
		}
		rows = append(rows, row{text, label})
	}
	if len(rows) == 0 {
		return nil, errors.New("no examples")
	}
	set := map[string]bool{}
	for _, r := range rows {
		set[r.label] = true
	}
	d := &Data{}
	for l := range set {
		d.Labels = append(d.Labels, l)
	}
	sort.Strings(d.Labels)
	if len(d.Labels) < 2 {
		return nil, fmt.Errorf("one label (%q): nothing to classify", d.Labels[0])
	}
	index := map[string]int{}
	for i, l := range d.Labels {
		index[l] = i
	}
	for _, r := range rows {
		d.Examples = append(d.Examples, Example{Text: r.text, Label: index[r.label]})
	}
	return d, nil
}

// records splits the file into fields: a TSV line by line at its tabs
// (quotes are text, as in most TSV files), a CSV as encoding/csv reads it.
func records(b []byte, delim rune) ([][]string, error) {
	if delim == '\t' {
		var out [][]string
		for _, line := range strings.Split(string(b), "\n") {
			out = append(out, strings.Split(strings.TrimSuffix(line, "\r"), "\t"))
		}
		for len(out) > 0 && len(out[len(out)-1]) == 1 && out[len(out)-1][0] == "" {
			out = out[:len(out)-1]
		}
		return out, nil
	}
	r := csv.NewReader(bytes.NewReader(b))
	r.Comma = delim
	r.FieldsPerRecord = -1
	r.LazyQuotes = true
	out, err := r.ReadAll()
	if err != nil {
		return nil, err
	}
	return out, nil
}

// Split shuffles the examples with seed and cuts off the fraction test
// (stratified by label, so that each class keeps its share) for testing.
func (d *Data) Split(test float64, seed uint64) (train, held *Data) {
	rng := rand.New(rand.NewPCG(seed, 0xda7a))
	byLabel := make([][]Example, len(d.Labels))
	for _, e := range d.Examples {
		byLabel[e.Label] = append(byLabel[e.Label], e)
	}
	train, held = &Data{Labels: d.Labels}, &Data{Labels: d.Labels}
	for _, es := range byLabel {
		rng.Shuffle(len(es), func(i, j int) { es[i], es[j] = es[j], es[i] })
		k := int(test*float64(len(es)) + 0.5)
		held.Examples = append(held.Examples, es[:k]...)
		train.Examples = append(train.Examples, es[k:]...)
	}
	rng.Shuffle(len(train.Examples), func(i, j int) { train.Examples[i], train.Examples[j] = train.Examples[j], train.Examples[i] })
	return train, held
}

// Relabel maps the labels of d onto labels (the training set's), failing
// on a label the training set lacks.
func (d *Data) Relabel(labels []string) error {
	index := map[string]int{}
	for i, l := range labels {
		index[l] = i
	}
	for i := range d.Examples {
		name := d.Labels[d.Examples[i].Label]
		j, ok := index[name]
		if !ok {
			return fmt.Errorf("label %q is not among the training labels %v", name, labels)
		}
		d.Examples[i].Label = j
	}
	d.Labels = labels
	return nil
}

// Targets returns the labels of the examples.
func (d *Data) Targets() []int {
	out := make([]int, len(d.Examples))
	for i, e := range d.Examples {
		out[i] = e.Label
	}
	return out
}

// Texts returns the texts of the examples.
func (d *Data) Texts() []string {
	out := make([]string, len(d.Examples))
	for i, e := range d.Examples {
		out[i] = e.Text
	}
	return out
}
