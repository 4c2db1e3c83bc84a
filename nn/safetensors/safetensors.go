package safetensors

import (
	"bytes"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode/utf8"
	"unsafe"

	"github.com/goformer/goformer/internal/atomicfile"
	"github.com/goformer/goformer/tensor"
)

// The errors callers may branch on. They are wrapped once with the file's
// path (or "safetensors" when there is none) and the details:
//
//	model.safetensors: malformed safetensors file: header length 8 runs past the end of the 12-byte file
//	model.safetensors: tensor "wte.weight": no such tensor
var (
	// ErrFormat reports a malformed or truncated file.
	ErrFormat = errors.New("malformed safetensors file")
	// ErrNotFound reports a tensor name absent from the file.
	ErrNotFound = errors.New("no such tensor")
	// ErrClosed reports use of a File after Close.
	ErrClosed = errors.New("safetensors file closed")
	// ErrUnsupported reports a dtype that cannot be converted as asked.
	ErrUnsupported = errors.New("unsupported dtype")
)

// MaxHeaderSize is the largest JSON header accepted (the reference
// implementation's limit).
const MaxHeaderSize = 100_000_000

// metadataKey is the header key of the string metadata.
const metadataKey = "__metadata__"

// DType is a safetensors element type, named as in the header ("F32").
type DType string

// The element types of the format.
const (
	BOOL   DType = "BOOL"
	U8     DType = "U8"
	I8     DType = "I8"
	F8E5M2 DType = "F8_E5M2"
	F8E4M3 DType = "F8_E4M3"
	I16    DType = "I16"
	U16    DType = "U16"
	F16    DType = "F16"
	BF16   DType = "BF16"
	I32    DType = "I32"
	U32    DType = "U32"
	F32    DType = "F32"
	F64    DType = "F64"
	I64    DType = "I64"
	U64    DType = "U64"
)

// Size returns the number of bytes of one element, or 0 for an unknown
// dtype.
func (d DType) Size() int {
	switch d {
	case BOOL, U8, I8, F8E5M2, F8E4M3:
		return 1
	case I16, U16, F16, BF16:
		return 2
	case I32, U32, F32:
		return 4
	case F64, I64, U64:
		return 8
	}
	return 0
}

// Info describes one tensor of a file.
type Info struct {
	Name  string
	DType DType
	Shape []int
	// Begin and End are the byte offsets of the data, relative to the
	// start of the data section.
	Begin, End int64
}

// Numel returns the number of elements.
func (i Info) Numel() int {
	n := 1
	for _, d := range i.Shape {
		n *= d
	}
	return n
}

// File is an open safetensors file. Its methods are safe for concurrent
// use, except Close, which must not race with the others.
type File struct {
	mu      sync.RWMutex
	data    []byte       // the whole file
	release func() error // unmaps data (nil for Parse)
	base    int64        // start of the data section: 8 + header length
	infos   map[string]Info
	names   []string
	meta    map[string]string
	name    string // file name for messages
}

// Open opens and validates a safetensors file, mapping it into memory
// (reading it whole where memory mapping is unavailable). Close releases
// it. While it is open the file must not be truncated or rewritten in
// place (WriteFile never does: it renames a new file over the old one).
func Open(path string) (*File, error) {
	data, release, err := mapFile(path)
	if err != nil {
		if _, ok := err.(*fs.PathError); ok {
			return nil, err // it names the operation and the file
		}
		return nil, fmt.Errorf("open %s: %w", path, err)
	}
	f, err := parse(data, path)
	if err != nil {
		if release != nil {
			release()
		}
		return nil, err
	}
	f.release = release
	return f, nil
}

// Parse validates the safetensors file held in data and returns it,
// without copying data (which must not change while the File is used).
func Parse(data []byte) (*File, error) { return parse(data, "") }

