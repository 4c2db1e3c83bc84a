// Package client is a small Go client of the OpenAI-compatible API that
// package serve implements (and that other OpenAI-compatible servers
// implement): completions and chat completions, whole or streamed,
// embeddings, the model list and the health probe.
//
//	c := client.New("http://127.0.0.1:8080", "")
//	resp, err := c.ChatCompletion(ctx, api.ChatCompletionRequest{
//		Model:    "my-model",
//		Messages: []api.Message{{Role: "user", Content: "Hi!"}},
//	})
//	fmt.Println(resp.Choices[0].Message.Content)
//
// Streams are read chunk by chunk:
//
//	st, err := c.ChatCompletionStream(ctx, req)
//	defer st.Close()
//	for {
//		chunk, err := st.Next()
//		if err == io.EOF { break }
//		...
//	}
//
// An answer other than 2xx is an *Error carrying the status code and the
// server's error body.
package client

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/goformer/goformer/serve/api"
)

// Client calls one server. Its fields may be set after New; it is safe
// for concurrent use once configured.
type Client struct {
	// BaseURL is the server's address, without /v1
	// ("http://127.0.0.1:8080").
	BaseURL string
	// APIKey, when set, is sent as a bearer token.
	APIKey string
	// HTTP is the HTTP client (nil: http.DefaultClient).
	HTTP *http.Client
}

// New returns a client of the server at baseURL.
func New(baseURL, apiKey string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), APIKey: apiKey}
}

// Error is a server's answer other than 2xx.
type Error struct {
	StatusCode int
	Body       api.ErrorBody
}

func (e *Error) Error() string {
	code := ""
	if e.Body.Code != nil {
		code = " (" + *e.Body.Code + ")"
	}
	return fmt.Sprintf("client: %d %s%s: %s", e.StatusCode, http.StatusText(e.StatusCode), code, e.Body.Message)
}

// Completion asks for a whole completion.
func (c *Client) Completion(ctx context.Context, req api.CompletionRequest) (*api.CompletionResponse, error) {
	req.Stream = false
	var out api.CompletionResponse
	return &out, c.do(ctx, http.MethodPost, "/v1/completions", req, &out)
}

// ChatCompletion asks for a whole chat completion.
func (c *Client) ChatCompletion(ctx context.Context, req api.ChatCompletionRequest) (*api.ChatCompletionResponse, error) {
	req.Stream = false
	var out api.ChatCompletionResponse
	return &out, c.do(ctx, http.MethodPost, "/v1/chat/completions", req, &out)
}

// CompletionStream asks for a streamed completion.
func (c *Client) CompletionStream(ctx context.Context, req api.CompletionRequest) (*Stream[api.CompletionChunk], error) {
	req.Stream = true
	return openStream[api.CompletionChunk](ctx, c, "/v1/completions", req)
}

// ChatCompletionStream asks for a streamed chat completion.
func (c *Client) ChatCompletionStream(ctx context.Context, req api.ChatCompletionRequest) (*Stream[api.ChatCompletionChunk], error) {
	req.Stream = true
	return openStream[api.ChatCompletionChunk](ctx, c, "/v1/chat/completions", req)
}

// Embeddings asks for embeddings.
func (c *Client) Embeddings(ctx context.Context, req api.EmbeddingRequest) (*api.EmbeddingResponse, error) {
	var out api.EmbeddingResponse
	return &out, c.do(ctx, http.MethodPost, "/v1/embeddings", req, &out)
}

// Models lists the served models.
func (c *Client) Models(ctx context.Context) (*api.ModelList, error) {
	var out api.ModelList
	return &out, c.do(ctx, http.MethodGet, "/v1/models", nil, &out)
}

// Health returns nil when the server's /healthz answers 200 (it takes
// requests), an *Error otherwise.
func (c *Client) Health(ctx context.Context) error {
	var out struct {
		Status string `json:"status"`
	}
	return c.do(ctx, http.MethodGet, "/healthz", nil, &out)
}

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	return http.DefaultClient
}

