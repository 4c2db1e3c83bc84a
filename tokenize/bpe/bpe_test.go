package bpe

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/goformer/goformer/tokenize/pattern"
)

func TestShippedRanksAreTheTiktokenFiles(t *testing.T) {
	// sha256 of gpt-tokenizer 4.0.0's data/*.tiktoken (see ../data/README.md).
	want := map[string]string{
		"r50k_base":   "306cd27f03c1a714eca7108e03d66b7dc042abe8c258b44c199a7ed9838dd930",
		"cl100k_base": "223921b76ee99bde995b7ff738513eef100fb51d18c93597a113bcffe865b2a7",
		"o200k_base":  "446a9538cb6c348e3516120d7c08b09f57c36495e2acfffe59a5bf8b0cfb1a2d",
	}
	for name, sum := range want {
		var buf bytes.Buffer
		if err := model(t, name).WriteTiktoken(&buf); err != nil {
			t.Fatal(err)
		}
		got := sha256.Sum256(buf.Bytes())
		if hex.EncodeToString(got[:]) != sum {
			t.Errorf("%s written back as .tiktoken has sha256 %x, want %s", name, got, sum)
		}
		back, err := ReadTiktoken(&buf)
		if err != nil {
			t.Fatal(err)
		}
		if back.Len() != model(t, name).Len() {
			t.Errorf("%s: read back %d tokens", name, back.Len())
		}
	}
}

// pythonJSON writes a vocabulary as Python's json.dumps does (", " and ": "
// separators, non-ASCII escaped), the format of OpenAI's encoder.json.
func pythonJSON(m *Model) []byte {
	var b bytes.Buffer
	b.WriteByte('{')
	for id := range m.VocabSize() {
		tok, ok := m.IDToToken(id)
		if !ok {
			continue
		}
		if id > 0 {
			b.WriteString(", ")
		}
		b.WriteByte('"')
		for _, r := range tok {
			switch {
			case r == '"' || r == '\\':
				b.WriteByte('\\')
				b.WriteRune(r)
			case r < 0x20 || r >= 0x7f:
				fmt.Fprintf(&b, "\\u%04x", r)
			default:
				b.WriteRune(r)
			}
		}
		fmt.Fprintf(&b, "\": %d", id)
	}
	b.WriteString(", \"<|endoftext|>\": 50256}")
	return b.Bytes()
}

