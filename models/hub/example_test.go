package hub_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// A family declares its checkpoint layout once, beside its model; Save and
// Dir.Load then write and read Hugging Face model directories.
func Example() {
	// A tiny family: "transformer.h.N.attn" in Go is stored as
	// "transformer.h.N.attn.c_attn", its weight transposed, as GPT-2 does.
	type Block struct {
		Attn *nn.Linear `nn:"attn"`
	}
	type Model struct {
		WTE    *tensor.Tensor `nn:"transformer.wte"`
		Blocks []*Block       `nn:"transformer.h"`
	}
	layout := &hub.Layout{
		Names:      []hub.Rename{{Model: "h.*.attn", Checkpoint: "h.*.attn.c_attn"}},
		BasePrefix: "transformer",
		Transposed: []string{"*.attn.weight"},
	}
	type Config struct {
		ModelType string `json:"model_type"`
		Dim       int    `json:"n_embd"`
	}
	build := func(c Config, g *tensor.Generator) *Model {
		m := &Model{WTE: tensor.Zeros(5, c.Dim), Blocks: []*Block{{nn.NewLinear(c.Dim, 3*c.Dim, true, g)}}}
		if g != nil {
			g.Normal(m.WTE, 0, 0.02)
		}
		return m
	}

	dir, _ := os.MkdirTemp("", "hub")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny")
	src := build(Config{ModelType: "tiny", Dim: 4}, tensor.NewGenerator(1))
	if err := hub.Save(path, src, layout, Config{ModelType: "tiny", Dim: 4}, hub.SaveOptions{}); err != nil {
		fmt.Println(err)
		return
	}

	d, err := hub.Open(path, hub.Options{}) // a directory, or "org/name" from the cache
	if err != nil {
		fmt.Println(err)
		return
	}
	if err := d.Expect("tiny"); err != nil {
		fmt.Println(err)
		return
	}
	var c Config
	if err := d.DecodeConfig(&c); err != nil {
		fmt.Println(err)
		return
	}
	m := build(c, nil) // zeros, to be loaded
	report, err := d.Load(m, layout, hub.LoadOptions{})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(c.Dim, len(report.New), len(report.Unused))
	fmt.Println(m.Blocks[0].Attn.Weight.At(1, 2) == src.Blocks[0].Attn.Weight.At(1, 2))
	// Output:
	// 4 0 0
	// true
}
