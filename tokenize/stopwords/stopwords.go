// Package stopwords provides stop-word lists for 63 languages and variants
// (those of npm stopword 3.1.5) and a Set type to filter tokens with them.
//
// To start, drop the English stop words from a list of tokens:
//
//	en := stopwords.English()
//	kept := en.Remove([]string{"The", "cat", "sat", "on", "the", "mat"}) // [cat sat mat]
//
// or look a language up by its ISO 639-1 or 639-3 code or English name:
//
//	de, err := stopwords.ForLanguage("de") // also "deu", "german"
//
// Matching is on whole tokens after lower-casing (text.Lower), as the npm
// package's removeStopwords does; split text into tokens first. The Chinese,
// Japanese and Thai lists hold words, so those texts need a word segmenter
// before filtering; a few Korean entries are multi-word phrases that no
// single token matches. The lists are embedded in the binary; each list's
// licence (MIT or Apache-2.0) is in lists/THIRD_PARTY_LICENSES.
package stopwords

import (
	"embed"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"

	"github.com/goformer/goformer/tokenize/text"
)

//go:embed lists/*.txt
var listFS embed.FS

// ErrUnknownLanguage is returned by ForLanguage for a language it has no
// list for.
var ErrUnknownLanguage = errors.New("no stop-word list for this language")

// languages maps each list's code (the npm package's export name) to its
// ISO 639-1 code, when it has one, and its English names.
var languages = map[string][]string{
	"afr": {"af", "afrikaans"}, "ara": {"ar", "arabic"}, "ben": {"bn", "bengali", "bangla"},
	"bre": {"br", "breton"}, "bul": {"bg", "bulgarian"}, "cat": {"ca", "catalan"},
	"ces": {"cs", "czech"}, "dan": {"da", "danish"}, "deu": {"de", "german"},
	"ell": {"el", "greek"}, "eng": {"en", "english"}, "epo": {"eo", "esperanto"},
	"est": {"et", "estonian"}, "eus": {"eu", "basque"}, "fas": {"fa", "persian", "farsi"},
	"fin": {"fi", "finnish"}, "fra": {"fr", "french"}, "gle": {"ga", "irish"},
	"glg": {"gl", "galician"}, "guj": {"gu", "gujarati"}, "hau": {"ha", "hausa"},
	"heb": {"he", "hebrew"}, "hin": {"hi", "hindi"}, "hrv": {"hr", "croatian"},
	"hun": {"hu", "hungarian"}, "hye": {"hy", "armenian"}, "ind": {"id", "indonesian"},
	"ita": {"it", "italian"}, "jpn": {"ja", "japanese"}, "kor": {"ko", "korean"},
	"kur": {"ku", "kurdish"}, "lat": {"la", "latin"}, "lav": {"lv", "latvian"},
	"lgg": {"lugbara"}, "lggNd": {"lugbara-nd"}, "lit": {"lt", "lithuanian"},
	"mar": {"mr", "marathi"}, "msa": {"ms", "malay"}, "mya": {"my", "burmese", "myanmar"},
	"nld": {"nl", "dutch"}, "nob": {"nb", "no", "norwegian", "bokmal", "bokmål"},
	"panGu": {"pa", "punjabi", "panjabi"}, "pol": {"pl", "polish"}, "por": {"pt", "portuguese"},
	"porBr": {"pt-br", "brazilian portuguese"}, "ron": {"ro", "romanian"}, "rus": {"ru", "russian"},
	"slk": {"sk", "slovak"}, "slv": {"sl", "slovenian", "slovene"}, "som": {"so", "somali"},
	"sot": {"st", "sotho", "sesotho"}, "spa": {"es", "spanish"}, "swa": {"sw", "swahili"},
	"swe": {"sv", "swedish"}, "tgl": {"tl", "tagalog", "filipino"}, "tha": {"th", "thai"},
	"tur": {"tr", "turkish"}, "ukr": {"uk", "ukrainian"}, "urd": {"ur", "urdu"},
	"vie": {"vi", "vietnamese"}, "yor": {"yo", "yoruba"}, "zho": {"zh", "chinese"},
	"zul": {"zu", "zulu"}, "digits": {},
}

// aliases maps every accepted lower-case name to its list's code.
var aliases = func() map[string]string {
	m := map[string]string{}
	for code, names := range languages {
		m[strings.ToLower(code)] = code
		for _, n := range names {
			m[n] = code
		}
	}
	return m
}()

