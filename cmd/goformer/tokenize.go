package main

import (
	"bufio"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/goformer/goformer/tokenize"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/tokenize/unigram"
)

func init() {
	register(command{
		name:    "tokenize",
		summary: "tokenizers: encode text to ids, decode ids, train BPE/WordPiece/Unigram",
		usage:   tokenizeUsage,
		subs: []subcommand{
			{name: "encode", run: tokenizeEncode},
			{name: "decode", run: tokenizeDecode},
			{name: "train", run: tokenizeTrain},
		},
	})
}

const tokenizeUsage = `usage: goformer tokenize <subcommand> [flags] [files]

subcommands:
  encode   text to ids (one line of ids per input line, or JSON with -json)
  decode   ids to text (one sequence per line: ids separated by spaces or
           commas, or a JSON array, or a JSON object with "ids")
  train    train a tokenizer on text files and write tokenizer.json

Tokenizers (-tokenizer): gpt2, r50k, cl100k, o200k, bert-uncased,
bert-cased (shipped), or a file: tokenizer.json, a SentencePiece .model, or
a tiktoken rank file (.tiktoken, with the pattern from -pattern).
Input is read from the files named, or stdin. Run
'goformer tokenize <subcommand> -h' for the flags.
`

// loadTokenizer resolves -tokenizer: a shipped name or a file.
func loadTokenizer(name, pat string) (*tokenize.Tokenizer, error) {
	switch strings.ToLower(name) {
	case "gpt2", "r50k", "r50k_base":
		return tokenize.GPT2(), nil
	case "cl100k", "cl100k_base":
		return tokenize.CL100K(), nil
	case "o200k", "o200k_base":
		return tokenize.O200K(), nil
	case "bert-uncased", "bert-base-uncased":
		return tokenize.BERTUncased(), nil
	case "bert-cased", "bert-base-cased":
		return tokenize.BERTCased(), nil
	}
	switch {
	case strings.HasSuffix(name, ".model"):
		return tokenize.FromSentencePieceFile(name)
	case strings.HasSuffix(name, ".tiktoken"):
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		m, err := bpe.ReadTiktoken(f)
		if err != nil {
			return nil, withPath("load", name, err)
		}
		p, ok := map[string]pattern.Pattern{"gpt2": pattern.GPT2, "cl100k": pattern.CL100K, "o200k": pattern.O200K}[pat]
		if !ok {
			return nil, usageErrorf("unknown -pattern %q (gpt2, cl100k or o200k)", pat)
		}
		return &tokenize.Tokenizer{PreTokenizer: tokenize.ByteLevel{Pattern: p}, Model: tokenize.BPE{Model: m},
			PostProcessor: tokenize.ByteLevelProcessing{TrimOffsets: true}, Decoder: tokenize.ByteLevelDecoder{}}, nil
	}
	if _, err := os.Stat(name); err != nil {
		return nil, fmt.Errorf("unknown tokenizer %q (not a shipped name, and %v)", name, err)
	}
	return tokenize.FromFile(name)
}

// openInputs returns a reader over the named files, or stdin.
func openInputs(files []string, stdin io.Reader) (io.Reader, func(), error) {
	if len(files) == 0 {
		return stdin, func() {}, nil
	}
	var rs []io.Reader
	var closers []io.Closer
	done := func() {
		for _, c := range closers {
			c.Close()
		}
	}
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			done()
			return nil, nil, err
		}
		closers = append(closers, f)
		var r io.Reader = f
		if strings.HasSuffix(name, ".gz") {
			zr, err := gzip.NewReader(f)
			if err != nil {
				done()
				return nil, nil, fmt.Errorf("%s: %w", name, err)
			}
			r = zr
		}
		rs = append(rs, r)
	}
	in := io.MultiReader(rs...)
	// The total size of plain files lets training show a percentage and
	// the time left.
	var size int64
	for i, name := range files {
		fi, err := closers[i].(*os.File).Stat()
		if err != nil || !fi.Mode().IsRegular() || strings.HasSuffix(name, ".gz") {
			return in, done, nil
		}
		size += fi.Size()
	}
	return sizedReader{in, size}, done, nil
}

