package allocbytes

import "testing"

var sink []byte

func TestPerCallCountsTheBytesOfEachCall(t *testing.T) {
	got := PerCall(3, 100, func() { sink = make([]byte, 1<<16) })
	if got < 1<<16 || got > 1<<16+1024 {
		t.Errorf("a 64 KiB allocation per call measured as %.0f bytes", got)
	}
	if got := PerCall(3, 100, func() {}); got > 64 {
		t.Errorf("an empty call measured as %.0f bytes", got)
	}
}