func gpt2Merges(t *testing.T) []byte {
	t.Helper()
	f, err := os.Open("testdata/gpt2-vocab.bpe.gz")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	zr, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	b, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGPT2VocabAndMergesEncodeLikeR50K(t *testing.T) {
	r50k := model(t, "r50k_base")
	encoder := pythonJSON(r50k)
	if sum := sha256.Sum256(encoder); hex.EncodeToString(sum[:]) != "196139668be63f3b5d6574427317ae82f612a97c5d1cdaf36ed2256dbf636783" {
		t.Fatalf("encoder.json rebuilt from r50k_base has sha256 %x, not that of OpenAI's file", sum)
	}
	merges := gpt2Merges(t)
	m, err := ReadVocabMerges(bytes.NewReader(encoder), bytes.NewReader(merges), Options{ByteLevel: true})
	if err != nil {
		t.Fatal(err)
	}
	if m.Ranked() || m.Options().IgnoreMerges {
		t.Fatal("vocab.json/merges.txt model should have Hugging Face semantics")
	}
	// Merge-by-merge BPE over GPT-2's merges gives tiktoken's ids.
	docs := loadTiktokenFixture(t)
	for _, d := range docs {
		raw, _ := base64.StdEncoding.DecodeString(d.B64)
		got := encodeText(m, pattern.GPT2, replaceInvalid(string(raw)))
		if !equal(got, d.R50K) {
			t.Fatalf("%s: %v, want %v", d.Name, got, d.R50K)
		}
	}
	// Writing the merges back reproduces vocab.bpe byte for byte.
	var buf bytes.Buffer
	if err := m.WriteMerges(&buf); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(buf.Bytes(), merges) {
		t.Error("WriteMerges does not reproduce vocab.bpe")
	}
}

func TestRankedMergesOfR50KAreGPT2sMerges(t *testing.T) {
	want, err := ReadMerges(bytes.NewReader(gpt2Merges(t)))
	if err != nil {
		t.Fatal(err)
	}
	got := model(t, "r50k_base").Merges()
	if len(got) != len(want) {
		t.Fatalf("%d merges, want %d", len(got), len(want))
	}
	bad := 0
	for i := range got {
		if got[i] != want[i] {
			bad++
		}
	}
	// The merges derived from ranks (as Hugging Face's tiktoken converter
	// derives them) are GPT-2's own.
	if bad > 0 {
		t.Errorf("%d of %d merges differ", bad, len(got))
	}
}

// toy builds a small character-level model:
// a b c d ab bc abc cd "##b" ...
func toy(t *testing.T, opts Options, extra ...string) *Model {
	t.Helper()
	vocab := map[string]int{}
	for _, s := range append([]string{"a", "b", "c", "d", "ab", "bc", "abc", "cd", "[UNK]"}, extra...) {
		vocab[s] = len(vocab)
	}
	merges := []Merge{{"a", "b"}, {"b", "c"}, {"ab", "c"}, {"c", "d"}}
	m, err := New(vocab, merges, opts)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func tokenStrings(m *Model, word string) string {
	var parts []string
	for _, tok := range m.AppendTokens(nil, word) {
		s, _ := m.IDToToken(tok.ID)
		parts = append(parts, fmt.Sprintf("%s[%d:%d]", s, tok.Start, tok.End))
	}
	return strings.Join(parts, " ")
}

func TestModelOptions(t *testing.T) {
	tests := []struct {
		name string
		opts Options
		word string
		want string
	}{
		{"merges by rank, leftmost first", Options{}, "abcd", "abc[0:3] d[3:4]"},
		{"a later merge waits for an earlier one", Options{}, "bcd", "bc[0:2] d[2:3]"},
		{"unknown characters are dropped without an unknown token, their neighbours still merge", Options{}, "axb", "ab[0:3]"},
		{"unknown characters become the unknown token", Options{UnkToken: "[UNK]"}, "axyb", "a[0:1] [UNK][1:2] [UNK][2:3] b[3:4]"},
		{"fused unknown characters become one token", Options{UnkToken: "[UNK]", FuseUnk: true}, "axyb", "a[0:1] [UNK][1:3] b[3:4]"},
		{"a multi-byte unknown character is one unknown token", Options{UnkToken: "[UNK]"}, "aé", "a[0:1] [UNK][1:3]"},
		{"empty word has no tokens", Options{}, "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tokenStrings(toy(t, tt.opts), tt.word); got != tt.want {
				t.Errorf("%q: %s, want %s", tt.word, got, tt.want)
			}
		})
	}
}

func TestByteFallbackSpellsUnknownCharactersAsBytes(t *testing.T) {
	var extra []string
	for b := 0; b < 256; b++ {
		extra = append(extra, fmt.Sprintf("<0x%02X>", b))
	}
	m := toy(t, Options{ByteFallback: true, UnkToken: "[UNK]"}, extra...)
	if got, want := tokenStrings(m, "aé"), "a[0:1] <0xC3>[1:3] <0xA9>[1:3]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestContinuingPrefixAndEndOfWordSuffix(t *testing.T) {
	vocab := map[string]int{"a": 0, "##b": 1, "##c</w>": 2, "c</w>": 3, "a##b": 4, "ab": 5, "##b##c</w>": 6, "b": 7}
	// Merging a and ##b makes "ab" (the prefix of the right part is
	// dropped), as in Hugging Face.
	m, err := New(vocab, []Merge{{"a", "##b"}}, Options{ContinuingSubwordPrefix: "##", EndOfWordSuffix: "</w>"})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := tokenStrings(m, "abc"), "ab[0:2] ##c</w>[2:3]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
	if got, want := tokenStrings(m, "c"), "c</w>[0:1]"; got != want {
		t.Errorf("got %s, want %s", got, want)
	}
}