// sizedReader is a reader that knows how many bytes it holds.
type sizedReader struct {
	io.Reader
	n int64
}

// Size returns the number of bytes the reader holds.
func (r sizedReader) Size() int64 { return r.n }

func tokenizeEncode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("tokenize encode", stderr)
	name := fs.String("tokenizer", "gpt2", "shipped tokenizer name or file (see 'goformer tokenize help')")
	pat := fs.String("pattern", "gpt2", "split pattern for a .tiktoken file: gpt2, cl100k or o200k")
	asJSON := fs.Bool("json", false, "write one JSON object per input (ids, tokens, offsets, masks)")
	whole := fs.Bool("whole", false, "encode the whole input as one text instead of line by line")
	pair := fs.String("pair", "", "second sequence to encode with every input (question/context pairs)")
	noSpecial := fs.Bool("no-special", false, "do not add the post-processor's special tokens ([CLS], [SEP])")
	ordinary := fs.Bool("ordinary", false, "treat special tokens in the text as plain text (tiktoken encode_ordinary)")
	allow := fs.String("allow-special", "", "comma-separated special tokens whose text becomes the special token, or 'all' (gpt2, r50k, cl100k and o200k refuse them by default, as tiktoken does)")
	maxLen := fs.Int("max-length", 0, "truncate to this many tokens (0: no truncation)")
	stride := fs.Int("stride", 0, "overlap of overflowing windows when truncating")
	padTo := fs.Int("pad", 0, "pad every encoding to this many tokens")
	count := fs.Bool("count", false, "print only the number of tokens of each input")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	for _, f := range []struct {
		name string
		v    int
	}{{"max-length", *maxLen}, {"stride", *stride}, {"pad", *padTo}} {
		if f.v < 0 {
			return usageErrorf("-%s %d is negative", f.name, f.v)
		}
	}
	if *stride > 0 && *maxLen == 0 {
		return usageErrorf("-stride %d needs -max-length", *stride)
	}
	tok, err := loadTokenizer(*name, *pat)
	if err != nil {
		return err
	}
	opts := tokenize.EncodeOptions{NoSpecialTokens: *noSpecial}
	switch {
	case *ordinary && *allow != "":
		return usageErrorf("-ordinary and -allow-special exclude each other")
	case *ordinary:
		opts.SpecialText = tokenize.SpecialAsText
	case *allow == "all":
		opts.SpecialText = tokenize.SpecialMatch
	case *allow != "":
		for _, s := range strings.Split(*allow, ",") {
			if s = strings.TrimSpace(s); s != "" {
				opts.AllowedSpecial = append(opts.AllowedSpecial, s)
			}
		}
	}
	if *maxLen > 0 {
		tok.Truncation = &tokenize.Truncation{MaxLength: *maxLen, Stride: *stride}
	}
	if *padTo > 0 {
		tok.Padding = &tokenize.Padding{Length: *padTo}
		if id, ok := tok.TokenToID("[PAD]"); ok {
			tok.Padding.ID, tok.Padding.Token = id, "[PAD]"
		}
	}
	in, done, err := openInputs(fs.Args(), stdin)
	if err != nil {
		return err
	}
	defer done()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	// Ids alone need no Encoding (offsets, masks): much less memory for
	// a long line.
	idsOnly := !*asJSON && *pair == "" && tok.Truncation == nil && tok.Padding == nil
	var ids []int
	encodeOne := func(text string) error {
		if idsOnly {
			var err error
			if ids, err = tok.AppendIDsWith(ids[:0], text, opts); err != nil {
				return err
			}
			if *count {
				fmt.Fprintln(w, len(ids))
			} else {
				writeIDs(w, ids)
			}
			return nil
		}
		var p *string
		if *pair != "" {
			p = pair
		}
		e, err := tok.EncodeWith(text, p, opts)
		if err != nil {
			return err
		}
		switch {
		case *count:
			fmt.Fprintln(w, len(e.IDs))
		case *asJSON:
			return writeEncodingJSON(w, e)
		default:
			writeIDs(w, e.IDs)
		}
		return nil
	}
	if *whole {
		b, err := io.ReadAll(in)
		if err != nil {
			return err
		}
		return encodeOne(string(b))
	}
	br := bufio.NewReaderSize(in, 1<<16)
	for {
		line, err := br.ReadString('\n')
		if len(line) > 0 {
			line = strings.TrimSuffix(strings.TrimSuffix(line, "\n"), "\r")
			if e := encodeOne(line); e != nil {
				return e
			}
		}
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
	}
}

