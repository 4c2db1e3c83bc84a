package tokenize

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"regexp"
	"sort"
	"strconv"
	"unicode/utf8"

	"github.com/goformer/goformer/internal/atomicfile"
	"github.com/goformer/goformer/tokenize/bpe"
	"github.com/goformer/goformer/tokenize/pattern"
	"github.com/goformer/goformer/tokenize/wordpiece"
	"golang.org/x/text/unicode/norm"
)

// ErrUnsupported: a tokenizer.json uses a component or option that goformer
// does not implement.
var ErrUnsupported = errors.New("tokenize: unsupported tokenizer.json component")

// FromFile loads a Hugging Face tokenizer.json file.
func FromFile(path string) (*Tokenizer, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // "open PATH: ...": it names the file already
	}
	t, err := FromJSON(b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return t, nil
}

// Read loads a tokenizer.json from r.
func Read(r io.Reader) (*Tokenizer, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read tokenizer.json: %w", err)
	}
	return FromJSON(b)
}

type jsonTokenizer struct {
	Version       string          `json:"version"`
	Truncation    json.RawMessage `json:"truncation"`
	Padding       json.RawMessage `json:"padding"`
	AddedTokens   []jsonAdded     `json:"added_tokens"`
	Normalizer    json.RawMessage `json:"normalizer"`
	PreTokenizer  json.RawMessage `json:"pre_tokenizer"`
	PostProcessor json.RawMessage `json:"post_processor"`
	Decoder       json.RawMessage `json:"decoder"`
	Model         json.RawMessage `json:"model"`
}

type jsonAdded struct {
	ID         int    `json:"id"`
	Content    string `json:"content"`
	SingleWord bool   `json:"single_word"`
	LStrip     bool   `json:"lstrip"`
	RStrip     bool   `json:"rstrip"`
	Normalized bool   `json:"normalized"`
	Special    bool   `json:"special"`
}

func isNull(m json.RawMessage) bool {
	m = bytes.TrimSpace(m)
	return len(m) == 0 || string(m) == "null"
}

// FromJSON parses a Hugging Face tokenizer.json document.
func FromJSON(data []byte) (*Tokenizer, error) {
	var j jsonTokenizer
	if err := json.Unmarshal(data, &j); err != nil {
		return nil, fmt.Errorf("tokenizer.json: %w", err)
	}
	if isNull(j.Model) {
		return nil, errors.New("tokenizer.json: no model")
	}
	t := &Tokenizer{}
	var err error
	if !isNull(j.Normalizer) {
		if t.Normalizer, err = parseNormalizer(j.Normalizer); err != nil {
			return nil, fmt.Errorf("tokenizer.json normalizer: %w", err)
		}
	}
	byteLevel := false
	if !isNull(j.PreTokenizer) {
		if t.PreTokenizer, err = parsePreTokenizer(j.PreTokenizer); err != nil {
			return nil, fmt.Errorf("tokenizer.json pre_tokenizer: %w", err)
		}
		byteLevel = hasByteLevel(t.PreTokenizer)
	}
	if !byteLevel && !isNull(j.Decoder) && bytes.Contains(j.Decoder, []byte(`"ByteLevel"`)) {
		// A byte-level decoder without a byte-level pre-tokenizer still
		// means the vocabulary is written in the byte-level alphabet.
		byteLevel = true
	}
	if t.Model, err = parseModel(j.Model, byteLevel); err != nil {
		return nil, fmt.Errorf("tokenizer.json model: %w", err)
	}
	if !isNull(j.PostProcessor) {
		if t.PostProcessor, err = parsePostProcessor(j.PostProcessor); err != nil {
			return nil, fmt.Errorf("tokenizer.json post_processor: %w", err)
		}
	}
	if !isNull(j.Decoder) {
		if t.Decoder, err = parseDecoder(j.Decoder); err != nil {
			return nil, fmt.Errorf("tokenizer.json decoder: %w", err)
		}
	}
	if !isNull(j.Truncation) {
		var tr struct {
			Direction string `json:"direction"`
			MaxLength int    `json:"max_length"`
			Strategy  string `json:"strategy"`
			Stride    int    `json:"stride"`
		}
		if err := json.Unmarshal(j.Truncation, &tr); err != nil {
			return nil, fmt.Errorf("tokenizer.json truncation: %w", err)
		}
		if tr.MaxLength < 0 || tr.Stride < 0 {
			return nil, errors.New("tokenizer.json truncation: negative length or stride")
		}
		t.Truncation = &Truncation{MaxLength: tr.MaxLength, Stride: tr.Stride}
		switch tr.Strategy {
		case "LongestFirst", "longest_first", "":
		case "OnlyFirst", "only_first":
			t.Truncation.Strategy = OnlyFirst
		case "OnlySecond", "only_second":
			t.Truncation.Strategy = OnlySecond
		default:
			return nil, fmt.Errorf("tokenizer.json truncation: unknown strategy %q", tr.Strategy)
		}
		if tr.Direction == "Left" || tr.Direction == "left" {
			t.Truncation.Direction = Left
		}
	}
	if !isNull(j.Padding) {
		var p struct {
			Strategy        json.RawMessage `json:"strategy"`
			Direction       string          `json:"direction"`
			PadToMultipleOf *int            `json:"pad_to_multiple_of"`
			PadID           int             `json:"pad_id"`
			PadTypeID       int             `json:"pad_type_id"`
			PadToken        string          `json:"pad_token"`
		}
		if err := json.Unmarshal(j.Padding, &p); err != nil {
			return nil, fmt.Errorf("tokenizer.json padding: %w", err)
		}
		t.Padding = &Padding{ID: p.PadID, TypeID: p.PadTypeID, Token: p.PadToken}
		if p.PadToMultipleOf != nil {
			t.Padding.PadToMultipleOf = *p.PadToMultipleOf
		}
		if p.Direction == "Left" || p.Direction == "left" {
			t.Padding.Direction = Left
		}
		var fixed struct {
			Fixed int `json:"Fixed"`
		}
		if bytes.HasPrefix(bytes.TrimSpace(p.Strategy), []byte("{")) {
			if err := json.Unmarshal(p.Strategy, &fixed); err != nil {
				return nil, fmt.Errorf("tokenizer.json padding strategy: %w", err)
			}
			t.Padding.Length = fixed.Fixed
		}
	}
	for _, a := range j.AddedTokens {
		if a.ID < 0 || a.ID >= 1<<24 {
			return nil, fmt.Errorf("tokenizer.json: added token %q has id %d", a.Content, a.ID)
		}
		if i, ok := t.added.byID[a.ID]; ok && t.added.tokens[i].Content != a.Content {
			return nil, fmt.Errorf("tokenizer.json: added tokens %q and %q share id %d", t.added.tokens[i].Content, a.Content, a.ID)
		}
		if tok, ok := t.Model.IDToToken(a.ID); ok && tok != a.Content {
			return nil, fmt.Errorf("tokenizer.json: added token %q has id %d, the model's token %q", a.Content, a.ID, tok)
		}
		t.addToken(AddedToken{Content: a.Content, ID: a.ID, Special: a.Special, SingleWord: a.SingleWord,
			LStrip: a.LStrip, RStrip: a.RStrip, Normalized: a.Normalized}, true)
	}
	t.added.rebuild()
	if err := t.checkProcessorIDs(t.PostProcessor); err != nil {
		return nil, fmt.Errorf("tokenizer.json post_processor: %w", err)
	}
	if p := t.Padding; p != nil {
		if _, ok := t.idToToken(p.ID); !ok {
			return nil, fmt.Errorf("tokenizer.json padding: pad_id %d is not in the vocabulary of %d ids", p.ID, t.VocabSize())
		}
	}
	return t, nil
}

