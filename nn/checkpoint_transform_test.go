package nn_test

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

// conv1D stores Linear weights as GPT-2's Conv1D does: [in, out].
var conv1D = struct {
	load, save func(string, *tensor.Tensor) (*tensor.Tensor, error)
	shape      func(string, []int) []int
}{
	load: func(name string, t *tensor.Tensor) (*tensor.Tensor, error) {
		if name == "lm_head.weight" {
			return t.T(), nil
		}
		return t, nil
	},
	save: func(name string, t *tensor.Tensor) (*tensor.Tensor, error) {
		if name == "lm_head.weight" {
			return t.T(), nil
		}
		return t, nil
	},
	shape: func(name string, s []int) []int {
		if name == "lm_head.weight" {
			return []int{s[1], s[0]}
		}
		return s
	},
}

func TestTransformRoundTripsThroughAFile(t *testing.T) {
	for _, withShape := range []bool{true, false} {
		src := newSmall(1, false)
		path := filepath.Join(t.TempDir(), "m.safetensors")
		err := nn.SaveWith(path, src, nn.SaveOptions{
			Metadata:  map[string]string{"format": "pt"},
			Rename:    func(n string) string { return "transformer." + n },
			Transform: conv1D.save,
		})
		if err != nil {
			t.Fatal(err)
		}
		f, err := safetensors.Open(path)
		if err != nil {
			t.Fatal(err)
		}
		if in, _ := f.Info("transformer.lm_head.weight"); !reflect.DeepEqual(in.Shape, []int{4, 6}) {
			t.Fatalf("stored shape %v, want the transposed [4 6]", in.Shape)
		}
		if md := f.Metadata(); md["format"] != "pt" {
			t.Fatalf("metadata %v", md)
		}
		dst := newSmall(2, false)
		o := nn.LoadOptions{
			FromCheckpoint: func(n string) string { return strings.TrimPrefix(n, "transformer.") },
			Transform:      conv1D.load,
		}
		if withShape {
			o.TransformShape = conv1D.shape
		}
		if err := nn.LoadFile(dst, f, o); err != nil {
			t.Fatalf("TransformShape=%v: %v", withShape, err)
		}
		f.Close()
		for name, want := range nn.StateDict(src) {
			if got := nn.StateDict(dst)[name]; !reflect.DeepEqual(got.Float64s(), want.Float64s()) {
				t.Fatalf("TransformShape=%v: %s differs after the round trip", withShape, name)
			}
		}
	}
}

func TestTransformedShapesAreCheckedBeforeAnythingIsWritten(t *testing.T) {
	sd := nn.StateDict(newSmall(1, false))
	// Without the transform the stored [6 4] weight would fit; with it, it
	// does not, and a missing tensor is reported in the same error.
	delete(sd, "ln_f.bias")
	for _, withShape := range []bool{true, false} {
		dst := newSmall(2, false)
		before := dst.Embed.Float64s()
		o := nn.LoadOptions{Transform: conv1D.load}
		if withShape {
			o.TransformShape = conv1D.shape
		}
		err := nn.LoadStateDict(dst, sd, o)
		if !errors.Is(err, nn.ErrShapeMismatch) || !errors.Is(err, nn.ErrMissingKeys) {
			t.Fatalf("TransformShape=%v: error %v, want a shape mismatch and a missing tensor", withShape, err)
		}
		if !strings.Contains(err.Error(), "lm_head.weight (model [6 4], checkpoint [4 6])") {
			t.Errorf("error %q does not name the transformed shape", err)
		}
		if !reflect.DeepEqual(dst.Embed.Float64s(), before) {
			t.Error("a failed load changed the model")
		}
	}
}

func TestTransformErrorsAreReported(t *testing.T) {
	boom := errors.New("boom")
	err := nn.LoadStateDict(newSmall(2, false), nn.StateDict(newSmall(1, false)), nn.LoadOptions{
		Transform: func(name string, t *tensor.Tensor) (*tensor.Tensor, error) {
			if name == "ln_f.weight" {
				return nil, boom
			}
			return t, nil
		},
	})
	if !errors.Is(err, boom) || !strings.Contains(err.Error(), "ln_f.weight") {
		t.Fatalf("error %v", err)
	}
	_, err = nn.Export(newSmall(1, false), nn.SaveOptions{Transform: func(string, *tensor.Tensor) (*tensor.Tensor, error) { return nil, boom }})
	if !errors.Is(err, boom) {
		t.Fatalf("export error %v", err)
	}
}

func TestExportRenamesDropsAndRefusesCollisions(t *testing.T) {
	m := newSmall(1, true)
	sd, err := nn.Export(m, nn.SaveOptions{Rename: func(n string) string {
		if n == "position_ids" {
			return ""
		}
		return "model." + n
	}})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for k := range sd {
		names = append(names, k)
	}
	want := []string{"model.ln_f.bias", "model.ln_f.weight", "model.wte"}
	if !sameSet(names, want) {
		t.Fatalf("exported %v, want %v (tied weight once, buffer dropped)", names, want)
	}
	_, err = nn.Export(m, nn.SaveOptions{Rename: func(string) string { return "x" }})
	if err == nil || !strings.Contains(err.Error(), "both named x") {
		t.Fatalf("collision: %v", err)
	}
}

func sameSet(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	m := map[string]bool{}
	for _, x := range a {
		m[x] = true
	}
	for _, x := range b {
		if !m[x] {
			return false
		}
	}
	return true
}

