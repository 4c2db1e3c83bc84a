package unigram

// SentencePiece's BPE model (model_type: BPE in a .model file) shares the
// file format, the normalizer, the vocabulary and the conversion of
// segments to pieces with the Unigram model; only the segmentation differs.

// bpeSymbol is one symbol of a word being merged: the byte range [start,
// end) of the normalized text, its neighbours in the list (-1 at the ends)
// and whether it may merge (user-defined pieces do not).
type bpeSymbol struct {
	start, end int32
	prev, next int32
	freeze     bool
}

// bpePair is a candidate merge of the symbols left and right into a piece
// of size bytes with the given score.
type bpePair struct {
	score       float32
	left, right int32
	size        int32
}

// before orders the agenda: the highest score first, the leftmost among
// equal scores, as SentencePiece's SymbolPairComparator.
func (a bpePair) before(b bpePair) bool {
	return a.score > b.score || a.score == b.score && a.left < b.left
}

// bpeSegments appends to st.segs the segmentation SentencePiece's BPE model
// gives the normalized text s: s is cut into characters (and user-defined
// pieces, which never merge), then the adjacent pair that forms the
// highest-scoring piece is merged, the leftmost among equals, until no pair
// forms a piece; unused pieces are split back into the pieces they were
// merged from.
func (m *Model) bpeSegments(s string, st *encodeScratch) []segment {
	segs := st.segs[:0]
	if s == "" {
		st.segs = segs
		return segs
	}
	syms := st.bpeSyms[:0]
	var ud []prefixMatch
	for i := 0; i < len(s); {
		n := min(oneCharLen(s[i]), len(s)-i)
		freeze := false
		if m.userTrie != nil {
			// The longest user-defined piece here is one frozen symbol.
			if ud = m.userTrie.commonPrefixSearch(s[i:], ud[:0]); len(ud) > 0 {
				freeze, n = true, 0
				for _, p := range ud {
					n = max(n, p.length)
				}
			}
		}
		k := int32(len(syms))
		syms = append(syms, bpeSymbol{start: int32(i), end: int32(i + n), prev: k - 1, next: k + 1, freeze: freeze})
		i += n
	}
	syms[len(syms)-1].next = -1
	agenda := st.bpeAgenda[:0]
	var revMerge map[string][2]string
	add := func(l, r int32) {
		if l < 0 || r < 0 || syms[l].freeze || syms[r].freeze {
			return
		}
		piece := s[syms[l].start:syms[r].end]
		id, ok := m.pieceToID[piece]
		if !ok {
			return
		}
		agenda = heapPush(agenda, bpePair{score: m.pieces[id].score, left: l, right: r, size: int32(len(piece))})
		if m.pieces[id].typ == Unused {
			if revMerge == nil {
				revMerge = map[string][2]string{}
			}
			revMerge[piece] = [2]string{s[syms[l].start:syms[l].end], s[syms[r].start:syms[r].end]}
		}
	}
	for i := 1; i < len(syms); i++ {
		add(int32(i-1), int32(i))
	}
	for len(agenda) > 0 {
		var top bpePair
		agenda, top = heapPop(agenda)
		l, r := &syms[top.left], &syms[top.right]
		if l.end == l.start || r.end == r.start || (l.end-l.start)+(r.end-r.start) != top.size {
			continue // stale
		}
		l.end = r.end
		l.next = r.next
		if r.next >= 0 {
			syms[r.next].prev = top.left
		}
		r.start, r.end = 0, 0
		add(l.prev, top.left)
		add(top.left, l.next)
	}
	var resegment func(start int, w string)
	resegment = func(start int, w string) {
		id := m.PieceToID(w)
		if id >= 0 && m.pieces[id].typ == Unused {
			if p, ok := revMerge[w]; ok {
				resegment(start, p[0])
				resegment(start+len(p[0]), p[1])
				return
			}
		}
		segs = append(segs, segment{start, start + len(w), id})
	}
	for i := int32(0); i >= 0; i = syms[i].next {
		resegment(int(syms[i].start), s[syms[i].start:syms[i].end])
	}
	st.segs, st.bpeSyms, st.bpeAgenda = segs, syms, agenda
	return segs
}

func heapPush(h []bpePair, p bpePair) []bpePair {
	h = append(h, p)
	i := len(h) - 1
	for i > 0 {
		up := (i - 1) / 2
		if !h[i].before(h[up]) {
			break
		}
		h[i], h[up] = h[up], h[i]
		i = up
	}
	return h
}

func heapPop(h []bpePair) ([]bpePair, bpePair) {
	top := h[0]
	last := len(h) - 1
	h[0] = h[last]
	h = h[:last]
	i := 0
	for {
		l := 2*i + 1
		if l >= len(h) {
			break
		}
		c := l
		if r := l + 1; r < len(h) && h[r].before(h[l]) {
			c = r
		}
		if !h[c].before(h[i]) {
			break
		}
		h[i], h[c] = h[c], h[i]
		i = c
	}
	return h, top
}
