package auto_test

import (
	"context"
	"fmt"
	"os"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/models/generate/gentest"
)

func ExampleLoadCausalLM() {
	// A toy model directory; a real one is a Hugging Face directory or
	// name, such as "HuggingFaceTB/SmolLM2-135M-Instruct".
	dir, _ := os.MkdirTemp("", "lm")
	defer os.RemoveAll(dir)
	if err := gentest.WriteDir(dir, 32, 64, 7); err != nil {
		panic(err)
	}

	lm, err := auto.LoadCausalLM(dir, auto.Options{})
	if err != nil {
		panic(err)
	}
	opts := lm.Defaults() // stop tokens, pad token, generation_config.json
	opts.MaxNewTokens = 8
	text, err := lm.Complete(context.Background(), "the cat sat on", opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(text)
	reply, err := lm.Reply(context.Background(), []chat.Message{{Role: "user", Content: "the dog ran"}}, opts)
	if err != nil {
		panic(err)
	}
	fmt.Println(reply)
	// Output:
	// quickly ran red blue sat sat cat sad
	// sad small . under cat then small a
}
