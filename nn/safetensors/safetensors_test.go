package safetensors_test

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// file builds a safetensors file from a header string and data bytes.
func file(header string, data []byte) []byte {
	var b bytes.Buffer
	binary.Write(&b, binary.LittleEndian, uint64(len(header)))
	b.WriteString(header)
	b.Write(data)
	return b.Bytes()
}

func sample() map[string]*tensor.Tensor {
	return map[string]*tensor.Tensor{
		"a.weight": tensor.FromSlice([]float32{1, -2, 3.5, 4, 5, 6}, 2, 3),
		"b":        tensor.FromSlice([]float64{math.Pi, -1e300}),
		"ids":      tensor.FromSlice([]int32{7, -8, 9}, 3, 1),
		"half":     tensor.FromSlice([]float32{0.5, -2, 65504}).As(tensor.Float16),
		"brain":    tensor.FromSlice([]float32{1.5, -3}).As(tensor.BFloat16),
		"scalar":   tensor.Scalar(42),
		"empty":    tensor.Zeros(0, 4),
		"strided":  tensor.FromSlice([]float32{1, 2, 3, 4}, 2, 2).T(),
	}
}

func TestRoundTripKeepsNamesDTypesShapesValuesAndMetadata(t *testing.T) {
	in := sample()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	meta := map[string]string{"format": "pt", "note": "ünïcode"}
	if err := safetensors.WriteFile(path, in, meta); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if !reflect.DeepEqual(f.Metadata(), meta) {
		t.Errorf("metadata %v, want %v", f.Metadata(), meta)
	}
	if got := f.Names(); len(got) != len(in) {
		t.Fatalf("names %v", got)
	}
	for name, want := range in {
		got, err := f.Tensor(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got.DType() != want.DType() || !reflect.DeepEqual(got.Shape(), want.Shape()) {
			t.Fatalf("%s: %s %v, want %s %v", name, got.DType(), got.Shape(), want.DType(), want.Shape())
		}
		if !reflect.DeepEqual(got.Float64s(), want.Float64s()) {
			t.Fatalf("%s: %v, want %v", name, got.Float64s(), want.Float64s())
		}
	}
	if info, _ := f.Info("a.weight"); info.DType != safetensors.F32 || info.End-info.Begin != 24 {
		t.Fatalf("info %+v", info)
	}
	// The data section starts 8-byte aligned.
	raw, _ := os.ReadFile(path)
	if n := binary.LittleEndian.Uint64(raw); (8+n)%8 != 0 {
		t.Fatalf("header length %d leaves the data unaligned", n)
	}
}

func TestWriteFileIsAtomicAndLeavesNoTemporaryFiles(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "m.safetensors")
	if err := safetensors.WriteFile(path, sample(), nil); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadFile(path)
	// A failing write (an unsupported tensor name) leaves the old file.
	bad := map[string]*tensor.Tensor{"__metadata__": tensor.Ones(1)}
	if err := safetensors.WriteFile(path, bad, nil); err == nil {
		t.Fatal("a tensor named __metadata__ was written")
	}
	after, _ := os.ReadFile(path)
	if !bytes.Equal(before, after) {
		t.Fatal("a failed write changed the existing file")
	}
	ents, _ := os.ReadDir(dir)
	if len(ents) != 1 {
		t.Fatalf("folder holds %d entries, want only the file", len(ents))
	}
	// The mode is what os.Create gives (0666 less the umask), not 0600.
	ref, err := os.Create(filepath.Join(t.TempDir(), "ref"))
	if err != nil {
		t.Fatal(err)
	}
	ref.Close()
	want, _ := os.Stat(ref.Name())
	if st, _ := os.Stat(path); st.Mode().Perm() != want.Mode().Perm() {
		t.Fatalf("mode %v, want %v as os.Create gives", st.Mode().Perm(), want.Mode().Perm())
	}
}

