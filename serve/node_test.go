package serve_test

import (
	"context"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/serve/api"
)

// TestOpenAINodeClient runs OpenAI's own npm package against the server
// (testdata/openai_client.mjs) and checks what it got against the Go
// client's answers. It needs node and the package installed in
// testdata/node_modules (npm ci --prefix serve/testdata).
func TestOpenAINodeClient(t *testing.T) {
	node, err := exec.LookPath("node")
	if err != nil {
		t.Skip("node is not installed: the openai npm package cannot be tried")
	}
	if _, err := os.Stat(filepath.Join("testdata", "node_modules", "openai", "package.json")); err != nil {
		t.Skip("the openai npm package is not installed: run npm ci --prefix serve/testdata")
	}
	ts := start(t, serve.Config{ModelName: "tiny-gpt2", EmbedderName: "tiny-bert", APIKeys: []string{"secret"}})
	c, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(c, node, filepath.Join("testdata", "openai_client.mjs"))
	cmd.Env = append(os.Environ(), "BASE_URL="+ts.url+"/v1", "API_KEY=secret", "MODEL=tiny-gpt2", "EMBED_MODEL=tiny-bert")
	var stderr []byte
	stdout, err := cmd.Output()
	if ee, ok := err.(*exec.ExitError); ok {
		stderr = ee.Stderr
	}
	if err != nil {
		t.Fatalf("node: %v\n%s\n%s", err, stdout, stderr)
	}
	var got struct {
		Models     []string
		Completion struct {
			Text, Finish string
			Usage        api.Usage
		}
		Chat     struct{ Role, Content, Finish string }
		Logprobs []struct {
			Token   string
			Logprob float64
			Top     int
		}
		Embeddings []int
		Embedding0 []float32
		Error      struct {
			Status      int
			Param, Type string
		}
	}
	if err := json.Unmarshal(stdout, &got); err != nil {
		t.Fatalf("%v: %s", err, stdout)
	}
	ts.c.APIKey = "secret"
	comp, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "tiny-gpt2", Prompt: api.Texts("The quick brown fox"), MaxTokens: api.Ptr(12),
		Sampling: api.Sampling{Temperature: api.Ptr(0.0)}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Completion.Text != comp.Choices[0].Text || got.Completion.Usage != *comp.Usage {
		t.Errorf("node's completion %+v, Go's %q %+v", got.Completion, comp.Choices[0].Text, comp.Usage)
	}
	reply, err := ts.c.ChatCompletion(ctx(t), api.ChatCompletionRequest{Model: "tiny-gpt2", MaxTokens: api.Ptr(16),
		Sampling: api.Sampling{Temperature: api.Ptr(0.8), Seed: api.Ptr(int64(42))},
		Messages: []api.Message{{Role: "system", Content: "You are terse."}, {Role: "user", Content: "Hello! Café 🙂"}}})
	if err != nil {
		t.Fatal(err)
	}
	if got.Chat.Content != string(reply.Choices[0].Message.Content) || got.Chat.Role != "assistant" {
		t.Errorf("node's reply %+v, Go's %q", got.Chat, reply.Choices[0].Message.Content)
	}
	if len(got.Logprobs) != 4 || got.Logprobs[0].Top != 2 || got.Logprobs[0].Logprob >= 0 {
		t.Errorf("logprobs %+v", got.Logprobs)
	}
	emb, err := ts.c.Embeddings(ctx(t), api.EmbeddingRequest{Model: "tiny-bert", Input: api.Texts("the quick brown fox")})
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Embeddings) != 2 || got.Embeddings[0] != 32 || !close32(got.Embedding0, emb.Data[0].Embedding.Values[:4], 1e-5) {
		t.Errorf("node's embeddings %v %v, Go's %v", got.Embeddings, got.Embedding0, emb.Data[0].Embedding.Values[:4])
	}
	if got.Error.Status != 400 || got.Error.Param != "max_tokens" || got.Error.Type != "invalid_request_error" {
		t.Errorf("node's error %+v", got.Error)
	}
	t.Logf("node %s ran the openai package: %s", node, stdout)
}
