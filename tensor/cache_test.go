package tensor

import (
	"math/rand/v2"
	"runtime"
	"runtime/metrics"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/goformer/goformer/internal/allocbytes"
)

// withCache runs the test with an empty CPU cache, the given floor of the
// automatic bound and the automatic bound, and restores them after.
func withCache(t *testing.T, floor int64) {
	t.Helper()
	cpuCache.mu.Lock()
	oldFloor, oldLimit := cacheFloor, cpuCache.limit
	cacheFloor = floor
	cpuCache.limit = -1
	cpuCache.auto = floor
	cpuCache.live, cpuCache.scope = [window]int64{}, [window]int64{}
	cpuCache.empty()
	cpuCache.mu.Unlock()
	t.Cleanup(func() {
		cpuCache.mu.Lock()
		cacheFloor, cpuCache.limit = oldFloor, oldLimit
		cpuCache.auto = max(cpuCache.auto, oldFloor)
		cpuCache.mu.Unlock()
	})
}

// collect runs garbage collections until the cache has seen n more (its
// hook runs on the finalizer goroutine, after the collection).
func collect(t *testing.T, n int) {
	t.Helper()
	cpuCache.mu.Lock()
	want := cpuCache.gcs + n
	cpuCache.mu.Unlock()
	for range 200 {
		runtime.GC()
		time.Sleep(time.Millisecond)
		cpuCache.mu.Lock()
		seen := cpuCache.gcs
		cpuCache.mu.Unlock()
		if seen >= want {
			return
		}
	}
	t.Fatalf("the cache saw fewer than %d collections", n)
}

func addr(s *CPUStorage) uintptr { return uintptr(s.data()) }

// stateOf reports how the cache holds s.
func stateOf(s *CPUStorage) entryState {
	cpuCache.mu.Lock()
	defer cpuCache.mu.Unlock()
	return s.entry.state
}

// weaklyHeld reports whether the cache holds the array at p weakly.
func weaklyHeld(p uintptr) bool {
	cpuCache.mu.Lock()
	defer cpuCache.mu.Unlock()
	for s := cpuCache.weak.head; s != nil; s = s.entry.hold.next {
		if uintptr(unsafe.Pointer(s.entry.array.Value())) == p {
			return true
		}
	}
	return false
}

// heapObjects reads the bytes of heap objects, live or not yet swept.
func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

// varyingShapesRun trains a small elementwise model (cheap on every
// kernel path: the test is about buffers, not arithmetic) on batches whose
// number of rows changes every step, leaving every tensor to the garbage
// collector as a training loop without scopes does, and returns the
// largest and the mean heap seen after the steps; check is called after
// every step.
func varyingShapesRun(steps int, check func(step int)) (peak, mean uint64) {
	rng := rand.New(rand.NewPCG(7, 8))
	const d = 256
	var ws []*Tensor
	for range 3 {
		w := RandN(rng, d).Scale(0.5)
		w.SetRequiresGrad(true)
		ws = append(ws, w)
	}
	var sum uint64
	for step := range steps {
		rows := 16 + rng.IntN(1009)
		x := Full(float64(step%7)/7, rows, d)
		h := x.Mul(ws[0]).Add(ws[1]).ReLU().Add(x)
		loss := h.Mul(ws[2]).Square().Mean()
		loss.Backward()
		for _, w := range ws {
			w.AddScaledInPlace(-1e-3, w.Grad())
			w.ZeroGrad()
		}
		heap := heapObjects()
		peak, sum = max(peak, heap), sum+heap
		if check != nil {
			check(step)
		}
	}
	return peak, sum / uint64(steps)
}

