package safetensors_test

import (
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// testdata/numpy.safetensors was written by nn/testdata/gen_fixtures.py from
// numpy arrays of many dtypes, with each array's expected values beside it
// as float64 ("expect.<name>").
func TestFilesWrittenByPythonLoad(t *testing.T) {
	f, err := safetensors.Open("testdata/numpy.safetensors")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if md := f.Metadata(); md["format"] != "np" {
		t.Fatalf("metadata %v", md)
	}
	wantDType := map[string]tensor.DType{
		"f32": tensor.Float32, "f64": tensor.Float64, "f16": tensor.Float16, "bf16": tensor.BFloat16,
		"i64": tensor.Int32, "i32": tensor.Int32, "i16": tensor.Int32, "i8": tensor.Int32, "u8": tensor.Int32,
		"bool": tensor.Int32, "scalar": tensor.Float32, "empty": tensor.Float32,
	}
	n := 0
	for _, name := range f.Names() {
		if strings.HasPrefix(name, "expect.") {
			continue
		}
		n++
		got, err := f.Tensor(name)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		want, err := f.Tensor("expect." + name)
		if err != nil {
			t.Fatal(err)
		}
		if got.DType() != wantDType[name] {
			t.Errorf("%s: dtype %s, want %s", name, got.DType(), wantDType[name])
		}
		if !reflect.DeepEqual(got.Shape(), want.Shape()) {
			t.Errorf("%s: shape %v, want %v", name, got.Shape(), want.Shape())
		}
		g, w := got.Float64s(), want.Float64s()
		for i := range w {
			if g[i] != w[i] && !(math.IsNaN(g[i]) && math.IsNaN(w[i])) {
				t.Errorf("%s[%d] = %v, want %v", name, i, g[i], w[i])
				break
			}
		}
		f32, err := f.Float32(name)
		if err != nil || f32.DType() != tensor.Float32 {
			t.Errorf("Float32(%s): %v, %v", name, f32, err)
		}
	}
	if n != len(wantDType) {
		t.Fatalf("%d tensors, want %d", n, len(wantDType))
	}
}
