package cuda

import (
	"bytes"
	"errors"
	"fmt"
	"math/rand/v2"
	"sync"
	"testing"

	"github.com/goformer/goformer/tensor"
)

func TestSizeClassesWasteLittle(t *testing.T) {
	for _, n := range []int{1, 511, 512, 513, 4096, 1 << 20, 1<<20 + 1, 3 << 20, 1<<30 + 12345} {
		c := sizeClass(n)
		small := n <= smallLimit && c-n < minBlock
		large := n > smallLimit && float64(c-n) < 0.25*float64(n)
		if c < n || !(small || large) {
			t.Errorf("sizeClass(%d) = %d", n, c)
		}
		if c != sizeClass(c) {
			t.Errorf("sizeClass(%d) = %d is not a class of its own (%d)", n, c, sizeClass(c))
		}
	}
}

func TestTheAllocatorReusesFreedBlocksAndCountsThem(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		before := g.MemStats()
		a, err := g.Alloc(1000)
		if err != nil {
			t.Fatal(err)
		}
		p := a.Ptr()
		a.Free()
		b, err := g.Alloc(900) // same 1024-byte class
		if err != nil {
			t.Fatal(err)
		}
		if b.Ptr() != p {
			t.Errorf("a block of the same class was not reused")
		}
		s := g.MemStats()
		if s.CacheHits <= before.CacheHits || s.Live != before.Live+1 || s.Requested-before.Requested != 900 {
			t.Errorf("stats after reuse: %+v (before %+v)", s, before)
		}
		b.Free()
		if err := g.EmptyCache(); err != nil {
			t.Fatal(err)
		}
		if s := g.MemStats(); s.Cached != 0 || s.Reserved != s.InUse {
			t.Errorf("after EmptyCache: %+v", s)
		}
		z, err := g.Alloc(0)
		if err != nil || z.Ptr() != 0 {
			t.Errorf("Alloc(0) = %v, %v", z, err)
		}
		z.Free()
		defer func() {
			if recover() == nil {
				t.Error("freeing a buffer twice did not panic")
			}
		}()
		b.Free()
	})
}

func TestTransfersOfEverySizeArriveIntact(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		rng := rand.New(rand.NewPCG(39, 40))
		for _, n := range []int{1, 1000, stagingThreshold - 1, stagingThreshold, 3*stagingChunk + 12345} {
			data := make([]byte, n)
			for i := range data {
				data[i] = byte(rng.IntN(256))
			}
			b, err := g.Alloc(n + 64)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.CopyToDevice(b, 64, data); err != nil {
				t.Fatal(err)
			}
			c, err := g.Alloc(n)
			if err != nil {
				t.Fatal(err)
			}
			if err := g.CopyDeviceToDevice(c, 0, b, 64, n); err != nil {
				t.Fatal(err)
			}
			back := make([]byte, n)
			if err := g.CopyFromDevice(back, c, 0); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(back, data) {
				t.Errorf("%d bytes: the data changed on the way", n)
			}
			b.Free()
			c.Free()
		}
	})
}

func TestCopiesOutsideABufferPanic(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		b, err := g.Alloc(16)
		if err != nil {
			t.Fatal(err)
		}
		defer b.Free()
		for name, f := range map[string]func(){
			"to device":   func() { g.CopyToDevice(b, 8, make([]byte, 9)) },
			"from device": func() { g.CopyFromDevice(make([]byte, 17), b, 0) },
			"negative":    func() { g.CopyFromDevice(make([]byte, 1), b, -1) },
		} {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%s: no panic", name)
					}
				}()
				f()
			}()
		}
	})
}

func TestPinnedHostBuffersHoldData(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		h, err := g.AllocHost(4096)
		if err != nil {
			t.Fatal(err)
		}
		copy(h.Bytes(), "goformer")
		d, _ := g.Alloc(4096)
		defer d.Free()
		if err := g.CopyToDevice(d, 0, h.Bytes()); err != nil {
			t.Fatal(err)
		}
		out := make([]byte, 8)
		if err := g.CopyFromDevice(out, d, 0); err != nil {
			t.Fatal(err)
		}
		if string(out) != "goformer" {
			t.Errorf("got %q", out)
		}
		if err := h.Free(); err != nil {
			t.Fatal(err)
		}
		if _, err := g.AllocHost(0); err == nil {
			t.Error("AllocHost(0): no error")
		}
	})
}

func TestEventsTimeTheStream(t *testing.T) {
	forEachGPU(t, func(t *testing.T, g *GPU) {
		a, err := g.NewEvent()
		if err != nil {
			t.Fatal(err)
		}
		b, _ := g.NewEvent()
		defer a.Destroy()
		defer b.Destroy()
		x := newPair(t, g, tensor.Float32, dense(1<<12), uniformIn(rand.New(rand.NewPCG(1, 1)), 0, 1))
		if err := a.Record(); err != nil {
			t.Fatal(err)
		}
		if err := g.unary(int(tensor.OpExp), x.gpu, x.gpu, 0, 0); err != nil {
			t.Fatal(err)
		}
		if err := b.Record(); err != nil {
			t.Fatal(err)
		}
		d, err := b.Since(a)
		if err != nil || d < 0 {
			t.Fatalf("Since = %v, %v", d, err)
		}
	})
}

// TestTheGPUServesManyGoroutinesAtOnce runs ops from several goroutines
// on one GPU (run it with -race).
func TestTheGPUServesManyGoroutinesAtOnce(t *testing.T) {
	forEachDevice(t, func(t *testing.T, dev tensor.Device) {
		var wg sync.WaitGroup
		errs := make(chan error, 8)
		for w := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				rng := rand.New(rand.NewPCG(uint64(w), 7))
				x := randTensor(rng, tensor.Float32, -1, 1, 33, 17)
				want := values(x.MatMul(x.T()).Softmax(-1).Sum(1))
				for range 5 {
					xd := x.To(dev)
					got := values(xd.MatMul(xd.T()).Softmax(-1).Sum(1))
					for i := range got {
						if !tolReduceF32.within(got[i], want[i]) {
							errs <- fmt.Errorf("worker %d: element %d = %v, want %v", w, i, got[i], want[i])
							return
						}
					}
				}
			}()
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			t.Error(err)
		}
	})
}

func TestOpenReportsMissingDevices(t *testing.T) {
	if _, err := DeviceProperties(-1); err == nil {
		t.Error("DeviceProperties(-1): no error")
	}
	if _, err := Open(1 << 20); err == nil {
		t.Error("Open(1<<20): no error")
	} else if !errors.Is(err, ErrNoDevice) && !errors.Is(err, ErrUnavailable) {
		t.Errorf("Open(1<<20) = %v, want ErrNoDevice or ErrUnavailable", err)
	}
}

func TestIndexErrorsPanicThroughTheTensorAPIAsOnTheCPU(t *testing.T) {
	forEachDevice(t, func(t *testing.T, dev tensor.Device) {
		w := tensor.Ones(5, 3).To(dev)
		ids := tensor.FromSlice([]int32{0, 7}).To(dev)
		defer func() {
			r := recover()
			if r == nil {
				t.Fatal("an embedding index out of range did not panic")
			}
			if s := fmt.Sprint(r); !bytes.Contains([]byte(s), []byte("out of range")) {
				t.Errorf("panic %q does not say out of range", s)
			}
		}()
		tensor.Embedding(w, ids)
	})
}
