package serve_test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/serve"
	"github.com/goformer/goformer/serve/api"
	"github.com/goformer/goformer/serve/client"
	"github.com/goformer/goformer/tensor"
)

// slowModel takes at least delay per step, so that tests can act while a
// sequence is being generated.
type slowModel struct {
	generate.Model
	delay time.Duration
}

func (m slowModel) Step(ids, mask *tensor.Tensor, c generate.Cache) *tensor.Tensor {
	time.Sleep(m.delay)
	return m.Model.Step(ids, mask, c)
}

// slow returns gpt2 decoding at most one step per delay.
func slow(delay time.Duration) *auto.CausalLM {
	c := *gpt2
	c.Model = slowModel{gpt2.Model, delay}
	return &c
}

// errorBody decodes an error answer.
func errorBody(t testing.TB, body string) api.ErrorBody {
	t.Helper()
	var e api.ErrorResponse
	if err := json.Unmarshal([]byte(body), &e); err != nil || e.Error.Message == "" {
		t.Fatalf("not an error body: %q (%v)", body, err)
	}
	return e.Error
}

func TestBadRequestsGetClearErrors(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m", EmbedderName: "e", MaxBodyBytes: 64 << 10})
	before := goroutines()
	long := strings.Repeat("hello world ", 200)
	for _, tc := range []struct {
		name, path, body string
		status           int
		want, param      string
	}{
		{"malformed JSON", "/v1/completions", `{"model": "m", "prompt": `, 400, "malformed JSON", ""},
		{"a syntax error", "/v1/completions", `{"model": "m" "prompt": "x"}`, 400, "malformed JSON at byte", ""},
		{"an empty body", "/v1/completions", ``, 400, "body is empty", ""},
		{"a list for a body", "/v1/completions", `[1, 2]`, 400, "must be a JSON object", ""},
		{"data after the object", "/v1/completions", `{"model": "m", "prompt": "x"} {}`, 400, "unexpected data after the object", ""},
		{"an unknown field", "/v1/completions", `{"model": "m", "prompt": "x", "bogus": 1}`, 400, `unknown field "bogus"`, "bogus"},
		{"an unknown nested field", "/v1/chat/completions", `{"model": "m", "messages": [{"role": "user", "content": "x", "mood": 1}]}`, 400, `unknown field "mood"`, "mood"},
		{"invalid UTF-8", "/v1/completions", "{\"model\": \"m\", \"prompt\": \"a\xff\xfeb\"}", 400, "not valid UTF-8 (at byte 27)", ""},
		{"a huge body", "/v1/completions", `{"model": "m", "prompt": "` + strings.Repeat("x", 100<<10) + `"}`, 413, "larger than the server's limit of 65536 bytes", ""},
		{"no model", "/v1/completions", `{"prompt": "x"}`, 400, "model is required", "model"},
		{"another model", "/v1/completions", `{"model": "gpt-4", "prompt": "x"}`, 404, `the model "gpt-4" does not exist`, "model"},
		{"no prompt", "/v1/completions", `{"model": "m"}`, 400, "prompt is required", "prompt"},
		{"an empty prompt list", "/v1/completions", `{"model": "m", "prompt": []}`, 400, "empty list", ""},
		{"an empty prompt", "/v1/completions", `{"model": "m", "prompt": ""}`, 400, "prompt 0 is empty", "prompt"},
		{"a prompt of mixed kinds", "/v1/completions", `{"model": "m", "prompt": ["a", 1]}`, 400, "not a mix", ""},
		{"a token outside the vocabulary", "/v1/completions", `{"model": "m", "prompt": [5, 99999]}`, 400, "token id 99999 is outside the vocabulary of 320", "prompt"},
		{"a negative token", "/v1/completions", `{"model": "m", "prompt": [-1]}`, 400, "token id -1", "prompt"},
		{"negative max_tokens", "/v1/completions", `{"model": "m", "prompt": "x", "max_tokens": -5}`, 400, "max_tokens -5: at least 1", "max_tokens"},
		{"zero max_tokens", "/v1/completions", `{"model": "m", "prompt": "x", "max_tokens": 0}`, 400, "at least 1", "max_tokens"},
		{"enormous max_tokens", "/v1/completions", `{"model": "m", "prompt": "x", "max_tokens": 1000000000}`, 400, "more than the server's limit of 128", "max_tokens"},
		{"max_tokens beyond int", "/v1/completions", `{"model": "m", "prompt": "x", "max_tokens": 1e30}`, 400, "field max_tokens: want an integer", "max_tokens"},
		{"fractional max_tokens", "/v1/completions", `{"model": "m", "prompt": "x", "max_tokens": 2.5}`, 400, "want an integer", "max_tokens"},
		{"max_tokens as a string", "/v1/completions", `{"model": "m", "prompt": "x", "max_tokens": "ten"}`, 400, "want an integer, got a JSON string", "max_tokens"},
		{"a prompt longer than the context", "/v1/completions", `{"model": "m", "prompt": "` + long + `"}`, 400, "more than the limit of 127", "prompt"},
		{"prompt and max_tokens past the context", "/v1/completions", `{"model": "m", "prompt": "hello world", "max_tokens": 127}`, 400, "this model's context is 128 tokens", "max_tokens"},
		{"too hot", "/v1/completions", `{"model": "m", "prompt": "x", "temperature": 5}`, 400, "temperature 5 is outside [0, 2]", "temperature"},
		{"a zero top_p", "/v1/completions", `{"model": "m", "prompt": "x", "top_p": 0}`, 400, "top_p 0 is outside (0, 1]", "top_p"},
		{"two choices", "/v1/completions", `{"model": "m", "prompt": "x", "n": 2}`, 400, "only one choice", "n"},
		{"five stop strings", "/v1/completions", `{"model": "m", "prompt": "x", "stop": ["a", "b", "c", "d", "e"]}`, 400, "at most 4", "stop"},
		{"an empty stop string", "/v1/completions", `{"model": "m", "prompt": "x", "stop": ""}`, 400, "1 to 256 bytes", "stop"},
		{"too many logprobs", "/v1/completions", `{"model": "m", "prompt": "x", "logprobs": 9}`, 400, "logprobs 9 is outside [0, 5]", "logprobs"},
		{"a presence penalty", "/v1/completions", `{"model": "m", "prompt": "x", "presence_penalty": 1}`, 400, "not supported", "presence_penalty"},
		{"stream options without a stream", "/v1/completions", `{"model": "m", "prompt": "x", "stream_options": {"include_usage": true}}`, 400, "needs stream: true", "stream_options"},
		{"echo", "/v1/completions", `{"model": "m", "prompt": "x", "echo": true}`, 400, "echo is not supported", "echo"},
		{"too many prompts", "/v1/completions", `{"model": "m", "prompt": [` + strings.Repeat(`"x",`, 20) + `"x"]}`, 400, "21 prompts: at most 16", "prompt"},
		{"no messages", "/v1/chat/completions", `{"model": "m"}`, 400, "messages is required", "messages"},
		{"a tool message", "/v1/chat/completions", `{"model": "m", "messages": [{"role": "tool", "content": "x"}]}`, 400, `role "tool" is not supported`, "messages[0].role"},
		{"an image", "/v1/chat/completions", `{"model": "m", "messages": [{"role": "user", "content": [{"type": "image_url", "image_url": {"url": "x"}}]}]}`, 400, `only parts of type "text"`, ""},
		{"tools", "/v1/chat/completions", `{"model": "m", "messages": [{"role": "user", "content": "x"}], "tools": [{"type": "function"}]}`, 400, "tools are not supported", "tools"},
		{"top_logprobs alone", "/v1/chat/completions", `{"model": "m", "messages": [{"role": "user", "content": "x"}], "top_logprobs": 2}`, 400, "needs logprobs: true", "top_logprobs"},
		{"json mode", "/v1/chat/completions", `{"model": "m", "messages": [{"role": "user", "content": "x"}], "response_format": {"type": "json_object"}}`, 400, "not supported", "response_format"},
		{"max tokens that disagree", "/v1/chat/completions", `{"model": "m", "messages": [{"role": "user", "content": "x"}], "max_tokens": 3, "max_completion_tokens": 4}`, 400, "disagree", "max_completion_tokens"},
		{"an empty input", "/v1/embeddings", `{"model": "e", "input": ""}`, 400, "input 0 is an empty string", "input"},
		{"an input too long", "/v1/embeddings", `{"model": "e", "input": "` + long + `"}`, 400, "more than the model's 64", "input"},
		{"other dimensions", "/v1/embeddings", `{"model": "e", "input": "x", "dimensions": 7}`, 400, "dimensions 7: the model's embeddings have 32", "dimensions"},
		{"a bad encoding", "/v1/embeddings", `{"model": "e", "input": "x", "encoding_format": "hex"}`, 400, `encoding_format "hex"`, "encoding_format"},
		{"a bad pooling", "/v1/embeddings", `{"model": "e", "input": "x", "pooling": "max"}`, 400, `pooling "max"`, "pooling"},
		{"the generator's name for embeddings", "/v1/embeddings", `{"model": "m", "input": "x"}`, 404, `the model "m" does not exist`, "model"},
		{"an unknown endpoint", "/v1/engines", `{}`, 404, "no such endpoint: POST /v1/engines", ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			status, body := ts.post(t, tc.path, "application/json", strings.NewReader(tc.body))
			if status != tc.status {
				t.Fatalf("status %d, want %d: %s", status, tc.status, body)
			}
			e := errorBody(t, body)
			if !strings.Contains(e.Message, tc.want) {
				t.Errorf("message %q, want it to say %q", e.Message, tc.want)
			}
			if tc.param != "" && (e.Param == nil || *e.Param != tc.param) {
				t.Errorf("param %v, want %q", e.Param, tc.param)
			}
			if e.Type == "" {
				t.Errorf("no error type")
			}
		})
	}
	// Wrong methods get 405 with Allow.
	for path, allow := range map[string]string{"/v1/completions": "POST", "/healthz": "GET, HEAD"} {
		req, _ := http.NewRequest(http.MethodPut, ts.url+path, nil)
		resp, err := ts.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 405 || resp.Header.Get("Allow") != allow {
			t.Errorf("PUT %s: %d, Allow %q: %s", path, resp.StatusCode, resp.Header.Get("Allow"), b)
		}
	}
	// The server still serves, and holds nothing.
	if _, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts("x"), MaxTokens: api.Ptr(3)}); err != nil {
		t.Fatal(err)
	}
	ts.idle(t)
	noLeaks(t, before, ts.http.Client().CloseIdleConnections)
}

