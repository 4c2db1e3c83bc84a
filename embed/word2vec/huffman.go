package word2vec

import "container/heap"

// huffman is the binary tree of hierarchical softmax: each word's code
// (bits from the root) and the inner nodes on its path (rows of Out).
type huffman struct {
	codes  []uint8
	points []int32
	start  []int32 // word w's path is [start[w], start[w+1])
}

func (h *huffman) code(w int32) []uint8  { return h.codes[h.start[w]:h.start[w+1]] }
func (h *huffman) point(w int32) []int32 { return h.points[h.start[w]:h.start[w+1]] }

type hnode struct {
	count int64
	id    int32 // < n: leaf word; ≥ n: inner node n+k
}

type hheap []hnode

func (h hheap) Len() int { return len(h) }
func (h hheap) Less(i, j int) bool {
	if h[i].count != h[j].count {
		return h[i].count < h[j].count
	}
	return h[i].id < h[j].id
}
func (h hheap) Swap(i, j int) { h[i], h[j] = h[j], h[i] }
func (h *hheap) Push(x any)   { *h = append(*h, x.(hnode)) }
func (h *hheap) Pop() any {
	old := *h
	x := old[len(old)-1]
	*h = old[:len(old)-1]
	return x
}

// buildHuffman builds the tree over word counts. Inner nodes are numbered
// 0..n-2 (the root is n-2), as rows of the output matrix.
func buildHuffman(counts []int64) *huffman {
	n := len(counts)
	h := &huffman{start: make([]int32, n+1)}
	if n == 1 {
		// One word: a single inner node decides nothing useful, but keeps
		// the loss well defined.
		h.codes = []uint8{0}
		h.points = []int32{0}
		h.start[1] = 1
		return h
	}
	parent := make([]int32, 2*n-1)
	bit := make([]uint8, 2*n-1)
	q := make(hheap, n)
	for i, c := range counts {
		q[i] = hnode{count: c, id: int32(i)}
	}
	heap.Init(&q)
	next := int32(n)
	for q.Len() > 1 {
		a := heap.Pop(&q).(hnode)
		b := heap.Pop(&q).(hnode)
		parent[a.id], bit[a.id] = next, 0
		parent[b.id], bit[b.id] = next, 1
		heap.Push(&q, hnode{count: a.count + b.count, id: next})
		next++
	}
	root := next - 1
	var codes []uint8
	var points []int32
	var rc []uint8
	var rp []int32
	for w := range n {
		rc, rp = rc[:0], rp[:0]
		for x := int32(w); x != root; x = parent[x] {
			rc = append(rc, bit[x])
			rp = append(rp, parent[x]-int32(n))
		}
		// Root first.
		for i := len(rc) - 1; i >= 0; i-- {
			codes = append(codes, rc[i])
			points = append(points, rp[i])
		}
		h.start[w+1] = int32(len(codes))
	}
	h.codes, h.points = codes, points
	return h
}
