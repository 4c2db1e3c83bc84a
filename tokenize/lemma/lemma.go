// Package lemma finds the dictionary form (lemma) of English words with
// WordNet 3.0 and the morphy algorithm, giving the same answers as nltk
// 3.8's WordNetLemmatizer.
//
// To start, lemmatize a word for a part of speech:
//
//	lemma.Lemmatize("geese", lemma.Noun)   // "goose"
//	lemma.Lemmatize("running", lemma.Verb) // "run"
//	lemma.Lemmatize("better", lemma.Adj)   // "good"
//
// Like nltk, Lemmatize is case-sensitive (WordNet's lemmas are lower case:
// lower-case the word first) and returns the word unchanged when WordNet
// knows no lemma for it. Multi-word lemmas are joined by underscores, as in
// WordNet ("ice_cream").
//
// The package embeds, gzip-compressed, the part of WordNet 3.0 that morphy
// needs: the 147,306 lemmas of its index files with their parts of speech,
// and its exception lists (geese → goose). They are decompressed on first
// use (about 30 ms and 20 MB). WordNet is Copyright 2006 Princeton University,
// used under its licence (data/LICENSE.wordnet).
package lemma

import (
	"bytes"
	"compress/gzip"
	_ "embed"
	"fmt"
	"io"
	"slices"
	"strings"
	"sync"
)

// POS is a WordNet part of speech.
type POS byte

// The parts of speech, with WordNet's letters.
const (
	Noun   POS = 'n'
	Verb   POS = 'v'
	Adj    POS = 'a'
	AdjSat POS = 's' // satellite adjective; lemmatized exactly as Adj
	Adv    POS = 'r'
)

// String returns the WordNet letter of p.
func (p POS) String() string { return string(rune(p)) }

// bit returns p's bit in a lemma's part-of-speech mask, or 0 for an
// unknown POS.
func (p POS) bit() uint8 {
	switch p {
	case Noun:
		return 1
	case Verb:
		return 2
	case Adj, AdjSat:
		return 4
	case Adv:
		return 8
	}
	return 0
}

// ParsePOS returns the part of speech named by s: a WordNet letter ("n",
// "v", "a", "s", "r"), an English name ("noun", "verb", "adjective", "adj",
// "adverb", "adv"), or a Penn Treebank tag (NN..., VB..., JJ..., RB...), in
// any case.
func ParsePOS(s string) (POS, error) {
	l := strings.ToLower(s)
	switch l {
	case "n", "noun":
		return Noun, nil
	case "v", "verb":
		return Verb, nil
	case "a", "adj", "adjective":
		return Adj, nil
	case "s", "adj_sat", "satellite":
		return AdjSat, nil
	case "r", "adv", "adverb":
		return Adv, nil
	}
	switch {
	case strings.HasPrefix(l, "nn"):
		return Noun, nil
	case strings.HasPrefix(l, "vb"):
		return Verb, nil
	case strings.HasPrefix(l, "jj"):
		return Adj, nil
	case strings.HasPrefix(l, "rb"):
		return Adv, nil
	}
	return 0, fmt.Errorf("lemma: unknown part of speech %q", s)
}

// Lemmatize returns the lemma of word as pos, as nltk's
// WordNetLemmatizer().lemmatize(word, pos) does: the shortest of the
// lemmas Morphy finds (the first of them when several are as short), or
// word itself when it finds none. It panics if pos is not one of the POS
// constants. It allocates nothing unless the lemma is not a prefix of the
// word.
func Lemmatize(word string, pos POS) string {
	var buf [32]form
	found := lemmaForms(word, pos, buf[:0])
	if len(found) == 0 {
		return word
	}
	best := found[0]
	for _, f := range found[1:] {
		if f.len() < best.len() { // lemmas are ASCII: bytes are characters
			best = f
		}
	}
	return best.String(word)
}

// substitutions are morphy's suffix rules per part of speech, in nltk's
// order, which decides the order of Morphy's results.
var substitutions = map[POS][][2]string{
	Noun: {{"s", ""}, {"ses", "s"}, {"ves", "f"}, {"xes", "x"}, {"zes", "z"},
		{"ches", "ch"}, {"shes", "sh"}, {"men", "man"}, {"ies", "y"}},
	Verb: {{"s", ""}, {"ies", "y"}, {"es", "e"}, {"es", ""}, {"ed", "e"},
		{"ed", ""}, {"ing", "e"}, {"ing", ""}},
	Adj: {{"er", ""}, {"est", ""}, {"er", "e"}, {"est", "e"}},
	Adv: nil,
}