// checkProcessorIDs reports a special token of a post-processor whose id is
// not in the vocabulary (model or added tokens), which Decode would refuse.
func (t *Tokenizer) checkProcessorIDs(p PostProcessor) error {
	var tpl *Template
	switch x := p.(type) {
	case *Template:
		tpl = x
	case *RobertaProcessing:
		tpl = x.Template
	case PostProcessorSequence:
		for _, e := range x {
			if err := t.checkProcessorIDs(e); err != nil {
				return err
			}
		}
	}
	if tpl == nil {
		return nil
	}
	names := make([]string, 0, len(tpl.Specials))
	for n := range tpl.Specials {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		for _, id := range tpl.Specials[n].IDs {
			if _, ok := t.idToToken(id); !ok {
				return fmt.Errorf("special token %q has id %d, which is not in the vocabulary of %d ids", n, id, t.VocabSize())
			}
		}
	}
	return nil
}

// hasByteLevel reports whether a pre-tokenizer is or contains ByteLevel.
func hasByteLevel(p PreTokenizer) bool {
	switch x := p.(type) {
	case ByteLevel:
		return true
	case PreTokenizerSequence:
		for _, e := range x {
			if hasByteLevel(e) {
				return true
			}
		}
	}
	return false
}

type jsonPattern struct {
	String *string `json:"String"`
	Regex  *string `json:"Regex"`
}

type jsonStage struct {
	Type string `json:"type"`
	// normalizers
	CleanText           *bool             `json:"clean_text"`
	HandleChineseChars  *bool             `json:"handle_chinese_chars"`
	StripAccents        *bool             `json:"strip_accents"`
	Lowercase           *bool             `json:"lowercase"`
	StripLeft           *bool             `json:"strip_left"`
	StripRight          *bool             `json:"strip_right"`
	Pattern             *jsonPattern      `json:"pattern"`
	Content             json.RawMessage   `json:"content"`
	Prepend             *string           `json:"prepend"`
	Normalizers         []json.RawMessage `json:"normalizers"`
	PrecompiledCharsmap *string           `json:"precompiled_charsmap"`
	// pre-tokenizers
	AddPrefixSpace   *bool             `json:"add_prefix_space"`
	TrimOffsets      *bool             `json:"trim_offsets"`
	UseRegex         *bool             `json:"use_regex"`
	Behavior         string            `json:"behavior"`
	Invert           bool              `json:"invert"`
	IndividualDigits bool              `json:"individual_digits"`
	Delimiter        string            `json:"delimiter"`
	Replacement      string            `json:"replacement"`
	PrependScheme    string            `json:"prepend_scheme"`
	Split            *bool             `json:"split"`
	Pretokenizers    []json.RawMessage `json:"pretokenizers"`
	// post-processors
	Single        []map[string]json.RawMessage `json:"single"`
	Pair          []map[string]json.RawMessage `json:"pair"`
	SpecialTokens map[string]struct {
		ID     string   `json:"id"`
		IDs    []int    `json:"ids"`
		Tokens []string `json:"tokens"`
	} `json:"special_tokens"`
	Sep        []json.RawMessage `json:"sep"`
	Cls        []json.RawMessage `json:"cls"`
	Processors []json.RawMessage `json:"processors"`
	// decoders
	Prefix   string            `json:"prefix"`
	Cleanup  *bool             `json:"cleanup"`
	Suffix   string            `json:"suffix"`
	Start    int               `json:"start"`
	Stop     int               `json:"stop"`
	Decoders []json.RawMessage `json:"decoders"`
}

