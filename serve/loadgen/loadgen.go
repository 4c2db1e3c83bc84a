// Package loadgen drives an OpenAI-compatible server with concurrent
// clients for a bounded time and checks every answer: each distinct
// request of the mix is first run alone, one at a time, and every answer
// under load must equal it exactly (text, finish reason, token count).
// With greedy decoding, or sampling with a seed, a server whose batching
// keeps requests independent passes with no mismatch. It reports latency
// percentiles, time to first token and aggregate tokens per second.
//
//	rep, err := loadgen.Run(ctx, loadgen.Config{
//		URL: "http://127.0.0.1:8080", Model: "m", Clients: 8, Duration: 30 * time.Second,
//		Requests: loadgen.Mix(16, 32),
//	})
//	fmt.Println(rep)
//
// cmd/loadgen is its command line.
package loadgen

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/goformer/goformer/serve/api"
	"github.com/goformer/goformer/serve/client"
)

// Request is one request of the mix.
type Request struct {
	Chat   bool
	Stream bool
	Prompt string
	// MaxTokens is the most tokens generated (the model may end the
	// answer sooner).
	MaxTokens int
	// Temperature 0 is greedy; above, sampling with Seed.
	Temperature float64
	Seed        int64
}

// Mix returns n requests: greedy and seeded sampling, completions and
// chat, streamed and whole, with prompts of different lengths, each
// generating up to maxTokens tokens.
func Mix(n, maxTokens int) []Request {
	prompts := []string{
		"The quick brown fox",
		"Once upon a time there was a small model that lived in a test.",
		"Hello world! How are you today?",
		"A language model continues a prompt one token at a time; a server batches the requests of many users",
		"Café, naïve, résumé",
		"What is the time?",
		"It answered every question with words it had never learned, and nobody minded.",
		"Emoji too: 🙂 🚀",
	}
	out := make([]Request, n)
	for i := range out {
		r := Request{Prompt: prompts[i%len(prompts)], MaxTokens: maxTokens - 3*(i%4), Chat: i%2 == 1, Stream: i%3 == 0}
		if i%4 == 3 {
			r.Temperature, r.Seed = 0.8, int64(i)
		}
		out[i] = r
	}
	return out
}

// Config configures Run.
type Config struct {
	// URL is the server's address ("http://127.0.0.1:8080").
	URL    string
	APIKey string
	// Model is the model id of the requests.
	Model string
	// Clients is the number of concurrent clients (1: one request at a
	// time).
	Clients int
	// Duration bounds the load; a request running when it ends finishes.
	Duration time.Duration
	// Requests is the mix; client c sends requests c, c+1, ... cycling
	// through it, so that every client sends the whole mix.
	Requests []Request
	// Expected, when set, holds the answers to check against (one per
	// request of the mix, from an earlier Baseline); nil runs Baseline
	// first.
	Expected []Outcome
	// HTTP is the HTTP client (nil: one with keep-alive for Clients
	// connections).
	HTTP *http.Client
}

// Outcome is what one request produced.
type Outcome struct {
	Text   string
	Finish string
	Tokens int
}

// Report is the result of a load run.
type Report struct {
	Clients    int
	Requests   int // answered
	Errors     int
	Mismatches int // answers that differ from the request's alone
	FirstError string
	Tokens     int // tokens generated
	Elapsed    time.Duration
	// Latency percentiles of whole requests, and of the time to the
	// first token of streamed ones.
	P50, P90, P99, Max   time.Duration
	TTFTP50, TTFTP99     time.Duration
	TokensPerSecond      float64 // aggregate
	RequestsPerSecond    float64
	MeanTokensPerRequest float64
}

func (r *Report) String() string {
	return fmt.Sprintf("clients %d: %d requests in %.1fs, %d errors, %d mismatches; %d tokens, %.1f tokens/s, %.2f requests/s; "+
		"latency p50 %v p90 %v p99 %v max %v; first token p50 %v p99 %v",
		r.Clients, r.Requests, r.Elapsed.Seconds(), r.Errors, r.Mismatches, r.Tokens, r.TokensPerSecond, r.RequestsPerSecond,
		r.P50.Round(time.Millisecond), r.P90.Round(time.Millisecond), r.P99.Round(time.Millisecond), r.Max.Round(time.Millisecond),
		r.TTFTP50.Round(time.Millisecond), r.TTFTP99.Round(time.Millisecond))
}

func (c *Config) client() *client.Client {
	cl := client.New(c.URL, c.APIKey)
	cl.HTTP = c.HTTP
	if cl.HTTP == nil {
		tr := http.DefaultTransport.(*http.Transport).Clone()
		tr.MaxIdleConnsPerHost = max(c.Clients, 2)
		cl.HTTP = &http.Client{Transport: tr}
	}
	return cl
}

// Baseline runs every request of the mix alone, one after the other, and
// returns their answers.
func Baseline(ctx context.Context, c Config) ([]Outcome, error) {
	cl := c.client()
	out := make([]Outcome, len(c.Requests))
	for i, r := range c.Requests {
		o, _, err := do(ctx, cl, c.Model, r)
		if err != nil {
			return nil, fmt.Errorf("loadgen: request %d alone: %w", i, err)
		}
		out[i] = o
	}
	return out, nil
}

