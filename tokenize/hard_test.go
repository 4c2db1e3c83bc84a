package tokenize

import (
	"encoding/json"
	"errors"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/internal/allocbytes"
)

// The hard-case corpus and what tiktoken and Hugging Face do with it
// (testdata/gen/hard_fixtures.js).

func loadHardCorpus(t *testing.T) []string {
	t.Helper()
	var docs []string
	if err := json.Unmarshal(readGz(t, "testdata/hard/corpus.json.gz"), &docs); err != nil {
		t.Fatal(err)
	}
	if len(docs) < 100 {
		t.Fatalf("%d documents", len(docs))
	}
	return docs
}

// tiktokenResult is the ids of one call, or the special token its error
// names.
type tiktokenResult struct {
	ids   []int
	error string
}

func (r *tiktokenResult) UnmarshalJSON(b []byte) error {
	if len(b) > 0 && b[0] == '{' {
		var e struct{ Error string }
		if err := json.Unmarshal(b, &e); err != nil {
			return err
		}
		r.error = e.Error
		return nil
	}
	return json.Unmarshal(b, &r.ids)
}

// tiktokenCalls maps the calls of the fixture to EncodeOptions.
var tiktokenCalls = map[string]EncodeOptions{
	"default":                     {},
	"allowed_all":                 {SpecialText: SpecialMatch},
	"allowed_eot":                 {AllowedSpecial: []string{"<|endoftext|>"}},
	"disallowed_none":             {SpecialText: SpecialAsText},
	"allowed_eot_disallowed_none": {SpecialText: SpecialAsText, AllowedSpecial: []string{"<|endoftext|>"}},
	"disallowed_eot":              {SpecialText: SpecialAsText, DisallowedSpecial: []string{"<|endoftext|>"}},
}

func TestSpecialTokenTextFollowsTiktokenOnTheHardCorpus(t *testing.T) {
	docs := loadHardCorpus(t)
	var fx struct {
		Calls     []struct{ Name string }
		Encodings map[string][]map[string]tiktokenResult
	}
	if err := json.Unmarshal(readGz(t, "testdata/hard/tiktoken.json.gz"), &fx); err != nil {
		t.Fatal(err)
	}
	if len(fx.Calls) != len(tiktokenCalls) {
		t.Fatalf("fixture has %d calls, the test knows %d", len(fx.Calls), len(tiktokenCalls))
	}
	for _, c := range tiktokenCases {
		rows := fx.Encodings[c.name]
		if len(rows) != len(docs) {
			t.Fatalf("%s: %d rows for %d documents", c.name, len(rows), len(docs))
		}
		tok := c.tok()
		errorsSeen := 0
		for i, doc := range docs {
			short := doc
			if len(short) > 60 {
				short = short[:60] + "..."
			}
			e, err := tok.EncodeOrdinary(doc)
			if err != nil || !equalInts(e.IDs, rows[i]["ordinary"].ids) {
				t.Errorf("%s EncodeOrdinary(%q): %v, want %v", c.name, short, err, rows[i]["ordinary"].ids)
			}
			for name, opts := range tiktokenCalls {
				want := rows[i][name]
				ids, err1 := tok.AppendIDsWith(nil, doc, opts)
				enc, err2 := tok.EncodeWith(doc, nil, opts)
				for k, err := range []error{err1, err2} {
					switch {
					case want.error == "" && err != nil:
						t.Errorf("%s %s %q: %v", c.name, name, short, err)
					case want.error != "":
						errorsSeen++
						var se *SpecialTokenError
						if !errors.As(err, &se) || !errors.Is(err, ErrSpecialToken) {
							t.Errorf("%s %s %q: error %v, want one naming %s", c.name, name, short, err, want.error)
							continue
						}
						if se.Token != want.error || se.Offset != strings.Index(doc, se.Token) {
							t.Errorf("%s %s %q: refused %q at %d, want %q at %d", c.name, name, short, se.Token, se.Offset, want.error, strings.Index(doc, want.error))
						}
						if !strings.Contains(err.Error(), fmt.Sprintf("%q at byte %d", se.Token, se.Offset)) {
							t.Errorf("error text %q does not name the token and its offset", err)
						}
					case k == 0 && !equalInts(ids, want.ids):
						t.Errorf("%s %s %q: AppendIDsWith %v, want %v", c.name, name, short, ids, want.ids)
					case k == 1 && !equalInts(enc.IDs, want.ids):
						t.Errorf("%s %s %q: EncodeWith %v, want %v", c.name, name, short, enc.IDs, want.ids)
					}
				}
			}
		}
		if errorsSeen == 0 {
			t.Errorf("%s: no call of the fixture was refused", c.name)
		}
	}
}

