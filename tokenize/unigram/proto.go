package unigram

import (
	"errors"
	"fmt"
	"math"
	"sort"

	"google.golang.org/protobuf/encoding/protowire"
)

// ErrCorruptModel is returned (wrapped) when a .model file cannot be decoded
// or describes an inconsistent model.
var ErrCorruptModel = errors.New("corrupt sentencepiece model")

// PieceType is the kind of a vocabulary entry, as stored in a .model file.
type PieceType int32

// Piece types. The numbers are those of the .model format.
const (
	Normal      PieceType = 1 // an ordinary piece, chosen by its score
	Unknown     PieceType = 2 // the unknown piece, <unk>
	Control     PieceType = 3 // a control symbol such as <s> or </s>: never produced by encoding
	UserDefined PieceType = 4 // always kept whole when it occurs in the text
	Unused      PieceType = 5 // in the vocabulary but never produced
	Byte        PieceType = 6 // a byte-fallback piece <0xAB>
)

// String returns the name of the type as the .model format spells it.
func (t PieceType) String() string {
	switch t {
	case Normal:
		return "NORMAL"
	case Unknown:
		return "UNKNOWN"
	case Control:
		return "CONTROL"
	case UserDefined:
		return "USER_DEFINED"
	case Unused:
		return "UNUSED"
	case Byte:
		return "BYTE"
	}
	return fmt.Sprintf("PieceType(%d)", int32(t))
}

// ModelProto is the content of a SentencePiece .model file: the vocabulary
// with scores and types, the trainer settings, and the normalizer. Fields of
// the file that this package does not know are kept and written back by
// Marshal, so a file read and written again is unchanged.
type ModelProto struct {
	Pieces       []PieceProto
	Trainer      TrainerSpec
	Normalizer   NormalizerSpec
	SelfTest     []SelfTestSample
	Denormalizer *NormalizerSpec

	hasTrainer, hasNormalizer, hasSelfTest bool
	unknown                                []rawField
}

// PieceProto is one vocabulary entry of a .model file.
type PieceProto struct {
	Piece string
	Score float32
	Type  PieceType // 0 reads as Normal

	hasScore bool
	unknown  []rawField
}

// SelfTestSample is an input with its expected segmentation (pieces joined
// by spaces), stored by the trainer for self-checks.
type SelfTestSample struct {
	Input, Expected string
}

// NormalizerSpec holds the normalization settings of a model.
// PrecompiledCharsmap is the compiled rule table (a double-array trie and the
// replacement strings); empty means identity.
type NormalizerSpec struct {
	Name                   string
	PrecompiledCharsmap    []byte
	AddDummyPrefix         bool // default true
	RemoveExtraWhitespaces bool // default true
	EscapeWhitespaces      bool // default true
	NormalizationRuleTSV   string

	present fieldSet
	unknown []rawField
}

// DefaultNormalizerSpec returns the defaults of the .model format: add a
// dummy prefix, remove extra whitespace, escape whitespace, no rules.
func DefaultNormalizerSpec() NormalizerSpec {
	return NormalizerSpec{AddDummyPrefix: true, RemoveExtraWhitespaces: true, EscapeWhitespaces: true}
}

// ModelType is the kind of SentencePiece model. This package handles Unigram.
type ModelType int32

// Model types of the .model format.
const (
	ModelUnigram ModelType = 1
	ModelBPE     ModelType = 2
	ModelWord    ModelType = 3
	ModelChar    ModelType = 4
)

// TrainerSpec holds the settings a model was trained with. Several of them
// also matter when encoding: ByteFallback, TreatWhitespaceAsSuffix,
// UnkSurface. Its zero value is not the format's default; use
// DefaultTrainerSpec.
type TrainerSpec struct {
	Input                       []string
	InputFormat                 string
	ModelPrefix                 string
	ModelType                   ModelType
	VocabSize                   int32
	AcceptLanguage              []string
	SelfTestSampleSize          int32
	CharacterCoverage           float32
	InputSentenceSize           uint64
	ShuffleInputSentence        bool
	SeedSentencepieceSize       int32
	ShrinkingFactor             float32
	MaxSentenceLength           int32
	NumThreads                  int32
	NumSubIterations            int32
	MaxSentencepieceLength      int32
	SplitByUnicodeScript        bool
	SplitByNumber               bool
	SplitByWhitespace           bool
	TreatWhitespaceAsSuffix     bool
	AllowWhitespaceOnlyPieces   bool
	SplitDigits                 bool
	ControlSymbols              []string
	UserDefinedSymbols          []string
	RequiredChars               string
	ByteFallback                bool
	VocabularyOutputPieceScore  bool
	HardVocabLimit              bool
	UseAllVocab                 bool
	UnkID, BosID, EosID, PadID  int32
	UnkPiece, BosPiece          string
	EosPiece, PadPiece          string
	UnkSurface                  string
	TrainExtremelyLargeCorpus   bool
	EnableDifferentialPrivacy   bool
	DifferentialPrivacyNoise    float32
	DifferentialPrivacyClipping uint64

	present fieldSet
	unknown []rawField
}