func parseStage(m json.RawMessage) (*jsonStage, error) {
	var s jsonStage
	if err := json.Unmarshal(m, &s); err != nil {
		return nil, err
	}
	if s.Type == "" {
		return nil, errors.New("component without a type")
	}
	return &s, nil
}

func boolOr(p *bool, def bool) bool {
	if p == nil {
		return def
	}
	return *p
}

// parseReplace reads the pattern (a literal or a regular expression, not a
// split pattern) and the replacement of a Replace normalizer or decoder.
func parseReplace(p *jsonPattern, rawContent json.RawMessage) (lit string, re *regexp.Regexp, content string, err error) {
	lit, pt, re, _, err := compilePattern(p)
	if err != nil {
		return "", nil, "", err
	}
	if pt != 0 {
		return "", nil, "", fmt.Errorf("%w: Replace with a split pattern", ErrUnsupported)
	}
	if err := json.Unmarshal(rawContent, &content); err != nil {
		return "", nil, "", fmt.Errorf("Replace content: %w", err)
	}
	return lit, re, content, nil
}

// compilePattern turns a tokenizer.json pattern into a literal, a
// hand-written split pattern or a Go regular expression.
func compilePattern(p *jsonPattern) (lit string, pat pattern.Pattern, re *regexp.Regexp, src string, err error) {
	switch {
	case p == nil:
		return "", 0, nil, "", errors.New("missing pattern")
	case p.String != nil:
		return *p.String, 0, nil, "", nil
	case p.Regex != nil:
		if pt, ok := pattern.Lookup(*p.Regex); ok {
			return "", pt, nil, *p.Regex, nil
		}
		re, err := regexp.Compile(*p.Regex)
		if err != nil {
			return "", 0, nil, "", fmt.Errorf("%w: regex %q is not supported by Go's regexp: %v", ErrUnsupported, *p.Regex, err)
		}
		return "", 0, re, *p.Regex, nil
	}
	return "", 0, nil, "", errors.New("empty pattern")
}

func parseNormalizer(m json.RawMessage) (Normalizer, error) {
	s, err := parseStage(m)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case "BertNormalizer":
		return BertNormalizer{CleanText: boolOr(s.CleanText, true), HandleChineseChars: boolOr(s.HandleChineseChars, true),
			StripAccents: s.StripAccents, Lowercase: boolOr(s.Lowercase, true)}, nil
	case "Lowercase":
		return Lowercase{}, nil
	case "NFC":
		return NFC, nil
	case "NFD":
		return NFD, nil
	case "NFKC":
		return NFKC, nil
	case "NFKD":
		return NFKD, nil
	case "StripAccents":
		return StripAccents{}, nil
	case "Strip":
		return Strip{Left: boolOr(s.StripLeft, true), Right: boolOr(s.StripRight, true)}, nil
	case "Prepend":
		if s.Prepend == nil {
			return nil, errors.New("Prepend without prepend")
		}
		return Prepend{Prefix: *s.Prepend}, nil
	case "Replace":
		lit, re, content, err := parseReplace(s.Pattern, s.Content)
		if err != nil {
			return nil, err
		}
		return Replace{Old: lit, Regexp: re, New: content}, nil
	case "Sequence":
		var seq NormalizerSequence
		for _, x := range s.Normalizers {
			n, err := parseNormalizer(x)
			if err != nil {
				return nil, err
			}
			seq = append(seq, n)
		}
		return seq, nil
	case "Precompiled":
		if s.PrecompiledCharsmap == nil {
			return nil, errors.New("Precompiled without precompiled_charsmap")
		}
		b, err := base64.StdEncoding.DecodeString(*s.PrecompiledCharsmap)
		if err != nil {
			return nil, fmt.Errorf("Precompiled charsmap: %w", err)
		}
		return newPrecompiled(b)
	}
	return nil, fmt.Errorf("%w: normalizer %q", ErrUnsupported, s.Type)
}

func parsePreTokenizer(m json.RawMessage) (PreTokenizer, error) {
	s, err := parseStage(m)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case "ByteLevel":
		bl := ByteLevel{AddPrefixSpace: boolOr(s.AddPrefixSpace, true)}
		if boolOr(s.UseRegex, true) {
			bl.Pattern = pattern.GPT2
		}
		return bl, nil
	case "BertPreTokenizer":
		return BertPreTokenizer{}, nil
	case "Whitespace":
		return Whitespace{}, nil
	case "WhitespaceSplit":
		return WhitespaceSplit{}, nil
	case "Punctuation":
		b := Isolated
		if s.Behavior != "" {
			if b, err = parseBehavior(s.Behavior); err != nil {
				return nil, err
			}
		}
		return Punctuation{Behavior: b}, nil
	case "Digits":
		return Digits{Individual: s.IndividualDigits}, nil
	case "CharDelimiterSplit":
		r, n := utf8.DecodeRuneInString(s.Delimiter)
		if n == 0 || n != len(s.Delimiter) {
			return nil, fmt.Errorf("CharDelimiterSplit delimiter %q is not one character", s.Delimiter)
		}
		return CharDelimiterSplit{Delimiter: r}, nil
	case "Metaspace":
		return parseMetaspace(s)
	case "Split":
		lit, pt, re, src, err := compilePattern(s.Pattern)
		if err != nil {
			return nil, err
		}
		b, err := parseBehavior(s.Behavior)
		if err != nil {
			return nil, err
		}
		return Split{Literal: lit, Pattern: pt, Regexp: re, Source: src, Behavior: b, Invert: s.Invert}, nil
	case "Sequence":
		var seq PreTokenizerSequence
		for _, x := range s.Pretokenizers {
			p, err := parsePreTokenizer(x)
			if err != nil {
				return nil, err
			}
			seq = append(seq, p)
		}
		return seq, nil
	}
	return nil, fmt.Errorf("%w: pre-tokenizer %q", ErrUnsupported, s.Type)
}

