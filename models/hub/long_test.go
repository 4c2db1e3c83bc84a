//go:build long

package hub_test

import (
	"path/filepath"
	"runtime"
	"testing"
	"time"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// gpt2Shape is a module tree of GPT-2 small's shapes (124M parameters),
// with its Conv1D weights stored transposed.
type gpt2Block struct {
	Attn, Proj, FC, Out *nn.Linear
}

type gpt2Shape struct {
	WTE    *tensor.Tensor `nn:"wte"`
	WPE    *tensor.Tensor `nn:"wpe"`
	Blocks []*gpt2Block   `nn:"h"`
}

func newGPT2Shape(g *tensor.Generator) *gpt2Shape {
	m := &gpt2Shape{WTE: tensor.Zeros(50257, 768), WPE: tensor.Zeros(1024, 768)}
	if g != nil {
		g.Normal(m.WTE, 0, 0.02)
	}
	for range 12 {
		m.Blocks = append(m.Blocks, &gpt2Block{
			Attn: nn.NewLinear(768, 2304, true, g), Proj: nn.NewLinear(768, 768, true, g),
			FC: nn.NewLinear(768, 3072, true, g), Out: nn.NewLinear(3072, 768, true, g),
		})
	}
	return m
}

// A 124M-parameter checkpoint loads in under a second and without a second
// copy of the weights in memory.
func TestA124MModelLoadsFastAndInPlace(t *testing.T) {
	layout := &hub.Layout{Transposed: []string{"h.*.*.weight"}}
	dir := filepath.Join(t.TempDir(), "m")
	src := newGPT2Shape(tensor.NewGenerator(1))
	if err := hub.Save(dir, src, layout, map[string]string{"model_type": "gpt2"}, hub.SaveOptions{}); err != nil {
		t.Fatal(err)
	}
	size := int64(nn.NumParams(src)) * 4
	src = nil
	runtime.GC()
	dst := newGPT2Shape(nil)
	d, err := hub.OpenDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	if _, err := d.Load(dst, layout, hub.LoadOptions{}); err != nil {
		t.Fatal(err)
	}
	took := time.Since(start)
	runtime.ReadMemStats(&after)
	alloc := int64(after.TotalAlloc - before.TotalAlloc)
	t.Logf("%d parameters (%d MB) loaded in %v, allocating %.1f MB", size/4, size>>20, took, float64(alloc)/(1<<20))
	if took > time.Second {
		t.Errorf("load took %v", took)
	}
	if alloc > size/10 {
		t.Errorf("load allocated %d bytes for a %d-byte model", alloc, size)
	}
}