func TestBERTSpecialTokenTextFollowsHuggingFace(t *testing.T) {
	docs := loadHardCorpus(t)
	var rows []struct {
		Match  []int `json:"match"`
		AsText []int `json:"as_text"`
	}
	if err := json.Unmarshal(readGz(t, "testdata/hard/bert.json.gz"), &rows); err != nil {
		t.Fatal(err)
	}
	tok := BERTUncased()
	differ := 0
	for i, doc := range docs {
		e, err := tok.Encode(doc)
		if err != nil || !equalInts(e.IDs, rows[i].Match) {
			t.Errorf("Encode(%.60q): %v %v, want %v", doc, err, e, rows[i].Match)
		}
		o, err := tok.EncodeOrdinary(doc)
		if err != nil || !equalInts(o.IDs, rows[i].AsText) {
			t.Errorf("EncodeOrdinary(%.60q): %v, want %v", doc, err, rows[i].AsText)
		}
		ids, err := tok.AppendIDsWith(nil, doc, EncodeOptions{SpecialText: SpecialAsText})
		if err != nil || !equalInts(ids, rows[i].AsText) {
			t.Errorf("AppendIDsWith as text (%.60q): %v, want %v", doc, err, rows[i].AsText)
		}
		if !equalInts(rows[i].Match, rows[i].AsText) {
			differ++
		}
	}
	if differ == 0 {
		t.Error("no document of the fixture holds a special token")
	}
	// The choice is per call, and refusing works for the Hugging Face
	// pipeline too.
	_, err := tok.EncodeWith("a [SEP] b", nil, EncodeOptions{SpecialText: SpecialRefuse})
	var se *SpecialTokenError
	if !errors.As(err, &se) || se.Token != "[SEP]" || se.Offset != 2 {
		t.Errorf("refusing [SEP]: %v", err)
	}
	_, err = tok.EncodeWith("q", ptr("a [MASK]"), EncodeOptions{SpecialText: SpecialRefuse, AllowedSpecial: []string{"[SEP]"}})
	if !errors.As(err, &se) || se.Token != "[MASK]" || se.Offset != 2 || se.Sequence != 1 || !strings.Contains(err.Error(), "second sequence") {
		t.Errorf("refusing [MASK] in the pair: %v", err)
	}
}

func ptr[T any](v T) *T { return &v }

func TestSpecialOptionsAreChecked(t *testing.T) {
	tok := CL100K()
	for _, opts := range []EncodeOptions{
		{AllowedSpecial: []string{"<|nope|>"}},
		{DisallowedSpecial: []string{"hello"}},
		{AllowedSpecial: []string{"<|endoftext|>"}, DisallowedSpecial: []string{"<|endoftext|>"}},
		{SpecialText: SpecialText(42)},
	} {
		if _, err := tok.EncodeWith("x", nil, opts); err == nil {
			t.Errorf("EncodeWith accepted %+v", opts)
		}
		if _, err := tok.AppendIDsWith(nil, "x", opts); err == nil {
			t.Errorf("AppendIDsWith accepted %+v", opts)
		}
	}
	// The defaults: tiktoken's presets refuse, a Hugging Face pipeline
	// matches.
	for _, tk := range []*Tokenizer{GPT2(), R50K(), CL100K(), O200K()} {
		if _, err := tk.Encode("<|endoftext|>"); !errors.Is(err, ErrSpecialToken) {
			t.Errorf("a tiktoken preset encoded <|endoftext|>: %v", err)
		}
		if _, err := tk.EncodeBatch([]string{"ok", "x<|endoftext|>"}); !errors.Is(err, ErrSpecialToken) {
			t.Errorf("EncodeBatch: %v", err)
		}
		if _, err := tk.EncodeIDsBatch([]string{"ok", "x<|endoftext|>"}); !errors.Is(err, ErrSpecialToken) {
			t.Errorf("EncodeIDsBatch: %v", err)
		}
	}
	e, err := BERTCased().Encode("[CLS]")
	if err != nil || len(e.IDs) != 3 {
		t.Errorf("BERT: %v %v", e, err)
	}
}

// unigramExpect is Hugging Face's encoding of one document, or its error.
type unigramExpect struct {
	IDs     []int  `json:"ids"`
	Offsets []int  `json:"offsets"`
	Error   string `json:"error"`
}