func parseMetaspace(s *jsonStage) (Metaspace, error) {
	m := Metaspace{Replacement: '▁', Split: boolOr(s.Split, true)}
	if s.Replacement != "" {
		r, n := utf8.DecodeRuneInString(s.Replacement)
		if n != len(s.Replacement) {
			return m, fmt.Errorf("Metaspace replacement %q is not one character", s.Replacement)
		}
		m.Replacement = r
	}
	switch s.PrependScheme {
	case "always", "":
		m.Prepend = PrependAlways
		if s.PrependScheme == "" && s.AddPrefixSpace != nil && !*s.AddPrefixSpace {
			m.Prepend = PrependNever
		}
	case "first":
		m.Prepend = PrependFirst
	case "never":
		m.Prepend = PrependNever
	default:
		return m, fmt.Errorf("Metaspace prepend_scheme %q", s.PrependScheme)
	}
	return m, nil
}

func parseSpecialPair(raw []json.RawMessage) (string, int, error) {
	if len(raw) != 2 {
		return "", 0, errors.New("want [token, id]")
	}
	var tok string
	var id int
	if err := json.Unmarshal(raw[0], &tok); err != nil {
		return "", 0, err
	}
	if err := json.Unmarshal(raw[1], &id); err != nil {
		return "", 0, err
	}
	return tok, id, nil
}

func parseTemplate(pieces []map[string]json.RawMessage) ([]TemplatePiece, error) {
	var out []TemplatePiece
	for _, p := range pieces {
		var v struct {
			ID     string `json:"id"`
			TypeID int    `json:"type_id"`
		}
		if raw, ok := p["Sequence"]; ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, err
			}
			if v.ID != "A" && v.ID != "B" {
				return nil, fmt.Errorf("template sequence %q", v.ID)
			}
			out = append(out, TemplatePiece{Sequence: v.ID, TypeID: v.TypeID})
		} else if raw, ok := p["SpecialToken"]; ok {
			if err := json.Unmarshal(raw, &v); err != nil {
				return nil, err
			}
			out = append(out, TemplatePiece{Special: v.ID, TypeID: v.TypeID})
		} else {
			return nil, errors.New("template piece is neither Sequence nor SpecialToken")
		}
	}
	return out, nil
}

func parsePostProcessor(m json.RawMessage) (PostProcessor, error) {
	s, err := parseStage(m)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case "TemplateProcessing":
		t := &Template{Specials: map[string]SpecialToken{}}
		if t.Single, err = parseTemplate(s.Single); err != nil {
			return nil, err
		}
		if t.Pair, err = parseTemplate(s.Pair); err != nil {
			return nil, err
		}
		for name, st := range s.SpecialTokens {
			t.Specials[name] = SpecialToken{Name: st.ID, IDs: st.IDs, Tokens: st.Tokens}
		}
		return t, t.validate()
	case "BertProcessing":
		sep, sepID, err := parseSpecialPair(s.Sep)
		if err != nil {
			return nil, fmt.Errorf("BertProcessing sep: %w", err)
		}
		cls, clsID, err := parseSpecialPair(s.Cls)
		if err != nil {
			return nil, fmt.Errorf("BertProcessing cls: %w", err)
		}
		return NewBertProcessing(sep, sepID, cls, clsID), nil
	case "RobertaProcessing":
		sep, sepID, err := parseSpecialPair(s.Sep)
		if err != nil {
			return nil, fmt.Errorf("RobertaProcessing sep: %w", err)
		}
		cls, clsID, err := parseSpecialPair(s.Cls)
		if err != nil {
			return nil, fmt.Errorf("RobertaProcessing cls: %w", err)
		}
		return NewRobertaProcessing(sep, sepID, cls, clsID, boolOr(s.TrimOffsets, true), boolOr(s.AddPrefixSpace, true)), nil
	case "ByteLevel":
		return ByteLevelProcessing{TrimOffsets: boolOr(s.TrimOffsets, true), AddPrefixSpace: boolOr(s.AddPrefixSpace, true)}, nil
	case "Sequence":
		var seq PostProcessorSequence
		for _, x := range s.Processors {
			p, err := parsePostProcessor(x)
			if err != nil {
				return nil, err
			}
			seq = append(seq, p)
		}
		return seq, nil
	}
	return nil, fmt.Errorf("%w: post-processor %q", ErrUnsupported, s.Type)
}

