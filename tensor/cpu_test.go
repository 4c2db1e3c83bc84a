package tensor

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"testing"
	"time"
	"unsafe"
)

func TestRandomFillDependsOnlyOnTheElementCounter(t *testing.T) {
	// Filling [10] at offset 0 and then [7] at offset 3 must agree on
	// the shared counters, whatever the layout of the destination.
	a := Zeros(10)
	cpuBackend.RandomFill(a.view(), Normal, 0, 1, 99, 0)
	b := Zeros(7)
	cpuBackend.RandomFill(b.view(), Normal, 0, 1, 99, 3)
	if av, bv := a.Float32s()[3:], b.Float32s(); fmt.Sprint(av) != fmt.Sprint(bv) {
		t.Fatalf("offset 3 gives %v, slicing gives %v", bv, av)
	}
	c := Zeros(4, 5)
	cpuBackend.RandomFill(c.T().view(), Uniform, 0, 1, 7, 0) // strided destination
	d := Zeros(5, 4)
	cpuBackend.RandomFill(d.view(), Uniform, 0, 1, 7, 0)
	if fmt.Sprint(c.T().Float32s()) != fmt.Sprint(d.Float32s()) {
		t.Fatal("a strided fill does not follow row-major element order")
	}
	// The first draws for seed 0 are fixed by the spec in Backend.
	u := Zeros(1)
	cpuBackend.RandomFill(u.view(), Uniform, 0, 1, 0, 0)
	if want := float32(float64(0x6627e8d5>>8) / (1 << 24)); u.Float32s()[0] != want {
		t.Fatalf("first uniform draw %v, want %v", u.Float32s()[0], want)
	}
}

func TestFloat16ConversionRoundsToNearestEven(t *testing.T) {
	// Every half value converts to float32 and back unchanged.
	for h := range 1 << 16 {
		f := Float16ToFloat32(uint16(h))
		if math.IsNaN(float64(f)) {
			continue
		}
		if back := Float32ToFloat16(f); back != uint16(h) {
			t.Fatalf("half %04x → %v → %04x", h, f, back)
		}
	}
	// Random float32s round to the nearest half (ties to even), checked
	// against the two neighbouring halves.
	rng := rand.New(rand.NewPCG(1, 16))
	for range 200000 {
		f := math.Float32frombits(rng.Uint32())
		if math.IsNaN(float64(f)) || math.Abs(float64(f)) > 65520 {
			continue
		}
		h := Float32ToFloat16(f)
		got := float64(Float16ToFloat32(h))
		for _, n := range []uint16{h - 1, h + 1} {
			if n&0x7c00 == 0x7c00 {
				continue
			}
			alt := float64(Float16ToFloat32(n))
			dg, da := math.Abs(got-float64(f)), math.Abs(alt-float64(f))
			if da < dg || (da == dg && h&1 == 1) {
				t.Fatalf("%v rounded to %v (%04x); %v (%04x) is nearer or even", f, got, h, alt, n)
			}
		}
	}
	if Float32ToFloat16(70000) != 0x7c00 || Float32ToFloat16(-70000) != 0xfc00 {
		t.Fatal("overflow does not give infinity")
	}
	if Float16ToFloat32(Float32ToFloat16(float32(math.NaN()))) == Float16ToFloat32(Float32ToFloat16(float32(math.NaN()))) {
		t.Fatal("NaN did not stay NaN")
	}
}

func TestBFloat16ConversionRoundsToNearestEven(t *testing.T) {
	cases := map[float32]uint16{1: 0x3f80, 1.00390625: 0x3f80, 1.01171875: 0x3f82, -2: 0xc000, float32(math.Inf(1)): 0x7f80}
	for f, want := range cases {
		if got := Float32ToBFloat16(f); got != want {
			t.Errorf("bfloat16(%v) = %04x, want %04x", f, got, want)
		}
	}
	if v := BFloat16ToFloat32(Float32ToBFloat16(float32(math.NaN()))); !math.IsNaN(float64(v)) {
		t.Fatal("NaN did not stay NaN")
	}
	// float64 → bfloat16 rounds once, not twice through float32.
	x := 1 + 1.0/256 + 1.0/(1<<30) // just above a tie: must round up
	if got := float64ToBFloat16(x); got != 0x3f81 {
		t.Fatalf("float64 %v → %04x, want 3f81", x, got)
	}
}