func writeIDs(w io.Writer, ids []int) {
	b := make([]byte, 0, 6*len(ids)+1)
	for i, id := range ids {
		if i > 0 {
			b = append(b, ' ')
		}
		b = strconv.AppendInt(b, int64(id), 10)
	}
	b = append(b, '\n')
	w.Write(b)
}

// writeEncodingJSON writes e as one JSON object on one line: ids, tokens,
// type_ids, offsets, rune_offsets, attention_mask, special_tokens_mask,
// word_ids and, when truncation overflowed, overflowing (the same objects).
// It streams the values, so a long encoding costs no copy of itself.
func writeEncodingJSON(w io.Writer, e *tokenize.Encoding) error {
	bw := bufio.NewWriter(w)
	appendEncodingJSON(bw, e)
	bw.WriteByte('\n')
	return bw.Flush()
}

func appendEncodingJSON(w *bufio.Writer, e *tokenize.Encoding) {
	var b []byte
	ints := func(name string, v []int) {
		w.WriteString(name)
		w.WriteByte('[')
		for i, x := range v {
			b = b[:0]
			if i > 0 {
				b = append(b, ',')
			}
			w.Write(strconv.AppendInt(b, int64(x), 10))
		}
		w.WriteByte(']')
	}
	offsets := func(name string, v []tokenize.Offset) {
		w.WriteString(name)
		w.WriteByte('[')
		for i, o := range v {
			b = b[:0]
			if i > 0 {
				b = append(b, ',')
			}
			b = append(b, '[')
			b = strconv.AppendInt(b, int64(o.Start), 10)
			b = append(b, ',')
			b = strconv.AppendInt(b, int64(o.End), 10)
			w.Write(append(b, ']'))
		}
		w.WriteByte(']')
	}
	ints(`{"ids":`, e.IDs)
	w.WriteString(`,"tokens":[`)
	for i, t := range e.Tokens {
		if i > 0 {
			w.WriteByte(',')
		}
		w.Write(appendJSONString(b[:0], t))
	}
	w.WriteByte(']')
	ints(`,"type_ids":`, e.TypeIDs)
	offsets(`,"offsets":`, e.Offsets)
	offsets(`,"rune_offsets":`, e.RuneOffsets())
	ints(`,"attention_mask":`, e.AttentionMask)
	ints(`,"special_tokens_mask":`, e.SpecialTokensMask)
	ints(`,"word_ids":`, e.WordIDs)
	if len(e.Overflowing) > 0 {
		w.WriteString(`,"overflowing":[`)
		for i, o := range e.Overflowing {
			if i > 0 {
				w.WriteByte(',')
			}
			appendEncodingJSON(w, o)
		}
		w.WriteByte(']')
	}
	w.WriteByte('}')
}