// DefaultTrainerSpec returns the defaults of the .model format.
func DefaultTrainerSpec() TrainerSpec {
	return TrainerSpec{
		ModelType: ModelUnigram, VocabSize: 8000, CharacterCoverage: 0.9995,
		ShuffleInputSentence: true, SeedSentencepieceSize: 1000000, ShrinkingFactor: 0.75,
		MaxSentenceLength: 4192, NumThreads: 16, NumSubIterations: 2, MaxSentencepieceLength: 16,
		SplitByUnicodeScript: true, SplitByNumber: true, SplitByWhitespace: true,
		VocabularyOutputPieceScore: true, HardVocabLimit: true,
		UnkID: 0, BosID: 1, EosID: 2, PadID: -1,
		UnkPiece: "<unk>", BosPiece: "<s>", EosPiece: "</s>", PadPiece: "<pad>",
		UnkSurface: " \u2047 ",
	}
}

// rawField is a field kept verbatim: its number and its full encoding
// (tag included).
type rawField struct {
	num protowire.Number
	raw []byte
}

// fieldSet records which field numbers were present in a decoded message.
type fieldSet map[protowire.Number]bool

func (s *fieldSet) add(n protowire.Number) {
	if *s == nil {
		*s = fieldSet{}
	}
	(*s)[n] = true
}

