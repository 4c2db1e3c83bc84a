package main

import (
	"bytes"
	"context"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goformer/goformer/serve/api"
	"github.com/goformer/goformer/serve/client"
	"github.com/goformer/goformer/serve/servetest"
)

// syncBuffer is a bytes.Buffer safe for the server's logging goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func TestServeAnswersOpenAIRequestsAndStopsGracefully(t *testing.T) {
	dir := t.TempDir()
	gpt, bert := filepath.Join(dir, "tiny-gpt2"), filepath.Join(dir, "tiny-bert")
	if err := servetest.WriteGPT2(gpt, servetest.GPT2Options{}); err != nil {
		t.Fatal(err)
	}
	if err := servetest.WriteBERT(bert, servetest.BERTOptions{}); err != nil {
		t.Fatal(err)
	}
	ctx, stop := context.WithCancel(context.Background())
	defer stop()
	var stderr syncBuffer
	addrs := make(chan string, 1)
	done := make(chan error, 1)
	go func() {
		done <- serveUntil(ctx, []string{"-model", gpt, "-embedding-model", bert, "-addr", "127.0.0.1:0", "-api-key", "k", "-max-batch", "4"},
			&stderr, func(a string) { addrs <- a })
	}()
	var addr string
	select {
	case addr = <-addrs:
	case err := <-done:
		t.Fatalf("serve ended: %v\n%s", err, stderr.String())
	case <-time.After(time.Minute):
		t.Fatal("serve did not start")
	}
	c := client.New("http://"+addr, "k")
	r, err := c.ChatCompletion(ctx, api.ChatCompletionRequest{Model: "tiny-gpt2", MaxTokens: api.Ptr(5),
		Messages: []api.Message{{Role: "user", Content: "Hi"}}})
	if err != nil || r.Usage.CompletionTokens == 0 {
		t.Fatalf("chat: %+v, %v", r, err)
	}
	e, err := c.Embeddings(ctx, api.EmbeddingRequest{Model: "tiny-bert", Input: api.Texts("hello world")})
	if err != nil || len(e.Data[0].Embedding.Values) != 32 {
		t.Fatalf("embeddings: %+v, %v", e, err)
	}
	if err := client.New("http://"+addr, "").Health(ctx); err != nil {
		t.Errorf("health: %v", err)
	}
	stop()
	if err := <-done; err != nil {
		t.Errorf("serve: %v", err)
	}
	for _, want := range []string{"listening on http://127.0.0.1:", `serving "tiny-gpt2" (completions, chat)`, `serving "tiny-bert" (embeddings)`, "stopping"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the log lacks %q:\n%s", want, stderr.String())
		}
	}
}

func TestServeRefusesBadFlagsAndModels(t *testing.T) {
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{}, 2, "-model or -embedding-model is required"},
		{[]string{"-model", "x", "-max-batch", "0"}, 2, "must be positive"},
		{[]string{"-model", "x", "extra"}, 2, "unexpected arguments"},
		{[]string{"-model", t.TempDir(), "-addr", "127.0.0.1:0"}, 1, "config.json"},
		{[]string{"-model", "x", "-addr", "not an address"}, 1, "listen"},
	} {
		_, stderr, code := runMain(append([]string{"serve"}, tc.args...)...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("serve %q: exit %d, want %d saying %q:\n%s", tc.args, code, tc.code, tc.want, stderr)
		}
	}
}