// appendJSONString appends s as a JSON string, as encoding/json writes it
// without HTML escaping (invalid UTF-8 becomes U+FFFD).
func appendJSONString(b []byte, s string) []byte {
	const hex = "0123456789abcdef"
	b = append(b, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				b = append(b, '\\', c)
			case c == '\n':
				b = append(b, '\\', 'n')
			case c == '\r':
				b = append(b, '\\', 'r')
			case c == '\t':
				b = append(b, '\\', 't')
			case c < 0x20:
				b = append(b, '\\', 'u', '0', '0', hex[c>>4], hex[c&15])
			default:
				b = append(b, c)
			}
			i++
			continue
		}
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case r == utf8.RuneError && n == 1:
			b = append(b, "\\ufffd"...)
		case r == '\u2028' || r == '\u2029':
			b = append(b, '\\', 'u', '2', '0', '2', hex[r&15])
		default:
			b = append(b, s[i:i+n]...)
		}
		i += n
	}
	return append(b, '"')
}

// parseIDs reads one line of ids: numbers separated by spaces or commas, a
// JSON array, or a JSON object with an "ids" array.
func parseIDs(line string) ([]int, error) {
	line = strings.TrimSpace(line)
	if strings.HasPrefix(line, "{") {
		var o struct {
			IDs []int `json:"ids"`
		}
		if err := json.Unmarshal([]byte(line), &o); err != nil {
			return nil, fmt.Errorf("bad JSON: %w", err)
		}
		return o.IDs, nil
	}
	line = strings.Trim(line, "[]")
	var ids []int
	for _, f := range strings.FieldsFunc(line, func(r rune) bool { return r == ' ' || r == ',' || r == '\t' }) {
		v, err := strconv.Atoi(f)
		if err != nil {
			return nil, fmt.Errorf("bad id %q", f)
		}
		ids = append(ids, v)
	}
	return ids, nil
}

func tokenizeDecode(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("tokenize decode", stderr)
	name := fs.String("tokenizer", "gpt2", "shipped tokenizer name or file")
	pat := fs.String("pattern", "gpt2", "split pattern for a .tiktoken file")
	skip := fs.Bool("skip-special", false, "leave special tokens out")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	tok, err := loadTokenizer(*name, *pat)
	if err != nil {
		return err
	}
	in, done, err := openInputs(fs.Args(), stdin)
	if err != nil {
		return err
	}
	defer done()
	w := bufio.NewWriter(stdout)
	defer w.Flush()
	sc := bufio.NewScanner(in)
	sc.Buffer(make([]byte, 1<<16), 1<<28)
	n := 0
	for sc.Scan() {
		n++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		ids, err := parseIDs(sc.Text())
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		text, err := tok.Decode(ids, *skip)
		if err != nil {
			return fmt.Errorf("line %d: %w", n, err)
		}
		w.WriteString(text)
		w.WriteByte('\n')
	}
	return sc.Err()
}