func TestIgnoreMergesTakesWholeWordsFirst(t *testing.T) {
	vocab := map[string]int{"a": 0, "b": 1, "c": 2, "ab": 3, "abc": 4}
	plain, _ := New(vocab, []Merge{{"a", "b"}}, Options{})
	whole, _ := New(vocab, []Merge{{"a", "b"}}, Options{IgnoreMerges: true})
	if got := tokenStrings(plain, "abc"); got != "ab[0:2] c[2:3]" {
		t.Errorf("merges only: %s", got)
	}
	if got := tokenStrings(whole, "abc"); got != "abc[0:3]" {
		t.Errorf("ignore merges: %s", got)
	}
}

func TestNewRejectsInconsistentInput(t *testing.T) {
	tests := []struct {
		name   string
		vocab  map[string]int
		merges []Merge
		opts   Options
	}{
		{"merge of a token not in the vocabulary", map[string]int{"a": 0}, []Merge{{"a", "b"}}, Options{}},
		{"merge whose result is not in the vocabulary", map[string]int{"a": 0, "b": 1}, []Merge{{"a", "b"}}, Options{}},
		{"unknown token not in the vocabulary", map[string]int{"a": 0}, nil, Options{UnkToken: "<unk>"}},
		{"negative id", map[string]int{"a": -1}, nil, Options{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.vocab, tt.merges, tt.opts); err == nil {
				t.Error("no error")
			}
		})
	}
}

func TestReadersRejectCorruptFiles(t *testing.T) {
	good := base64.StdEncoding.EncodeToString([]byte("a"))
	var allBytes strings.Builder
	for b := 0; b < 256; b++ {
		fmt.Fprintf(&allBytes, "%s %d\n", base64.StdEncoding.EncodeToString([]byte{byte(b)}), b)
	}
	tests := []struct {
		name string
		read func() error
	}{
		{"tiktoken: empty file", func() error { _, err := ReadTiktoken(strings.NewReader("")); return err }},
		{"tiktoken: one field", func() error { _, err := ReadTiktoken(strings.NewReader(good + "\n")); return err }},
		{"tiktoken: bad base64", func() error { _, err := ReadTiktoken(strings.NewReader("!!!! 0\n")); return err }},
		{"tiktoken: bad rank", func() error { _, err := ReadTiktoken(strings.NewReader(good + " x\n")); return err }},
		{"tiktoken: negative rank", func() error { _, err := ReadTiktoken(strings.NewReader(good + " -1\n")); return err }},
		{"tiktoken: huge rank", func() error { _, err := ReadTiktoken(strings.NewReader(good + " 99999999999\n")); return err }},
		{"tiktoken: repeated rank", func() error {
			_, err := ReadTiktoken(strings.NewReader(allBytes.String() + good + " 3\n"))
			return err
		}},
		{"tiktoken: repeated token", func() error {
			_, err := ReadTiktoken(strings.NewReader(allBytes.String() + good + " 256\n"))
			return err
		}},
		{"tiktoken: a byte without a token", func() error { _, err := ReadTiktoken(strings.NewReader(good + " 0\n")); return err }},
		{"compact: not compact", func() error { _, err := ReadCompact(strings.NewReader("hello")); return err }},
		{"compact: truncated", func() error {
			var buf bytes.Buffer
			model(t, "r50k_base").WriteCompact(&buf)
			_, err := ReadCompact(bytes.NewReader(buf.Bytes()[:buf.Len()/2]))
			return err
		}},
		{"merges: one token on a line", func() error { _, err := ReadMerges(strings.NewReader("#version: 0.2\na\n")); return err }},
		{"merges: three tokens on a line", func() error { _, err := ReadMerges(strings.NewReader("a b c\n")); return err }},
		{"vocab.json: not an object", func() error { _, err := ReadVocab(strings.NewReader("[1,2]")); return err }},
		{"vocab.json: truncated", func() error { _, err := ReadVocab(strings.NewReader(`{"a": 1, "b"`)); return err }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.read()
			if err == nil {
				t.Fatal("no error")
			}
			if !errors.Is(err, ErrFormat) && !strings.Contains(err.Error(), "bpe") {
				t.Errorf("error %v does not say what failed", err)
			}
		})
	}
}

