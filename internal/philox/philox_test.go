package philox

import "testing"

func TestPhiloxMatchesTheRandom123KnownAnswers(t *testing.T) {
	cases := []struct {
		ctr  [4]uint32
		key  [2]uint32
		want [4]uint32
	}{
		{[4]uint32{0, 0, 0, 0}, [2]uint32{0, 0}, [4]uint32{0x6627e8d5, 0xe169c58d, 0xbc57ac4c, 0x9b00dbd8}},
		{[4]uint32{0xffffffff, 0xffffffff, 0xffffffff, 0xffffffff}, [2]uint32{0xffffffff, 0xffffffff}, [4]uint32{0x408f276d, 0x41c83b0e, 0xa20bc7c6, 0x6d5451fd}},
		{[4]uint32{0x243f6a88, 0x85a308d3, 0x13198a2e, 0x03707344}, [2]uint32{0xa4093822, 0x299f31d0}, [4]uint32{0xd16cfe09, 0x94fdcceb, 0x5001e420, 0x24126ea1}},
	}
	for _, c := range cases {
		if got := Philox4x32(c.ctr, c.key); got != c.want {
			t.Errorf("Philox4x32(%08x, %08x) = %08x, want %08x", c.ctr, c.key, got, c.want)
		}
	}
}

func TestBlockPutsTheCounterAndSeedInPlace(t *testing.T) {
	const seed, block = 0x0123456789abcdef, 0xfedcba9876543210
	want := Philox4x32([4]uint32{0x76543210, 0xfedcba98, 0, 0}, [2]uint32{0x89abcdef, 0x01234567})
	if got := Block(seed, block); got != want {
		t.Errorf("Block = %08x, want %08x", got, want)
	}
}

func TestUniform(t *testing.T) {
	for _, c := range []struct {
		w    uint32
		want float64
	}{{0, 0}, {0xff, 0}, {0x100, Two24}, {0xffffffff, 1 - Two24}, {0x80000000, 0.5}} {
		if got := Uniform(c.w); got != c.want {
			t.Errorf("Uniform(%#x) = %v, want %v", c.w, got, c.want)
		}
	}
}

func TestWordsMatchBlockAtEveryStartAndLength(t *testing.T) {
	const seed = 0x9e3779b97f4a7c15
	for _, first := range []uint64{0, 1, 2, 3, 4, 5, 7, 1<<32 - 3, 1<<34 + 1} {
		for n := 0; n <= 37; n++ {
			got := make([]uint32, n)
			Words(seed, first, got)
			for i, w := range got {
				e := first + uint64(i)
				if want := Block(seed, e/4)[e%4]; w != want {
					t.Fatalf("first %d, n %d: word %d is %08x, want %08x", first, n, i, w, want)
				}
			}
		}
	}
}

func TestKeepThresholdAgreesWithUniform(t *testing.T) {
	for _, p := range []float64{-1, 0, 1e-9, 0.1, 0.25, 0.5, 1.0 / 3, 0.9, 1 - Two24, 1, 2} {
		th := KeepThreshold(p)
		for _, v := range []uint32{0, 1, th - 1, th, th + 1, 1<<24 - 1} {
			if v >= 1<<24 {
				continue
			}
			w := v<<8 | 0xab
			if keep, want := w>>8 >= th, Uniform(w) >= p; keep != want {
				t.Errorf("p %v, word %#x: kept %v by the threshold %d, %v by Uniform", p, w, keep, th, want)
			}
		}
	}
}

func BenchmarkWords(b *testing.B) {
	dst := make([]uint32, 4096)
	b.SetBytes(int64(4 * len(dst)))
	for b.Loop() {
		Words(1, 0, dst)
	}
}

func BenchmarkBlock(b *testing.B) {
	dst := make([]uint32, 4096)
	b.SetBytes(int64(4 * len(dst)))
	for b.Loop() {
		for i := 0; i < len(dst); i += 4 {
			blk := Block(1, uint64(i/4))
			copy(dst[i:], blk[:])
		}
	}
}
