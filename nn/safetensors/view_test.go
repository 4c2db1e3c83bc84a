package safetensors_test

import (
	"encoding/binary"
	"errors"
	"math"
	"path/filepath"
	"reflect"
	"testing"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

func TestViewGivesEveryTensorsValues(t *testing.T) {
	path := filepath.Join(t.TempDir(), "m.safetensors")
	want := sample()
	if err := safetensors.WriteFile(path, want, nil); err != nil {
		t.Fatal(err)
	}
	f, err := safetensors.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	for name, w := range want {
		err := f.View(name, func(got *tensor.Tensor) error {
			if got.DType() != w.DType() || !reflect.DeepEqual(got.Shape(), w.Shape()) || !reflect.DeepEqual(got.Float64s(), w.Float64s()) {
				t.Errorf("%s: view %v %v %v, want %v %v %v", name, got.DType(), got.Shape(), got.Float64s(), w.DType(), w.Shape(), w.Float64s())
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
}

func TestViewOfMisalignedDataFallsBackToACopy(t *testing.T) {
	// A one-element F16 tensor first puts the F32 tensor at byte 2.
	var data []byte
	data = binary.LittleEndian.AppendUint16(data, tensor.Float32ToFloat16(1.5))
	for _, v := range []float32{1, 2, 3} {
		data = binary.LittleEndian.AppendUint32(data, math.Float32bits(v))
	}
	hdr := `{"h":{"dtype":"F16","shape":[1],"data_offsets":[0,2]},"w":{"dtype":"F32","shape":[3],"data_offsets":[2,14]}}`
	f, err := safetensors.Parse(file(hdr, data))
	if err != nil {
		t.Fatal(err)
	}
	err = f.View("w", func(w *tensor.Tensor) error {
		if !reflect.DeepEqual(w.Float32s(), []float32{1, 2, 3}) {
			t.Errorf("misaligned view %v", w.Float32s())
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

func TestViewReportsMissingNamesClosedFilesAndItsCallbacksError(t *testing.T) {
	f, err := safetensors.Parse(file(`{"w":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}}`, make([]byte, 4)))
	if err != nil {
		t.Fatal(err)
	}
	boom := errors.New("boom")
	if err := f.View("w", func(*tensor.Tensor) error { return boom }); err != boom {
		t.Errorf("callback error: %v", err)
	}
	if err := f.View("nope", func(*tensor.Tensor) error { return nil }); !errors.Is(err, safetensors.ErrNotFound) {
		t.Errorf("missing name: %v", err)
	}
	f.Close()
	if err := f.View("w", func(*tensor.Tensor) error { return nil }); !errors.Is(err, safetensors.ErrClosed) {
		t.Errorf("closed file: %v", err)
	}
}
