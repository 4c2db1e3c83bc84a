package unigram

import (
	"sync"
)

// segment is a piece of the normalized text: its byte range and id.
type segment struct {
	start, end int
	id         int
}

// bestNode is the best path ending at a byte position of the normalized
// text: its score, the start of its last piece and that piece's id.
type bestNode struct {
	score    float32
	startsAt int32
	id       int32
}

type encodeScratch struct {
	best      []bestNode
	segs      []segment
	norm      []byte
	align     []int
	bpeSyms   []bpeSymbol
	bpeAgenda []bpePair
}

// segments appends to st.segs the best segmentation of the normalized text
// s: Viterbi search for a Unigram model, merges for a BPE model.
func (m *Model) segments(s string, st *encodeScratch) []segment {
	if m.bpe {
		return m.bpeSegments(s, st)
	}
	return m.viterbi(s, st)
}

var scratchPool = sync.Pool{New: func() any { return new(encodeScratch) }}

// putScratch returns scratch to the pool unless a huge input grew it: the
// pool would keep that memory alive.
func putScratch(st *encodeScratch) {
	if cap(st.best) <= 1<<16 && cap(st.norm) <= 1<<16 && cap(st.bpeSyms) <= 1<<16 {
		scratchPool.Put(st)
	}
}

// oneCharLen is the length of the UTF-8 character starting with byte c, by
// its lead byte alone, as SentencePiece measures it.
func oneCharLen(c byte) int {
	return int("\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x01\x02\x02\x03\x04"[c>>4])
}

// viterbi appends to segs the best segmentation of the normalized text s.
// It follows SentencePiece's optimized encoder exactly, including its
// arithmetic: candidate scores are summed in float64 and compared with the
// float32 best score, which then stores the rounded sum; the first of equal
// candidates wins, so among ties the piece that starts earliest (the
// longest) is kept.
func (m *Model) viterbi(s string, st *encodeScratch) []segment {
	segs := st.segs[:0]
	size := len(s)
	if size == 0 {
		st.segs = segs
		return segs
	}
	if cap(st.best) < size+1 {
		st.best = make([]bestNode, size+1)
	}
	best := st.best[:size+1]
	for i := range best {
		best[i] = bestNode{startsAt: -1}
	}
	units := m.trie.units
	nUnits := uint32(len(units))
	rootOff := unitVal(units[0]).offset()
	enc := m.enc
	unkScore := m.minScore - unkPenalty
	maxScore := m.maxScore
	unkID := int32(m.unkID)
	for startsAt := 0; startsAt < size; {
		tillHere := best[startsAt].score
		mblen := min(oneCharLen(s[startsAt]), size-startsAt)
		hasSingle := false
		pos := rootOff
		for k := startsAt; k < size; k++ {
			c := uint32(s[k])
			pos ^= c
			if pos >= nUnits {
				break
			}
			u := unitVal(units[pos])
			if u.label() != c {
				break
			}
			pos ^= u.offset()
			if !u.hasLeaf() || pos >= nUnits {
				continue
			}
			id := unitVal(units[pos]).value()
			p := &enc[id]
			length := k + 1 - startsAt
			var score float64
			switch p.typ {
			case Unused:
				continue
			case UserDefined:
				score = float64(float32(length)*maxScore) - 0.1
			default:
				score = float64(p.score)
			}
			cand := score + float64(tillHere)
			t := &best[k+1]
			if t.startsAt == -1 || cand > float64(t.score) {
				t.score = float32(cand)
				t.startsAt = int32(startsAt)
				t.id = id
			}
			if length == mblen {
				hasSingle = true
			}
		}
		if !hasSingle {
			t := &best[startsAt+mblen]
			cand := unkScore + tillHere
			if t.startsAt == -1 || cand > t.score {
				t.score = cand
				t.startsAt = int32(startsAt)
				t.id = unkID
			}
		}
		startsAt += mblen
	}
	// Backtrack, then reverse.
	for end := size; end > 0; {
		n := best[end]
		segs = append(segs, segment{int(n.startsAt), end, int(n.id)})
		end = int(n.startsAt)
	}
	for i, j := 0, len(segs)-1; i < j; i, j = i+1, j-1 {
		segs[i], segs[j] = segs[j], segs[i]
	}
	st.segs = segs
	return segs
}