func parse(data []byte, name string) (*File, error) {
	fail := func(format string, args ...any) error {
		msg := fmt.Sprintf(format, args...)
		if name != "" {
			return fmt.Errorf("%s: %w: %s", name, ErrFormat, msg)
		}
		return fmt.Errorf("%w: %s", ErrFormat, msg)
	}
	if len(data) < 8 {
		return nil, fail("file of %d bytes is shorter than the 8-byte header length", len(data))
	}
	n := binary.LittleEndian.Uint64(data)
	if n > MaxHeaderSize {
		return nil, fail("header length %d exceeds the limit of %d bytes", n, MaxHeaderSize)
	}
	if uint64(len(data))-8 < n {
		return nil, fail("header length %d runs past the end of the %d-byte file", n, len(data))
	}
	hdr := data[8 : 8+n]
	if !utf8.Valid(hdr) {
		return nil, fail("header is not valid UTF-8")
	}
	if len(hdr) == 0 || hdr[0] != '{' {
		return nil, fail("header does not start with '{'")
	}
	f := &File{data: data, base: int64(8 + n), infos: map[string]Info{}, name: name}
	if err := f.parseHeader(hdr); err != nil {
		return nil, fail("%v", err)
	}
	// The data offsets must tile the data section exactly.
	sorted := make([]Info, 0, len(f.infos))
	for _, in := range f.infos {
		sorted = append(sorted, in)
	}
	sort.Slice(sorted, func(i, j int) bool {
		if sorted[i].Begin != sorted[j].Begin {
			return sorted[i].Begin < sorted[j].Begin
		}
		return sorted[i].End < sorted[j].End
	})
	var end int64
	for _, in := range sorted {
		if in.Begin != end {
			return nil, fail("tensor %q starts at byte %d, expected %d (data offsets must be contiguous)", in.Name, in.Begin, end)
		}
		end = in.End
	}
	if have := int64(len(data)) - f.base; end != have {
		return nil, fail("tensors cover %d bytes of a %d-byte data section", end, have)
	}
	f.names = make([]string, 0, len(f.infos))
	for k := range f.infos {
		f.names = append(f.names, k)
	}
	sort.Strings(f.names)
	return f, nil
}

// rawEntry is a header entry as written in JSON.
type rawEntry struct {
	DType   *string  `json:"dtype"`
	Shape   *[]int64 `json:"shape"`
	Offsets *[]int64 `json:"data_offsets"`
}

// parseHeader reads the JSON object, rejecting duplicate keys.
func (f *File) parseHeader(hdr []byte) error {
	dec := json.NewDecoder(bytes.NewReader(hdr))
	dec.UseNumber()
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		return fmt.Errorf("header is not a JSON object")
	}
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fmt.Errorf("header JSON: %v", err)
		}
		key, ok := tok.(string)
		if !ok {
			return fmt.Errorf("header JSON: key %v is not a string", tok)
		}
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fmt.Errorf("header JSON at %q: %v", key, err)
		}
		if key == metadataKey {
			if f.meta != nil {
				return fmt.Errorf("duplicate %s", metadataKey)
			}
			var m map[string]string
			if err := json.Unmarshal(raw, &m); err != nil {
				return fmt.Errorf("%s must map strings to strings: %v", metadataKey, err)
			}
			if m == nil {
				m = map[string]string{}
			}
			f.meta = m
			continue
		}
		if _, dup := f.infos[key]; dup {
			return fmt.Errorf("duplicate tensor name %q", key)
		}
		info, err := parseEntry(key, raw)
		if err != nil {
			return err
		}
		f.infos[key] = info
	}
	if _, err := dec.Token(); err != nil {
		return fmt.Errorf("header JSON: %v", err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return fmt.Errorf("header JSON: trailing data after the object")
	}
	return nil
}

func parseEntry(name string, raw json.RawMessage) (Info, error) {
	var e rawEntry
	if err := json.Unmarshal(raw, &e); err != nil {
		return Info{}, fmt.Errorf("tensor %q: %v", name, err)
	}
	if e.DType == nil || e.Shape == nil || e.Offsets == nil {
		return Info{}, fmt.Errorf("tensor %q: dtype, shape and data_offsets are all required", name)
	}
	dt := DType(*e.DType)
	if dt.Size() == 0 {
		return Info{}, fmt.Errorf("tensor %q: unknown dtype %q", name, *e.DType)
	}
	if len(*e.Offsets) != 2 {
		return Info{}, fmt.Errorf("tensor %q: data_offsets has %d values, want 2", name, len(*e.Offsets))
	}
	begin, end := (*e.Offsets)[0], (*e.Offsets)[1]
	if begin < 0 || end < begin {
		return Info{}, fmt.Errorf("tensor %q: data offsets [%d, %d] are not an interval", name, begin, end)
	}
	if len(*e.Shape) > tensor.MaxRank {
		return Info{}, fmt.Errorf("tensor %q: rank %d exceeds %d", name, len(*e.Shape), tensor.MaxRank)
	}
	shape := make([]int, len(*e.Shape))
	bytes := uint64(dt.Size())
	for i, d := range *e.Shape {
		if d < 0 {
			return Info{}, fmt.Errorf("tensor %q: negative dimension in shape %v", name, *e.Shape)
		}
		if d > 0 && bytes > math.MaxInt64/uint64(d) {
			return Info{}, fmt.Errorf("tensor %q: shape %v overflows", name, *e.Shape)
		}
		bytes *= uint64(d)
		shape[i] = int(d)
	}
	if bytes != uint64(end-begin) {
		return Info{}, fmt.Errorf("tensor %q: %s %v needs %d bytes, data offsets [%d, %d] hold %d", name, dt, *e.Shape, bytes, begin, end, end-begin)
	}
	return Info{Name: name, DType: dt, Shape: shape, Begin: begin, End: end}, nil
}