func TestSizeClassesWasteLittleAndNest(t *testing.T) {
	prev := -1
	for n := poolMin; n < 1<<22; n += 1 + n/37 {
		c, capacity := sizeClass(n)
		if c < 0 || capacity < n || float64(capacity) > 1.125*float64(n)+1 {
			t.Fatalf("n=%d: class %d capacity %d", n, c, capacity)
		}
		if c < prev {
			t.Fatalf("classes not monotone at n=%d", n)
		}
		prev = c
		// Every size of a class fits the class capacity.
		if c2, cap2 := sizeClass(capacity); c2 != c || cap2 != capacity {
			t.Fatalf("capacity %d of n=%d falls in class %d (%d), not %d", capacity, n, c2, cap2, c)
		}
	}
	if c, _ := sizeClass(poolMin - 1); c != -1 {
		t.Fatal("small buffers are pooled")
	}
}

func TestFreedBuffersAreReused(t *testing.T) {
	s := cpuBackend.Alloc(Float32, 5000).(*CPUStorage)
	p := &s.f32[0]
	cpuBackend.Free(s)
	// The cache hands out the most recently cached buffer of the class
	// first; a buffer of another test that the collector returned in
	// between may come before it, so take a few and free them after.
	var others []Storage
	defer func() {
		for _, o := range others {
			cpuBackend.Free(o)
		}
	}()
	for range 10 {
		r := cpuBackend.Alloc(Float32, 4900).(*CPUStorage)
		if &r.f32[:1][0] == p {
			if r.Len() != 4900 || len(r.Float32s()) != 4900 {
				t.Fatalf("reused buffer has length %d", r.Len())
			}
			return
		}
		others = append(others, r)
	}
	t.Fatal("the freed buffer was not reused by an allocation of its size class")
}

func TestFreeingTwiceCachesTheBufferOnce(t *testing.T) {
	withCache(t, 64<<20)
	s := cpuBackend.Alloc(Float32, 5000).(*CPUStorage)
	p := &s.f32[0]
	cpuBackend.Free(s)
	cpuBackend.Free(s)
	if st := BufferCache(); st.CachedBytes != s.bytes() {
		t.Errorf("one buffer of %d bytes freed twice: the cache holds %d bytes", s.bytes(), st.CachedBytes)
	}
	a := cpuBackend.Alloc(Float32, 5000).(*CPUStorage)
	b := cpuBackend.Alloc(Float32, 5000).(*CPUStorage)
	if &a.f32[0] == &b.f32[0] {
		t.Fatal("two allocations share one buffer")
	}
	if &a.f32[0] != p && &b.f32[0] != p {
		t.Error("the buffer freed twice was not reused")
	}
	// Once the cache has let go of a buffer, freeing its storage again
	// must not bring back a storage without an array.
	c := cpuBackend.Alloc(Float32, 5000).(*CPUStorage)
	cpuBackend.Free(c)
	EmptyCache()
	cpuBackend.Free(c)
	if d := cpuBackend.Alloc(Float32, 5000).(*CPUStorage); len(d.Float32s()) != 5000 {
		t.Fatalf("an allocation of 5000 elements has %d", len(d.Float32s()))
	}
}

func TestLoopsCoalesceContiguousDims(t *testing.T) {
	x := Zeros(4, 5, 6)
	l := newLoop(x.shape, x.view())
	if l.rank != 1 || l.shape[0] != 120 {
		t.Fatalf("contiguous [4 5 6] coalesced to rank %d %v", l.rank, l.shape[:l.rank])
	}
	tr := x.Permute(0, 2, 1)
	l = newLoop(tr.shape, tr.view())
	if l.rank != 3 {
		t.Fatalf("a permuted view coalesced to rank %d", l.rank)
	}
	b := Zeros(5, 1).expandedView([]int{4, 5, 6})
	l = newLoop(b.Shape, x.view(), b)
	if l.rank != 3 {
		t.Fatalf("a broadcast operand coalesced to rank %d", l.rank)
	}
	// Every element is visited exactly once, in row-major order.
	var seen []int
	l = newLoop(tr.shape, tr.view())
	l.runIndexed(1<<30, func(idx int, off *[maxOperands]int, n int) {
		for i := range n {
			seen = append(seen, off[0]+i*l.str[0][l.rank-1])
			_ = idx
		}
	})
	var want []int
	offsets(tr.shape, tr.strides, 0, func(_, off int) { want = append(want, off) })
	if !slices.Equal(seen, want) {
		t.Fatal("the loop visits elements out of order")
	}
}

