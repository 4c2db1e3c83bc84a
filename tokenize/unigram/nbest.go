package unigram

import (
	"math"
	"math/rand/v2"
)

// Segmentation is one segmentation of a text with its score: the sum of the
// scores of its pieces (the log probability under the unigram model).
type Segmentation struct {
	Pieces []Piece
	Score  float32
}

// IDs returns the ids of the segmentation's pieces.
func (s Segmentation) IDs() []int {
	ids := make([]int, len(s.Pieces))
	for i, p := range s.Pieces {
		ids[i] = p.ID
	}
	return ids
}

// maxNBest is SentencePiece's limit on n-best sizes.
const maxNBest = 1024

// NBest returns up to k segmentations of text, best first, as
// SentencePiece's NBestEncode does (an exact A* search over the lattice,
// with the same order among equal scores). k is clamped to [1, 1024]; for
// k == 1 the result is Encode's with score 0, as in SentencePiece. A BPE
// model has one segmentation, Encode's.
func (m *Model) NBest(text string, k int) []Segmentation {
	k = max(1, min(k, maxNBest))
	norm, align := m.norm.Normalize(text)
	if norm == "" {
		return []Segmentation{{}}
	}
	if k == 1 || m.bpe {
		st := scratchPool.Get().(*encodeScratch)
		segs := m.segments(norm, st)
		ps := m.appendPieces(nil, norm, align, segs)
		putScratch(st)
		return []Segmentation{{Pieces: ps}}
	}
	var l lattice
	m.populate(&l, norm)
	paths := l.nbest(k)
	out := make([]Segmentation, 0, len(paths))
	for _, p := range paths {
		out = append(out, Segmentation{Pieces: m.appendPieces(nil, norm, align, l.segments(p.nodes)), Score: p.score})
	}
	return out
}

// NBestIDs returns the ids of NBest(text, k).
func (m *Model) NBestIDs(text string, k int) [][]int {
	nb := m.NBest(text, k)
	out := make([][]int, len(nb))
	for i, s := range nb {
		out[i] = s.IDs()
	}
	return out
}

func (l *lattice) segments(path []int32) []segment {
	segs := make([]segment, len(path))
	for i, ni := range path {
		n := &l.nodes[ni]
		segs[i] = segment{int(l.surface[n.pos]), int(l.surface[n.pos+n.length]), int(n.id)}
	}
	return segs
}

type scoredPath struct {
	nodes []int32
	score float32
}

// hypothesis is a partial path from EOS back to node, for the A* search.
type hypothesis struct {
	node   int32
	next   int32 // index of the hypothesis to the right; -1 at EOS
	fx, gx float32
}

// agenda is a max-heap of hypotheses on fx with the exact sift rules of
// libstdc++'s std::priority_queue, so that hypotheses of equal priority pop
// in the same order as in SentencePiece.
type agenda struct {
	h    []int32
	hyps *[]hypothesis
}

func (a *agenda) less(i, j int32) bool { return (*a.hyps)[i].fx < (*a.hyps)[j].fx }

func (a *agenda) push(x int32) {
	a.h = append(a.h, x)
	a.pushHeap(len(a.h)-1, 0, x)
}

func (a *agenda) pushHeap(hole, top int, v int32) {
	parent := (hole - 1) / 2
	for hole > top && a.less(a.h[parent], v) {
		a.h[hole] = a.h[parent]
		hole = parent
		parent = (hole - 1) / 2
	}
	a.h[hole] = v
}

func (a *agenda) pop() int32 {
	top := a.h[0]
	last := len(a.h) - 1
	if last > 0 {
		v := a.h[last]
		a.h[last] = a.h[0]
		a.adjust(0, last, v)
	}
	a.h = a.h[:last]
	return top
}

func (a *agenda) adjust(hole, n int, v int32) {
	top := hole
	child := hole
	for child < (n-1)/2 {
		child = 2 * (child + 1)
		if a.less(a.h[child], a.h[child-1]) {
			child--
		}
		a.h[hole] = a.h[child]
		hole = child
	}
	if n&1 == 0 && child == (n-2)/2 {
		child = 2 * (child + 1)
		a.h[hole] = a.h[child-1]
		hole = child - 1
	}
	a.pushHeap(hole, top, v)
}