func TestLoadFilesReadsShards(t *testing.T) {
	src := newSmall(1, false)
	sd := nn.StateDict(src)
	dir := t.TempDir()
	a, b := map[string]*tensor.Tensor{}, map[string]*tensor.Tensor{}
	for k, v := range sd {
		if strings.HasPrefix(k, "ln_f") {
			a[k] = v
		} else {
			b[k] = v
		}
	}
	pa, pb := filepath.Join(dir, "a.safetensors"), filepath.Join(dir, "b.safetensors")
	if err := safetensors.WriteFile(pa, a, nil); err != nil {
		t.Fatal(err)
	}
	if err := safetensors.WriteFile(pb, b, nil); err != nil {
		t.Fatal(err)
	}
	fa, _ := safetensors.Open(pa)
	fb, _ := safetensors.Open(pb)
	defer fa.Close()
	defer fb.Close()
	dst := newSmall(2, false)
	if err := nn.LoadFiles(dst, []*safetensors.File{fa, fb}, nn.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dst.Norm.Bias.Float64s(), src.Norm.Bias.Float64s()) || !reflect.DeepEqual(dst.Embed.Float64s(), src.Embed.Float64s()) {
		t.Fatal("shards not loaded")
	}
	err := nn.LoadFiles(newSmall(2, false), []*safetensors.File{fa, fb, fa}, nn.LoadOptions{})
	if err == nil || !strings.Contains(err.Error(), "more than one checkpoint file") {
		t.Fatalf("a tensor in two shards: %v", err)
	}
}

func TestAnIntegerOutOfRangeLeavesTheModelUnchanged(t *testing.T) {
	// position_ids stored as I64 with a value beyond int32: the values are
	// checked before any tensor is copied.
	sd := nn.StateDict(newSmall(1, false))
	path := filepath.Join(t.TempDir(), "m.safetensors")
	if err := safetensors.WriteFile(path, sd, nil); err != nil {
		t.Fatal(err)
	}
	f, _ := safetensors.Open(path)
	raw := map[string]*tensor.Tensor{}
	for _, n := range f.Names() {
		raw[n], _ = f.Tensor(n)
	}
	f.Close()
	hdr, data := i64File(t, raw, "position_ids", []int64{0, 1, 1 << 40})
	bad := filepath.Join(t.TempDir(), "bad.safetensors")
	writeRaw(t, bad, hdr, data)
	dst := newSmall(2, false)
	before := dst.Embed.Float64s()
	err := nn.Load(bad, dst, nn.LoadOptions{})
	if !errors.Is(err, safetensors.ErrUnsupported) {
		t.Fatalf("error %v, want ErrUnsupported", err)
	}
	if !reflect.DeepEqual(dst.Embed.Float64s(), before) {
		t.Fatal("a failed load changed the model")
	}
}

// i64File returns the header and data of a safetensors file holding the
// float32 tensors of sd and, under name, the given int64 values.
func i64File(t *testing.T, sd map[string]*tensor.Tensor, name string, vals []int64) ([]byte, []byte) {
	t.Helper()
	var data []byte
	hdr := "{"
	add := func(n, dt string, shape []int, b []byte) {
		if hdr != "{" {
			hdr += ","
		}
		hdr += fmt.Sprintf(`%q:{"dtype":%q,"shape":%s,"data_offsets":[%d,%d]}`, n, dt, strings.ReplaceAll(fmt.Sprint(shape), " ", ","), len(data), len(data)+len(b))
		data = append(data, b...)
	}
	for _, n := range sortedNames(sd) {
		if n == name {
			continue
		}
		var b []byte
		for _, v := range sd[n].Float32s() {
			b = binary.LittleEndian.AppendUint32(b, math.Float32bits(v))
		}
		add(n, "F32", sd[n].Shape(), b)
	}
	var b []byte
	for _, v := range vals {
		b = binary.LittleEndian.AppendUint64(b, uint64(v))
	}
	add(name, "I64", []int{len(vals)}, b)
	return []byte(hdr + "}"), data
}

func sortedNames(sd map[string]*tensor.Tensor) []string {
	var ns []string
	for k := range sd {
		ns = append(ns, k)
	}
	sort.Strings(ns)
	return ns
}

func writeRaw(t *testing.T, path string, hdr, data []byte) {
	t.Helper()
	b := binary.LittleEndian.AppendUint64(nil, uint64(len(hdr)))
	b = append(append(b, hdr...), data...)
	if err := os.WriteFile(path, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

func TestOptionalTensorsMayBeMissingAndOthersMayNot(t *testing.T) {
	sd := nn.StateDict(newSmall(1, false))
	delete(sd, "lm_head.weight")
	delete(sd, "ln_f.bias")
	dst := newSmall(2, false)
	err := nn.LoadStateDict(dst, sd, nn.LoadOptions{Optional: func(n string) bool { return strings.HasPrefix(n, "lm_head") }})
	if !errors.Is(err, nn.ErrMissingKeys) || !strings.Contains(err.Error(), "1 missing: ln_f.bias") {
		t.Fatalf("error %v, want ln_f.bias alone missing", err)
	}
	delete(sd, "ln_f.weight")
	sd["ln_f.bias"] = nn.StateDict(newSmall(1, false))["ln_f.bias"]
	sd["ln_f.weight"] = tensor.Ones(4)
	before := dst.Head.Weight.Float64s()
	if err := nn.LoadStateDict(dst, sd, nn.LoadOptions{Optional: func(n string) bool { return strings.HasPrefix(n, "lm_head") }}); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(dst.Head.Weight.Float64s(), before) {
		t.Fatal("an optional tensor absent from the checkpoint changed")
	}
}