func parseDecoder(m json.RawMessage) (Decoder, error) {
	s, err := parseStage(m)
	if err != nil {
		return nil, err
	}
	switch s.Type {
	case "ByteLevel":
		return ByteLevelDecoder{}, nil
	case "WordPiece":
		p := s.Prefix
		if p == "" {
			p = "##"
		}
		return WordPieceDecoder{Prefix: p, Cleanup: boolOr(s.Cleanup, true)}, nil
	case "Metaspace":
		ms, err := parseMetaspace(s)
		if err != nil {
			return nil, err
		}
		return MetaspaceDecoder(ms), nil
	case "BPEDecoder":
		suf := s.Suffix
		if suf == "" {
			suf = "</w>"
		}
		return BPEDecoder{Suffix: suf}, nil
	case "ByteFallback":
		return ByteFallbackDecoder{}, nil
	case "Fuse":
		return FuseDecoder{}, nil
	case "Strip":
		var c string
		if err := json.Unmarshal(s.Content, &c); err != nil {
			return nil, fmt.Errorf("Strip content: %w", err)
		}
		r, n := utf8.DecodeRuneInString(c)
		if n != len(c) || n == 0 {
			return nil, fmt.Errorf("Strip content %q is not one character", c)
		}
		if s.Start < 0 || s.Stop < 0 {
			return nil, errors.New("Strip with negative counts")
		}
		return StripDecoder{Content: r, Start: s.Start, Stop: s.Stop}, nil
	case "Replace":
		lit, re, content, err := parseReplace(s.Pattern, s.Content)
		if err != nil {
			return nil, err
		}
		return ReplaceDecoder{Old: lit, Regexp: re, New: content}, nil
	case "Sequence":
		var seq DecoderSequence
		for _, x := range s.Decoders {
			d, err := parseDecoder(x)
			if err != nil {
				return nil, err
			}
			seq = append(seq, d)
		}
		return seq, nil
	}
	return nil, fmt.Errorf("%w: decoder %q", ErrUnsupported, s.Type)
}

type jsonModel struct {
	Type                    string          `json:"type"`
	Dropout                 *float64        `json:"dropout"`
	UnkToken                *string         `json:"unk_token"`
	ContinuingSubwordPrefix *string         `json:"continuing_subword_prefix"`
	EndOfWordSuffix         *string         `json:"end_of_word_suffix"`
	FuseUnk                 bool            `json:"fuse_unk"`
	ByteFallback            bool            `json:"byte_fallback"`
	IgnoreMerges            bool            `json:"ignore_merges"`
	Vocab                   json.RawMessage `json:"vocab"`
	Merges                  json.RawMessage `json:"merges"`
	MaxInputCharsPerWord    *int            `json:"max_input_chars_per_word"`
	UnkID                   *int            `json:"unk_id"`
}

func parseModel(m json.RawMessage, byteLevel bool) (Model, error) {
	var j jsonModel
	if err := json.Unmarshal(m, &j); err != nil {
		return nil, err
	}
	if j.Type == "" {
		// Old files omit the type; guess from the fields.
		switch {
		case len(j.Merges) > 0:
			j.Type = "BPE"
		case j.MaxInputCharsPerWord != nil:
			j.Type = "WordPiece"
		case bytes.HasPrefix(bytes.TrimSpace(j.Vocab), []byte("[")):
			j.Type = "Unigram"
		default:
			j.Type = "WordLevel"
		}
	}
	switch j.Type {
	case "BPE":
		var vocab map[string]int
		if err := json.Unmarshal(j.Vocab, &vocab); err != nil {
			return nil, fmt.Errorf("BPE vocab: %w", err)
		}
		merges, err := parseMerges(j.Merges)
		if err != nil {
			return nil, err
		}
		if j.Dropout != nil && *j.Dropout > 0 {
			return nil, fmt.Errorf("%w: BPE dropout (training-time regularisation) is not applied at inference", ErrUnsupported)
		}
		opts := bpe.Options{ByteLevel: byteLevel, FuseUnk: j.FuseUnk, ByteFallback: j.ByteFallback, IgnoreMerges: j.IgnoreMerges}
		if j.UnkToken != nil {
			opts.UnkToken = *j.UnkToken
		}
		if j.ContinuingSubwordPrefix != nil {
			opts.ContinuingSubwordPrefix = *j.ContinuingSubwordPrefix
		}
		if j.EndOfWordSuffix != nil {
			opts.EndOfWordSuffix = *j.EndOfWordSuffix
		}
		bm, err := bpe.New(vocab, merges, opts)
		if err != nil {
			return nil, err
		}
		return BPE{bm}, nil
	case "WordPiece":
		var vocab map[string]int
		if err := json.Unmarshal(j.Vocab, &vocab); err != nil {
			return nil, fmt.Errorf("WordPiece vocab: %w", err)
		}
		opts := wordpiece.Options{}
		if j.UnkToken != nil {
			opts.UnkToken = *j.UnkToken
		}
		if j.ContinuingSubwordPrefix != nil {
			opts.ContinuingSubwordPrefix = *j.ContinuingSubwordPrefix
		}
		if j.MaxInputCharsPerWord != nil {
			if *j.MaxInputCharsPerWord <= 0 {
				return nil, errors.New("WordPiece max_input_chars_per_word must be positive")
			}
			opts.MaxInputCharsPerWord = *j.MaxInputCharsPerWord
		}
		wm, err := wordpiece.New(vocab, opts)
		if err != nil {
			return nil, err
		}
		return WordPiece{wm}, nil
	case "WordLevel":
		var vocab map[string]int
		if err := json.Unmarshal(j.Vocab, &vocab); err != nil {
			return nil, fmt.Errorf("WordLevel vocab: %w", err)
		}
		unk := ""
		if j.UnkToken != nil {
			unk = *j.UnkToken
		}
		return NewWordLevel(vocab, unk)
	case "Unigram":
		var raw [][2]json.RawMessage
		if err := json.Unmarshal(j.Vocab, &raw); err != nil {
			return nil, fmt.Errorf("Unigram vocab: %w", err)
		}
		pieces := make([]UnigramPiece, len(raw))
		for i, r := range raw {
			if err := json.Unmarshal(r[0], &pieces[i].Piece); err != nil {
				return nil, fmt.Errorf("Unigram vocab entry %d: %w", i, err)
			}
			if err := json.Unmarshal(r[1], &pieces[i].Score); err != nil {
				return nil, fmt.Errorf("Unigram vocab entry %d: %w", i, err)
			}
		}
		unk := -1
		if j.UnkID != nil {
			unk = *j.UnkID
		}
		return NewUnigram(pieces, unk, j.ByteFallback)
	}
	return nil, fmt.Errorf("%w: model %q", ErrUnsupported, j.Type)
}