// nbest enumerates the k best paths with A* from EOS, the heuristic being
// the exact Viterbi score from BOS.
func (l *lattice) nbest(k int) []scoredPath {
	if k == 1 {
		p, s := l.viterbi()
		return []scoredPath{{p, s}}
	}
	l.viterbi()
	hyps := make([]hypothesis, 0, 512)
	ag := agenda{hyps: &hyps}
	hyps = append(hyps, hypothesis{node: 1, next: -1, fx: l.nodes[1].backtrace})
	ag.push(0)
	var results []scoredPath
	for len(ag.h) > 0 {
		ti := ag.pop()
		top := hyps[ti]
		if top.node == 0 { // BOS
			var path []int32
			for n := top.next; hyps[n].next >= 0; n = hyps[n].next {
				path = append(path, hyps[n].node)
			}
			results = append(results, scoredPath{path, top.fx})
			if len(results) == k {
				break
			}
			continue
		}
		for _, li := range l.endNodes(int(l.nodes[top.node].pos)) {
			ln := &l.nodes[li]
			hyps = append(hyps, hypothesis{
				node: li,
				next: ti,
				gx:   ln.score + top.gx,
				fx:   ln.backtrace + top.gx,
			})
			ag.push(int32(len(hyps) - 1))
		}
		// Keep the agenda small on long or repetitive input, as
		// SentencePiece does.
		const maxAgenda, minAgenda = 10000, 512
		if len(ag.h) >= maxAgenda {
			size := min(minAgenda, k*10)
			newHyps := make([]hypothesis, 0, size*4)
			remap := map[int32]int32{}
			var clone func(i int32) int32
			clone = func(i int32) int32 {
				// Iterative clone of the chain to the right.
				var chain []int32
				for j := i; j >= 0; j = hyps[j].next {
					if _, ok := remap[j]; ok {
						break
					}
					chain = append(chain, j)
				}
				for c := len(chain) - 1; c >= 0; c-- {
					h := hyps[chain[c]]
					if h.next >= 0 {
						h.next = remap[h.next]
					}
					newHyps = append(newHyps, h)
					remap[chain[c]] = int32(len(newHyps) - 1)
				}
				return remap[i]
			}
			var picked []int32
			for i := 0; i < size; i++ {
				picked = append(picked, clone(ag.pop()))
			}
			hyps = newHyps
			ag = agenda{hyps: &hyps}
			for _, p := range picked {
				ag.push(p)
			}
		}
	}
	return results
}

// Sample draws one segmentation of text for subword regularisation, as
// SentencePiece's SampleEncode does:
//
//   - nbest < 0: from all segmentations, with probability proportional to
//     P(segmentation)^alpha, by forward filtering and backward sampling;
//   - nbest 0 or 1: the best segmentation (Encode);
//   - nbest > 1: from the nbest best segmentations, with probability
//     proportional to exp(alpha * score).
//
// Every random choice comes from rng, so a seeded rng gives reproducible
// samples. A BPE model returns Encode's segmentation (BPE-dropout is not
// implemented).
func (m *Model) Sample(text string, alpha float64, nbest int, rng *rand.Rand) []Piece {
	norm, align := m.norm.Normalize(text)
	if norm == "" {
		return nil
	}
	switch {
	case m.bpe:
		st := scratchPool.Get().(*encodeScratch)
		defer putScratch(st)
		return m.appendPieces(nil, norm, align, m.segments(norm, st))
	case nbest < 0:
		var l lattice
		m.populate(&l, norm)
		path := l.sample(float32(alpha), rng)
		return m.appendPieces(nil, norm, align, l.segments(path))
	case nbest <= 1:
		st := scratchPool.Get().(*encodeScratch)
		defer putScratch(st)
		return m.appendPieces(nil, norm, align, m.viterbi(norm, st))
	}
	nbest = min(nbest, maxNBest)
	var l lattice
	m.populate(&l, norm)
	paths := l.nbest(nbest)
	probs := make([]float64, len(paths))
	for i, p := range paths {
		probs[i] = float64(float32(math.Exp(float64(float32(alpha) * p.score))))
	}
	pick := discrete(probs, rng)
	return m.appendPieces(nil, norm, align, l.segments(paths[pick].nodes))
}

// SampleIDs returns the ids of Sample.
func (m *Model) SampleIDs(text string, alpha float64, nbest int, rng *rand.Rand) []int {
	ps := m.Sample(text, alpha, nbest, rng)
	ids := make([]int, len(ps))
	for i, p := range ps {
		ids[i] = p.ID
	}
	return ids
}

// discrete draws an index with probability proportional to w. All-zero
// weights draw uniformly.
func discrete(w []float64, rng *rand.Rand) int {
	sum := 0.0
	for _, x := range w {
		sum += x
	}
	if !(sum > 0) || math.IsInf(sum, 0) {
		return rng.IntN(len(w))
	}
	r := rng.Float64() * sum
	for i, x := range w {
		r -= x
		if r < 0 {
			return i
		}
	}
	return len(w) - 1
}

// sample draws a path by forward filtering, backward sampling.
func (l *lattice) sample(theta float32, rng *rand.Rand) []int32 {
	if l.size() == 0 {
		return nil
	}
	alpha := l.forward(theta, nil)
	var path []int32
	probs := make([]float64, 0, 16)
	z := alpha[1]
	node := int32(1)
	for {
		ends := l.endNodes(int(l.nodes[node].pos))
		probs = probs[:0]
		for _, li := range ends {
			probs = append(probs, math.Exp(float64(alpha[li]+theta*l.nodes[li].score-z)))
		}
		node = ends[discrete(probs, rng)]
		if node == 0 {
			break
		}
		z = alpha[node]
		path = append(path, node)
	}
	for i, j := 0, len(path)-1; i < j; i, j = i+1, j-1 {
		path[i], path[j] = path[j], path[i]
	}
	return path
}