// A flood of requests past the queue gets 429 with Retry-After; the rest
// are served as they would be alone, and nothing leaks.
func TestAFloodPastTheQueueGets429AndLeaksNothing(t *testing.T) {
	ts := start(t, serve.Config{Model: slow(time.Millisecond), ModelName: "m", MaxBatch: 2, QueueSize: 3})
	body := `{"model": "m", "prompt": "The quick brown fox", "max_tokens": 20, "temperature": 0}`
	_, want := ts.post(t, "/v1/completions", "application/json", strings.NewReader(body))
	var wantResp api.CompletionResponse
	json.Unmarshal([]byte(want), &wantResp)
	before := goroutines()

	const n = 40
	var wg sync.WaitGroup
	var mu sync.Mutex
	codes := map[int]int{}
	for range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, _ := http.NewRequest(http.MethodPost, ts.url+"/v1/completions", strings.NewReader(body))
			resp, err := ts.http.Client().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			mu.Lock()
			codes[resp.StatusCode]++
			mu.Unlock()
			switch resp.StatusCode {
			case 200:
				var got api.CompletionResponse
				if err := json.Unmarshal(b, &got); err != nil || got.Choices[0].Text != wantResp.Choices[0].Text {
					t.Errorf("a served request gave %s, alone %s", b, want)
				}
			case 429:
				e := errorBody(t, string(b))
				if e.Code == nil || *e.Code != "queue_full" || resp.Header.Get("Retry-After") == "" {
					t.Errorf("429 without queue_full or Retry-After: %s", b)
				}
			default:
				t.Errorf("status %d: %s", resp.StatusCode, b)
			}
		}()
	}
	wg.Wait()
	// At least the queue's 3 are served: when the whole flood arrives
	// before the decode loop takes the first request from the queue, no
	// more can be.
	if codes[429] == 0 || codes[200] < 3 || codes[200]+codes[429] != n {
		t.Errorf("statuses %v: want some 429s and at least 3 served", codes)
	}
	t.Logf("statuses: %v", codes)
	_, text, _ := ts.get(t, "/metrics")
	if v := metric(text, `goformer_requests_rejected_total{reason="queue_full"}`); v != strconv.Itoa(codes[429]) {
		t.Errorf("the metrics count %q rejections, want %d", v, codes[429])
	}
	ts.idle(t)
	noLeaks(t, before, ts.http.Client().CloseIdleConnections)
}