func TestUnigramTokenizerJSONEncodesLikeHuggingFace(t *testing.T) {
	docs := loadHardCorpus(t)
	for _, name := range []string{"nounk", "unk", "bytes", "ties"} {
		t.Run(name, func(t *testing.T) {
			tok, err := Read(strings.NewReader(string(readGz(t, filepath.Join("testdata/hard", "unigram_"+name+".json.gz")))))
			if err != nil {
				t.Fatal(err)
			}
			var rows []unigramExpect
			if err := json.Unmarshal(readGz(t, filepath.Join("testdata/hard", "unigram_"+name+".expect.json.gz")), &rows); err != nil {
				t.Fatal(err)
			}
			bad, refused := 0, 0
			for i, doc := range docs {
				want := rows[i]
				e, err := tok.Encode(doc)
				var msg string
				switch {
				case want.Error != "":
					refused++
					if !errors.Is(err, ErrNoUnknownPiece) {
						msg = fmt.Sprintf("error %v, want Hugging Face's %q", err, want.Error)
					}
				case err != nil:
					msg = err.Error()
				case !equalInts(e.IDs, want.IDs):
					msg = fmt.Sprintf("ids %v, want %v", e.IDs, want.IDs)
				case !equalInts(flatRuneOffsets(e), want.Offsets):
					msg = fmt.Sprintf("offsets %v, want %v", flatRuneOffsets(e), want.Offsets)
				}
				if msg != "" {
					bad++
					if bad <= 5 {
						t.Errorf("%.60q: %s", doc, msg)
					}
				}
			}
			if bad > 0 {
				t.Errorf("%d of %d documents differ from Hugging Face", bad, len(docs))
			}
			if name == "nounk" && refused == 0 {
				t.Error("no document has a character without a piece")
			}
		})
	}
}

func TestLongLinesEncodeAsIfWhole(t *testing.T) {
	// Lines far longer than chunkSize, with what could go wrong at a cut:
	// accents and combining marks, final sigma, CJK (which BERT pads with
	// spaces), control characters, every kind of white space, and one
	// 70 KB word without any.
	parts := []string{"Héllo", "ΟΔΟΣ", "ΣΑΣ.", "e\u0301\u0301", "中文字", "x\u0000y", "\t", "\r\n", "\u00a0", "\u3000", "ﬁnance", "[SEP]", "don't", "a" + strings.Repeat("b", 150)}
	r := uint32(7)
	var b strings.Builder
	for b.Len() < 5*chunkSize {
		r = r*1664525 + 1013904223
		b.WriteString(parts[r>>16%uint32(len(parts))])
		if r>>8%3 != 0 {
			b.WriteByte(' ')
		}
	}
	texts := []string{b.String(), strings.Repeat("word ", 3*chunkSize/5) + strings.Repeat("z", 70<<10) + " end"}
	for _, lower := range []bool{true, false} {
		tok := BERTCased()
		if lower {
			tok = BERTUncased()
		}
		whole := *tok
		// A pre-tokenizer sequence is not known to split at white space:
		// the text is normalized whole.
		whole.PreTokenizer = PreTokenizerSequence{BertPreTokenizer{}}
		for _, text := range texts {
			if !tok.chunkable() || whole.chunkable() {
				t.Fatal("the test does not compare chunked with whole")
			}
			got, err1 := tok.Encode(text)
			want, err2 := whole.Encode(text)
			if err1 != nil || err2 != nil {
				t.Fatal(err1, err2)
			}
			if !equalInts(got.IDs, want.IDs) || !equalInts(got.WordIDs, want.WordIDs) || fmt.Sprint(got.Offsets) != fmt.Sprint(want.Offsets) {
				t.Errorf("lowercase %v: chunked encoding differs from the whole one (%d and %d tokens)", lower, len(got.IDs), len(want.IDs))
			}
			ids, err := tok.EncodeIDs(text)
			if err != nil || !equalInts(ids, want.IDs) {
				t.Errorf("lowercase %v: EncodeIDs differs from Encode", lower)
			}
		}
	}
}

// allocPerByte returns the bytes f allocates per byte of an input of n
// bytes.
func allocPerByte(n int, f func()) float64 {
	return allocbytes.PerCall(1, 1, f) / float64(n)
}

func TestHostileInputsCostBoundedMemory(t *testing.T) {
	run := strings.Repeat("a", 1<<20)
	gpt2 := GPT2()
	var ids []int
	var e *Encoding
	var err error
	// The ids themselves take 2 bytes per input byte (one 8-byte id per 4
	// letters), an Encoding about 20.
	if got := allocPerByte(len(run), func() { ids, err = gpt2.EncodeIDs(run) }); err != nil || got > 30 {
		t.Errorf("GPT-2 ids of a run of one letter: %.1f bytes allocated per input byte (%v), want at most 30", got, err)
	}
	if len(ids) != 1<<18 {
		t.Errorf("%d ids, want %d", len(ids), 1<<18)
	}
	if got := allocPerByte(len(run), func() { e, err = gpt2.Encode(run) }); err != nil || got > 70 {
		t.Errorf("GPT-2 encoding of a run of one letter: %.1f bytes allocated per input byte (%v), want at most 70", got, err)
	}
	words := strings.Fields(string(readGz(t, "testdata/train/corpus.txt.gz")))
	line := strings.Join(words, " ")
	bert := BERTUncased()
	if got := allocPerByte(len(line), func() { e, err = bert.Encode(line) }); err != nil || got > 35 {
		t.Errorf("BERT encoding of a %d-byte line: %.1f bytes allocated per input byte (%v), want at most 35", len(line), got, err)
	}
	if e.IDs[0] != 101 || e.IDs[len(e.IDs)-1] != 102 {
		t.Errorf("the encoding lacks [CLS] ... [SEP]")
	}
}