// Run loads the server and checks every answer.
func Run(ctx context.Context, c Config) (*Report, error) {
	if c.Clients < 1 || c.Duration <= 0 || len(c.Requests) == 0 {
		return nil, errors.New("loadgen: Clients, Duration and Requests must be positive")
	}
	if c.Expected == nil {
		exp, err := Baseline(ctx, c)
		if err != nil {
			return nil, err
		}
		c.Expected = exp
	}
	if len(c.Expected) != len(c.Requests) {
		return nil, fmt.Errorf("loadgen: %d expected answers for %d requests", len(c.Expected), len(c.Requests))
	}
	cl := c.client()
	rep := &Report{Clients: c.Clients}
	var mu sync.Mutex
	var lat, ttft []time.Duration
	start := time.Now()
	end := start.Add(c.Duration)
	var wg sync.WaitGroup
	for w := range c.Clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; time.Now().Before(end) && ctx.Err() == nil; i++ {
				k := i % len(c.Requests)
				t0 := time.Now()
				o, first, err := do(ctx, cl, c.Model, c.Requests[k])
				d := time.Since(t0)
				mu.Lock()
				switch {
				case err != nil:
					rep.Errors++
					if rep.FirstError == "" {
						rep.FirstError = err.Error()
					}
				case o != c.Expected[k]:
					rep.Mismatches++
					if rep.FirstError == "" {
						rep.FirstError = fmt.Sprintf("request %d: %+v under load, %+v alone", k, o, c.Expected[k])
					}
				}
				if err == nil {
					rep.Requests++
					rep.Tokens += o.Tokens
					lat = append(lat, d)
					if first > 0 {
						ttft = append(ttft, first)
					}
				}
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	rep.Elapsed = time.Since(start)
	slices.Sort(lat)
	slices.Sort(ttft)
	rep.P50, rep.P90, rep.P99, rep.Max = pct(lat, 50), pct(lat, 90), pct(lat, 99), pct(lat, 100)
	rep.TTFTP50, rep.TTFTP99 = pct(ttft, 50), pct(ttft, 99)
	if s := rep.Elapsed.Seconds(); s > 0 {
		rep.TokensPerSecond = float64(rep.Tokens) / s
		rep.RequestsPerSecond = float64(rep.Requests) / s
	}
	if rep.Requests > 0 {
		rep.MeanTokensPerRequest = float64(rep.Tokens) / float64(rep.Requests)
	}
	return rep, nil
}

// pct returns the p-th percentile (nearest rank) of sorted durations.
func pct(d []time.Duration, p int) time.Duration {
	if len(d) == 0 {
		return 0
	}
	i := (p*len(d) + 99) / 100
	return d[min(max(i-1, 0), len(d)-1)]
}

// do sends one request and returns its answer and, for a stream, the
// time to its first token.
func do(ctx context.Context, cl *client.Client, model string, r Request) (Outcome, time.Duration, error) {
	s := api.Sampling{Temperature: api.Ptr(r.Temperature)}
	if r.Temperature > 0 {
		s.Seed = api.Ptr(r.Seed)
	}
	if r.Stream {
		s.StreamOptions = &api.StreamOptions{IncludeUsage: true}
	}
	start := time.Now()
	var o Outcome
	var first time.Duration
	switch {
	case r.Chat && r.Stream:
		st, err := cl.ChatCompletionStream(ctx, api.ChatCompletionRequest{Model: model, MaxTokens: api.Ptr(r.MaxTokens), Sampling: s,
			Messages: []api.Message{{Role: "user", Content: api.Content(r.Prompt)}}})
		if err != nil {
			return o, 0, err
		}
		o, first, err = collect(st, start, func(x api.ChatChunkChoice) (string, *string) {
			if x.Delta.Content == nil {
				return "", x.FinishReason
			}
			return *x.Delta.Content, x.FinishReason
		})
		if err != nil {
			return o, 0, err
		}
	case r.Chat:
		resp, err := cl.ChatCompletion(ctx, api.ChatCompletionRequest{Model: model, MaxTokens: api.Ptr(r.MaxTokens), Sampling: s,
			Messages: []api.Message{{Role: "user", Content: api.Content(r.Prompt)}}})
		if err != nil {
			return o, 0, err
		}
		o = Outcome{string(resp.Choices[0].Message.Content), *resp.Choices[0].FinishReason, resp.Usage.CompletionTokens}
	case r.Stream:
		st, err := cl.CompletionStream(ctx, api.CompletionRequest{Model: model, Prompt: api.Texts(r.Prompt), MaxTokens: api.Ptr(r.MaxTokens), Sampling: s})
		if err != nil {
			return o, 0, err
		}
		o, first, err = collect(st, start, func(x api.CompletionChoice) (string, *string) { return x.Text, x.FinishReason })
		if err != nil {
			return o, 0, err
		}
	default:
		resp, err := cl.Completion(ctx, api.CompletionRequest{Model: model, Prompt: api.Texts(r.Prompt), MaxTokens: api.Ptr(r.MaxTokens), Sampling: s})
		if err != nil {
			return o, 0, err
		}
		o = Outcome{resp.Choices[0].Text, *resp.Choices[0].FinishReason, resp.Usage.CompletionTokens}
	}
	if o.Finish == "" || o.Tokens == 0 {
		return o, first, fmt.Errorf("an answer without finish reason or usage: %+v", o)
	}
	return o, first, nil
}

// collect reads a stream of chunks to its end and closes it: the text of
// the choices' pieces (piece returns a choice's text and finish reason),
// the last finish reason, the usage's completion tokens, and the time
// from start to the first piece of text.
func collect[C any](st *client.Stream[api.Response[C]], start time.Time, piece func(C) (string, *string)) (Outcome, time.Duration, error) {
	defer st.Close()
	var o Outcome
	var first time.Duration
	var text strings.Builder
	usage, err := client.Each(st, func(x C) {
		t, finish := piece(x)
		if t != "" && first == 0 {
			first = time.Since(start)
		}
		text.WriteString(t)
		if finish != nil {
			o.Finish = *finish
		}
	})
	if usage != nil {
		o.Tokens = usage.CompletionTokens
	}
	if err != nil {
		return o, 0, err
	}
	o.Text = text.String()
	return o, first, nil
}