// Close releases the file's memory. Tensors already returned stay valid.
func (f *File) Close() error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.data == nil {
		return nil
	}
	f.data = nil
	if f.release != nil {
		return f.release()
	}
	return nil
}

// Names returns the tensor names in sorted order.
func (f *File) Names() []string { return append([]string(nil), f.names...) }

// Len returns the number of tensors.
func (f *File) Len() int { return len(f.names) }

// Info returns the description of the named tensor.
func (f *File) Info(name string) (Info, bool) {
	in, ok := f.infos[name]
	if ok {
		in.Shape = append([]int(nil), in.Shape...)
	}
	return in, ok
}

// Metadata returns a copy of the header's string metadata (empty when the
// file has none).
func (f *File) Metadata() map[string]string {
	m := make(map[string]string, len(f.meta))
	for k, v := range f.meta {
		m[k] = v
	}
	return m
}

// raw runs fn on the bytes of the named tensor while the file is open.
func (f *File) raw(name string, fn func(in Info, b []byte) (*tensor.Tensor, error)) (*tensor.Tensor, error) {
	in, ok := f.infos[name]
	if !ok {
		return nil, f.errorf("tensor %q: %w", name, ErrNotFound)
	}
	f.mu.RLock()
	defer f.mu.RUnlock()
	if f.data == nil {
		return nil, f.errorf("tensor %q: %w", name, ErrClosed)
	}
	return fn(in, f.data[f.base+in.Begin:f.base+in.End])
}

func (f *File) errorf(format string, args ...any) error {
	prefix := f.name
	if prefix == "" {
		prefix = "safetensors"
	}
	return fmt.Errorf("%s: "+format, append([]any{prefix}, args...)...)
}

// Bytes returns a copy of the raw little-endian bytes of the named tensor.
func (f *File) Bytes(name string) ([]byte, error) {
	var out []byte
	_, err := f.raw(name, func(_ Info, b []byte) (*tensor.Tensor, error) {
		out = append([]byte(nil), b...)
		return nil, nil
	})
	return out, err
}

// Tensor reads the named tensor into a new CPU tensor: F32, F64, F16, BF16
// and I32 keep their type; BOOL, U8, I8, I16, U16, U32, I64 and U64 become
// Int32 (an error wrapping ErrUnsupported names the first value out of
// int32 range); F8_E4M3 and F8_E5M2 become Float32.
func (f *File) Tensor(name string) (*tensor.Tensor, error) {
	return f.raw(name, func(in Info, b []byte) (*tensor.Tensor, error) { return f.decode(name, in, b) })
}

// decode copies the bytes b of tensor name into a new tensor.
func (f *File) decode(name string, in Info, b []byte) (*tensor.Tensor, error) {
	switch in.DType {
	case F32:
		return shaped(tensor.FromSlice(decodeF32(b)), in.Shape), nil
	case F64:
		return shaped(tensor.FromSlice(decodeF64(b)), in.Shape), nil
	case F16:
		return shaped(tensor.FromBits16(tensor.Float16, decodeU16(b)), in.Shape), nil
	case BF16:
		return shaped(tensor.FromBits16(tensor.BFloat16, decodeU16(b)), in.Shape), nil
	case F8E4M3, F8E5M2:
		return shaped(tensor.FromSlice(decodeF8(in.DType, b)), in.Shape), nil
	}
	v, err := decodeInts(in, b)
	if err != nil {
		return nil, f.errorf("tensor %q: %w", name, err)
	}
	return shaped(tensor.FromSlice(v), in.Shape), nil
}