// A client that goes away mid-stream frees its place at the next step.
func TestAClientGoneMidStreamFreesItsSlot(t *testing.T) {
	ts := start(t, serve.Config{Model: slow(5 * time.Millisecond), ModelName: "m"})
	before := goroutines()
	for _, stream := range []bool{true, false} {
		c, cancel := context.WithCancel(context.Background())
		body := fmt.Sprintf(`{"model": "m", "prompt": "Once upon a time", "max_tokens": 100, "stream": %v, "stop": "\u0000never"}`, stream)
		req, _ := http.NewRequestWithContext(c, http.MethodPost, ts.url+"/v1/completions", strings.NewReader(body))
		done := make(chan error, 1)
		go func() {
			resp, err := ts.http.Client().Do(req)
			if err == nil {
				rd := bufio.NewReader(resp.Body)
				rd.ReadString('\n') // the first event, for a stream
				cancel()
				_, err = io.ReadAll(rd)
				resp.Body.Close()
			}
			done <- err
		}()
		if !stream {
			time.Sleep(50 * time.Millisecond)
			cancel()
		}
		if err := <-done; err == nil {
			t.Errorf("stream %v: the request was not cut", stream)
		}
		ts.idle(t)
	}
	_, text, _ := ts.get(t, "/metrics")
	if v := metric(text, `goformer_sequences_finished_total{reason="cancelled"}`); v != "2" {
		t.Errorf("%q sequences cancelled, want 2", v)
	}
	// Each stopped long before its 100 tokens (5ms each).
	if n, _ := strconv.Atoi(metric(text, "goformer_generated_tokens_total")); n >= 100 {
		t.Errorf("%d tokens generated for the two requests", n)
	}
	noLeaks(t, before, ts.http.Client().CloseIdleConnections)
}

