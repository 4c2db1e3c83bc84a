package unigram

import (
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"strings"

	"github.com/goformer/goformer/internal/atomicfile"
)

// ErrNotUnigram is returned when a .model file holds a kind of model this
// package does not encode (word or char; Unigram and BPE are supported).
var ErrNotUnigram = errors.New("sentencepiece model type is neither unigram nor BPE")

// ErrInvalidID is returned by Decode for an id outside the vocabulary.
var ErrInvalidID = errors.New("invalid piece id")

// unkPenalty is subtracted from the lowest score to score unknown
// characters.
const unkPenalty = 10.0

// Model is a Unigram language model (or a BPE model) over subword pieces
// with its normalizer: the model of a SentencePiece .model file. It is
// immutable after loading and safe for concurrent use.
type Model struct {
	proto *ModelProto

	pieces []pieceInfo
	// enc holds what the encoder needs of each piece, compactly.
	enc []encInfo
	// trie holds the pieces the segmenter may use: normal, user-defined
	// and unused ones (the last are skipped when found).
	trie      *doubleArray
	pieceToID map[string]int
	reserved  map[string]int // control, unknown and byte pieces

	unkID        int
	minScore     float32
	maxScore     float32
	byteFallback bool
	byteIDs      [256]int
	unkSurface   string

	hasUserDefined bool
	// bpe: the model segments by BPE merges (model_type BPE).
	bpe bool
	// userTrie holds the user-defined pieces, which BPE never merges.
	userTrie *doubleArray
	norm     *Normalizer
	denorm   *Normalizer
}

type encInfo struct {
	score float32
	typ   PieceType
}

type pieceInfo struct {
	piece string
	score float32
	typ   PieceType
}

// Piece is one piece of an encoding: its vocabulary id, its text (with ▁
// for spaces; <0xAB> for a byte-fallback piece) and the byte range
// [Start, End) of the original input it covers. Byte-fallback pieces of one
// character share its range: all but the last have Start == End.
type Piece struct {
	ID         int
	Piece      string
	Start, End int
}

// Load reads a SentencePiece .model file from r.
func Load(r io.Reader) (*Model, error) {
	b, err := io.ReadAll(r)
	if err != nil {
		return nil, fmt.Errorf("read sentencepiece model: %w", err)
	}
	return LoadBytes(b)
}

// LoadFile reads a SentencePiece .model file.
func LoadFile(path string) (*Model, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err // "open PATH: ...": it names the file already
	}
	m, err := LoadBytes(b)
	if err != nil {
		return nil, fmt.Errorf("load %s: %w", path, err)
	}
	return m, nil
}

// LoadBytes decodes a SentencePiece .model file held in memory.
func LoadBytes(b []byte) (*Model, error) {
	p, err := UnmarshalModel(b)
	if err != nil {
		return nil, err
	}
	return NewModel(p)
}