// View runs fn on the named tensor without copying its data where the
// file allows it: on a little-endian host, an F32, F64, I32, F16 or BF16
// tensor whose bytes are aligned for its type is a tensor over the file's
// memory (mapped read-only); any other tensor is read as Tensor reads it.
// The tensor is valid only during fn, which must not modify it or keep it
// (or a view of it) after returning; copy what must outlive the call
// (Tensor.CopyFrom into a model's parameter, as loaders do). Close waits
// for running calls.
func (f *File) View(name string, fn func(t *tensor.Tensor) error) error {
	var fnErr error
	_, err := f.raw(name, func(in Info, b []byte) (*tensor.Tensor, error) {
		t := viewBytes(in, b)
		if t == nil {
			var err error
			if t, err = f.decode(name, in, b); err != nil {
				return nil, err
			}
		}
		fnErr = fn(t)
		return nil, nil
	})
	if err != nil {
		return err
	}
	return fnErr
}

// viewBytes returns a tensor over b without copying, or nil where the
// host's byte order, b's alignment or the dtype does not allow it.
func viewBytes(in Info, b []byte) *tensor.Tensor {
	if !littleEndian || len(b) == 0 {
		return nil
	}
	size := in.DType.Size()
	if uintptr(unsafe.Pointer(&b[0]))%uintptr(size) != 0 {
		return nil
	}
	n := len(b) / size
	p := unsafe.Pointer(&b[0])
	switch in.DType {
	case F32:
		return shaped(tensor.FromSlice(unsafe.Slice((*float32)(p), n)), in.Shape)
	case F64:
		return shaped(tensor.FromSlice(unsafe.Slice((*float64)(p), n)), in.Shape)
	case I32:
		return shaped(tensor.FromSlice(unsafe.Slice((*int32)(p), n)), in.Shape)
	case F16:
		return shaped(tensor.FromBits16(tensor.Float16, unsafe.Slice((*uint16)(p), n)), in.Shape)
	case BF16:
		return shaped(tensor.FromBits16(tensor.BFloat16, unsafe.Slice((*uint16)(p), n)), in.Shape)
	}
	return nil
}

// Float32 reads the named tensor converted to float32, whatever its dtype
// (integers convert exactly up to 2²⁴).
func (f *File) Float32(name string) (*tensor.Tensor, error) {
	if in, ok := f.infos[name]; ok && (in.DType == I64 || in.DType == U64 || in.DType == U32) {
		// Read wide integers directly so that the int32 range check does
		// not apply.
		return f.raw(name, func(in Info, b []byte) (*tensor.Tensor, error) {
			return shaped(tensor.FromSlice(decodeWideToF32(in.DType, b)), in.Shape), nil
		})
	}
	t, err := f.Tensor(name)
	if err != nil || t.DType() == tensor.Float32 {
		return t, err
	}
	return t.As(tensor.Float32), nil
}

// shaped gives a flat tensor its shape; an empty shape makes a scalar.
func shaped(t *tensor.Tensor, shape []int) *tensor.Tensor { return t.Reshape(shape...) }

func decodeInts(in Info, b []byte) ([]int32, error) {
	n := in.Numel()
	out := make([]int32, n)
	le := binary.LittleEndian
	for i := range out {
		var v int64
		switch in.DType {
		case BOOL:
			if b[i] > 1 {
				return nil, fmt.Errorf("%w: BOOL element %d has value %d", ErrFormat, i, b[i])
			}
			v = int64(b[i])
		case U8:
			v = int64(b[i])
		case I8:
			v = int64(int8(b[i]))
		case I16:
			v = int64(int16(le.Uint16(b[2*i:])))
		case U16:
			v = int64(le.Uint16(b[2*i:]))
		case I32:
			v = int64(int32(le.Uint32(b[4*i:])))
		case U32:
			v = int64(le.Uint32(b[4*i:]))
		case I64:
			v = int64(le.Uint64(b[8*i:]))
		case U64:
			u := le.Uint64(b[8*i:])
			if u > math.MaxInt32 {
				return nil, fmt.Errorf("%w: %s element %d = %d does not fit in int32", ErrUnsupported, in.DType, i, u)
			}
			v = int64(u)
		default:
			return nil, fmt.Errorf("%w %s", ErrUnsupported, in.DType)
		}
		if v < math.MinInt32 || v > math.MaxInt32 {
			return nil, fmt.Errorf("%w: %s element %d = %d does not fit in int32", ErrUnsupported, in.DType, i, v)
		}
		out[i] = int32(v)
	}
	return out, nil
}

func decodeWideToF32(dt DType, b []byte) []float32 {
	le := binary.LittleEndian
	switch dt {
	case U32:
		out := make([]float32, len(b)/4)
		for i := range out {
			out[i] = float32(le.Uint32(b[4*i:]))
		}
		return out
	case U64:
		out := make([]float32, len(b)/8)
		for i := range out {
			out[i] = float32(le.Uint64(b[8*i:]))
		}
		return out
	}
	out := make([]float32, len(b)/8)
	for i := range out {
		out[i] = float32(int64(le.Uint64(b[8*i:])))
	}
	return out
}

