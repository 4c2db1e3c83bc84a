package cuda

import (
	"testing"
)

// offsetsOf restates the kernels' gf_offsets in Go: operand k's offset of
// element i of the layout.
func offsetsOf(l *layout, i int64) []int64 {
	off := make([]int64, l.nops)
	r := i
	for d := l.rank - 1; d > 0; d-- {
		c := r % l.shape[d]
		r /= l.shape[d]
		for k := range l.nops {
			off[k] += c * l.str[k][d]
		}
	}
	for k := range l.nops {
		off[k] += r * l.str[k][0]
	}
	return off
}

// naiveOffsets walks the shape in row-major order.
func naiveOffsets(shape []int, strides [][]int) [][]int64 {
	n := 1
	for _, d := range shape {
		n *= d
	}
	out := make([][]int64, 0, n)
	if n == 0 {
		return out
	}
	idx := make([]int, len(shape))
	for range n {
		o := make([]int64, len(strides))
		for k, st := range strides {
			for d, i := range idx {
				o[k] += int64(i * st[d])
			}
		}
		out = append(out, o)
		for d := len(idx) - 1; d >= 0; d-- {
			idx[d]++
			if idx[d] < shape[d] {
				break
			}
			idx[d] = 0
		}
	}
	return out
}

func checkLayout(t *testing.T, shape []int, strides [][]int) {
	t.Helper()
	l, ok := makeLayout(shape, strides...)
	if !ok {
		t.Fatalf("makeLayout(%v, %v) refused a rank-%d layout", shape, strides, len(shape))
	}
	want := naiveOffsets(shape, strides)
	if int(l.n) != len(want) {
		t.Fatalf("layout of %v has %d elements, want %d", shape, l.n, len(want))
	}
	if l.n > 0 && (l.rank < 1 || l.rank > len(shape)+1) {
		t.Fatalf("layout of %v has rank %d", shape, l.rank)
	}
	for i, w := range want {
		got := offsetsOf(&l, int64(i))
		for k := range w {
			if got[k] != w[k] {
				t.Fatalf("shape %v strides %v: element %d of operand %d at %d, want %d (layout %+v)", shape, strides, i, k, got[k], w[k], l)
			}
		}
	}
}

func TestLayoutsCoalesceWithoutMovingAnyElement(t *testing.T) {
	tests := []struct {
		name    string
		shape   []int
		strides [][]int
	}{
		{"contiguous merges to one dimension", []int{4, 5, 6}, [][]int{{30, 6, 1}, {30, 6, 1}}},
		{"a transposed operand stops merging", []int{4, 5}, [][]int{{5, 1}, {1, 4}}},
		{"broadcast dimensions keep zero strides", []int{3, 1, 4}, [][]int{{4, 4, 1}, {0, 0, 1}}},
		{"size-one dimensions vanish", []int{1, 7, 1}, [][]int{{7, 1, 1}, {99, 2, 5}}},
		{"a scalar", nil, [][]int{{}, {}}},
		{"no elements", []int{3, 0, 2}, [][]int{{0, 2, 1}, {0, 2, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) { checkLayout(t, tt.shape, tt.strides) })
	}
	l, _ := makeLayout([]int{4, 5, 6}, []int{30, 6, 1}, []int{30, 6, 1})
	if !l.contiguous() {
		t.Error("a dense layout is not reported contiguous")
	}
}

func FuzzLayoutCoalescing(f *testing.F) {
	f.Add([]byte{3, 2, 3, 4, 12, 4, 1, 1, 2, 6})
	f.Add([]byte{4, 1, 2, 1, 3, 0, 0, 5, 1, 9, 9, 9, 9})
	f.Add([]byte{2, 0, 5, 1, 1, 1, 1})
	f.Fuzz(func(t *testing.T, b []byte) {
		if len(b) == 0 {
			return
		}
		next := func() int {
			if len(b) == 0 {
				return 0
			}
			v := int(b[0])
			b = b[1:]
			return v
		}
		rank := next() % 7
		shape := make([]int, rank)
		for i := range shape {
			shape[i] = next() % 5
		}
		strides := make([][]int, 1+next()%3)
		for k := range strides {
			strides[k] = make([]int, rank)
			for i := range strides[k] {
				strides[k][i] = next() % 40
			}
		}
		checkLayout(t, shape, strides)
	})
}