// NewModel builds a model from its decoded proto. It checks what
// SentencePiece checks: non-empty, distinct pieces, exactly one unknown
// piece, 256 byte pieces when byte fallback is on. The model keeps p; do not
// change it afterwards.
func NewModel(p *ModelProto) (*Model, error) {
	switch p.Trainer.ModelType {
	case ModelUnigram, ModelBPE, 0:
	default:
		return nil, fmt.Errorf("%w: model type %d", ErrNotUnigram, p.Trainer.ModelType)
	}
	if len(p.Pieces) == 0 {
		return nil, fmt.Errorf("%w: no pieces", ErrCorruptModel)
	}
	m := &Model{
		proto:        p,
		pieces:       make([]pieceInfo, len(p.Pieces)),
		pieceToID:    make(map[string]int, len(p.Pieces)),
		reserved:     make(map[string]int),
		unkID:        -1,
		byteFallback: p.Trainer.ByteFallback,
		unkSurface:   p.Trainer.UnkSurface,
		minScore:     math.MaxFloat32,
		// SentencePiece starts the maximum at FLT_MIN, the smallest
		// normal float32, so user-defined pieces score about -0.1 in a
		// model whose scores are all negative.
		maxScore: 0x1p-126,
	}
	for i := range m.byteIDs {
		m.byteIDs[i] = -1
	}
	var trieKeys []string
	var trieVals []int32
	var userDefined []string
	for i, sp := range p.Pieces {
		t := sp.Type
		if t == 0 {
			t = Normal
		}
		if sp.Piece == "" {
			return nil, fmt.Errorf("%w: piece %d is empty", ErrCorruptModel, i)
		}
		m.pieces[i] = pieceInfo{sp.Piece, sp.Score, t}
		switch t {
		case Normal, UserDefined, Unused:
			if _, dup := m.pieceToID[sp.Piece]; dup {
				return nil, fmt.Errorf("%w: piece %q is already defined", ErrCorruptModel, sp.Piece)
			}
			m.pieceToID[sp.Piece] = i
			if strings.IndexByte(sp.Piece, 0) >= 0 {
				return nil, fmt.Errorf("%w: piece %d contains NUL", ErrCorruptModel, i)
			}
			trieKeys = append(trieKeys, sp.Piece)
			trieVals = append(trieVals, int32(i))
		case Unknown, Control, Byte:
			if _, dup := m.reserved[sp.Piece]; dup {
				return nil, fmt.Errorf("%w: piece %q is already defined", ErrCorruptModel, sp.Piece)
			}
			m.reserved[sp.Piece] = i
		default:
			return nil, fmt.Errorf("%w: piece %d has unknown type %d", ErrCorruptModel, i, t)
		}
		switch t {
		case Normal:
			m.minScore = min(m.minScore, sp.Score)
			m.maxScore = max(m.maxScore, sp.Score)
		case UserDefined:
			userDefined = append(userDefined, sp.Piece)
		case Unknown:
			if m.unkID >= 0 {
				return nil, fmt.Errorf("%w: unk is already defined", ErrCorruptModel)
			}
			m.unkID = i
		case Byte:
			if !m.byteFallback {
				return nil, fmt.Errorf("%w: byte piece %s is found although byte_fallback is false", ErrCorruptModel, sp.Piece)
			}
			b := pieceToByte(sp.Piece)
			if b < 0 {
				return nil, fmt.Errorf("%w: byte piece %s is invalid", ErrCorruptModel, sp.Piece)
			}
			m.byteIDs[b] = i
		}
	}
	if m.unkID < 0 {
		return nil, fmt.Errorf("%w: unk is not defined", ErrCorruptModel)
	}
	if m.byteFallback {
		for b, id := range m.byteIDs {
			if id < 0 {
				return nil, fmt.Errorf("%w: byte piece <0x%02X> is missing although byte_fallback is true", ErrCorruptModel, b)
			}
		}
	}
	if len(trieKeys) == 0 {
		return nil, fmt.Errorf("%w: no pieces are loaded", ErrCorruptModel)
	}
	da, err := buildDoubleArray(trieKeys, trieVals)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptModel, err)
	}
	m.trie = da
	m.setEncInfo()
	norm, err := NewNormalizer(p.Normalizer, p.Trainer.TreatWhitespaceAsSuffix)
	if err != nil {
		return nil, err
	}
	if err := norm.setUserDefined(userDefined); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrCorruptModel, err)
	}
	m.hasUserDefined = len(userDefined) > 0
	m.bpe = p.Trainer.ModelType == ModelBPE
	m.userTrie = norm.userDefined
	m.norm = norm
	if p.Denormalizer != nil && len(p.Denormalizer.PrecompiledCharsmap) > 0 {
		d, err := NewNormalizer(*p.Denormalizer, false)
		if err != nil {
			return nil, fmt.Errorf("denormalizer: %w", err)
		}
		m.denorm = d
	}
	return m, nil
}

func (m *Model) setEncInfo() {
	m.enc = make([]encInfo, len(m.pieces))
	for i, p := range m.pieces {
		m.enc[i] = encInfo{p.score, p.typ}
	}
}

// pieceToByte returns the byte of a piece <0xAB>, or -1.
func pieceToByte(s string) int {
	if len(s) != 6 || s[:3] != "<0x" || s[5] != '>' {
		return -1
	}
	hex := func(c byte) int {
		switch {
		case '0' <= c && c <= '9':
			return int(c - '0')
		case 'A' <= c && c <= 'F':
			return int(c-'A') + 10
		}
		return -1
	}
	h, l := hex(s[3]), hex(s[4])
	if h < 0 || l < 0 {
		return -1
	}
	return h<<4 | l
}

// byteToPiece returns the byte-fallback piece of b, <0xAB>.
func byteToPiece(b byte) string {
	const digits = "0123456789ABCDEF"
	return string([]byte{'<', '0', 'x', digits[b>>4], digits[b&15], '>'})
}

// ModelType returns the kind of model: ModelUnigram or ModelBPE.
func (m *Model) ModelType() ModelType {
	if m.bpe {
		return ModelBPE
	}
	return ModelUnigram
}

// Proto returns the model's decoded .model content. Do not change it.
func (m *Model) Proto() *ModelProto { return m.proto }

// Normalizer returns the model's normalizer.
func (m *Model) Normalizer() *Normalizer { return m.norm }

// Save writes the model in the .model format.
func (m *Model) Save(w io.Writer) error {
	if _, err := w.Write(m.proto.Marshal()); err != nil {
		return fmt.Errorf("save sentencepiece model: %w", err)
	}
	return nil
}

// SaveFile writes the model to path, through a temporary file renamed into
// place.
func (m *Model) SaveFile(path string) error {
	if err := atomicfile.WriteFile(path, m.proto.Marshal()); err != nil {
		return fmt.Errorf("save %s: %w", path, err)
	}
	return nil
}