// decodeF8 converts 8-bit floats: E5M2 is the top byte of a float16; E4M3
// is the "fn" variant (bias 7, no infinities, S.1111.111 is NaN).
func decodeF8(dt DType, b []byte) []float32 {
	out := make([]float32, len(b))
	for i, x := range b {
		if dt == F8E5M2 {
			out[i] = tensor.Float16ToFloat32(uint16(x) << 8)
			continue
		}
		sign := float32(1)
		if x&0x80 != 0 {
			sign = -1
		}
		e, m := int(x>>3&0xf), float64(x&7)
		switch {
		case e == 15 && m == 7:
			out[i] = float32(math.NaN())
		case e == 0:
			out[i] = sign * float32(math.Ldexp(m/8, -6))
		default:
			out[i] = sign * float32(math.Ldexp(1+m/8, e-7))
		}
	}
	return out
}

// dtypeOf maps a tensor dtype to its safetensors name.
func dtypeOf(d tensor.DType) (DType, error) {
	switch d {
	case tensor.Float32:
		return F32, nil
	case tensor.Float64:
		return F64, nil
	case tensor.Float16:
		return F16, nil
	case tensor.BFloat16:
		return BF16, nil
	case tensor.Int32:
		return I32, nil
	}
	return "", fmt.Errorf("%w %s", ErrUnsupported, d)
}

// Write writes tensors and metadata (which may be nil) in safetensors
// format to w, in name order. Names must be non-empty, valid UTF-8 and not
// "__metadata__". Tensors on other devices are copied to the host.
func Write(w io.Writer, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	names := make([]string, 0, len(tensors))
	for k, t := range tensors {
		if k == "" || k == metadataKey || !utf8.ValidString(k) {
			return fmt.Errorf("safetensors: invalid tensor name %q", k)
		}
		if t == nil {
			return fmt.Errorf("safetensors: tensor %q is nil", k)
		}
		names = append(names, k)
	}
	sort.Strings(names)
	hdr, err := header(names, tensors, metadata)
	if err != nil {
		return err
	}
	var lenBuf [8]byte
	binary.LittleEndian.PutUint64(lenBuf[:], uint64(len(hdr)))
	// Errors of w are returned as they are: they name what failed.
	if _, err := w.Write(lenBuf[:]); err != nil {
		return err
	}
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	for _, k := range names {
		if _, err := w.Write(encode(tensors[k])); err != nil {
			return err
		}
	}
	return nil
}

// header returns the JSON header padded with spaces to a multiple of 8
// bytes, so that the data section starts aligned.
func header(names []string, tensors map[string]*tensor.Tensor, metadata map[string]string) ([]byte, error) {
	var b strings.Builder
	b.WriteByte('{')
	first := true
	sep := func() {
		if !first {
			b.WriteByte(',')
		}
		first = false
	}
	if len(metadata) > 0 {
		m, err := json.Marshal(metadata)
		if err != nil {
			return nil, fmt.Errorf("safetensors: metadata: %w", err)
		}
		sep()
		b.WriteString(`"` + metadataKey + `":`)
		b.Write(m)
	}
	var off int64
	for _, k := range names {
		t := tensors[k]
		dt, err := dtypeOf(t.DType())
		if err != nil {
			return nil, fmt.Errorf("safetensors: tensor %q: %w", k, err)
		}
		kj, _ := json.Marshal(k)
		shape, _ := json.Marshal(t.Shape())
		if t.Rank() == 0 {
			shape = []byte("[]")
		}
		n := int64(t.Numel()) * int64(dt.Size())
		sep()
		fmt.Fprintf(&b, `%s:{"dtype":"%s","shape":%s,"data_offsets":[%d,%d]}`, kj, dt, shape, off, off+n)
		off += n
	}
	b.WriteByte('}')
	for b.Len()%8 != 0 {
		b.WriteByte(' ')
	}
	return []byte(b.String()), nil
}

// WriteFile writes tensors and metadata to path atomically: into a
// temporary file in the same folder, synced, then renamed over path. On
// error path is left as it was.
func WriteFile(path string, tensors map[string]*tensor.Tensor, metadata map[string]string) error {
	err := atomicfile.Write(path, func(w io.Writer) error { return Write(w, tensors, metadata) })
	if err != nil {
		return fmt.Errorf("write %s: %w", path, err)
	}
	return nil
}