// parseMerges reads merges written as ["a b", ...] or [["a", "b"], ...].
func parseMerges(raw json.RawMessage) ([]bpe.Merge, error) {
	if isNull(raw) {
		return nil, nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		return nil, fmt.Errorf("BPE merges: %w", err)
	}
	out := make([]bpe.Merge, len(items))
	for i, it := range items {
		var s string
		if err := json.Unmarshal(it, &s); err == nil {
			a, b, ok := cutSpace(s)
			if !ok {
				return nil, fmt.Errorf("BPE merge %d %q is not \"A B\"", i, s)
			}
			out[i] = bpe.Merge{A: a, B: b}
			continue
		}
		var p []string
		if err := json.Unmarshal(it, &p); err != nil || len(p) != 2 {
			return nil, fmt.Errorf("BPE merge %d is neither \"A B\" nor [A, B]", i)
		}
		out[i] = bpe.Merge{A: p[0], B: p[1]}
	}
	return out, nil
}

func cutSpace(s string) (string, string, bool) {
	for i := 0; i < len(s); i++ {
		if s[i] == ' ' {
			a, b := s[:i], s[i+1:]
			if a == "" || b == "" {
				return "", "", false
			}
			for j := 0; j < len(b); j++ {
				if b[j] == ' ' {
					return "", "", false
				}
			}
			return a, b, true
		}
	}
	return "", "", false
}

// ---- writing ----

// obj builds a JSON object with keys in the given order.
type obj []kv

type kv struct {
	k string
	v any
}

func (o obj) MarshalJSON() ([]byte, error) {
	var b bytes.Buffer
	b.WriteByte('{')
	for i, e := range o {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalNoEscape(e.k)
		b.Write(k)
		b.WriteByte(':')
		v, err := marshalNoEscape(e.v)
		if err != nil {
			return nil, err
		}
		b.Write(v)
	}
	b.WriteByte('}')
	return b.Bytes(), nil
}

// marshalNoEscape marshals without HTML escaping, as serde_json writes.
func marshalNoEscape(v any) ([]byte, error) {
	if r, ok := v.(json.RawMessage); ok {
		return r, nil
	}
	var b bytes.Buffer
	enc := json.NewEncoder(&b)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimRight(b.Bytes(), "\n"), nil
}

// orderedVocab writes a vocabulary object ordered by id.
func orderedVocab(v map[string]int) json.RawMessage {
	type e struct {
		tok string
		id  int
	}
	es := make([]e, 0, len(v))
	for t, id := range v {
		es = append(es, e{t, id})
	}
	sort.Slice(es, func(i, j int) bool {
		if es[i].id != es[j].id {
			return es[i].id < es[j].id
		}
		return es[i].tok < es[j].tok
	})
	var b bytes.Buffer
	b.WriteByte('{')
	for i, x := range es {
		if i > 0 {
			b.WriteByte(',')
		}
		k, _ := marshalNoEscape(x.tok)
		b.Write(k)
		b.WriteByte(':')
		b.WriteString(strconv.Itoa(x.id))
	}
	b.WriteByte('}')
	return b.Bytes()
}