func TestHeapMergeAgreesWithScanMerge(t *testing.T) {
	m := model(t, "cl100k_base")
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []string{"a", "b", "e", "t", "h", " ", "1", "0", "é", "中", "😀", "\n", "!"}
	for i := 0; i < 2000; i++ {
		var sb strings.Builder
		for sb.Len() < 1+rng.IntN(smallWord) {
			sb.WriteString(alphabet[rng.IntN(len(alphabet))])
		}
		w := sb.String()
		if len(w) > smallWord {
			w = w[:smallWord]
		}
		ids := make([]int32, len(w))
		spans := make([]uint64, len(w))
		for k := 0; k < len(w); k++ {
			ids[k] = m.unitIDs[0][w[k]]
			spans[k] = span(k, k+1)
		}
		ids2 := append([]int32(nil), ids...)
		spans2 := append([]uint64(nil), spans...)
		n := m.mergeSmall(ids, spans)
		k, starts := m.mergeLong(ids2, spans2)
		if fmt.Sprint(ids[:n], spans[:n]) != fmt.Sprint(ids2[:k], spans2[:k]) {
			t.Fatalf("%q: scan %v %v, heap %v %v", w, ids[:n], spans[:n], ids2[:k], spans2[:k])
		}
		for i, st := range starts {
			if int(spans[i]>>32) != int(st) {
				t.Fatalf("%q: symbol %d starts at %d, its span is %x", w, i, st, spans[i])
			}
		}
	}
}

func TestLongRunsEncodeInLinearishTime(t *testing.T) {
	m := model(t, "cl100k_base")
	for _, s := range []string{strings.Repeat(" ", 200000), strings.Repeat("1", 200000), strings.Repeat("ab", 100000)} {
		ids := m.AppendIDs(nil, s)
		var b []byte
		for _, id := range ids {
			tb, _ := m.TokenBytes(id)
			b = append(b, tb...)
		}
		if string(b) != s {
			t.Fatalf("round trip of a %d-byte run failed", len(s))
		}
	}
}

func TestConcurrentEncodingIsSafe(t *testing.T) {
	m := model(t, "r50k_base")
	docs := loadTiktokenFixture(t)
	done := make(chan bool)
	for g := 0; g < 4; g++ {
		go func(g int) {
			for i := g; i < len(docs); i += 4 {
				raw, _ := base64.StdEncoding.DecodeString(docs[i].B64)
				got := encodeText(m, pattern.GPT2, replaceInvalid(string(raw)))
				if !equal(got, docs[i].R50K) {
					t.Errorf("%s differs under concurrency", docs[i].Name)
				}
			}
			done <- true
		}(g)
	}
	for range 4 {
		<-done
	}
}

func TestByteLevelAlphabet(t *testing.T) {
	a := ByteLevelAlphabet()
	if len(a) != 256 || a[' '] != 'Ġ' || a['\n'] != 'Ċ' || a['A'] != 'A' {
		t.Errorf("alphabet: ' '→%q '\\n'→%q", a[' '], a['\n'])
	}
	for b := 0; b < 256; b++ {
		s := ByteLevelEncode(string([]byte{byte(b)}))
		if utf8.RuneCountInString(s) != 1 {
			t.Fatalf("byte %d → %q", b, s)
		}
		back, ok := ByteLevelDecode(s)
		if !ok || back != string([]byte{byte(b)}) {
			t.Fatalf("byte %d does not round-trip", b)
		}
	}
	if _, ok := ByteLevelDecode("日本"); ok {
		t.Error("decoded runes outside the alphabet")
	}
}

func FuzzByteLevelRoundTrip(f *testing.F) {
	for _, s := range []string{"", "hello world", "\xff\xfe", "  \n\t 123 ", "😀 中文 'll", strconv.Quote("x")} {
		f.Add(s)
	}
	m := loadCompactModel(f, "r50k_base")
	f.Fuzz(func(t *testing.T, s string) {
		var got []byte
		for i := 0; i < len(s); {
			j := pattern.GPT2.Next(s, i)
			for _, tok := range m.AppendTokens(nil, s[i:j]) {
				b, _ := m.TokenBytes(tok.ID)
				if string(b) != s[i+tok.Start:i+tok.End] {
					t.Fatalf("token %d covers %q but is %q", tok.ID, s[i+tok.Start:i+tok.End], b)
				}
				got = append(got, b...)
			}
			i = j
		}
		if string(got) != s {
			t.Fatalf("round trip of %q gave %q", s, got)
		}
	})
}