func TestRequestsPastTheirDeadlineEnd(t *testing.T) {
	ts := start(t, serve.Config{Model: slow(5 * time.Millisecond), ModelName: "m", RequestTimeout: 100 * time.Millisecond})
	status, body := ts.post(t, "/v1/completions", "application/json", strings.NewReader(`{"model": "m", "prompt": "x", "max_tokens": 100}`))
	if e := errorBody(t, body); status != 504 || e.Code == nil || *e.Code != "timeout" {
		t.Errorf("status %d: %s", status, body)
	}
	st, err := ts.c.CompletionStream(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts("x"), MaxTokens: api.Ptr(100)})
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	var last error
	for last == nil {
		_, last = st.Next()
	}
	var ce *client.Error
	if !errors.As(last, &ce) || ce.Body.Code == nil || *ce.Body.Code != "timeout" {
		t.Errorf("the stream ended with %v, want a timeout event", last)
	}
	ts.idle(t)
}

// The KV budget admits two sequences of 32 positions at once: more wait
// their turn, one alone may take it all, and one that could never fit is
// refused.
func TestTheKVCacheBudgetBoundsTheBatch(t *testing.T) {
	// The tiny GPT-2 holds 1 KiB of keys and values per position (2
	// layers, keys and values of 64 float32); a sequence of 32 positions
	// may grow to 64 KiB.
	ts := start(t, serve.Config{Model: slow(2 * time.Millisecond), ModelName: "m", KVCacheBytes: 128 << 10})
	ids, _ := gpt2.Encode("Hello world")
	req := api.CompletionRequest{Model: "m", Prompt: api.Prompt{{Tokens: ids, IsTokens: true}}, MaxTokens: api.Ptr(32 - len(ids)),
		Sampling: api.Sampling{Temperature: api.Ptr(0.0)}}
	req.Stop = api.StringList{"\x00never"}
	alone, err := ts.c.Completion(ctx(t), req)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r, err := ts.c.Completion(ctx(t), req)
			if err != nil || r.Choices[0].Text != alone.Choices[0].Text {
				t.Errorf("%v, %v", r, err)
			}
		}()
	}
	wg.Wait()
	_, text, _ := ts.get(t, "/metrics")
	le2, _ := strconv.Atoi(metric(text, `goformer_batch_size_per_step_bucket{le="2"}`))
	le1, _ := strconv.Atoi(metric(text, `goformer_batch_size_per_step_bucket{le="1"}`))
	count, _ := strconv.Atoi(metric(text, "goformer_batch_size_per_step_count"))
	if le2 != count || le1 == count {
		t.Errorf("steps of at most 1, 2, any sequences: %d, %d, %d; want pairs, never more", le1, le2, count)
	}
	if metric(text, "goformer_kv_cache_budget_bytes") != "131072" {
		t.Errorf("budget %q", metric(text, "goformer_kv_cache_budget_bytes"))
	}
	// Alone, a sequence may grow to the whole budget: 64 positions.
	req.MaxTokens = api.Ptr(64 - len(ids))
	if _, err := ts.c.Completion(ctx(t), req); err != nil {
		t.Errorf("a sequence of 64 positions: %v", err)
	}
	req.MaxTokens = api.Ptr(65 - len(ids))
	_, err = ts.c.Completion(ctx(t), req)
	var ce *client.Error
	if !errors.As(err, &ce) || ce.StatusCode != 400 || *ce.Body.Code != "kv_cache_exceeded" || !strings.Contains(ce.Body.Message, "limit of 64 per sequence") {
		t.Errorf("a sequence of 65 positions: %v", err)
	}
	ts.idle(t)
}