// Encode segments text into pieces exactly as SentencePiece's Encode does:
// normalization, the segmentation with the highest total score (Unigram)
// or the merges (BPE), runs of unknown characters merged into one unknown
// piece, or, with byte fallback, unknown characters spelled as UTF-8 byte
// pieces. Offsets refer to text.
func (m *Model) Encode(text string) []Piece {
	st := scratchPool.Get().(*encodeScratch)
	defer putScratch(st)
	norm, align := m.normalizeInto(text, st)
	segs := m.segments(norm, st)
	return m.appendPieces(nil, norm, align, segs)
}

// EncodeNormalized segments text that is already normalized (spaces
// escaped as ▁, as a pipeline's normalizer and pre-tokenizer leave it),
// without the model's normalizer. Offsets refer to s. Invalid UTF-8 in s is
// treated byte by byte as unknown.
func (m *Model) EncodeNormalized(s string) []Piece {
	st := scratchPool.Get().(*encodeScratch)
	defer putScratch(st)
	segs := m.segments(s, st)
	if cap(st.align) < len(s)+1 {
		st.align = make([]int, len(s)+1)
	}
	align := st.align[:len(s)+1]
	for i := range align {
		align[i] = i
	}
	return m.appendPieces(nil, s, align, segs)
}

// EncodeIDs is Encode returning only the ids.
func (m *Model) EncodeIDs(text string) []int {
	return m.AppendIDs(nil, text)
}

// AppendIDs appends the ids of Encode(text) to dst and returns it. With a
// large enough dst it does not allocate.
func (m *Model) AppendIDs(dst []int, text string) []int {
	st := scratchPool.Get().(*encodeScratch)
	defer putScratch(st)
	out, _ := m.normalizer().normalize(text, st.norm[:0], nil)
	st.norm = out
	segs := m.segments(unsafeString(out), st)
	return m.appendIDs(dst, unsafeString(out), segs)
}

// EncodePieces is Encode returning only the piece strings.
func (m *Model) EncodePieces(text string) []string {
	ps := m.Encode(text)
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.Piece
	}
	return out
}

func (m *Model) normalizer() *Normalizer { return m.norm }

func (m *Model) normalizeInto(text string, st *encodeScratch) (string, []int) {
	if st.align == nil {
		st.align = make([]int, 0, 64)
	}
	out, align := m.norm.normalize(text, st.norm[:0], st.align[:0])
	st.norm, st.align = out, align
	// The normalized text outlives the scratch buffer in the returned
	// pieces, so it is copied once here.
	return string(out), align
}

// appendIDs converts a segmentation into ids, as appendPieces does.
func (m *Model) appendIDs(dst []int, norm string, segs []segment) []int {
	prevUnk := false
	for _, sg := range segs {
		isUnk := sg.id == m.unkID
		if isUnk && m.byteFallback {
			for i := sg.start; i < sg.end; i++ {
				dst = append(dst, m.byteIDs[norm[i]])
			}
		} else if !(isUnk && prevUnk) {
			dst = append(dst, sg.id)
		}
		prevUnk = isUnk
	}
	return dst
}

// appendPieces converts a segmentation of the normalized text into pieces
// with offsets into the original text, as SentencePiece's
// PopulateSentencePieceText does.
func (m *Model) appendPieces(dst []Piece, norm string, align []int, segs []segment) []Piece {
	prevUnk := false
	for _, sg := range segs {
		isUnk := sg.id == m.unkID
		w := norm[sg.start:sg.end]
		ob, oe := align[sg.start], align[sg.end]
		switch {
		case m.pieces[sg.id].typ == Control:
			dst = append(dst, Piece{ID: sg.id, Piece: w, Start: ob, End: ob})
		case isUnk && m.byteFallback:
			for i := 0; i < len(w); i++ {
				p := Piece{ID: m.byteIDs[w[i]], Piece: byteToPiece(w[i]), Start: ob, End: ob}
				if i == len(w)-1 {
					p.End = oe
				}
				dst = append(dst, p)
			}
		case isUnk && prevUnk:
			last := &dst[len(dst)-1]
			last.Piece += w
			last.End = oe
		default:
			dst = append(dst, Piece{ID: sg.id, Piece: w, Start: ob, End: oe})
		}
		prevUnk = isUnk
	}
	return dst
}
