//go:build long

package bert_test

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// BERT-base (110M parameters) loads from a directory in under a second,
// building the model included, and without a second copy of its weights.
// Run with: go test -tags long -run BaseLoads -v ./models/bert
func TestBaseLoadsInUnderASecond(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "bert-base")
	src := bert.NewForMaskedLM(bert.Base(), tensor.NewGenerator(1))
	if err := bert.Save(dir, src, nil); err != nil {
		t.Fatal(err)
	}
	size := int64(nn.NumParams(src)) * 4
	want := src.Bert.Embeddings.Word.Weight.Narrow(0, 1000, 1).Float32s()
	src = nil
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	m, _, err := bert.FromPretrained[*bert.ForMaskedLM](dir, bert.Options{})
	if err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("%d MB of weights loaded in %v, allocating %d MB", size>>20, took, alloc>>20)
	if took > time.Second {
		t.Errorf("loading took %v", took)
	}
	// The model's own tensors, and one layer's fused projection joined at a
	// time: well under twice the weights.
	if alloc > size*3/2 {
		t.Errorf("loading allocated %d bytes for %d bytes of weights", alloc, size)
	}
	if got := m.Bert.Embeddings.Word.Weight.Narrow(0, 1000, 1).Float32s(); got[7] != want[7] {
		t.Fatal("weights differ after loading")
	}
}