func nullable(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// MarshalJSON writes the tokenizer in Hugging Face's tokenizer.json format.
func (t *Tokenizer) MarshalJSON() ([]byte, error) {
	model, err := modelJSON(t.Model)
	if err != nil {
		return nil, err
	}
	var added []any
	for _, a := range t.added.tokens {
		added = append(added, obj{{"id", a.ID}, {"content", a.Content}, {"single_word", a.SingleWord},
			{"lstrip", a.LStrip}, {"rstrip", a.RStrip}, {"normalized", a.Normalized}, {"special", a.Special}})
	}
	if added == nil {
		added = []any{}
	}
	var trunc, pad any
	if tr := t.Truncation; tr != nil {
		trunc = obj{{"direction", dirName(tr.Direction)}, {"max_length", tr.MaxLength},
			{"strategy", [...]string{"LongestFirst", "OnlyFirst", "OnlySecond"}[tr.Strategy]}, {"stride", tr.Stride}}
	}
	if p := t.Padding; p != nil {
		var strategy any = "BatchLongest"
		if p.Length > 0 {
			strategy = obj{{"Fixed", p.Length}}
		}
		var mult any
		if p.PadToMultipleOf > 0 {
			mult = p.PadToMultipleOf
		}
		pad = obj{{"strategy", strategy}, {"direction", dirName(p.Direction)}, {"pad_to_multiple_of", mult},
			{"pad_id", p.ID}, {"pad_type_id", p.TypeID}, {"pad_token", p.Token}}
	}
	norm, err := normalizerJSON(t.Normalizer)
	if err != nil {
		return nil, err
	}
	pre, err := preTokenizerJSON(t.PreTokenizer)
	if err != nil {
		return nil, err
	}
	post, err := postProcessorJSON(t.PostProcessor)
	if err != nil {
		return nil, err
	}
	dec, err := decoderJSON(t.Decoder)
	if err != nil {
		return nil, err
	}
	return obj{{"version", "1.0"}, {"truncation", trunc}, {"padding", pad}, {"added_tokens", added},
		{"normalizer", norm}, {"pre_tokenizer", pre}, {"post_processor", post}, {"decoder", dec},
		{"model", model}}.MarshalJSON()
}

func dirName(d Direction) string {
	if d == Left {
		return "Left"
	}
	return "Right"
}

// Save writes the tokenizer as tokenizer.json, atomically (a temporary
// file renamed into place). With pretty, the JSON is indented.
func (t *Tokenizer) Save(path string, pretty bool) error {
	b, err := t.MarshalJSON()
	if err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	if pretty {
		var out bytes.Buffer
		if err := json.Indent(&out, b, "", "  "); err != nil {
			return fmt.Errorf("save %s: %w", path, err)
		}
		b = out.Bytes()
	}
	return writeFileAtomic(path, b)
}

func writeFileAtomic(path string, b []byte) error {
	if err := atomicfile.WriteFile(path, b); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

func patternJSON(lit string, re *regexp.Regexp, src string) any {
	if re != nil {
		return obj{{"Regex", re.String()}}
	}
	if src != "" {
		return obj{{"Regex", src}}
	}
	return obj{{"String", lit}}
}

func normalizerJSON(n Normalizer) (any, error) {
	switch x := n.(type) {
	case nil:
		return nil, nil
	case BertNormalizer:
		var sa any
		if x.StripAccents != nil {
			sa = *x.StripAccents
		}
		return obj{{"type", "BertNormalizer"}, {"clean_text", x.CleanText}, {"handle_chinese_chars", x.HandleChineseChars},
			{"strip_accents", sa}, {"lowercase", x.Lowercase}}, nil
	case Lowercase:
		return obj{{"type", "Lowercase"}}, nil
	case UnicodeNormalizer:
		name := map[norm.Form]string{norm.NFC: "NFC", norm.NFD: "NFD", norm.NFKC: "NFKC", norm.NFKD: "NFKD"}[x.Form]
		return obj{{"type", name}}, nil
	case StripAccents:
		return obj{{"type", "StripAccents"}}, nil
	case Strip:
		return obj{{"type", "Strip"}, {"strip_left", x.Left}, {"strip_right", x.Right}}, nil
	case Prepend:
		return obj{{"type", "Prepend"}, {"prepend", x.Prefix}}, nil
	case Replace:
		return obj{{"type", "Replace"}, {"pattern", patternJSON(x.Old, x.Regexp, "")}, {"content", x.New}}, nil
	case NormalizerSequence:
		var list []any
		for _, e := range x {
			j, err := normalizerJSON(e)
			if err != nil {
				return nil, err
			}
			list = append(list, j)
		}
		return obj{{"type", "Sequence"}, {"normalizers", list}}, nil
	case *Precompiled:
		return obj{{"type", "Precompiled"}, {"precompiled_charsmap", base64.StdEncoding.EncodeToString(x.charsmap)}}, nil
	}
	return nil, fmt.Errorf("%w: cannot write normalizer %T", ErrUnsupported, n)
}

func behaviorJSON(b SplitBehavior) string { return b.String() }

func preTokenizerJSON(p PreTokenizer) (any, error) {
	switch x := p.(type) {
	case nil:
		return nil, nil
	case ByteLevel:
		switch x.Pattern {
		case 0, pattern.GPT2:
			return obj{{"type", "ByteLevel"}, {"add_prefix_space", x.AddPrefixSpace}, {"trim_offsets", true},
				{"use_regex", x.Pattern == pattern.GPT2}}, nil
		}
		// cl100k and o200k: Hugging Face writes them as a Split on the
		// pattern followed by a ByteLevel without its own regex.
		return obj{{"type", "Sequence"}, {"pretokenizers", []any{
			obj{{"type", "Split"}, {"pattern", obj{{"Regex", x.Pattern.Regex()}}}, {"behavior", "Isolated"}, {"invert", false}},
			obj{{"type", "ByteLevel"}, {"add_prefix_space", x.AddPrefixSpace}, {"trim_offsets", true}, {"use_regex", false}},
		}}}, nil
	case BertPreTokenizer:
		return obj{{"type", "BertPreTokenizer"}}, nil
	case Whitespace:
		return obj{{"type", "Whitespace"}}, nil
	case WhitespaceSplit:
		return obj{{"type", "WhitespaceSplit"}}, nil
	case Punctuation:
		return obj{{"type", "Punctuation"}, {"behavior", behaviorJSON(x.Behavior)}}, nil
	case Digits:
		return obj{{"type", "Digits"}, {"individual_digits", x.Individual}}, nil
	case CharDelimiterSplit:
		return obj{{"type", "CharDelimiterSplit"}, {"delimiter", string(x.Delimiter)}}, nil
	case Metaspace:
		return obj{{"type", "Metaspace"}, {"replacement", string(x.Replacement)}, {"prepend_scheme", prependNames[x.Prepend]}, {"split", x.Split}}, nil
	case Split:
		src := x.Source
		if x.Pattern != 0 && src == "" {
			src = x.Pattern.Regex()
		}
		return obj{{"type", "Split"}, {"pattern", patternJSON(x.Literal, x.Regexp, src)}, {"behavior", behaviorJSON(x.Behavior)}, {"invert", x.Invert}}, nil
	case PreTokenizerSequence:
		var list []any
		for _, e := range x {
			j, err := preTokenizerJSON(e)
			if err != nil {
				return nil, err
			}
			list = append(list, j)
		}
		return obj{{"type", "Sequence"}, {"pretokenizers", list}}, nil
	}
	return nil, fmt.Errorf("%w: cannot write pre-tokenizer %T", ErrUnsupported, p)
}

func templateJSON(ps []TemplatePiece) []any {
	out := []any{}
	for _, p := range ps {
		if p.Special != "" {
			out = append(out, obj{{"SpecialToken", obj{{"id", p.Special}, {"type_id", p.TypeID}}}})
		} else {
			out = append(out, obj{{"Sequence", obj{{"id", p.Sequence}, {"type_id", p.TypeID}}}})
		}
	}
	return out
}

func postProcessorJSON(p PostProcessor) (any, error) {
	switch x := p.(type) {
	case nil:
		return nil, nil
	case *Template:
		names := make([]string, 0, len(x.Specials))
		for n := range x.Specials {
			names = append(names, n)
		}
		sort.Strings(names)
		var sp obj
		for _, n := range names {
			s := x.Specials[n]
			sp = append(sp, kv{n, obj{{"id", s.Name}, {"ids", s.IDs}, {"tokens", s.Tokens}}})
		}
		if sp == nil {
			sp = obj{}
		}
		return obj{{"type", "TemplateProcessing"}, {"single", templateJSON(x.Single)}, {"pair", templateJSON(x.Pair)}, {"special_tokens", sp}}, nil
	case *RobertaProcessing:
		sep, cls := x.Template.Pair[len(x.Template.Pair)-1].Special, x.Template.Pair[0].Special
		return obj{{"type", "RobertaProcessing"}, {"sep", []any{sep, x.Template.Specials[sep].IDs[0]}},
			{"cls", []any{cls, x.Template.Specials[cls].IDs[0]}}, {"trim_offsets", x.TrimOffsets}, {"add_prefix_space", x.AddPrefixSpace}}, nil
	case ByteLevelProcessing:
		return obj{{"type", "ByteLevel"}, {"add_prefix_space", x.AddPrefixSpace}, {"trim_offsets", x.TrimOffsets}, {"use_regex", true}}, nil
	case PostProcessorSequence:
		var list []any
		for _, e := range x {
			j, err := postProcessorJSON(e)
			if err != nil {
				return nil, err
			}
			list = append(list, j)
		}
		return obj{{"type", "Sequence"}, {"processors", list}}, nil
	}
	return nil, fmt.Errorf("%w: cannot write post-processor %T", ErrUnsupported, p)
}

func decoderJSON(d Decoder) (any, error) {
	switch x := d.(type) {
	case nil:
		return nil, nil
	case ByteLevelDecoder:
		return obj{{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}}, nil
	case WordPieceDecoder:
		return obj{{"type", "WordPiece"}, {"prefix", x.Prefix}, {"cleanup", x.Cleanup}}, nil
	case MetaspaceDecoder:
		return obj{{"type", "Metaspace"}, {"replacement", string(x.Replacement)}, {"prepend_scheme", prependNames[x.Prepend]}, {"split", x.Split}}, nil
	case BPEDecoder:
		return obj{{"type", "BPEDecoder"}, {"suffix", x.Suffix}}, nil
	case ByteFallbackDecoder:
		return obj{{"type", "ByteFallback"}}, nil
	case FuseDecoder:
		return obj{{"type", "Fuse"}}, nil
	case StripDecoder:
		return obj{{"type", "Strip"}, {"content", string(x.Content)}, {"start", x.Start}, {"stop", x.Stop}}, nil
	case ReplaceDecoder:
		return obj{{"type", "Replace"}, {"pattern", patternJSON(x.Old, x.Regexp, "")}, {"content", x.New}}, nil
	case DecoderSequence:
		var list []any
		for _, e := range x {
			j, err := decoderJSON(e)
			if err != nil {
				return nil, err
			}
			list = append(list, j)
		}
		return obj{{"type", "Sequence"}, {"decoders", list}}, nil
	}
	return nil, fmt.Errorf("%w: cannot write decoder %T", ErrUnsupported, d)
}

func modelJSON(m Model) (any, error) {
	switch x := m.(type) {
	case BPE:
		o := x.Options()
		merges := [][2]string{}
		for _, mg := range x.Merges() {
			merges = append(merges, [2]string{mg.A, mg.B})
		}
		return obj{{"type", "BPE"}, {"dropout", nil}, {"unk_token", nullable(o.UnkToken)},
			{"continuing_subword_prefix", nullable(o.ContinuingSubwordPrefix)}, {"end_of_word_suffix", nullable(o.EndOfWordSuffix)},
			{"fuse_unk", o.FuseUnk}, {"byte_fallback", o.ByteFallback}, {"ignore_merges", o.IgnoreMerges},
			{"vocab", orderedVocab(x.Vocab())}, {"merges", merges}}, nil
	case WordPiece:
		o := x.Options()
		return obj{{"type", "WordPiece"}, {"unk_token", o.UnkToken}, {"continuing_subword_prefix", o.ContinuingSubwordPrefix},
			{"max_input_chars_per_word", o.MaxInputCharsPerWord}, {"vocab", orderedVocab(x.Vocab())}}, nil
	case *WordLevel:
		return obj{{"type", "WordLevel"}, {"vocab", orderedVocab(x.Vocab())}, {"unk_token", x.UnkToken()}}, nil
	case *Unigram:
		return x.json(), nil
	}
	return nil, fmt.Errorf("%w: cannot write model %T", ErrUnsupported, m)
}
