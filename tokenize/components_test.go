package tokenize

import (
	"errors"
	"fmt"
	"regexp"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/goformer/goformer/tokenize/pattern"
)

// pieces runs a pre-tokenizer over text and returns the pieces with their
// original byte ranges, as "piece[start:end]".
func pieces(t *testing.T, norm Normalizer, pre PreTokenizer, text string) string {
	t.Helper()
	n := NewNormalized(text)
	if norm != nil {
		norm.Normalize(&n)
	}
	pt := PreTokenized{Pieces: []Piece{{Normalized: n}}}
	if pre != nil {
		pre.PreTokenize(&pt)
	}
	var out []string
	for _, p := range pt.Pieces {
		s, e := p.OriginalRange(0, p.Len())
		out = append(out, fmt.Sprintf("%s[%d:%d]", p.String(), s, e))
	}
	return strings.Join(out, " ")
}

func TestNormalizersKeepTheAlignment(t *testing.T) {
	tests := []struct {
		name string
		norm Normalizer
		in   string
		want string
	}{
		{"lowercase", Lowercase{}, "HeLLo", "hello[0:5]"},
		{"lowercase of dotted I expands", Lowercase{}, "İx", "i̇x[0:3]"},
		{"NFD splits accents from letters", NFD, "\u00e9", "e\u0301[0:2]"},
		{"NFC composes, aligning to the starter", NFC, "e\u0301", "\u00e9[0:1]"},
		{"NFKC expands ligatures", NFKC, "ﬁ", "fi[0:3]"},
		{"strip accents after NFD", NormalizerSequence{NFD, StripAccents{}}, "café", "cafe[0:5]"},
		{"strip both ends", Strip{Left: true, Right: true}, "  hi  ", "hi[2:4]"},
		{"replace a literal", Replace{Old: "  ", New: " "}, "a  b", "a b[0:4]"},
		{"replace a regexp", Replace{Regexp: regexp.MustCompile(`\d+`), New: "#"}, "a12b", "a#b[0:4]"},
		{"prepend", Prepend{Prefix: "▁"}, "hi", "▁hi[0:2]"},
		{"BERT cleans controls and spaces", NewBertNormalizer(true), "A\tB\x00C\u200b", "a bc[0:5]"},
		{"BERT spaces CJK ideographs", NewBertNormalizer(true), "中文", " 中  文 [0:6]"},
		{"BERT cased keeps accents", NewBertNormalizer(false), "Café", "Café[0:5]"},
		{"BERT uncased strips accents", NewBertNormalizer(true), "Café", "cafe[0:5]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pieces(t, tt.norm, nil, tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestPreTokenizersCutText(t *testing.T) {
	tests := []struct {
		name string
		pre  PreTokenizer
		in   string
		want string
	}{
		{"BERT splits punctuation and drops spaces", BertPreTokenizer{}, "Hey friend!  How?!", "Hey[0:3] friend[4:10] ![10:11] How[13:16] ?[16:17] ![17:18]"},
		{"whitespace keeps runs of word and other characters", Whitespace{}, "Hi, you--there", "Hi[0:2] ,[2:3] you[4:7] --[7:9] there[9:14]"},
		{"whitespace split", WhitespaceSplit{}, " a  b ", "a[1:2] b[4:5]"},
		{"digits one by one", Digits{Individual: true}, "a123", "a[0:1] 1[1:2] 2[2:3] 3[3:4]"},
		{"digits together", Digits{}, "a123b", "a[0:1] 123[1:4] b[4:5]"},
		{"punctuation isolated", Punctuation{Behavior: Isolated}, "a,b", "a[0:1] ,[1:2] b[2:3]"},
		{"punctuation merged with previous", Punctuation{Behavior: MergedWithPrevious}, "a,b", "a,[0:2] b[2:3]"},
		{"punctuation merged with next", Punctuation{Behavior: MergedWithNext}, "a,b", "a[0:1] ,b[1:3]"},
		{"punctuation contiguous", Punctuation{Behavior: Contiguous}, "a,,b", "a[0:1] ,,[1:3] b[3:4]"},
		{"char delimiter", CharDelimiterSplit{Delimiter: '|'}, "a|b||c", "a[0:1] b[2:3] c[5:6]"},
		{"metaspace", NewMetaspace(), "Hello world", "▁Hello[0:5] ▁world[5:11]"},
		{"metaspace never prepends", Metaspace{Replacement: '▁', Prepend: PrependNever, Split: true}, "a b", "a[0:1] ▁b[1:3]"},
		{"split on a literal, removed", Split{Literal: "--", Behavior: Removed}, "a--b", "a[0:1] b[3:4]"},
		{"split on a regexp, inverted", Split{Regexp: regexp.MustCompile(`\w+`), Behavior: Removed, Invert: true}, "ab, cd", "ab[0:2] cd[4:6]"},
		{"byte level with the GPT-2 pattern", ByteLevel{Pattern: pattern.GPT2}, "Hi there", "Hi[0:2]  there[2:8]"},
		{"byte level adds a prefix space", ByteLevel{AddPrefixSpace: true, Pattern: pattern.GPT2}, "Hi", " Hi[0:2]"},
		{"sequence", PreTokenizerSequence{WhitespaceSplit{}, Digits{Individual: true}}, "ab12 c", "ab[0:2] 1[2:3] 2[3:4] c[5:6]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := pieces(t, nil, tt.pre, tt.in); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
			// The range walk used by the encoder agrees with
			// PreTokenize.
			if rs := asRangeSplitter(tt.pre); rs != nil {
				var out []string
				rs.eachPiece(tt.in, func(s, e int) { out = append(out, fmt.Sprintf("%s[%d:%d]", tt.in[s:e], s, e)) })
				if got := strings.Join(out, " "); got != pieces(t, nil, tt.pre, tt.in) {
					t.Errorf("ranges %q differ from pieces", got)
				}
			}
		})
	}
}

func TestDecoders(t *testing.T) {
	tests := []struct {
		name string
		dec  Decoder
		in   []string
		want string
	}{
		{"byte level", ByteLevelDecoder{}, []string{"Hello", "Ġw", "Ã¶", "rld"}, "Hello wörld"},
		{"wordpiece cleans each token", WordPieceDecoder{Prefix: "##", Cleanup: true}, []string{"una", "##ffa", "##ble", "!", "don", "'", "t", "."}, "unaffable! don ' t."},
		{"metaspace", MetaspaceDecoder{Replacement: '▁', Split: true}, []string{"▁Hello", "▁world"}, "Hello world"},
		{"bpe suffix", BPEDecoder{Suffix: "</w>"}, []string{"hel", "lo</w>", "world</w>"}, "hello world"},
		{"byte fallback", ByteFallbackDecoder{}, []string{"a", "<0xC3>", "<0xA9>", "b", "<0xFF>"}, "aéb\uFFFD"},
		{"byte fallback of an invalid run", ByteFallbackDecoder{}, []string{"<0xC3>", "<0xA9>", "<0xFF>"}, "\uFFFD\uFFFD\uFFFD"},
		{"strip", StripDecoder{Content: '_', Start: 1, Stop: 1}, []string{"_a_", "__b"}, "a_b"},
		{"sequence", DecoderSequence{ReplaceDecoder{Old: "▁", New: " "}, ByteFallbackDecoder{}, FuseDecoder{}, StripDecoder{Content: ' ', Start: 1}}, []string{"▁hi", "<0x21>"}, "hi!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			parts, err := tt.dec.Decode(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if got := strings.Join(parts, ""); got != tt.want {
				t.Errorf("got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestAddedTokens(t *testing.T) {
	tok := BERTUncased()
	n := tok.AddTokens(AddedToken{Content: "goformer"}, AddedToken{Content: "<x>", Special: true, SingleWord: true}, AddedToken{Content: "hello"})
	if n != 3 {
		t.Errorf("added %d tokens, want 3 (one already in the vocabulary counts)", n)
	}
	gid, _ := tok.TokenToID("goformer")
	xid, _ := tok.TokenToID("<x>")
	hid, _ := tok.TokenToID("hello")
	if gid != 30522 || xid != 30523 || hid != 7592 {
		t.Errorf("ids %d %d %d", gid, xid, hid)
	}
	e, _ := tok.Encode("I love goformer <x> a<x>b")
	if strings.Join(e.Tokens, " ") != "[CLS] i love goformer <x> a < x > b [SEP]" {
		t.Errorf("tokens %q", e.Tokens)
	}
	s, _ := tok.Decode(e.IDs, true)
	if s != "i love goformer a < x > b" {
		t.Errorf("decode skipping specials: %q", s)
	}
	e, _ = tok.EncodeOrdinary("[CLS] hi")
	if strings.Join(e.Tokens, " ") != "[CLS] [ cl ##s ] hi [SEP]" {
		t.Errorf("EncodeOrdinary: %q", e.Tokens)
	}
}

func TestAddedTokensStripSpaces(t *testing.T) {
	tok := GPT2()
	tok.SpecialText = SpecialMatch // Hugging Face's behaviour
	tok.AddTokens(AddedToken{Content: "<mask>", LStrip: true, RStrip: true, Special: true})
	e, err := tok.Encode("a  <mask>  b")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.Tokens, "|") != "a|<mask>|b" {
		t.Errorf("tokens %q", e.Tokens)
	}
	if e.Offsets[1] != (Offset{1, 11}) {
		t.Errorf("mask offsets %v, want the spaces included", e.Offsets[1])
	}
}

func TestTruncationAndPaddingEdgeCases(t *testing.T) {
	tok := BERTUncased()
	tok.Truncation = &Truncation{MaxLength: 4, Stride: 3}
	if _, err := tok.Encode("one two three four five"); !errors.Is(err, ErrTruncation) {
		t.Errorf("stride larger than the room left: %v, want ErrTruncation", err)
	}
	tok.Truncation = &Truncation{MaxLength: 6, Strategy: OnlySecond}
	if _, err := tok.Encode("one two three four five six"); !errors.Is(err, ErrTruncation) {
		t.Errorf("only_second on a single sequence: %v, want ErrTruncation", err)
	}
	tok.Truncation = &Truncation{MaxLength: 5, Direction: Left}
	e, err := tok.Encode("one two three four five")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(e.Tokens, " ") != "[CLS] four five [SEP]" && strings.Join(e.Tokens, " ") != "[CLS] three four five [SEP]" {
		t.Errorf("left truncation kept %q", e.Tokens)
	}
	tok.Truncation = nil
	tok.Padding = &Padding{PadToMultipleOf: 8, Direction: Left, ID: 0, Token: "[PAD]"}
	e, _ = tok.Encode("hi")
	if len(e.IDs) != 8 || e.IDs[0] != 0 || e.AttentionMask[4] != 0 || e.AttentionMask[5] != 1 || e.WordIDs[0] != -1 {
		t.Errorf("left padding to a multiple of 8: %v %v", e.IDs, e.AttentionMask)
	}
	e, _ = tok.Encode("")
	if strings.Join(e.Tokens, " ") != "[PAD] [PAD] [PAD] [PAD] [PAD] [PAD] [CLS] [SEP]" {
		t.Errorf("empty text: %q", e.Tokens)
	}
}

func TestDecodeRejectsUnknownIDs(t *testing.T) {
	tok := GPT2()
	for _, ids := range [][]int{{-1}, {50257}, {1 << 40}} {
		if _, err := tok.Decode(ids, false); !errors.Is(err, ErrUnknownID) {
			t.Errorf("%v: %v, want ErrUnknownID", ids, err)
		}
	}
	if _, err := tok.DecodeBatch([][]int{{1}, {99999999}}, false); !errors.Is(err, ErrUnknownID) {
		t.Errorf("batch: %v", err)
	}
}

func TestBatchesMatchSingleEncodings(t *testing.T) {
	docs := loadTiktokenDocs(t)
	var texts []string
	for _, d := range docs[:300] {
		texts = append(texts, d.Name+" "+strings.Repeat(d.Name, 3))
	}
	for _, tok := range []*Tokenizer{CL100K(), BERTUncased()} {
		batch, err := tok.EncodeBatch(texts)
		if err != nil {
			t.Fatal(err)
		}
		ids, err := tok.EncodeIDsBatch(texts)
		if err != nil {
			t.Fatal(err)
		}
		for i, text := range texts {
			one, _ := tok.Encode(text)
			if !equalInts(one.IDs, batch[i].IDs) || !equalInts(one.IDs, ids[i]) {
				t.Fatalf("%q: batch %v, ids batch %v, single %v", text, batch[i].IDs, ids[i], one.IDs)
			}
		}
		dec, err := tok.DecodeBatch(ids, true)
		if err != nil || len(dec) != len(texts) {
			t.Fatal(err)
		}
	}
}

func TestConcurrentEncodeIsRaceFree(t *testing.T) {
	toks := []*Tokenizer{GPT2(), BERTUncased()}
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func(g int) {
			defer wg.Done()
			for i := 0; i < 50; i++ {
				tok := toks[(g+i)%2]
				text := fmt.Sprintf("goroutine %d line %d: naïve café, 中文 😀", g, i)
				e, err := tok.Encode(text)
				if err != nil {
					t.Error(err)
					return
				}
				ids, _ := tok.EncodeIDs(text)
				if !equalInts(ids, e.IDs) {
					t.Errorf("EncodeIDs and Encode differ for %q", text)
				}
			}
		}(g)
	}
	wg.Wait()
}

func TestNoModelIsAnError(t *testing.T) {
	var tok Tokenizer
	if _, err := tok.Encode("x"); !errors.Is(err, ErrNoModel) {
		t.Errorf("Encode: %v", err)
	}
	if _, err := tok.EncodeIDs("x"); !errors.Is(err, ErrNoModel) {
		t.Errorf("EncodeIDs: %v", err)
	}
}

func FuzzGPT2RoundTrip(f *testing.F) {
	for _, s := range []string{"", "Hello, world!", "\xff\xfe\xfd", "  \n\n\t x", "'s 'S 'ſ", "😀👍🏽", "<|endoftext|>", "1234567890"} {
		f.Add(s)
	}
	toks := []*Tokenizer{R50K(), CL100K(), O200K()}
	f.Fuzz(func(t *testing.T, s string) {
		for _, tok := range toks {
			ids, err := tok.AppendIDsWith(nil, s, EncodeOptions{SpecialText: SpecialAsText})
			if err != nil {
				t.Fatal(err)
			}
			back, err := tok.Decode(ids, false)
			if err != nil {
				t.Fatal(err)
			}
			if back != s {
				t.Fatalf("decode(encode(%q)) = %q", s, back)
			}
			e, err := tok.EncodeOrdinary(s)
			if err != nil {
				t.Fatal(err)
			}
			if !equalInts(e.IDs, ids) {
				t.Fatalf("EncodeOrdinary %v, AppendIDsWith %v", e.IDs, ids)
			}
			for _, o := range e.Offsets {
				if o.Start < 0 || o.End > len(s) || o.Start > o.End {
					t.Fatalf("offset %v outside %q", o, s)
				}
			}
		}
	})
}

func FuzzBERTEncode(f *testing.F) {
	for _, s := range []string{"", "Hello, world!", "\xff café 中文", "İ ǅ ﬁ ½ e\u0301", "[CLS] x [SEP]", strings.Repeat("a", 150)} {
		f.Add(s, "pair")
	}
	tok := BERTUncased()
	cased := BERTCased()
	f.Fuzz(func(t *testing.T, s, pair string) {
		for _, tk := range []*Tokenizer{tok, cased} {
			e, err := tk.EncodePair(s, pair)
			if err != nil {
				t.Fatal(err)
			}
			for i, o := range e.Offsets {
				text := s
				if e.SequenceIDs[i] == 1 {
					text = pair
				}
				if o.Start < 0 || o.End > len(text) || o.Start > o.End {
					t.Fatalf("offset %v outside %q", o, text)
				}
			}
			ro := e.RuneOffsets()
			if len(ro) != len(e.Offsets) {
				t.Fatal("rune offsets length")
			}
			one, _ := tk.Encode(s)
			ids, _ := tk.EncodeIDs(s)
			if !equalInts(one.IDs, ids) {
				t.Fatalf("Encode %v, EncodeIDs %v for %q", one.IDs, ids, s)
			}
			if _, err := tk.Decode(ids, true); err != nil {
				t.Fatal(err)
			}
		}
	})
}

func FuzzFromJSON(f *testing.F) {
	for _, name := range hfNames {
		f.Add(string(readGzF(f, "testdata/hf/"+name+".json.gz")))
	}
	f.Add(`{"model":{"type":"BPE","vocab":{"a":0},"merges":[]}}`)
	f.Add(`{"model":{"type":"Unigram","unk_id":0,"vocab":[["<unk>",0],["a",-1]]},"pre_tokenizer":{"type":"Metaspace"}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		tok, err := FromJSON([]byte(doc))
		if err != nil {
			return
		}
		for _, s := range []string{"Hello world", "héllo\xff 123", ""} {
			if e, err := tok.Encode(s); err == nil {
				tok.Decode(e.IDs, false)
			}
		}
		if _, err := tok.MarshalJSON(); err != nil && !errors.Is(err, ErrUnsupported) {
			t.Fatalf("MarshalJSON: %v", err)
		}
	})
}

func readGzF(f *testing.F, path string) []byte {
	b, err := readGzFile(path)
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func TestRuneOffsetsOfPartialCharacters(t *testing.T) {
	tok := GPT2()
	e, _ := tok.Encode("😀")
	for _, o := range e.RuneOffsets() {
		if o != (Offset{0, 1}) {
			t.Errorf("byte-level token inside an emoji has rune offsets %v, want the whole character", o)
		}
	}
	if utf8.RuneCountInString("😀") != 1 {
		t.Fatal()
	}
}

func FuzzPrecompiled(f *testing.F) {
	doc := readGzF(f, "testdata/hf/spm_unigram.json.gz")
	tok, err := FromJSON(doc)
	if err != nil {
		f.Fatal(err)
	}
	var charsmap []byte
	for _, x := range tok.Normalizer.(NormalizerSequence) {
		if p, ok := x.(*Precompiled); ok {
			charsmap = p.charsmap
		}
	}
	f.Add(charsmap, "Héllo ﬁnance ½ \u00a0 º\u0300 \x1f")
	f.Add([]byte{4, 0, 0, 0, 0, 0, 0, 0}, "abc")
	f.Fuzz(func(t *testing.T, cm []byte, text string) {
		p, err := newPrecompiled(cm)
		if err != nil {
			return
		}
		n := NewNormalized(text)
		p.Normalize(&n)
		for i := 0; i < n.Len(); i++ {
			s, e := n.OriginalRange(i, i+1)
			if s < 0 || e > len(text) || s > e {
				t.Fatalf("byte %d aligned to [%d, %d) of %d", i, s, e, len(text))
			}
		}
	})
}