func TestShutdownFinishesTheRequestsInFlight(t *testing.T) {
	ts := start(t, serve.Config{Model: slow(3 * time.Millisecond), ModelName: "m"})
	st, err := ts.c.CompletionStream(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts("x"), MaxTokens: api.Ptr(60),
		Sampling: api.Sampling{Temperature: api.Ptr(0.0), Stop: api.StringList{"\x00never"}}, Logprobs: api.Ptr(0)})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := st.Next(); err != nil {
		t.Fatal(err)
	}
	stopped := make(chan error, 1)
	go func() { stopped <- ts.Shutdown(context.Background()) }()
	// Draining: the probe fails, new work is refused.
	deadline := time.Now().Add(5 * time.Second)
	for {
		status, _, _ := ts.get(t, "/healthz")
		if status == 503 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("/healthz does not report draining")
		}
		time.Sleep(time.Millisecond)
	}
	status, body := ts.post(t, "/v1/completions", "application/json", strings.NewReader(`{"model": "m", "prompt": "x"}`))
	if status != 503 || !strings.Contains(body, "shutting_down") {
		t.Errorf("a request while draining: %d %s", status, body)
	}
	tokens := 1
	for {
		ch, err := st.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("the stream in flight broke: %v", err)
		}
		tokens += len(ch.Choices[0].Logprobs.Tokens)
	}
	if tokens != 60 {
		t.Errorf("the stream in flight got %d tokens, want 60", tokens)
	}
	if err := <-stopped; err != nil {
		t.Errorf("Shutdown: %v", err)
	}
	ts.idle(t)
}