// Morphy returns the lemmas WordNet has for word as pos, in the order of
// nltk's WordNetCorpusReader._morphy: if word is in the exception list of
// pos, the word itself and its listed lemmas that are WordNet lemmas;
// otherwise the word and the forms one suffix rule makes of it that are
// lemmas, or, if there are none, the lemmas found by applying the rules
// again and again. It returns nil when there are none. It panics if pos is
// not one of the POS constants.
func Morphy(word string, pos POS) []string {
	var out []string
	for _, f := range lemmaForms(word, pos, nil) {
		s := f.String(word)
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// lemmaForms appends to found the forms of word that Morphy returns, in
// order, possibly repeated. An exception-list lemma is a form whose n is 0
// and whose tail is the lemma.
func lemmaForms(word string, pos POS, found []form) []form {
	bit := pos.bit()
	if bit == 0 {
		panic(fmt.Sprintf("lemma: unknown part of speech %q", rune(pos)))
	}
	if pos == AdjSat {
		pos = Adj
	}
	d := wordnet()
	whole := form{n: len(word)}
	if targets, ok := d.exceptions[pos][word]; ok {
		found = d.keep(found, word, bit, whole)
		for _, t := range targets {
			found = d.keep(found, word, bit, form{tail: t})
		}
		return found
	}
	rules := substitutions[pos]
	var bufA, bufB [16]form
	forms := applyRules(bufA[:0], []form{whole}, word, rules)
	found = d.keep(found, word, bit, whole)
	for _, f := range forms {
		found = d.keep(found, word, bit, f)
	}
	for next := bufB[:0]; len(found) == 0 && len(forms) > 0; {
		next = applyRules(next[:0], forms, word, rules)
		for _, f := range next {
			found = d.keep(found, word, bit, f)
		}
		forms, next = next, forms
	}
	return found
}

// form is a candidate lemma: word[:n] + tail. Rules only cut suffixes and
// add short ones, so forms share word's bytes and each rule costs O(1),
// however long the word.
type form struct {
	n    int
	tail string
}

// len returns the length of the form in bytes.
func (f form) len() int { return f.n + len(f.tail) }

// hasSuffix reports whether the form word[:f.n]+f.tail ends with s.
func (f form) hasSuffix(word, s string) bool {
	if len(s) > f.len() {
		return false
	}
	if len(s) <= len(f.tail) {
		return strings.HasSuffix(f.tail, s)
	}
	k := len(s) - len(f.tail)
	return s[k:] == f.tail && word[f.n-k:f.n] == s[:k]
}

// cut returns the form with its last k bytes replaced by s.
func (f form) cut(k int, s string) form {
	if k <= len(f.tail) {
		return form{f.n, f.tail[:len(f.tail)-k] + s}
	}
	return form{f.n - (k - len(f.tail)), s}
}

// String returns the form as a string, a slice of word when it can.
func (f form) String(word string) string {
	if f.tail == "" {
		return word[:f.n]
	}
	if f.n == 0 {
		return f.tail
	}
	return word[:f.n] + f.tail
}

// applyRules appends to out every form that one rule makes of each form,
// in order: for each form, for each rule that applies.
func applyRules(out, forms []form, word string, rules [][2]string) []form {
	for _, f := range forms {
		for _, r := range rules {
			if f.hasSuffix(word, r[0]) {
				out = append(out, f.cut(len(r[0]), r[1]))
			}
		}
	}
	return out
}

// keep appends f to found if it is a lemma with the part-of-speech bit.
func (d *data) keep(found []form, word string, bit uint8, f form) []form {
	if f.len() > d.maxLen {
		return found
	}
	var buf [128]byte
	key := append(append(buf[:0], word[:f.n]...), f.tail...)
	if d.lemmas[string(key)]&bit != 0 {
		found = append(found, f)
	}
	return found
}

//go:embed data/lemmas.txt.gz
var lemmasGz []byte

//go:embed data/exceptions.txt.gz
var exceptionsGz []byte

// data is the decompressed WordNet data.
type data struct {
	lemmas     map[string]uint8 // lemma → mask of POS bits
	maxLen     int              // length of the longest lemma
	exceptions map[POS]map[string][]string
}

var (
	loadOnce sync.Once
	loaded   *data
)

// wordnet returns the WordNet data, decompressing it on first use.
func wordnet() *data {
	loadOnce.Do(func() {
		d, err := parseData(lemmasGz, exceptionsGz)
		if err != nil { // the embedded files are checked by the tests
			panic("lemma: embedded WordNet data: " + err.Error())
		}
		loaded = d
	})
	return loaded
}

// gunzip decompresses b.
func gunzip(b []byte) (string, error) {
	zr, err := gzip.NewReader(bytes.NewReader(b))
	if err != nil {
		return "", err
	}
	var sb strings.Builder
	if _, err := io.Copy(&sb, zr); err != nil {
		return "", err
	}
	return sb.String(), nil
}

// parseData parses the gzip-compressed lemma and exception files.
func parseData(lemmasGz, exceptionsGz []byte) (*data, error) {
	lem, err := gunzip(lemmasGz)
	if err != nil {
		return nil, fmt.Errorf("lemmas: %w", err)
	}
	d := &data{
		lemmas:     make(map[string]uint8, 150000),
		exceptions: map[POS]map[string][]string{Noun: {}, Verb: {}, Adj: {}, Adv: {}},
	}
	line := 0
	for off := 0; off < len(lem); {
		line++
		end := strings.IndexByte(lem[off:], '\n')
		if end < 0 {
			return nil, fmt.Errorf("lemmas line %d: no newline at the end", line)
		}
		l := lem[off : off+end] // a slice of lem: no copy per lemma
		off += end + 1
		word, poses, ok := strings.Cut(l, "\t")
		if !ok || word == "" || poses == "" {
			return nil, fmt.Errorf("lemmas line %d: bad line %q", line, l)
		}
		var mask uint8
		for i := 0; i < len(poses); i++ {
			b := POS(poses[i]).bit()
			if b == 0 {
				return nil, fmt.Errorf("lemmas line %d: bad part of speech %q", line, poses)
			}
			mask |= b
		}
		d.lemmas[word] = mask
		d.maxLen = max(d.maxLen, len(word))
	}
	exc, err := gunzip(exceptionsGz)
	if err != nil {
		return nil, fmt.Errorf("exceptions: %w", err)
	}
	for i, l := range strings.Split(strings.TrimSuffix(exc, "\n"), "\n") {
		f := strings.Split(l, "\t")
		if len(f) != 3 || len(f[0]) != 1 || f[1] == "" {
			return nil, fmt.Errorf("exceptions line %d: bad line %q", i+1, l)
		}
		m, ok := d.exceptions[POS(f[0][0])]
		if !ok {
			return nil, fmt.Errorf("exceptions line %d: bad part of speech %q", i+1, f[0])
		}
		m[f[1]] = strings.Fields(f[2])
	}
	return d, nil
}