// TestCacheStaysBoundedUnderVaryingShapes runs a training loop without
// scopes on batches of ever-changing shapes, the workload that once grew
// the cache without end: the cache stays within its bound after every
// step, and the heap, on average over the steps, within 4 times that of
// the same loop with the cache off (1.1 to 2.7 times when measured; the
// unbounded cache reached 7 to 11 times within these 150 steps, and kept
// growing).
func TestCacheStaysBoundedUnderVaryingShapes(t *testing.T) {
	const steps = 150
	withCache(t, 1<<20)
	SetCacheLimit(0)
	runtime.GC()
	offPeak, offMean := varyingShapesRun(steps, nil)
	SetCacheLimit(-1)
	runtime.GC()
	var hits uint64
	before := BufferCache()
	onPeak, onMean := varyingShapesRun(steps, func(step int) {
		st := BufferCache()
		if st.CachedBytes > st.Limit || st.CachedBytes < 0 || st.WeakBytes < 0 || st.WeakBytes > st.CachedBytes {
			t.Fatalf("step %d: %+v: cache outside its bound", step, st)
		}
		hits = st.Hits - before.Hits
	})
	st := BufferCache()
	t.Logf("heap with the cache (%d hits, %d misses): %d MB on average, %d MB at most; without: %d MB, %d MB; %+v",
		hits, st.Misses-before.Misses, onMean>>20, onPeak>>20, offMean>>20, offPeak>>20, st)
	if onMean > 4*offMean {
		t.Errorf("heap with the cache %d MB on average, without %d MB: more than 4 times", onMean>>20, offMean>>20)
	}
	if hits < (st.Misses-before.Misses)/2 {
		t.Errorf("%d hits against %d misses: the cache serves too little", hits, st.Misses-before.Misses)
	}
}

// TestScopedStepsAllocateNothingAcrossACollection checks that a scoped
// training loop reuses its buffers step after step, including across a
// garbage collection between steps, and that the automatic bound follows
// the size of the step.
func TestScopedStepsAllocateNothingAcrossACollection(t *testing.T) {
	withCache(t, 1<<20) // far below the step, which the scope must announce
	rng := rand.New(rand.NewPCG(1, 2))
	w1, w2 := RandN(rng, 128, 512).Scale(0.05), RandN(rng, 512, 16).Scale(0.05)
	w1.SetRequiresGrad(true)
	w2.SetRequiresGrad(true)
	x := RandN(rng, 256, 128)
	y := FromSlice(make([]int32, 256), 256)
	var volume int64
	step := func() {
		sc := NewScope()
		loss := CrossEntropy(sc.Use(x).MatMul(w1).GELU().MatMul(w2), y)
		loss.Backward()
		w1.AddScaledInPlace(-1e-3, w1.Grad())
		w2.AddScaledInPlace(-1e-3, w2.Grad())
		w1.ZeroGrad()
		w2.ZeroGrad()
		volume = sc.cpuBytes
		sc.Close()
	}
	step()
	step()
	if l := BufferCache().Limit; l < volume {
		t.Errorf("automatic bound %d below the %d bytes of a step", l, volume)
	}
	collect(t, 1)
	// The least of three runs of ten steps: allocations of the runtime
	// or of other tests running at the same time fall on one run at most.
	perStep := allocbytes.PerCall(3, 10, step)
	if perStep > 0.01*float64(volume) {
		t.Errorf("a scoped step allocates %.0f bytes, %.1f%% of its %d bytes of buffers", perStep, 100*perStep/float64(volume), volume)
	}
}

// TestIdleBuffersAreHeldWeaklyThenFreed follows one buffer through the
// cache: held strongly, weakly after two collections without use, still
// served while weak, and freed by the collector when left weak.
func TestIdleBuffersAreHeldWeaklyThenFreed(t *testing.T) {
	withCache(t, 64<<20)
	const n = 3001
	s := allocCPU(Float64, n)
	p := addr(s)
	cpuBackend.Free(s)
	if stateOf(s) != heldStrong {
		t.Fatal("a released buffer is not held strongly")
	}
	collect(t, 1)
	if stateOf(s) != heldStrong {
		t.Fatal("a buffer cached before one collection is no longer held strongly")
	}
	collect(t, 1)
	if stateOf(s) != heldWeak || s.f64 != nil {
		t.Fatal("a buffer idle through two collections is still held strongly")
	}
	// A weakly held buffer serves the next allocation of its class.
	r := allocCPU(Float64, n-1)
	if addr(r) != p || r.Len() != n-1 || len(r.Float64s()) != n-1 {
		t.Fatalf("the allocation after the collections took new memory (or a wrong length %d)", r.Len())
	}
	cpuBackend.Free(r)
	collect(t, 2)
	if stateOf(r) != heldWeak {
		t.Fatal("the buffer is not held weakly after two more collections")
	}
	before := BufferCache()
	collect(t, 1)
	if st := BufferCache(); stateOf(r) != notCached || st.Expired <= before.Expired {
		t.Fatalf("left weak through a collection: %+v (before %+v), want it expired", st, before)
	}
}