func TestShutdownPastItsDeadlineEndsTheRequests(t *testing.T) {
	ts := start(t, serve.Config{Model: slow(5 * time.Millisecond), ModelName: "m"})
	st, err := ts.c.CompletionStream(ctx(t), api.CompletionRequest{Model: "m", Prompt: api.Texts("x"), MaxTokens: api.Ptr(100),
		Sampling: api.Sampling{Stop: api.StringList{"\x00never"}}})
	if err != nil {
		t.Fatal(err)
	}
	st.Next()
	c, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	if err := ts.Shutdown(c); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("Shutdown: %v", err)
	}
	var last error
	for last == nil {
		_, last = st.Next()
	}
	var ce *client.Error
	if !errors.As(last, &ce) || *ce.Body.Code != "shutting_down" {
		t.Errorf("the stream ended with %v", last)
	}
	ts.idle(t)
}

func TestAPIKeysAndCORS(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m", APIKeys: []string{"k1", "k2"}, CORSOrigins: []string{"https://app.example"}})
	for _, tc := range []struct {
		header string
		status int
	}{{"", 401}, {"Bearer nope", 401}, {"k1", 401}, {"Bearer k1", 200}, {"Bearer k2", 200}} {
		status, body, h := ts.get(t, "/v1/models", "Authorization", tc.header)
		if status != tc.status {
			t.Errorf("Authorization %q: %d %s", tc.header, status, body)
		}
		if status == 401 && (h.Get("WWW-Authenticate") == "" || errorBody(t, body).Type != "authentication_error") {
			t.Errorf("a 401 without WWW-Authenticate or its error type: %v %s", h, body)
		}
	}
	if status, _, _ := ts.get(t, "/healthz"); status != 200 {
		t.Errorf("/healthz needs no key: %d", status)
	}
	if status, _, _ := ts.get(t, "/metrics"); status != 401 {
		t.Errorf("/metrics without a key: %d", status)
	}
	// A preflight from an allowed origin, then from another.
	for origin, allowed := range map[string]bool{"https://app.example": true, "https://evil.example": false} {
		req, _ := http.NewRequest(http.MethodOptions, ts.url+"/v1/chat/completions", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "POST")
		req.Header.Set("Access-Control-Request-Headers", "authorization, content-type, x-stainless-os")
		resp, err := ts.http.Client().Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		got := resp.Header.Get("Access-Control-Allow-Origin")
		if allowed && (resp.StatusCode != 204 || got != origin || !strings.Contains(resp.Header.Get("Access-Control-Allow-Headers"), "x-stainless-os")) {
			t.Errorf("preflight from %s: %d %v", origin, resp.StatusCode, resp.Header)
		}
		if !allowed && got != "" {
			t.Errorf("preflight from %s allowed: %v", origin, resp.Header)
		}
	}
	_, _, h := ts.get(t, "/v1/models", "Authorization", "Bearer k1", "Origin", "https://app.example")
	if h.Get("Access-Control-Allow-Origin") != "https://app.example" {
		t.Errorf("no CORS header on a request from an allowed origin: %v", h)
	}
}