// Languages returns the codes of the embedded lists, sorted: ISO 639-3
// codes such as "eng", "deu" and "zho", plus "lggNd" (Lugbara without
// diacritics), "panGu" (Punjabi in Gurmukhi), "porBr" (Brazilian
// Portuguese) and "digits" (the digits 0 to 9 of several scripts).
func Languages() []string {
	codes := make([]string, 0, len(languages))
	for c := range languages {
		codes = append(codes, c)
	}
	sort.Strings(codes)
	return codes
}

var (
	cacheMu sync.Mutex
	cache   = map[string]*Set{}
)

// ForLanguage returns the stop words of a language named by a code from
// Languages, an ISO 639-1 code ("en", "de", "zh", "pt-BR") or an English
// name ("english"), in any case. The Set is shared: do not change it. A
// language with no list gets an error wrapping ErrUnknownLanguage.
func ForLanguage(lang string) (*Set, error) {
	code, ok := aliases[strings.ToLower(strings.TrimSpace(strings.ReplaceAll(lang, "_", "-")))]
	if !ok {
		return nil, fmt.Errorf("stopwords %q: %w", lang, ErrUnknownLanguage)
	}
	cacheMu.Lock()
	defer cacheMu.Unlock()
	if s, ok := cache[code]; ok {
		return s, nil
	}
	data, err := listFS.ReadFile("lists/" + code + ".txt")
	if err != nil { // every code in languages has a file
		panic("stopwords: missing embedded list " + code + ": " + err.Error())
	}
	s := New(strings.Split(strings.TrimSuffix(string(data), "\n"), "\n")...)
	cache[code] = s
	return s, nil
}

// mustLanguage returns the list of a language that is known to exist.
func mustLanguage(code string) *Set {
	s, err := ForLanguage(code)
	if err != nil {
		panic(err)
	}
	return s
}

// English returns the English stop words (108 words).
func English() *Set { return mustLanguage("eng") }

// German returns the German stop words.
func German() *Set { return mustLanguage("deu") }

// French returns the French stop words.
func French() *Set { return mustLanguage("fra") }

// Spanish returns the Spanish stop words.
func Spanish() *Set { return mustLanguage("spa") }

// Chinese returns the Chinese stop words (simplified characters).
func Chinese() *Set { return mustLanguage("zho") }

// Set is a set of stop words. Its methods are safe for concurrent use as
// long as no goroutine calls Add at the same time.
type Set struct {
	words map[string]struct{}
	order []string
}

// New returns a Set of the given words, lower-cased. Empty words are
// ignored.
func New(words ...string) *Set {
	s := &Set{words: make(map[string]struct{}, len(words))}
	s.Add(words...)
	return s
}

// Add adds words, lower-cased, to s. Empty words are ignored.
func (s *Set) Add(words ...string) {
	for _, w := range words {
		w = text.Lower(w)
		if _, dup := s.words[w]; dup || w == "" {
			continue
		}
		s.words[w] = struct{}{}
		s.order = append(s.order, w)
	}
}

// Union returns a new Set with the words of s and of the others.
func (s *Set) Union(others ...*Set) *Set {
	u := New(s.order...)
	for _, o := range others {
		u.Add(o.order...)
	}
	return u
}

// Len returns the number of words in s.
func (s *Set) Len() int { return len(s.words) }

// Words returns the words of s in the order they were added (for the
// embedded lists, the npm package's order), as a new slice.
func (s *Set) Words() []string { return append([]string(nil), s.order...) }

// Contains reports whether the lower-cased token is a stop word.
func (s *Set) Contains(token string) bool {
	_, ok := s.words[token]
	if !ok && !isLowerASCII(token) {
		_, ok = s.words[text.Lower(token)]
	}
	return ok
}

// Remove returns the tokens that are not stop words, in order, in a new
// slice.
func (s *Set) Remove(tokens []string) []string {
	kept := make([]string, 0, len(tokens))
	for _, t := range tokens {
		if !s.Contains(t) {
			kept = append(kept, t)
		}
	}
	return kept
}

// isLowerASCII reports whether s is ASCII with no upper-case letter, so
// that lower-casing would not change it.
func isLowerASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 0x80 || 'A' <= c && c <= 'Z' {
			return false
		}
	}
	return true
}
