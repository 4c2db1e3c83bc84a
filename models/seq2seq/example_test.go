package seq2seq_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/models/seq2seq"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/optim"
	"github.com/goformer/goformer/tensor"
)

// A Transformer built from a config, one teacher-forced training step,
// and a greedy decoding of the sources.
func ExampleNewTransformer() {
	m := seq2seq.NewTransformer(seq2seq.TransformerConfig{
		VocabSize: 100, Dim: 32, Heads: 4, EncoderLayers: 2, DecoderLayers: 2, Dropout: 0.1,
		PadTokenID: 0, BOSTokenID: 1, EOSTokenID: 2, DecoderStart: 1,
	}, tensor.NewGenerator(1))
	opt := optim.New(optim.AdamW{}, optim.DefaultGroups(nn.Trainable(m), 1e-3, 0.01)...)
	opt.Schedule = optim.InverseSqrt{Warmup: 4000} // the paper's schedule

	// Two sources (the second padded) and their targets; labels are
	// padded with IgnoreIndex and end with EOS.
	src := tensor.FromSlice([]int32{5, 6, 7, 2, 8, 9, 2, 0}, 2, 4)
	mask := tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 0}, 2, 4)
	labels := tensor.FromSlice([]int32{7, 6, 5, 2, 9, 8, 2, seq2seq.IgnoreIndex}, 2, 4)

	nn.Train(m)
	out := m.Forward(seq2seq.Inputs{IDs: src, Mask: mask, Labels: labels})
	out.Loss.Backward()
	opt.Step()
	opt.ZeroGrad()
	fmt.Println("logits", out.Logits.Shape())

	b := seq2seq.Bind(m, src, mask)
	gen, err := generate.Generate(context.Background(), b, b.Prompts(), generate.Options{MaxNewTokens: 5})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println("generated", len(gen[0][0].Tokens), "and", len(gen[1][0].Tokens), "tokens")
	// Output:
	// logits [2 4 100]
	// generated 5 and 5 tokens
}

// A T5 checkpoint in Hugging Face's layout, decoded by beam search.
// FromPretrained("google-t5/t5-small", hub.Options{}) reads one from the
// Hugging Face cache the same way.
func ExampleLoadDir() {
	m, err := seq2seq.LoadDir("testdata/t5-v1.0") // config.json, model.safetensors
	if err != nil {
		fmt.Println(err)
		return
	}
	src := tensor.FromSlice([]int32{12, 40, 33, 1}, 1, 4) // ending in </s> (id 1)
	b := seq2seq.Bind(m, src, nil)
	out, err := generate.Generate(context.Background(), b, b.Prompts(), generate.Options{
		MaxNewTokens: 6, Beams: 2, StopTokens: []int{m.Special().EOS},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%T, %d tokens at most\n", m, len(out[0][0].Tokens))
	// Output: *seq2seq.T5, 6 tokens at most
}

// Saving writes a directory that LoadDir (and Hugging Face's
// from_pretrained, for T5) reads back.
func ExampleSaveDir() {
	c := seq2seq.DefaultT5Config()
	c.VocabSize, c.DModel, c.DKV, c.DFF, c.NumHeads, c.NumLayers = 100, 16, 4, 32, 4, 2
	m := seq2seq.NewT5(c, tensor.NewGenerator(1))

	dir, _ := os.MkdirTemp("", "t5")
	defer os.RemoveAll(dir)
	if err := seq2seq.SaveDir(dir, m, hub.SaveOptions{}); err != nil {
		fmt.Println(err)
		return
	}
	files, _ := filepath.Glob(filepath.Join(dir, "*"))
	for _, f := range files {
		fmt.Println(filepath.Base(f))
	}
	back, err := seq2seq.LoadDir(dir)
	fmt.Printf("%T %v\n", back, err)
	// Output:
	// config.json
	// model.safetensors
	// *seq2seq.T5 <nil>
}
