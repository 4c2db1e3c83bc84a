package serve_test

import (
	"context"
	"fmt"
	"net/http/httptest"
	"os"
	"path/filepath"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/serve/api"
	"github.com/goformer/goformer/serve/client"
	"github.com/goformer/goformer/serve/servetest"
)

func Example() {
	// A small random GPT-2 stands in for a real checkpoint directory.
	dir, _ := os.MkdirTemp("", "example-")
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "tiny-gpt2")
	if err := servetest.WriteGPT2(path, servetest.GPT2Options{}); err != nil {
		panic(err)
	}

	lm, err := auto.LoadCausalLM(path, auto.Options{})
	if err != nil {
		panic(err)
	}
	srv, err := serve.New(serve.Config{Model: lm, ModelName: "tiny"})
	if err != nil {
		panic(err)
	}
	defer srv.Close()
	h := httptest.NewServer(srv) // or http.ListenAndServe(addr, srv)
	defer h.Close()

	c := client.New(h.URL, "")
	resp, err := c.ChatCompletion(context.Background(), api.ChatCompletionRequest{
		Model:     "tiny",
		Messages:  []api.Message{{Role: "user", Content: "Hello!"}},
		MaxTokens: api.Ptr(8),
		Sampling:  api.Sampling{Temperature: api.Ptr(0.0)},
	})
	if err != nil {
		panic(err)
	}
	fmt.Println(resp.Object, resp.Choices[0].Message.Role, *resp.Choices[0].FinishReason, resp.Usage.CompletionTokens)
	// Output: chat.completion assistant length 8
}