func tokenizeTrain(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	fs := newFlagSet("tokenize train", stderr)
	model := fs.String("model", "bpe", "model to train: bpe (byte-level, GPT-2 style), wordpiece (BERT style) or unigram (SentencePiece style)")
	vocab := fs.Int("vocab-size", 30000, "vocabulary size, special tokens included")
	minFreq := fs.Int("min-frequency", 0, "smallest pair count that may be merged (bpe, wordpiece)")
	special := fs.String("special", "", "comma-separated special tokens (default: <|endoftext|> for bpe, [PAD],[UNK],[CLS],[SEP],[MASK] for wordpiece, <unk> for unigram)")
	lower := fs.Bool("lowercase", true, "wordpiece: lower-case and strip accents (uncased BERT)")
	pat := fs.String("pattern", "gpt2", "bpe: split pattern gpt2, cl100k or o200k")
	out := fs.String("o", "tokenizer.json", "output tokenizer.json")
	quiet := fs.Bool("quiet", false, "do not report progress on stderr")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if *vocab <= 0 {
		return usageErrorf("-vocab-size %d must be positive", *vocab)
	}
	if *minFreq < 0 {
		return usageErrorf("-min-frequency %d is negative", *minFreq)
	}
	var progress io.Writer = stderr
	if *quiet {
		progress = nil
	}
	var specials []string
	if *special != "" {
		for _, s := range strings.Split(*special, ",") {
			if s = strings.TrimSpace(s); s != "" {
				specials = append(specials, s)
			}
		}
	}
	in, done, err := openInputs(fs.Args(), stdin)
	if err != nil {
		return err
	}
	defer done()
	var tok *tokenize.Tokenizer
	switch *model {
	case "bpe":
		p, ok := map[string]pattern.Pattern{"gpt2": pattern.GPT2, "cl100k": pattern.CL100K, "o200k": pattern.O200K}[*pat]
		if !ok {
			return usageErrorf("unknown -pattern %q", *pat)
		}
		if specials == nil {
			specials = []string{"<|endoftext|>"}
		}
		tok = &tokenize.Tokenizer{PreTokenizer: tokenize.ByteLevel{Pattern: p},
			PostProcessor: tokenize.ByteLevelProcessing{TrimOffsets: true}, Decoder: tokenize.ByteLevelDecoder{}}
		cfg := bpe.TrainerConfig{VocabSize: *vocab, MinFrequency: *minFreq, SpecialTokens: specials,
			InitialAlphabet: bpe.ByteLevelAlphabet(), Progress: progress}
		if err := cfg.Validate(); err != nil {
			return badUsage(err, nil) // before reading the input
		}
		err = tok.TrainBPE(in, cfg)
	case "wordpiece":
		if specials == nil {
			specials = []string{"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"}
		}
		tok = &tokenize.Tokenizer{Normalizer: tokenize.NewBertNormalizer(*lower), PreTokenizer: tokenize.BertPreTokenizer{},
			Decoder: tokenize.WordPieceDecoder{Prefix: "##", Cleanup: true}}
		err = tok.TrainWordPiece(in, tokenize.WordPieceTrainerConfig{VocabSize: *vocab, MinFrequency: *minFreq,
			SpecialTokens: specials, Progress: progress})
		if err == nil {
			cls, okC := tok.TokenToID("[CLS]")
			sep, okS := tok.TokenToID("[SEP]")
			if okC && okS {
				tok.PostProcessor = tokenize.NewBertProcessing("[SEP]", sep, "[CLS]", cls)
			}
		}
	case "unigram":
		tok, err = trainUnigram(in, *vocab, specials, progress)
	default:
		return usageErrorf("unknown -model %q (bpe, wordpiece or unigram)", *model)
	}
	if errors.Is(err, bpe.ErrBadTrainerConfig) || errors.Is(err, unigram.ErrBadTrainerConfig) {
		// A vocabulary too small for the characters of the text.
		return badUsage(err, nil)
	}
	if err != nil {
		return err
	}
	if err := tok.Save(*out, true); err != nil {
		return err
	}
	fmt.Fprintf(stderr, "wrote %s: %s, %d tokens\n", *out, *model, tok.VocabSize())
	return nil
}

// trainUnigram trains a SentencePiece-style Unigram model (one sentence per
// input line, SentencePiece's default settings and nmt_nfkc normalization)
// and returns it as a tokenizer.json-ready pipeline.
func trainUnigram(in io.Reader, vocab int, specials []string, progress io.Writer) (*tokenize.Tokenizer, error) {
	cfg := unigram.DefaultTrainerConfig()
	cfg.Trainer.VocabSize = int32(vocab)
	cfg.Progress = progress
	if len(specials) > 0 {
		cfg.Trainer.UserDefinedSymbols = specials
	}
	m, err := unigram.Train(in, cfg)
	if err != nil {
		return nil, err
	}
	tok, err := tokenize.NewUnigramTokenizer(m)
	if err != nil {
		return nil, err
	}
	for _, s := range specials {
		if id, ok := tok.Model.TokenToID(s); ok {
			tok.AddTokens(tokenize.AddedToken{Content: s, ID: id, Special: true})
		}
	}
	return tok, nil
}