// send makes a request and returns the response of a 2xx answer.
func (c *Client) send(ctx context.Context, method, path string, body any) (*http.Response, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return nil, fmt.Errorf("client: encode the request: %w", err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, rd)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.APIKey != "" {
		req.Header.Set("Authorization", "Bearer "+c.APIKey)
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		return nil, fmt.Errorf("client: %w", err)
	}
	if resp.StatusCode/100 != 2 {
		defer resp.Body.Close()
		e := &Error{StatusCode: resp.StatusCode}
		var eb api.ErrorResponse
		b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		if json.Unmarshal(b, &eb) == nil && eb.Error.Message != "" {
			e.Body = eb.Error
		} else {
			e.Body.Message = strings.TrimSpace(string(b))
		}
		return nil, e
	}
	return resp, nil
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	resp, err := c.send(ctx, method, path, body)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("client: decode the response of %s: %w", path, err)
	}
	return nil
}

// Stream reads the chunks of a streamed response. It is not safe for
// concurrent use.
type Stream[T any] struct {
	body io.ReadCloser
	sc   *bufio.Scanner
	done bool
}

func openStream[T any](ctx context.Context, c *Client, path string, body any) (*Stream[T], error) {
	resp, err := c.send(ctx, http.MethodPost, path, body)
	if err != nil {
		return nil, err
	}
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/event-stream") {
		resp.Body.Close()
		return nil, fmt.Errorf("client: %s answered %q, not an event stream", path, ct)
	}
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 16<<20)
	return &Stream[T]{body: resp.Body, sc: sc}, nil
}

// Next returns the next chunk, io.EOF after the last one ([DONE]), an
// *Error for an error event, or the error that broke the stream; after an
// error it returns io.EOF.
func (s *Stream[T]) Next() (T, error) {
	var zero T
	if s.done {
		return zero, io.EOF
	}
	for s.sc.Scan() {
		line := s.sc.Text()
		data, ok := strings.CutPrefix(line, "data:")
		if !ok {
			continue // blank separators, comments, other fields
		}
		data = strings.TrimSpace(data)
		if data == "[DONE]" {
			s.done = true
			return zero, io.EOF
		}
		var probe struct {
			Error *api.ErrorBody `json:"error"`
		}
		if json.Unmarshal([]byte(data), &probe) == nil && probe.Error != nil {
			s.done = true
			return zero, &Error{StatusCode: http.StatusOK, Body: *probe.Error}
		}
		var v T
		if err := json.Unmarshal([]byte(data), &v); err != nil {
			s.done = true
			return zero, fmt.Errorf("client: decode a chunk: %w", err)
		}
		return v, nil
	}
	s.done = true
	if err := s.sc.Err(); err != nil {
		return zero, fmt.Errorf("client: read the stream: %w", err)
	}
	return zero, fmt.Errorf("client: the stream ended without [DONE]: %w", io.ErrUnexpectedEOF)
}

// Each reads a stream of completion or chat completion chunks to its end
// ([DONE]), passing every choice of every chunk, in order, to each, and
// returns the last usage the stream reported (nil without one: ask for it
// with api.StreamOptions), or the error that ended the stream with the
// usage read before it. It leaves closing st to the caller.
func Each[C any](st *Stream[api.Response[C]], each func(choice C)) (*api.Usage, error) {
	var usage *api.Usage
	for {
		ch, err := st.Next()
		if err == io.EOF {
			return usage, nil
		}
		if err != nil {
			return usage, err
		}
		if ch.Usage != nil {
			usage = ch.Usage
		}
		for _, x := range ch.Choices {
			each(x)
		}
	}
}

// Close ends the stream; the server stops generating for it at its next
// step.
func (s *Stream[T]) Close() error {
	s.done = true
	return s.body.Close()
}
