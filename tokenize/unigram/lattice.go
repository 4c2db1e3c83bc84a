package unigram

import (
	"math"
)

// lattice is the graph of all pieces of a normalized sentence, with nodes
// at character positions, as SentencePiece builds it for n-best search,
// sampling and training. Node 0 is BOS (ending at 0), node 1 is EOS
// (starting at the end); the others are inserted by increasing start, and
// for each start in the trie's order (shortest first), an unknown node last.
type lattice struct {
	s       string
	surface []int32 // byte offset of each character, plus the end
	nodes   []lnode
	// begin[p] is the range of nodes starting at character p (they are
	// inserted in order of their start, so each range is contiguous);
	// the EOS node is begin[len].
	beginStart []int32
	// end nodes of each position, in insertion order: endIdx[endStart[p]:endStart[p+1]].
	endStart []int32
	endIdx   []int32
}

type lnode struct {
	pos, length int32 // in characters
	id          int32 // vocabulary id; -1 for BOS and EOS
	score       float32
	backtrace   float32
	prev        int32
}

func (l *lattice) size() int { return len(l.surface) - 1 }

// piece returns the normalized text of node n.
func (l *lattice) piece(n *lnode) string {
	return l.s[l.surface[n.pos]:l.surface[n.pos+n.length]]
}

func (l *lattice) beginNodes(pos int) []lnode {
	if pos == l.size() {
		return l.nodes[1:2]
	}
	return l.nodes[l.beginStart[pos]:l.beginStart[pos+1]]
}

// beginRange returns the node indices [a, b) starting at pos.
func (l *lattice) beginRange(pos int) (int32, int32) {
	if pos == l.size() {
		return 1, 2
	}
	return l.beginStart[pos], l.beginStart[pos+1]
}

func (l *lattice) endNodes(pos int) []int32 {
	return l.endIdx[l.endStart[pos]:l.endStart[pos+1]]
}

// populate builds the lattice of s with the model's pieces, as
// SentencePiece's PopulateNodes does.
func (m *Model) populate(l *lattice, s string) {
	l.s = s
	l.surface = l.surface[:0]
	for i := 0; i < len(s); {
		l.surface = append(l.surface, int32(i))
		i += min(oneCharLen(s[i]), len(s)-i)
	}
	l.surface = append(l.surface, int32(len(s)))
	n := l.size()
	l.nodes = append(l.nodes[:0], lnode{pos: 0, id: -1, prev: -1}, lnode{pos: int32(n), id: -1, prev: -1})
	l.beginStart = l.beginStart[:0]
	units := m.trie.units
	nUnits := uint32(len(units))
	rootOff := unitVal(units[0]).offset()
	unkScore := m.minScore - unkPenalty
	for bp := 0; bp < n; bp++ {
		l.beginStart = append(l.beginStart, int32(len(l.nodes)))
		start := int(l.surface[bp])
		hasSingle := false
		pos := rootOff
		ci := bp // character index of the end of the current match
		for k := start; k < len(s); k++ {
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
			for ci < n && int(l.surface[ci]) < k+1 {
				ci++
			}
			length := ci - bp
			id := unitVal(units[pos]).value()
			p := &m.pieces[id]
			if p.typ == Unused {
				continue
			}
			score := p.score
			if p.typ == UserDefined {
				score = float32(float64(float32(length)*m.maxScore) - 0.1)
			}
			l.nodes = append(l.nodes, lnode{pos: int32(bp), length: int32(length), id: id, score: score, prev: -1})
			if length == 1 {
				hasSingle = true
			}
		}
		if !hasSingle {
			l.nodes = append(l.nodes, lnode{pos: int32(bp), length: 1, id: int32(m.unkID), score: unkScore, prev: -1})
		}
	}
	l.beginStart = append(l.beginStart, int32(len(l.nodes)))
	// End lists: BOS ends at 0; inserted nodes in insertion order.
	if cap(l.endStart) < n+2 {
		l.endStart = make([]int32, n+2)
	}
	l.endStart = l.endStart[:n+2]
	clear(l.endStart)
	l.endStart[1] = 1 // BOS
	for i := 2; i < len(l.nodes); i++ {
		nd := &l.nodes[i]
		l.endStart[nd.pos+nd.length+1]++
	}
	for p := 1; p < len(l.endStart); p++ {
		l.endStart[p] += l.endStart[p-1]
	}
	total := int(l.endStart[n+1])
	if cap(l.endIdx) < total {
		l.endIdx = make([]int32, total)
	}
	l.endIdx = l.endIdx[:total]
	fill := make([]int32, n+1)
	copy(fill, l.endStart[:n+1])
	l.endIdx[fill[0]] = 0
	fill[0]++
	for i := 2; i < len(l.nodes); i++ {
		nd := &l.nodes[i]
		e := nd.pos + nd.length
		l.endIdx[fill[e]] = int32(i)
		fill[e]++
	}
}

