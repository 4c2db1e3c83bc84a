package bert_test

import (
	"fmt"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/bert"
	"github.com/goformer/goformer/nn"
	"github.com/goformer/goformer/tensor"
)

// Build a small BERT, save it as a Hugging Face directory, load it back
// with a classification head, and embed sentences.
func Example() {
	c := bert.Base()
	c.VocabSize, c.HiddenSize, c.NumHiddenLayers, c.NumAttentionHeads, c.IntermediateSize = 100, 32, 2, 4, 64
	m := bert.New(c, tensor.NewGenerator(1))

	dir, _ := os.MkdirTemp("", "bert")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny-bert")
	if err := bert.Save(path, m, nil); err != nil {
		fmt.Println(err)
		return
	}

	clf, _, err := bert.FromPretrained[*bert.ForSequenceClassification](path, bert.Options{NumLabels: 3, Seed: 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	in := bert.Input{
		IDs:  tensor.FromSlice([]int32{2, 17, 42, 3, 2, 8, 3, 0}, 2, 4),
		Mask: tensor.FromSlice([]int32{1, 1, 1, 1, 1, 1, 1, 0}, 2, 4),
	}
	fmt.Println(nn.Detached(clf).Forward(in).Shape())

	e := nn.Detached(m).Embed(in, bert.EmbedOptions{Pooling: bert.Mean, Normalize: true})
	fmt.Println(e.Shape())
	// Output:
	// [2 3]
	// [2 32]
}
