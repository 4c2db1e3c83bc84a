package client_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/goformer/goformer/serve/api"
	"github.com/goformer/goformer/serve/client"
)

// fake answers every request with status, content type and body, and
// records the last request's authorization.
func fake(t *testing.T, status int, contentType, body string) (*client.Client, *string) {
	var auth string
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		auth = r.Header.Get("Authorization")
		w.Header().Set("Content-Type", contentType)
		w.WriteHeader(status)
		io.WriteString(w, body)
	}))
	t.Cleanup(h.Close)
	c := client.New(h.URL+"/", "key")
	return c, &auth
}

func TestErrorsCarryTheStatusAndTheServersBody(t *testing.T) {
	c, auth := fake(t, 429, "application/json", `{"error": {"message": "busy", "type": "rate_limit_error", "param": null, "code": "queue_full"}}`)
	_, err := c.Completion(context.Background(), api.CompletionRequest{Model: "m", Prompt: api.Texts("x")})
	var e *client.Error
	if !errors.As(err, &e) || e.StatusCode != 429 || e.Body.Message != "busy" || *e.Body.Code != "queue_full" {
		t.Fatalf("%v", err)
	}
	if *auth != "Bearer key" {
		t.Errorf("authorization %q", *auth)
	}
	if !strings.Contains(err.Error(), "429 Too Many Requests (queue_full): busy") {
		t.Errorf("message %q", err)
	}
	c, _ = fake(t, 502, "text/html", "<html>bad gateway</html>")
	if err := c.Health(context.Background()); !errors.As(err, &e) || e.StatusCode != 502 || e.Body.Message != "<html>bad gateway</html>" {
		t.Errorf("a non-JSON error: %v", err)
	}
}

func TestStreamsReadChunksErrorsAndTheirEnd(t *testing.T) {
	chunk := `{"id":"c","object":"chat.completion.chunk","created":1,"model":"m","choices":[{"index":0,"delta":{"content":"hi"},"logprobs":null,"finish_reason":null}]}`
	for _, tc := range []struct {
		name, body string
		chunks     int
		end        string // "" for io.EOF
	}{
		{"a whole stream", "data: " + chunk + "\n\n: a comment\n\ndata: " + chunk + "\n\ndata: [DONE]\n\n", 2, ""},
		{"an error event", "data: " + chunk + "\n\ndata: {\"error\": {\"message\": \"timed out\", \"type\": \"server_error\", \"param\": null, \"code\": \"timeout\"}}\n\n", 1, "timed out"},
		{"a cut stream", "data: " + chunk + "\n\n", 1, "without [DONE]"},
		{"a bad chunk", "data: {nope\n\n", 0, "decode a chunk"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fake(t, 200, "text/event-stream", tc.body)
			st, err := c.ChatCompletionStream(context.Background(), api.ChatCompletionRequest{Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			n := 0
			for {
				ch, err := st.Next()
				if err == io.EOF && tc.end == "" {
					break
				}
				if err != nil {
					if tc.end == "" || !strings.Contains(err.Error(), tc.end) {
						t.Fatalf("error %v, want %q", err, tc.end)
					}
					break
				}
				if *ch.Choices[0].Delta.Content != "hi" {
					t.Fatalf("chunk %+v", ch)
				}
				n++
			}
			if n != tc.chunks {
				t.Errorf("%d chunks, want %d", n, tc.chunks)
			}
			if _, err := st.Next(); err != io.EOF {
				t.Errorf("after the end: %v", err)
			}
		})
	}
	c, _ := fake(t, 200, "application/json", "{}")
	if _, err := c.CompletionStream(context.Background(), api.CompletionRequest{Model: "m"}); err == nil || !strings.Contains(err.Error(), "not an event stream") {
		t.Errorf("a JSON answer to a stream request: %v", err)
	}
}

func TestEachPassesEveryChoiceAndTheUsage(t *testing.T) {
	chunk := func(texts ...string) string {
		var cs []string
		for i, x := range texts {
			cs = append(cs, fmt.Sprintf(`{"index":%d,"text":%q,"logprobs":null,"finish_reason":null}`, i, x))
		}
		return `data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[` + strings.Join(cs, ",") + "]}\n\n"
	}
	usage := `data: {"id":"c","object":"text_completion","created":1,"model":"m","choices":[],"usage":{"prompt_tokens":1,"completion_tokens":3,"total_tokens":4}}` + "\n\n"
	for _, tc := range []struct {
		name, body string
		want       string
		tokens     int // -1: no usage
		err        string
	}{
		{"two choices then the usage", chunk("a", "b") + chunk("c") + usage + "data: [DONE]\n\n", "abc", 3, ""},
		{"no usage", chunk("a") + "data: [DONE]\n\n", "a", -1, ""},
		{"a cut stream", chunk("a") + usage, "a", 3, "without [DONE]"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := fake(t, 200, "text/event-stream", tc.body)
			st, err := c.CompletionStream(context.Background(), api.CompletionRequest{Model: "m"})
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			var got string
			u, err := client.Each(st, func(x api.CompletionChoice) { got += x.Text })
			if tc.err == "" && err != nil || tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err)) {
				t.Errorf("error %v, want %q", err, tc.err)
			}
			if got != tc.want {
				t.Errorf("text %q, want %q", got, tc.want)
			}
			if tc.tokens < 0 && u != nil || tc.tokens >= 0 && (u == nil || u.CompletionTokens != tc.tokens) {
				t.Errorf("usage %+v, want %d completion tokens", u, tc.tokens)
			}
		})
	}
}

func ExampleClient() {
	// A stand-in for a server, answering every completion alike.
	h := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		io.WriteString(w, `{"id":"cmpl-1","object":"text_completion","created":1,"model":"m",
			"choices":[{"index":0,"text":" jumps","logprobs":null,"finish_reason":"length"}],
			"usage":{"prompt_tokens":4,"completion_tokens":1,"total_tokens":5}}`)
	}))
	defer h.Close()

	c := client.New(h.URL, "")
	resp, err := c.Completion(context.Background(), api.CompletionRequest{
		Model: "m", Prompt: api.Texts("The quick brown fox"), MaxTokens: api.Ptr(1),
	})
	if err != nil {
		panic(err)
	}
	fmt.Printf("%q %s %d\n", resp.Choices[0].Text, *resp.Choices[0].FinishReason, resp.Usage.TotalTokens)
	// Output: " jumps" length 5
}