func TestIntegerAndEightBitDTypesConvert(t *testing.T) {
	le := binary.LittleEndian
	var data []byte
	data = le.AppendUint64(data, uint64(1<<40)) // I64 out of int32 range
	data = le.AppendUint64(data, 5)
	data = le.AppendUint64(data, uint64(math.MaxUint64)) // I64 -1
	data = le.AppendUint16(data, 0xffff)                 // U16 65535
	data = append(data, 0xff, 1, 0)                      // I8 -1, BOOL true false
	data = append(data, 0x38, 0x3c, 0x7f)                // F8_E4M3 1.0, F8_E5M2 1.0, F8_E4M3 NaN
	hdr := `{"big":{"dtype":"I64","shape":[1],"data_offsets":[0,8]},` +
		`"i64":{"dtype":"I64","shape":[2],"data_offsets":[8,24]},` +
		`"u16":{"dtype":"U16","shape":[1],"data_offsets":[24,26]},` +
		`"i8":{"dtype":"I8","shape":[1],"data_offsets":[26,27]},` +
		`"bool":{"dtype":"BOOL","shape":[2],"data_offsets":[27,29]},` +
		`"e4m3":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[29,30]},` +
		`"e5m2":{"dtype":"F8_E5M2","shape":[1],"data_offsets":[30,31]},` +
		`"nan":{"dtype":"F8_E4M3","shape":[1],"data_offsets":[31,32]}}`
	f, err := safetensors.Parse(file(hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	check := func(name string, want []float64) {
		t.Helper()
		x, err := f.Tensor(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if got := x.Float64s(); !reflect.DeepEqual(got, want) {
			t.Fatalf("%s = %v, want %v", name, got, want)
		}
	}
	check("i64", []float64{5, -1})
	check("u16", []float64{65535})
	check("i8", []float64{-1})
	check("bool", []float64{1, 0})
	check("e4m3", []float64{1})
	check("e5m2", []float64{1})
	if _, err := f.Tensor("big"); !errors.Is(err, safetensors.ErrUnsupported) {
		t.Fatalf("an int64 beyond int32 gave %v, want ErrUnsupported", err)
	}
	if x, err := f.Float32("big"); err != nil || x.Float64s()[0] != 1<<40 {
		t.Fatalf("Float32(big) = %v, %v", x, err)
	}
	if x, _ := f.Tensor("nan"); !math.IsNaN(x.Float64s()[0]) {
		t.Fatal("F8_E4M3 0x7f is not NaN")
	}
	if x, err := f.Float32("u16"); err != nil || x.DType() != tensor.Float32 {
		t.Fatalf("Float32(u16): %v, %v", x, err)
	}
}

func TestMalformedFilesAreRejectedWithErrFormat(t *testing.T) {
	good := `{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]}}`
	data8 := make([]byte, 8)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"an empty file", nil, "shorter than the 8-byte header length"},
		{"a header length past the end", file(good, data8)[:20], "runs past the end"},
		{"a huge header length", append(binary.LittleEndian.AppendUint64(nil, 1<<40), '{'), "exceeds the limit"},
		{"a header that is not JSON", file(`{"a":`, nil), "header JSON"},
		{"a header that is not an object", file(`[1,2]`, nil), "does not start with '{'"},
		{"invalid UTF-8 in the header", file("{\"\xff\":1}", nil), "not valid UTF-8"},
		{"trailing JSON", file(good+`{}`, data8), "trailing data"},
		{"an unknown dtype", file(`{"a":{"dtype":"F7","shape":[2],"data_offsets":[0,8]}}`, data8), "unknown dtype"},
		{"a missing field", file(`{"a":{"dtype":"F32","data_offsets":[0,8]}}`, data8), "all required"},
		{"a negative dimension", file(`{"a":{"dtype":"F32","shape":[-2],"data_offsets":[0,8]}}`, data8), "negative dimension"},
		{"a size that disagrees with the offsets", file(`{"a":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}}`, data8), "needs 12 bytes"},
		{"reversed offsets", file(`{"a":{"dtype":"F32","shape":[0],"data_offsets":[8,0]}}`, data8), "not an interval"},
		{"a gap between tensors", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8), "must be contiguous"},
		{"overlapping tensors", file(`{"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8), "must be contiguous"},
		{"extra bytes after the data", file(good, make([]byte, 12)), "cover 8 bytes of a 12-byte"},
		{"truncated data", file(good, data8[:4]), "cover 8 bytes of a 4-byte"},
		{"a duplicate name", file(`{"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}}`, data8), "duplicate tensor name"},
		{"metadata that is not strings", file(`{"__metadata__":{"a":1}}`, nil), "strings to strings"},
		{"a shape that overflows", file(`{"a":{"dtype":"F64","shape":[4294967296,4294967296],"data_offsets":[0,8]}}`, data8), "overflows"},
		{"a float in the shape", file(`{"a":{"dtype":"F32","shape":[2.5],"data_offsets":[0,8]}}`, data8), "tensor \"a\""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := safetensors.Parse(tc.file)
			if !errors.Is(err, safetensors.ErrFormat) || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want ErrFormat mentioning %q", err, tc.want)
			}
		})
	}
}

func TestPaddedHeadersAndEmptyFilesAreValid(t *testing.T) {
	f, err := safetensors.Parse(file(`{}      `, nil))
	if err != nil || f.Len() != 0 {
		t.Fatalf("an empty padded file: %v", err)
	}
	if _, err := f.Tensor("x"); !errors.Is(err, safetensors.ErrNotFound) {
		t.Fatalf("missing tensor: %v, want ErrNotFound", err)
	}
}

func TestOpenReportsMissingFilesAndClosedUse(t *testing.T) {
	if _, err := safetensors.Open(filepath.Join(t.TempDir(), "nope")); !errors.Is(err, os.ErrNotExist) {
		t.Fatalf("error %v, want ErrNotExist", err)
	}
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := safetensors.WriteFile(path, sample(), nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := f.Tensor("a.weight")
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := f.Tensor("a.weight"); !errors.Is(err, safetensors.ErrClosed) {
		t.Fatalf("after Close: %v, want ErrClosed", err)
	}
	if x.Float64s()[2] != 3.5 {
		t.Fatal("a tensor read before Close changed")
	}
	if err := f.Close(); err != nil {
		t.Fatal("a second Close failed")
	}
}

func FuzzParse(f *testing.F) {
	var b bytes.Buffer
	safetensors.Write(&b, sample(), map[string]string{"k": "v"})
	f.Add(b.Bytes())
	f.Add(file(`{"a":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}}`, make([]byte, 8)))
	f.Add(file(`{"a":{"dtype":"BOOL","shape":[2],"data_offsets":[0,2]}}`, []byte{1, 2}))
	f.Add(file(`{"__metadata__":{}}`, nil))
	f.Add([]byte{})
	f.Fuzz(func(t *testing.T, data []byte) {
		sf, err := safetensors.Parse(data)
		if err != nil {
			if !errors.Is(err, safetensors.ErrFormat) {
				t.Fatalf("error %v does not wrap ErrFormat", err)
			}
			return
		}
		for _, name := range sf.Names() {
			info, _ := sf.Info(name)
			x, err := sf.Tensor(name)
			if err == nil && x.Numel() != info.Numel() {
				t.Fatalf("%s: %d elements, header says %d", name, x.Numel(), info.Numel())
			}
			sf.Float32(name)
		}
	})
}
