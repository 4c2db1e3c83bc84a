package chat_test

import (
	"fmt"

	"github.com/goformer/goformer/models/generate/chat"
)

func ExampleTemplate_Render() {
	t, err := chat.Builtin("chatml") // or chat.Load(modelDir)
	if err != nil {
		panic(err)
	}
	prompt, err := t.Render([]chat.Message{
		{Role: "system", Content: "You are terse."},
		{Role: "user", Content: "Hi!"},
	}, chat.Options{AddGenerationPrompt: true})
	if err != nil {
		panic(err)
	}
	fmt.Print(prompt)
	fmt.Println("stop on", t.Stop)
	// Output:
	// <|im_start|>system
	// You are terse.<|im_end|>
	// <|im_start|>user
	// Hi!<|im_end|>
	// <|im_start|>assistant
	// stop on [<|im_end|>]
}