func FuzzReadTiktoken(f *testing.F) {
	var seed strings.Builder
	for b := 0; b < 256; b++ {
		fmt.Fprintf(&seed, "%s %d\n", base64.StdEncoding.EncodeToString([]byte{byte(b)}), b)
	}
	f.Add(seed.String() + "YWI= 256\n")
	f.Add("")
	f.Add("YQ== 0\n\n")
	f.Fuzz(func(t *testing.T, s string) {
		m, err := ReadTiktoken(strings.NewReader(s))
		if err != nil {
			return
		}
		m.AppendIDs(nil, "a b\xffc")
	})
}

func FuzzReadCompact(f *testing.F) {
	var buf bytes.Buffer
	toyRanks, _ := NewRanked(func() []string {
		var t []string
		for b := 0; b < 256; b++ {
			t = append(t, string([]byte{byte(b)}))
		}
		return append(t, "ab", "abc")
	}())
	toyRanks.WriteCompact(&buf)
	f.Add(buf.Bytes())
	f.Add([]byte(compactMagic))
	f.Fuzz(func(t *testing.T, b []byte) {
		m, err := ReadCompact(bytes.NewReader(b))
		if err != nil {
			return
		}
		m.AppendIDs(nil, "abcabc")
	})
}

func FuzzReadVocabMerges(f *testing.F) {
	f.Add(`{"a":0,"b":1,"ab":2}`, "#version: 0.2\na b\n")
	f.Add(`{}`, "")
	f.Add(`{"a":0}`, "a a\n")
	f.Fuzz(func(t *testing.T, vocab, merges string) {
		for _, bl := range []bool{false, true} {
			m, err := ReadVocabMerges(strings.NewReader(vocab), strings.NewReader(merges), Options{ByteLevel: bl})
			if err != nil {
				continue
			}
			m.AppendTokens(nil, "ab ab\xff")
			m.Merges()
		}
	})
}

// scanMerge is the definition of BPE's merge order, written plainly: merge
// the pair of lowest rank, the leftmost among equals, until none is left.
// It takes quadratic time; the test oracle for mergeLong on long words.
func scanMerge(m *Model, ids []int32) []int32 {
	ids = append([]int32(nil), ids...)
	for {
		best, at := uint64(noMerge), -1
		for i := 0; i+1 < len(ids); i++ {
			if v := m.pairs.get(ids[i], ids[i+1]); v>>32 < best>>32 {
				best, at = v, i
			}
		}
		if at < 0 {
			return ids
		}
		ids[at] = int32(uint32(best))
		ids = append(ids[:at+1], ids[at+2:]...)
	}
}

func TestLongWordMergesFollowTheDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, enc := range []string{"r50k_base", "cl100k_base", "o200k_base"} {
		m := model(t, enc)
		for _, alphabet := range [][]string{
			{"a"}, {"a", "b"}, {"1", "2", "0"}, {" ", "\n"}, {"e", "t", "h", "a", "n", "d", "é", "中", "😀", "ab", "the", "ing"},
		} {
			for i := 0; i < 6; i++ {
				var sb strings.Builder
				for n := 65 + rng.IntN(1500); sb.Len() < n; {
					sb.WriteString(alphabet[rng.IntN(len(alphabet))])
				}
				w := sb.String()
				ids := make([]int32, len(w))
				m.byteSymbols(w, ids)
				want := scanMerge(m, ids)
				k, _ := m.mergeLong(ids, nil)
				if fmt.Sprint(ids[:k]) != fmt.Sprint(want) {
					t.Fatalf("%s %.40q (%d bytes): mergeLong %v\nwant %v", enc, w, len(w), ids[:k], want)
				}
			}
		}
	}
}