// viterbi fills the backtrace scores and returns the best path (node
// indices, BOS and EOS excluded) and its score, as SentencePiece's original
// lattice Viterbi does (float32 sums; the first of equal scores wins).
func (l *lattice) viterbi() ([]int32, float32) {
	n := l.size()
	for pos := 0; pos <= n; pos++ {
		a, b := l.beginRange(pos)
		ends := l.endNodes(pos)
		for r := a; r < b; r++ {
			rn := &l.nodes[r]
			best := int32(-1)
			var bestScore float32
			for _, li := range ends {
				sc := l.nodes[li].backtrace + rn.score
				if best < 0 || sc > bestScore {
					best, bestScore = li, sc
				}
			}
			rn.prev = best
			rn.backtrace = bestScore
		}
	}
	var path []int32
	for i := l.nodes[1].prev; i > 0 && l.nodes[i].prev >= 0; i = l.nodes[i].prev {
		path = append(path, i)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path, l.nodes[1].backtrace
}

// logSumExp returns log(exp(x)+exp(y)) as SentencePiece computes it; with
// init it returns y.
func logSumExp(x, y float32, init bool) float32 {
	if init {
		return y
	}
	vmin, vmax := min(x, y), max(x, y)
	if vmax > vmin+50 {
		return vmax
	}
	return float32(float64(vmax) + math.Log(math.Exp(float64(vmin-vmax))+1))
}

// forward returns alpha: for each node, the log of the summed
// probabilities of all paths from BOS to its start, with scores scaled by
// theta. The sum is the same for every node starting at a position, so it
// is taken once per position, in SentencePiece's order.
func (l *lattice) forward(theta float32, alpha []float32) []float32 {
	alpha = resize(alpha, len(l.nodes))
	n := l.size()
	for pos := 0; pos <= n; pos++ {
		a, b := l.beginRange(pos)
		v := float32(0)
		for k, li := range l.endNodes(pos) {
			v = logSumExp(v, theta*l.nodes[li].score+alpha[li], k == 0)
		}
		for r := a; r < b; r++ {
			alpha[r] = v
		}
	}
	return alpha
}

// backward returns beta: for each node, the log of the summed probabilities
// of all paths from its end to EOS (the same for every node ending at a
// position).
func (l *lattice) backward(beta []float32) []float32 {
	beta = resize(beta, len(l.nodes))
	n := l.size()
	for pos := n; pos >= 0; pos-- {
		a, b := l.beginRange(pos)
		v := float32(0)
		for r := a; r < b; r++ {
			v = logSumExp(v, l.nodes[r].score+beta[r], r == a)
		}
		for _, li := range l.endNodes(pos) {
			beta[li] = v
		}
	}
	return beta
}

func resize(v []float32, n int) []float32 {
	if cap(v) < n {
		return make([]float32, n)
	}
	v = v[:n]
	clear(v)
	return v
}