// UnmarshalModel decodes a .model file.
func UnmarshalModel(b []byte) (*ModelProto, error) {
	m := &ModelProto{}
	err := walk(b, func(num protowire.Number, typ protowire.Type, v []byte, raw []byte) error {
		switch num {
		case 1:
			if typ != protowire.BytesType {
				return wireErr("pieces", typ)
			}
			p, err := unmarshalPiece(v)
			if err != nil {
				return fmt.Errorf("piece %d: %w", len(m.Pieces), err)
			}
			m.Pieces = append(m.Pieces, p)
		case 2:
			if typ != protowire.BytesType {
				return wireErr("trainer_spec", typ)
			}
			if err := m.Trainer.unmarshal(v, !m.hasTrainer); err != nil {
				return fmt.Errorf("trainer_spec: %w", err)
			}
			m.hasTrainer = true
		case 3:
			if typ != protowire.BytesType {
				return wireErr("normalizer_spec", typ)
			}
			if err := m.Normalizer.unmarshal(v, !m.hasNormalizer); err != nil {
				return fmt.Errorf("normalizer_spec: %w", err)
			}
			m.hasNormalizer = true
		case 4:
			if typ != protowire.BytesType {
				return wireErr("self_test_data", typ)
			}
			m.hasSelfTest = true
			err := walk(v, func(num protowire.Number, typ protowire.Type, v []byte, _ []byte) error {
				if num != 1 || typ != protowire.BytesType {
					return nil
				}
				var s SelfTestSample
				err := walk(v, func(num protowire.Number, typ protowire.Type, v []byte, _ []byte) error {
					if typ != protowire.BytesType {
						return nil
					}
					switch num {
					case 1:
						s.Input = string(v)
					case 2:
						s.Expected = string(v)
					}
					return nil
				})
				m.SelfTest = append(m.SelfTest, s)
				return err
			})
			if err != nil {
				return fmt.Errorf("self_test_data: %w", err)
			}
		case 5:
			if typ != protowire.BytesType {
				return wireErr("denormalizer_spec", typ)
			}
			first := m.Denormalizer == nil
			if first {
				m.Denormalizer = &NormalizerSpec{}
			}
			if err := m.Denormalizer.unmarshal(v, first); err != nil {
				return fmt.Errorf("denormalizer_spec: %w", err)
			}
		default:
			m.unknown = append(m.unknown, rawField{num, clone(raw)})
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptModel, err)
	}
	if !m.hasTrainer {
		m.Trainer = DefaultTrainerSpec()
	}
	if !m.hasNormalizer {
		m.Normalizer = DefaultNormalizerSpec()
	}
	return m, nil
}

// Marshal encodes the model in the .model format. Fields are written in
// field-number order, as the C++ implementation does, so a file it wrote
// and this package read comes back byte for byte.
func (m *ModelProto) Marshal() []byte {
	var out fieldWriter
	for i := range m.Pieces {
		out.add(1, protowire.AppendBytes(protowire.AppendTag(nil, 1, protowire.BytesType), m.Pieces[i].marshal()))
	}
	out.add(2, protowire.AppendBytes(protowire.AppendTag(nil, 2, protowire.BytesType), m.Trainer.marshal()))
	out.add(3, protowire.AppendBytes(protowire.AppendTag(nil, 3, protowire.BytesType), m.Normalizer.marshal()))
	if m.hasSelfTest || len(m.SelfTest) > 0 {
		var st []byte
		for _, s := range m.SelfTest {
			var sb []byte
			sb = protowire.AppendTag(sb, 1, protowire.BytesType)
			sb = protowire.AppendString(sb, s.Input)
			sb = protowire.AppendTag(sb, 2, protowire.BytesType)
			sb = protowire.AppendString(sb, s.Expected)
			st = protowire.AppendTag(st, 1, protowire.BytesType)
			st = protowire.AppendBytes(st, sb)
		}
		out.add(4, protowire.AppendBytes(protowire.AppendTag(nil, 4, protowire.BytesType), st))
	}
	if m.Denormalizer != nil {
		out.add(5, protowire.AppendBytes(protowire.AppendTag(nil, 5, protowire.BytesType), m.Denormalizer.marshal()))
	}
	out.addRaw(m.unknown)
	return out.bytes()
}

func unmarshalPiece(b []byte) (PieceProto, error) {
	var p PieceProto
	err := walk(b, func(num protowire.Number, typ protowire.Type, v []byte, raw []byte) error {
		switch num {
		case 1:
			if typ != protowire.BytesType {
				return wireErr("piece", typ)
			}
			p.Piece = string(v)
		case 2:
			if typ != protowire.Fixed32Type {
				return wireErr("score", typ)
			}
			p.Score = math.Float32frombits(leU32(v))
			p.hasScore = true
		case 3:
			if typ != protowire.VarintType {
				return wireErr("type", typ)
			}
			x, _ := protowire.ConsumeVarint(v)
			p.Type = PieceType(int32(x))
		default:
			p.unknown = append(p.unknown, rawField{num, clone(raw)})
		}
		return nil
	})
	return p, err
}

func (p *PieceProto) marshal() []byte {
	var w fieldWriter
	w.add(1, protowire.AppendString(protowire.AppendTag(nil, 1, protowire.BytesType), p.Piece))
	if p.hasScore || p.Score != 0 {
		w.add(2, protowire.AppendFixed32(protowire.AppendTag(nil, 2, protowire.Fixed32Type), math.Float32bits(p.Score)))
	}
	if p.Type != 0 {
		w.add(3, protowire.AppendVarint(protowire.AppendTag(nil, 3, protowire.VarintType), uint64(int64(p.Type))))
	}
	w.addRaw(p.unknown)
	return w.bytes()
}

// kind of a scalar field in the field tables below.
type kind int

const (
	kString kind = iota
	kStrings
	kBytes
	kBool
	kInt32
	kUint64
	kFloat
)

type field struct {
	num  protowire.Number
	kind kind
	ptr  func() any // pointer to the Go field
	def  any        // default value; a field equal to it is written only if it was present
}

func (s *NormalizerSpec) fields() []field {
	return []field{
		{1, kString, func() any { return &s.Name }, ""},
		{2, kBytes, func() any { return &s.PrecompiledCharsmap }, []byte(nil)},
		{3, kBool, func() any { return &s.AddDummyPrefix }, true},
		{4, kBool, func() any { return &s.RemoveExtraWhitespaces }, true},
		{5, kBool, func() any { return &s.EscapeWhitespaces }, true},
		{6, kString, func() any { return &s.NormalizationRuleTSV }, ""},
	}
}

func (s *NormalizerSpec) unmarshal(b []byte, reset bool) error {
	if reset {
		*s = DefaultNormalizerSpec()
	}
	return unmarshalFields(b, s.fields(), &s.present, &s.unknown)
}

func (s *NormalizerSpec) marshal() []byte { return marshalFields(s.fields(), s.present, s.unknown) }

func (s *TrainerSpec) fields() []field {
	return []field{
		{1, kStrings, func() any { return &s.Input }, nil},
		{2, kString, func() any { return &s.ModelPrefix }, ""},
		{3, kInt32, func() any { return (*int32)(&s.ModelType) }, int32(ModelUnigram)},
		{4, kInt32, func() any { return &s.VocabSize }, int32(8000)},
		{5, kStrings, func() any { return &s.AcceptLanguage }, nil},
		{6, kInt32, func() any { return &s.SelfTestSampleSize }, int32(0)},
		{7, kString, func() any { return &s.InputFormat }, ""},
		{10, kFloat, func() any { return &s.CharacterCoverage }, float32(0.9995)},
		{11, kUint64, func() any { return &s.InputSentenceSize }, uint64(0)},
		{14, kInt32, func() any { return &s.SeedSentencepieceSize }, int32(1000000)},
		{15, kFloat, func() any { return &s.ShrinkingFactor }, float32(0.75)},
		{16, kInt32, func() any { return &s.NumThreads }, int32(16)},
		{17, kInt32, func() any { return &s.NumSubIterations }, int32(2)},
		{18, kInt32, func() any { return &s.MaxSentenceLength }, int32(4192)},
		{19, kBool, func() any { return &s.ShuffleInputSentence }, true},
		{20, kInt32, func() any { return &s.MaxSentencepieceLength }, int32(16)},
		{21, kBool, func() any { return &s.SplitByUnicodeScript }, true},
		{22, kBool, func() any { return &s.SplitByWhitespace }, true},
		{23, kBool, func() any { return &s.SplitByNumber }, true},
		{24, kBool, func() any { return &s.TreatWhitespaceAsSuffix }, false},
		{25, kBool, func() any { return &s.SplitDigits }, false},
		{26, kBool, func() any { return &s.AllowWhitespaceOnlyPieces }, false},
		{30, kStrings, func() any { return &s.ControlSymbols }, nil},
		{31, kStrings, func() any { return &s.UserDefinedSymbols }, nil},
		{32, kBool, func() any { return &s.VocabularyOutputPieceScore }, true},
		{33, kBool, func() any { return &s.HardVocabLimit }, true},
		{34, kBool, func() any { return &s.UseAllVocab }, false},
		{35, kBool, func() any { return &s.ByteFallback }, false},
		{36, kString, func() any { return &s.RequiredChars }, ""},
		{40, kInt32, func() any { return &s.UnkID }, int32(0)},
		{41, kInt32, func() any { return &s.BosID }, int32(1)},
		{42, kInt32, func() any { return &s.EosID }, int32(2)},
		{43, kInt32, func() any { return &s.PadID }, int32(-1)},
		{44, kString, func() any { return &s.UnkSurface }, " \u2047 "},
		{45, kString, func() any { return &s.UnkPiece }, "<unk>"},
		{46, kString, func() any { return &s.BosPiece }, "<s>"},
		{47, kString, func() any { return &s.EosPiece }, "</s>"},
		{48, kString, func() any { return &s.PadPiece }, "<pad>"},
		{49, kBool, func() any { return &s.TrainExtremelyLargeCorpus }, false},
		{50, kBool, func() any { return &s.EnableDifferentialPrivacy }, false},
		{51, kFloat, func() any { return &s.DifferentialPrivacyNoise }, float32(0)},
		{52, kUint64, func() any { return &s.DifferentialPrivacyClipping }, uint64(0)},
	}
}

func (s *TrainerSpec) unmarshal(b []byte, reset bool) error {
	if reset {
		*s = DefaultTrainerSpec()
	}
	return unmarshalFields(b, s.fields(), &s.present, &s.unknown)
}

func (s *TrainerSpec) marshal() []byte { return marshalFields(s.fields(), s.present, s.unknown) }

func unmarshalFields(b []byte, fs []field, present *fieldSet, unknown *[]rawField) error {
	byNum := make(map[protowire.Number]*field, len(fs))
	for i := range fs {
		byNum[fs[i].num] = &fs[i]
	}
	return walk(b, func(num protowire.Number, typ protowire.Type, v []byte, raw []byte) error {
		f := byNum[num]
		if f == nil {
			*unknown = append(*unknown, rawField{num, clone(raw)})
			return nil
		}
		want := protowire.VarintType
		switch f.kind {
		case kString, kStrings, kBytes:
			want = protowire.BytesType
		case kFloat:
			want = protowire.Fixed32Type
		}
		if typ != want {
			// A field with an unexpected wire type is kept verbatim
			// rather than misread.
			*unknown = append(*unknown, rawField{num, clone(raw)})
			return nil
		}
		present.add(num)
		switch f.kind {
		case kString:
			*f.ptr().(*string) = string(v)
		case kStrings:
			p := f.ptr().(*[]string)
			*p = append(*p, string(v))
		case kBytes:
			*f.ptr().(*[]byte) = clone(v)
		case kBool:
			x, _ := protowire.ConsumeVarint(v)
			*f.ptr().(*bool) = x != 0
		case kInt32:
			x, _ := protowire.ConsumeVarint(v)
			*f.ptr().(*int32) = int32(x)
		case kUint64:
			x, _ := protowire.ConsumeVarint(v)
			*f.ptr().(*uint64) = x
		case kFloat:
			*f.ptr().(*float32) = math.Float32frombits(leU32(v))
		}
		return nil
	})
}

func marshalFields(fs []field, present fieldSet, unknown []rawField) []byte {
	var w fieldWriter
	for _, f := range fs {
		has := present[f.num]
		var b []byte
		switch f.kind {
		case kString:
			x := *f.ptr().(*string)
			if has || x != f.def.(string) {
				b = protowire.AppendString(protowire.AppendTag(b, f.num, protowire.BytesType), x)
			}
		case kStrings:
			for _, x := range *f.ptr().(*[]string) {
				b = protowire.AppendString(protowire.AppendTag(b, f.num, protowire.BytesType), x)
			}
		case kBytes:
			x := *f.ptr().(*[]byte)
			if has || len(x) > 0 {
				b = protowire.AppendBytes(protowire.AppendTag(b, f.num, protowire.BytesType), x)
			}
		case kBool:
			x := *f.ptr().(*bool)
			if has || x != f.def.(bool) {
				v := uint64(0)
				if x {
					v = 1
				}
				b = protowire.AppendVarint(protowire.AppendTag(b, f.num, protowire.VarintType), v)
			}
		case kInt32:
			x := *f.ptr().(*int32)
			if has || x != f.def.(int32) {
				b = protowire.AppendVarint(protowire.AppendTag(b, f.num, protowire.VarintType), uint64(int64(x)))
			}
		case kUint64:
			x := *f.ptr().(*uint64)
			if has || x != f.def.(uint64) {
				b = protowire.AppendVarint(protowire.AppendTag(b, f.num, protowire.VarintType), x)
			}
		case kFloat:
			x := *f.ptr().(*float32)
			if has || math.Float32bits(x) != math.Float32bits(f.def.(float32)) {
				b = protowire.AppendFixed32(protowire.AppendTag(b, f.num, protowire.Fixed32Type), math.Float32bits(x))
			}
		}
		if b != nil {
			w.add(f.num, b)
		}
	}
	w.addRaw(unknown)
	return w.bytes()
}

// fieldWriter collects encoded fields and writes them sorted by number
// (stable, so repeated fields keep their order).
type fieldWriter struct{ fields []rawField }

func (w *fieldWriter) add(num protowire.Number, b []byte) {
	w.fields = append(w.fields, rawField{num, b})
}
func (w *fieldWriter) addRaw(fs []rawField) { w.fields = append(w.fields, fs...) }

func (w *fieldWriter) bytes() []byte {
	sort.SliceStable(w.fields, func(i, j int) bool { return w.fields[i].num < w.fields[j].num })
	n := 0
	for _, f := range w.fields {
		n += len(f.raw)
	}
	out := make([]byte, 0, n)
	for _, f := range w.fields {
		out = append(out, f.raw...)
	}
	return out
}

// walk calls fn for every field of a message: its number, wire type, value
// (the payload for bytes fields, the encoded varint or fixed bytes
// otherwise) and the raw encoding including the tag.
func walk(b []byte, fn func(num protowire.Number, typ protowire.Type, v []byte, raw []byte) error) error {
	for len(b) > 0 {
		num, typ, n := protowire.ConsumeTag(b)
		if n < 0 {
			return fmt.Errorf("bad tag: %w", protowire.ParseError(n))
		}
		m := protowire.ConsumeFieldValue(num, typ, b[n:])
		if m < 0 {
			return fmt.Errorf("field %d: %w", num, protowire.ParseError(m))
		}
		v := b[n : n+m]
		if typ == protowire.BytesType {
			var k int
			v, k = protowire.ConsumeBytes(v)
			if k < 0 {
				return fmt.Errorf("field %d: %w", num, protowire.ParseError(k))
			}
		}
		if err := fn(num, typ, v, b[:n+m]); err != nil {
			return err
		}
		b = b[n+m:]
	}
	return nil
}

func wireErr(name string, typ protowire.Type) error {
	return fmt.Errorf("field %s has wire type %d", name, typ)
}

func leU32(b []byte) uint32 {
	return uint32(b[0]) | uint32(b[1])<<8 | uint32(b[2])<<16 | uint32(b[3])<<24
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