// TestGarbageComesBackWeakly checks that a buffer the collector found
// unreachable returns to the cache held weakly.
func TestGarbageComesBackWeakly(t *testing.T) {
	withCache(t, 64<<20)
	p := addr(allocCPU(Float32, 5000))
	for range 50 {
		runtime.GC()
		time.Sleep(time.Millisecond)
		if weaklyHeld(p) {
			return
		}
	}
	t.Fatalf("%+v: the unreachable buffer did not come back weakly", BufferCache())
}

// TestLargerBuffersServeSmallerSizes checks the best fit: a request whose
// class is empty takes a cached buffer up to twice its class, never
// larger, and the buffer goes back to its own class.
func TestLargerBuffersServeSmallerSizes(t *testing.T) {
	withCache(t, 64<<20)
	for _, c := range []struct {
		cached, asked int
		reused        bool
	}{
		{10000, 10000, true},
		{10000, 6000, true},
		{10000, 5200, true},
		{10000, 4000, false},
		{10000, 12000, false},
	} {
		EmptyCache()
		s := allocCPU(Int32, c.cached)
		p, class := addr(s), s.class
		cpuBackend.Free(s)
		r := allocCPU(Int32, c.asked)
		if (addr(r) == p) != c.reused {
			t.Errorf("cached %d, asked %d: reused %v, want %v", c.cached, c.asked, addr(r) == p, c.reused)
		}
		if addr(r) == p && (r.class != class || r.Len() != c.asked || len(r.Int32s()) != c.asked) {
			t.Errorf("cached %d, asked %d: class %d length %d, want class %d length %d", c.cached, c.asked, r.class, r.Len(), class, c.asked)
		}
	}
}

func TestSetCacheLimit(t *testing.T) {
	withCache(t, 64<<20)
	free := func(n, size int) {
		for range n {
			cpuBackend.Free(allocCPU(Float32, size))
		}
	}
	keep := make([]*CPUStorage, 20)
	t.Run("a positive limit bounds the cache and drops the least recent", func(t *testing.T) {
		SetCacheLimit(1 << 20)
		for i := range keep {
			keep[i] = allocCPU(Float32, 20000+i*300) // about 90 KB each
		}
		for _, s := range keep {
			cpuBackend.Free(s)
		}
		st := BufferCache()
		if st.Limit != 1<<20 || st.CachedBytes > 1<<20 || st.Dropped == 0 {
			t.Fatalf("%+v: want at most 1 MiB cached and some buffers dropped", st)
		}
		if r := allocCPU(Float32, 20000+19*300); addr(r) != addr(keep[19]) {
			t.Error("the most recently cached buffer was dropped")
		}
		SetCacheLimit(100 << 10)
		if st := BufferCache(); st.CachedBytes > 100<<10 {
			t.Errorf("lowering the limit left %d bytes cached", st.CachedBytes)
		}
	})
	t.Run("zero turns the cache off", func(t *testing.T) {
		SetCacheLimit(0)
		if st := BufferCache(); st.CachedBytes != 0 || st.Limit != 0 {
			t.Fatalf("%+v after SetCacheLimit(0)", st)
		}
		before := BufferCache()
		free(3, 5000)
		st := BufferCache()
		if st.CachedBytes != 0 || st.Hits != before.Hits {
			t.Fatalf("%+v: the cache kept or served buffers while off", st)
		}
	})
	t.Run("a negative limit restores the automatic bound", func(t *testing.T) {
		SetCacheLimit(-5)
		free(3, 5000)
		st := BufferCache()
		if st.Limit < cacheFloor || st.CachedBytes == 0 {
			t.Fatalf("%+v: want the automatic bound (at least %d) and the cache on", st, cacheFloor)
		}
	})
}