func TestViewStridesAgreeWithCopyingReshapes(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 3))
	base := Arange(0, 720, 1).Reshape(2, 3, 4, 5, 6)
	for range 300 {
		perm := rng.Perm(5)
		v := base.Permute(perm...)
		if rng.IntN(2) == 0 {
			ax := rng.IntN(5)
			v = v.Narrow(ax, 0, max(1, v.shape[ax]-1))
		}
		n := v.Numel()
		// A random factorization of n.
		var shape []int
		rest := n
		for rest > 1 && len(shape) < 5 {
			d := 1 + rng.IntN(6)
			if rest%d == 0 {
				shape = append(shape, d)
				rest /= d
			} else if rng.IntN(3) == 0 {
				break
			}
		}
		shape = append(shape, rest)
		got := v.Reshape(shape...).Float64s()
		want := v.Contiguous().Reshape(shape...).Float64s()
		if !slices.Equal(got, want) {
			t.Fatalf("reshape of %v (strides %v) to %v differs from the copy", v.shape, v.strides, shape)
		}
	}
}

func TestGemmLayoutsRecogniseTransposes(t *testing.T) {
	cases := []struct {
		rows, cols, rs, cs int
		trans              bool
		ld                 int
		ok                 bool
	}{
		{3, 4, 4, 1, false, 4, true},
		{3, 4, 1, 3, true, 3, true},
		{3, 4, 8, 1, false, 8, true},
		{1, 4, 0, 1, false, 4, true},
		{3, 1, 1, 0, false, 1, true},
		{3, 4, 0, 1, false, 0, false},
		{3, 4, 2, 2, false, 0, false},
	}
	for _, c := range cases {
		tr, ld, ok := gemmLayout(c.rows, c.cols, c.rs, c.cs)
		if ok != c.ok || (ok && (tr != c.trans || ld != c.ld)) {
			t.Errorf("gemmLayout(%d, %d, %d, %d) = %v, %d, %v; want %v, %d, %v", c.rows, c.cols, c.rs, c.cs, tr, ld, ok, c.trans, c.ld, c.ok)
		}
	}
}

// TestInferenceAllocatesNothingForTheGraph compares the allocations of
// public ops on tensors that need no gradient with those of the raw
// kernels they wrap: any difference would be graph bookkeeping.
func TestInferenceAllocatesNothingForTheGraph(t *testing.T) {
	rng := rand.New(rand.NewPCG(6, 6))
	x, w := RandN(rng, 8, 16), RandN(rng, 16, 4)
	cases := []struct {
		name     string
		op, base func()
	}{
		{"Exp", func() { x.Exp() }, func() { rawUnary(OpExp, x, UnaryParams{}) }},
		{"Mul", func() { x.Mul(x) }, func() { rawBinary(OpMul, x, x) }},
		{"MatMul", func() { x.MatMul(w) }, func() { matmulRaw(x, w) }},
		{"Sum", func() { x.Sum(1) }, func() { rawReduce(ReduceSum, x, []int{1}, 0) }},
	}
	for _, c := range cases {
		c.op()
		c.base()
		op, base := testing.AllocsPerRun(50, c.op), testing.AllocsPerRun(50, c.base)
		if op > base {
			t.Errorf("%s allocates %v times, its kernel %v", c.name, op, base)
		}
	}
	// With a parameter that requires a gradient the same op records.
	wg := w.Detach().SetRequiresGrad(true)
	if a, b := testing.AllocsPerRun(20, func() { x.MatMul(wg) }), testing.AllocsPerRun(20, func() { x.MatMul(w) }); a <= b {
		t.Errorf("recording a gradient allocated %v, inference %v: the test cannot see graph allocations", a, b)
	}
	// A whole inference step stays within a fixed budget per op.
	step := func() {
		h := x.MatMul(w).Add(w.Sum(0)).GELU()
		LayerNorm(h, nil, nil, 1e-5).Softmax(-1)
	}
	step()
	if n := testing.AllocsPerRun(50, step); n > 80 {
		t.Errorf("a 6-op inference step allocates %v times", n)
	}
}

func TestUnreachableBuffersReturnToThePool(t *testing.T) {
	addrs := map[uintptr]bool{} // addresses only: pointers would keep the arrays alive
	for range 8 {
		s := cpuBackend.Alloc(Float32, 3000).(*CPUStorage)
		addrs[uintptr(unsafe.Pointer(&s.f32[:1][0]))] = true
	}
	// Nothing refers to the arrays now: a collection runs their
	// finalizers, which put them back on the cache's free list, where
	// nothing but a later allocation takes them.
	for range 20 {
		runtime.GC()
		time.Sleep(time.Millisecond)
		s := cpuBackend.Alloc(Float32, 2900).(*CPUStorage)
		if addrs[uintptr(unsafe.Pointer(&s.f32[:1][0]))] {
			return
		}
	}
	t.Fatal("no unreachable array came back to the cache after 20 collections")
}
