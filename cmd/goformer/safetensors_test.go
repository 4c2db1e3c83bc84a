package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/goformer/goformer/nn/safetensors"
	"github.com/goformer/goformer/tensor"
)

func runSafetensorsCLI(args ...string) (string, string, int) {
	var out, errb bytes.Buffer
	code := run(append([]string{"safetensors"}, args...), strings.NewReader(""), &out, &errb)
	return out.String(), errb.String(), code
}

func writeCheckpoint(t *testing.T) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "m.safetensors")
	err := safetensors.WriteFile(path, map[string]*tensor.Tensor{
		"encoder.layers.0.linear1.weight": tensor.Zeros(8, 4),
		"encoder.layers.0.linear1.bias":   tensor.Zeros(8),
		"embeddings.position_ids":         tensor.FromSlice([]int32{0, 1, 2}),
	}, map[string]string{"format": "pt"})
	if err != nil {
		t.Fatal(err)
	}
	return path
}

func TestSafetensorsListsTensorsAndMetadata(t *testing.T) {
	path := writeCheckpoint(t)
	out, stderr, code := runSafetensorsCLI(path)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	for _, want := range []string{"3 tensors, 43 parameters", `metadata format = "pt"`, "encoder.layers.0.linear1.weight", "F32", "[8 4]", "I32"} {
		if !strings.Contains(out, want) {
			t.Errorf("output lacks %q:\n%s", want, out)
		}
	}
	out, _, code = runSafetensorsCLI("-json", "-match", "linear1", path)
	var got stFile
	if code != 0 || json.Unmarshal([]byte(out), &got) != nil || got.Count != 2 || got.Params != 40 || len(got.Tensors) != 2 {
		t.Fatalf("-json -match: exit %d, %+v from %q", code, got, out)
	}
	out, _, code = runSafetensorsCLI("-summary", path)
	if code != 0 || strings.Contains(out, "linear1") {
		t.Fatalf("-summary listed tensors: %s", out)
	}
}

func TestSafetensorsReportsBadFiles(t *testing.T) {
	dir := t.TempDir()
	bad := filepath.Join(dir, "bad.safetensors")
	os.WriteFile(bad, []byte("not a checkpoint"), 0o644)
	good := writeCheckpoint(t)
	out, stderr, code := runSafetensorsCLI(good, bad, filepath.Join(dir, "missing"))
	if code == 0 || !strings.Contains(stderr, "malformed") || !strings.Contains(stderr, "no such file") || !strings.Contains(stderr, "2 of 3 files") {
		t.Fatalf("exit %d, stderr %q", code, stderr)
	}
	if !strings.Contains(out, "3 tensors") {
		t.Fatal("the good file was not listed")
	}
	if _, _, code := runSafetensorsCLI(); code == 0 {
		t.Fatal("no arguments must fail")
	}
}
