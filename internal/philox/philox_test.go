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