func TestModelsHealthAndMetrics(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "tiny-gpt2"})
	models, err := ts.c.Models(ctx(t))
	if err != nil {
		t.Fatal(err)
	}
	if len(models.Data) != 2 || models.Data[0].ID != "tiny-gpt2" || models.Data[1].ID != "tiny-bert" || models.Object != "list" {
		t.Errorf("models %+v", models)
	}
	if status, body, _ := ts.get(t, "/v1/models/tiny-bert"); status != 200 || !strings.Contains(body, `"id":"tiny-bert"`) {
		t.Errorf("one model: %d %s", status, body)
	}
	if status, _, _ := ts.get(t, "/v1/models/nope"); status != 404 {
		t.Errorf("an unknown model: %d", status)
	}
	if err := ts.c.Health(ctx(t)); err != nil {
		t.Error(err)
	}
	if _, err := ts.c.Completion(ctx(t), api.CompletionRequest{Model: "tiny-gpt2", Prompt: api.Texts("hi"), MaxTokens: api.Ptr(5)}); err != nil {
		t.Fatal(err)
	}
	status, text, h := ts.get(t, "/metrics")
	if status != 200 || !strings.HasPrefix(h.Get("Content-Type"), "text/plain; version=0.0.4") {
		t.Fatalf("metrics: %d %v", status, h)
	}
	// Every line is a comment or a sample "name{labels} number".
	for _, line := range strings.Split(strings.TrimSpace(text), "\n") {
		if strings.HasPrefix(line, "# HELP ") || strings.HasPrefix(line, "# TYPE ") {
			continue
		}
		i := strings.LastIndexByte(line, ' ')
		if _, err := strconv.ParseFloat(line[i+1:], 64); i < 0 || err != nil || !strings.HasPrefix(line, "goformer_") {
			t.Errorf("bad sample line %q", line)
		}
	}
	for _, want := range []string{
		"goformer_queue_depth 0", "goformer_batch_size 0", "goformer_generated_tokens_total 5",
		`goformer_requests_total{endpoint="/v1/completions",code="200"} 1`,
		`goformer_request_duration_seconds_count{endpoint="/v1/completions"} 1`,
		"goformer_time_to_first_token_seconds_count 1", "goformer_queue_wait_seconds_count 1",
		`goformer_sequences_finished_total{reason="length"} 1`, "# TYPE goformer_generated_tokens_per_second gauge",
		"goformer_kv_cache_bytes 0",
	} {
		if !strings.Contains(text, want+"\n") {
			t.Errorf("the metrics lack %q", want)
		}
	}
}

func TestEmbeddings(t *testing.T) {
	ts := start(t, serve.Config{ModelName: "m", EmbedderName: "e"})
	texts := []string{"the quick brown fox", "hello world", "café"}
	get := func(format, pooling string) *api.EmbeddingResponse {
		r, err := ts.c.Embeddings(ctx(t), api.EmbeddingRequest{Model: "e", Input: api.Texts(texts...), EncodingFormat: format, Pooling: pooling})
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	floats, b64 := get("", ""), get("base64", "")
	if len(floats.Data) != 3 || floats.Object != "list" || floats.Model != "e" {
		t.Fatalf("%+v", floats)
	}
	for i, text := range texts {
		// Each embedding is the text's alone (padding in a batch changes
		// nothing beyond rounding).
		one, err := ts.c.Embeddings(ctx(t), api.EmbeddingRequest{Model: "e", Input: api.Texts(text)})
		if err != nil {
			t.Fatal(err)
		}
		a, b := floats.Data[i].Embedding.Values, one.Data[0].Embedding.Values
		if len(a) != 32 || !close32(a, b, 1e-5) {
			t.Errorf("text %d: in a batch %v, alone %v", i, a[:4], b[:4])
		}
		if !b64.Data[i].Embedding.Base64 || !slicesEqual(b64.Data[i].Embedding.Values, a) {
			t.Errorf("text %d: base64 gives %v, floats %v", i, b64.Data[i].Embedding.Values[:4], a[:4])
		}
	}
	cls := get("", "cls")
	if close32(cls.Data[0].Embedding.Values, floats.Data[0].Embedding.Values, 1e-3) {
		t.Error("cls pooling gives the mean")
	}
	tokens := 0
	for _, text := range texts {
		enc, _ := embedder.Tokenizer.Encode(text)
		tokens += len(enc.IDs)
	}
	if floats.Usage.PromptTokens != tokens || floats.Usage.TotalTokens != tokens {
		t.Errorf("usage %+v", floats.Usage)
	}
}

func close32(a, b []float32, tol float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		d := float64(a[i] - b[i])
		if d > tol || d < -tol {
			return false
		}
	}
	return true
}

func slicesEqual(a, b []float32) bool { return bytes.Equal(f32bytes(a), f32bytes(b)) }

func f32bytes(a []float32) []byte {
	b, _ := json.Marshal(a)
	return b
}
