package tensor

import (
	"fmt"
	"math"
)

// DType is the element type of a tensor's storage.
//
// Float32 is the default and the compute type of the CPU backend; Float64
// is supported by every CPU op (it is what gradient checks use); Int32 holds
// token ids, class targets and masks. Float16 and BFloat16 are storage
// types: tensors of these types can be created, copied, moved between
// devices and cast (As) to and from the other types, but arithmetic on the
// CPU needs a cast to Float32 first.
type DType uint8

// The element types. The zero value is Float32.
const (
	Float32 DType = iota
	Float64
	Int32
	Float16
	BFloat16
	numDTypes
)

var dtypeNames = [numDTypes]string{"float32", "float64", "int32", "float16", "bfloat16"}
var dtypeSizes = [numDTypes]int{4, 8, 4, 2, 2}

// String returns the lower-case name of the type, as in PyTorch ("float32").
func (d DType) String() string {
	if d < numDTypes {
		return dtypeNames[d]
	}
	return fmt.Sprintf("DType(%d)", uint8(d))
}

// Size returns the number of bytes of one element.
func (d DType) Size() int {
	if d < numDTypes {
		return dtypeSizes[d]
	}
	panic(fmt.Sprintf("tensor: unknown dtype %d", uint8(d)))
}

// IsFloat reports whether the type holds floating-point numbers.
func (d DType) IsFloat() bool { return d == Float32 || d == Float64 || d == Float16 || d == BFloat16 }

// valid reports whether d is one of the defined types.
func (d DType) valid() bool { return d < numDTypes }

// ParseDType returns the type named s ("float32", "f32", "float64", "f64",
// "int32", "i32", "float16", "f16", "half", "bfloat16", "bf16").
func ParseDType(s string) (DType, error) {
	switch s {
	case "float32", "f32", "F32", "float":
		return Float32, nil
	case "float64", "f64", "F64", "double":
		return Float64, nil
	case "int32", "i32", "I32", "int":
		return Int32, nil
	case "float16", "f16", "F16", "half":
		return Float16, nil
	case "bfloat16", "bf16", "BF16":
		return BFloat16, nil
	}
	return 0, fmt.Errorf("tensor: unknown dtype %q", s)
}

// Float32ToFloat16 converts f to IEEE 754 half precision, rounding to the
// nearest even value; values too large become ±Inf and NaN stays NaN.
func Float32ToFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	sign := uint16(b>>16) & 0x8000
	exp := int32(b>>23) & 0xff
	mant := b & 0x7fffff
	switch {
	case exp == 0xff: // Inf or NaN
		if mant != 0 {
			return sign | 0x7e00
		}
		return sign | 0x7c00
	case exp > 127+15: // overflow
		return sign | 0x7c00
	case exp >= 127-14: // normal half
		e := uint32(exp - 127 + 15)
		m := mant >> 13
		rest := mant & 0x1fff
		h := e<<10 | m
		if rest > 0x1000 || (rest == 0x1000 && m&1 == 1) {
			h++ // may carry into the exponent, which is still correct (up to Inf)
		}
		return sign | uint16(h)
	case exp >= 127-25: // subnormal half
		m := mant | 0x800000
		shift := uint32(126 - exp) // low bits dropped: value = m·2^(exp-126-24)
		h := m >> shift
		rest := m & (1<<shift - 1)
		half := uint32(1) << (shift - 1)
		if rest > half || (rest == half && h&1 == 1) {
			h++
		}
		return sign | uint16(h)
	default: // underflow to zero
		return sign
	}
}

// Float16ToFloat32 converts IEEE 754 half-precision bits to float32 exactly.
func Float16ToFloat32(h uint16) float32 {
	sign := uint32(h&0x8000) << 16
	exp := uint32(h>>10) & 0x1f
	mant := uint32(h & 0x3ff)
	switch exp {
	case 0:
		if mant == 0 {
			return math.Float32frombits(sign)
		}
		// subnormal: value = mant · 2^-24
		f := float32(mant) * (1.0 / (1 << 24))
		if sign != 0 {
			f = -f
		}
		return f
	case 0x1f:
		return math.Float32frombits(sign | 0x7f800000 | mant<<13)
	}
	return math.Float32frombits(sign | (exp+127-15)<<23 | mant<<13)
}

// Float32ToBFloat16 converts f to bfloat16 (the top 16 bits of a float32),
// rounding to the nearest even value; NaN stays NaN.
func Float32ToBFloat16(f float32) uint16 {
	b := math.Float32bits(f)
	if b&0x7fffffff > 0x7f800000 { // NaN: keep it quiet and non-zero
		return uint16(b>>16) | 0x40
	}
	b += 0x7fff + (b>>16)&1
	return uint16(b >> 16)
}

// BFloat16ToFloat32 converts bfloat16 bits to float32 exactly.
func BFloat16ToFloat32(h uint16) float32 { return math.Float32frombits(uint32(h) << 16) }