func TestAutoBound(t *testing.T) {
	const mb = 1 << 20
	defer func(f int64) { cacheFloor = f }(cacheFloor)
	cacheFloor = 64 * mb
	for _, c := range []struct {
		name          string
		live, scope   []int64
		ceiling, want int64
	}{
		{"a small program gets the floor", []int64{5 * mb, 0, 0, 0}, []int64{0, 0, 0, 0}, 1 << 40, 64 * mb},
		{"the mean of the recent live heaps", []int64{100 * mb, 300 * mb, 200 * mb, 200 * mb}, []int64{0, 0, 0, 0}, 1 << 40, 200 * mb},
		{"a scope larger than the heap", []int64{100 * mb, 0, 0, 0}, []int64{0, 0, 500 * mb, 0}, 1 << 40, 500 * mb},
		{"the ceiling wins", []int64{100 * mb, 0, 0, 0}, []int64{0, 900 * mb, 0, 0}, 256 * mb, 256 * mb},
		{"a ceiling below the floor", []int64{0, 0, 0, 0}, []int64{0, 0, 0, 0}, 16 * mb, 16 * mb},
	} {
		if got := autoBound(c.live, c.scope, c.ceiling); got != c.want {
			t.Errorf("%s: %d MB, want %d MB", c.name, got/mb, c.want/mb)
		}
	}
}

// TestConcurrentAllocationsNeverShareABuffer has goroutines allocate,
// fill, keep, free and drop buffers of many sizes while collections run
// and the limit changes, and checks that no buffer was handed out twice
// (run with -race).
func TestConcurrentAllocationsNeverShareABuffer(t *testing.T) {
	withCache(t, 4<<20)
	const workers, rounds = 6, 300
	var wg sync.WaitGroup
	stop := make(chan struct{})
	wg.Add(1)
	go func() {
		defer wg.Done()
		limits := []int64{-1, 1 << 20, -1, 256 << 10, -1}
		for i := 0; ; i++ {
			select {
			case <-stop:
				SetCacheLimit(-1)
				return
			default:
			}
			SetCacheLimit(limits[i%len(limits)])
			runtime.GC()
			time.Sleep(time.Millisecond)
		}
	}()
	errs := make(chan string, workers)
	var workersDone sync.WaitGroup
	for w := range workers {
		workersDone.Add(1)
		go func() {
			defer workersDone.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 9))
			type held struct {
				s   *CPUStorage
				tag float32
			}
			var kept []held
			for i := range rounds {
				s := allocCPU(Float32, 64+rng.IntN(20000))
				tag := float32(w*rounds + i)
				for j := range s.f32 {
					s.f32[j] = tag
				}
				switch rng.IntN(3) {
				case 0: // released at once
					cpuBackend.Free(s)
				case 1: // left to the collector
				default:
					kept = append(kept, held{s, tag})
				}
				if len(kept) > 8 {
					h := kept[0]
					kept = kept[1:]
					for j, v := range h.s.f32 {
						if v != h.tag {
							errs <- "a kept buffer was overwritten: handed out twice"
							_ = j
							return
						}
					}
					cpuBackend.Free(h.s)
				}
			}
			for _, h := range kept {
				for _, v := range h.s.f32 {
					if v != h.tag {
						errs <- "a kept buffer was overwritten: handed out twice"
						return
					}
				}
			}
		}()
	}
	workersDone.Wait()
	close(stop)
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Fatal(e)
	}
	if st := BufferCache(); st.CachedBytes > st.Limit {
		t.Fatalf("%+v: outside its bound", st)
	}
}