// VocabSize returns the number of pieces.
func (m *Model) VocabSize() int { return len(m.pieces) }

// IDToPiece returns the piece of id, or "" when id is out of range.
func (m *Model) IDToPiece(id int) string {
	if id < 0 || id >= len(m.pieces) {
		return ""
	}
	return m.pieces[id].piece
}

// PieceToID returns the id of piece, or the unknown id if it is not in the
// vocabulary.
func (m *Model) PieceToID(piece string) int {
	if id, ok := m.reserved[piece]; ok {
		return id
	}
	if id, ok := m.pieceToID[piece]; ok {
		return id
	}
	return m.unkID
}

// Score returns the score (log probability) of id, or 0 when out of range.
func (m *Model) Score(id int) float32 {
	if id < 0 || id >= len(m.pieces) {
		return 0
	}
	return m.pieces[id].score
}

// Type returns the type of id, or 0 when out of range.
func (m *Model) Type(id int) PieceType {
	if id < 0 || id >= len(m.pieces) {
		return 0
	}
	return m.pieces[id].typ
}

// UnkID returns the id of the unknown piece.
func (m *Model) UnkID() int { return m.unkID }

// BosID returns the id of <s>, or -1 when the model has none.
func (m *Model) BosID() int { return m.reservedID(m.proto.Trainer.BosPiece, "<s>") }

// EosID returns the id of </s>, or -1 when the model has none.
func (m *Model) EosID() int { return m.reservedID(m.proto.Trainer.EosPiece, "</s>") }

// PadID returns the id of <pad>, or -1 when the model has none.
func (m *Model) PadID() int { return m.reservedID(m.proto.Trainer.PadPiece, "<pad>") }

func (m *Model) reservedID(piece, def string) int {
	if piece == "" {
		piece = def
	}
	if id, ok := m.reserved[piece]; ok {
		return id
	}
	if id, ok := m.pieceToID[piece]; ok {
		return id
	}
	return -1
}

// Vocab returns the pieces in id order.
func (m *Model) Vocab() []string {
	v := make([]string, len(m.pieces))
	for i, p := range m.pieces {
		v[i] = p.piece
	}
	return v
}

// ByteFallback reports whether unknown characters are encoded as UTF-8
// byte pieces.
func (m *Model) ByteFallback() bool { return m.byteFallback }

// Decode turns ids back into text as SentencePiece does: ▁ becomes a space,
// the leading space of the dummy prefix is dropped, control pieces vanish,
// runs of byte pieces are decoded as UTF-8 (invalid bytes become U+FFFD),
// and the unknown piece becomes the model's unknown surface (" ⁇ ").
func (m *Model) Decode(ids []int) (string, error) {
	pieces := make([]string, len(ids))
	for i, id := range ids {
		if id < 0 || id >= len(m.pieces) {
			return "", fmt.Errorf("%w: %d (vocabulary size %d)", ErrInvalidID, id, len(m.pieces))
		}
		pieces[i] = m.pieces[id].piece
	}
	return m.DecodePieces(pieces), nil
}

// DecodePieces turns pieces back into text; see Decode. A piece not in the
// vocabulary is kept as it is.
func (m *Model) DecodePieces(pieces []string) string {
	var text strings.Builder
	spec := &m.proto.Normalizer
	isBosWS := true
	bosWSSeen := false
	var bytesRun []byte
	flush := func() {
		for len(bytesRun) > 0 {
			l, ok := validUTF8Prefix(string(bytesRun))
			if !ok {
				text.WriteString("\uFFFD")
			} else {
				text.Write(bytesRun[:l])
			}
			bytesRun = bytesRun[l:]
		}
		bytesRun = bytesRun[:0]
	}
	for _, p := range pieces {
		id := m.PieceToID(p)
		if m.pieces[id].typ == Byte {
			bytesRun = append(bytesRun, byte(pieceToByte(p)))
			continue
		}
		flush()
		if bosWSSeen || text.Len() > 0 {
			isBosWS = false
		}
		var decoded string
		bosWSSeen = false
		switch m.pieces[id].typ {
		case Control:
		case Unknown:
			if m.pieces[id].piece == p {
				decoded = m.unkSurface
			} else {
				decoded = p
			}
		default:
			piece := p
			if isBosWS && (spec.AddDummyPrefix || spec.RemoveExtraWhitespaces) {
				if strings.HasPrefix(piece, spaceSymbol) {
					piece = piece[len(spaceSymbol):]
					bosWSSeen = true
				}
				if spec.RemoveExtraWhitespaces {
					bosWSSeen = false
				}
			}
			decoded = strings.ReplaceAll(piece, spaceSymbol, " ")
		}
		text.WriteString(decoded)
	}
	flush()
	out := text.String()
	if m.denorm != nil {
		out = m.denorm.NormalizeString(out)
	}
	return out
}
