package safetensors

import (
	"encoding/binary"
	"math"
	"os"
	"unsafe"

	"github.com/goformer/goformer/tensor"
)

// littleEndian is true on hosts whose memory order matches the format's,
// where element slices convert to bytes with a plain copy.
var littleEndian = func() bool {
	x := uint16(1)
	return *(*byte)(unsafe.Pointer(&x)) == 1
}()

// asBytes views a slice of fixed-size numbers as its bytes.
func asBytes[T float32 | float64 | int32 | uint16](s []T) []byte {
	if len(s) == 0 {
		return nil
	}
	return unsafe.Slice((*byte)(unsafe.Pointer(&s[0])), len(s)*int(unsafe.Sizeof(s[0])))
}

func decodeF32(b []byte) []float32 {
	out := make([]float32, len(b)/4)
	if littleEndian {
		copy(asBytes(out), b)
		return out
	}
	for i := range out {
		out[i] = math.Float32frombits(binary.LittleEndian.Uint32(b[4*i:]))
	}
	return out
}

func decodeF64(b []byte) []float64 {
	out := make([]float64, len(b)/8)
	if littleEndian {
		copy(asBytes(out), b)
		return out
	}
	for i := range out {
		out[i] = math.Float64frombits(binary.LittleEndian.Uint64(b[8*i:]))
	}
	return out
}

func decodeU16(b []byte) []uint16 {
	out := make([]uint16, len(b)/2)
	if littleEndian {
		copy(asBytes(out), b)
		return out
	}
	for i := range out {
		out[i] = binary.LittleEndian.Uint16(b[2*i:])
	}
	return out
}

// encode returns t's elements as little-endian bytes in row-major order.
func encode(t *tensor.Tensor) []byte {
	switch t.DType() {
	case tensor.Float32:
		v := t.Float32s()
		if littleEndian {
			return asBytes(v)
		}
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(x))
		}
		return b
	case tensor.Float64:
		v := t.Float64s()
		if littleEndian {
			return asBytes(v)
		}
		b := make([]byte, 8*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint64(b[8*i:], math.Float64bits(x))
		}
		return b
	case tensor.Int32:
		v := t.Int32s()
		if littleEndian {
			return asBytes(v)
		}
		b := make([]byte, 4*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint32(b[4*i:], uint32(x))
		}
		return b
	default: // Float16, BFloat16 (dtypeOf has rejected the rest)
		v := t.Bits16()
		if littleEndian {
			return asBytes(v)
		}
		b := make([]byte, 2*len(v))
		for i, x := range v {
			binary.LittleEndian.PutUint16(b[2*i:], x)
		}
		return b
	}
}

// readWhole reads a file into memory: the fallback where mapping is
// unavailable, and for empty files, which cannot be mapped.
func readWhole(path string) ([]byte, func() error, error) {
	b, err := os.ReadFile(path)
	return b, nil, err
}
