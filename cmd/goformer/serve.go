package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/hub"
	"github.com/goformer/goformer/serve"
)

func init() {
	register(command{
		name:    "serve",
		summary: "serve a model over an OpenAI-compatible HTTP API (completions, chat, embeddings)",
		run:     runServe,
	})
}

const serveHelp = `usage: goformer serve -model DIR|org/name [-addr 127.0.0.1:8080] [flags]

Serves a causal language model (GPT-2, Llama, Qwen2) over OpenAI's HTTP API:
POST /v1/completions and /v1/chat/completions (streamed with "stream": true),
GET /v1/models, GET /healthz (200 when ready, 503 while loading or
draining) and GET /metrics (Prometheus). With -embedding-model, a BERT model
serves POST /v1/embeddings too (or alone, without -model).

Concurrent requests are decoded together (continuous batching) within
-max-batch sequences and -kv-cache-mb of keys and values; at most -queue
prompts wait, further requests get 429. SIGINT or SIGTERM stops taking
requests and lets those in flight finish (within -shutdown-timeout).

The server keeps no state between requests: run replicas behind any load
balancer for more throughput, with /healthz as their readiness probe.

flags:
`

func runServe(args []string, stdin io.Reader, stdout, stderr io.Writer) error {
	ctx, cancel := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer cancel()
	return serveUntil(ctx, args, stderr, nil)
}

// serveUntil runs the server until ctx ends, then shuts it down
// gracefully. ready, when set, receives the address once the models are
// loaded.
func serveUntil(ctx context.Context, args []string, stderr io.Writer, ready func(addr string)) error {
	fs := newFlagSet("serve", stderr)
	fs.Usage = func() { fmt.Fprint(stderr, serveHelp); fs.PrintDefaults() }
	model := fs.String("model", "", "causal language model: directory or hub repository org/name")
	addr := fs.String("addr", "127.0.0.1:8080", "address to listen on (host:port; :8080 for every interface)")
	name := fs.String("name", "", "the model's id in requests (default: org/name, or the directory's name)")
	embModel := fs.String("embedding-model", "", "BERT model for /v1/embeddings: directory or org/name")
	embName := fs.String("embedding-name", "", "the embedding model's id (default as -name)")
	maxBatch := fs.Int("max-batch", 16, "most sequences decoded together")
	queue := fs.Int("queue", 64, "most prompts waiting; beyond, requests get 429")
	kvMB := fs.Int64("kv-cache-mb", 1024, "MiB of keys and values the batch may hold")
	maxTokens := fs.Int("max-tokens", 0, "largest max_tokens accepted (0: the model's context)")
	maxPrompt := fs.Int("max-prompt-tokens", 0, "longest prompt accepted, in tokens (0: the model's context)")
	maxBody := fs.Int64("max-body-kb", 1024, "largest request body, KiB")
	timeout := fs.Duration("timeout", 5*time.Minute, "longest a request may take, queueing included")
	shutdown := fs.Duration("shutdown-timeout", 30*time.Second, "longest wait for requests in flight when stopping")
	var keys, origins stringList
	fs.Var(&keys, "api-key", "accept this bearer token (repeatable; also $GOFORMER_API_KEY); none: no authentication")
	fs.Var(&origins, "cors-origin", "let browsers call from this origin (repeatable; * for any)")
	seed := fs.Uint64("seed", 0, "seed of the sampling of requests without one")
	offline := fs.Bool("offline", false, "never download; use the local cache only")
	revision := fs.String("revision", "", "hub revision: branch, tag or commit (default main)")
	if err := parseFlags(fs, args); err != nil {
		return err
	}
	if fs.NArg() > 0 {
		return usageErrorf("unexpected arguments %q", fs.Args())
	}
	if *model == "" && *embModel == "" {
		return badUsage(errors.New("-model or -embedding-model is required"), fs.Usage)
	}
	if *maxBatch < 1 || *queue < 1 || *kvMB < 1 || *maxTokens < 0 || *maxPrompt < 0 || *maxBody < 1 || *timeout <= 0 || *shutdown < 0 {
		return badUsage(errors.New("-max-batch, -queue, -kv-cache-mb, -max-body-kb and -timeout must be positive, -max-tokens and -max-prompt-tokens not negative"), fs.Usage)
	}
	if k := os.Getenv("GOFORMER_API_KEY"); k != "" {
		keys = append(keys, k)
	}

	// Listen first, so that the readiness probe answers (503) while the
	// models load.
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var handler atomic.Pointer[http.Handler]
	var loading http.Handler = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Retry-After", "5")
		w.WriteHeader(http.StatusServiceUnavailable)
		if r.URL.Path == "/healthz" {
			io.WriteString(w, `{"status":"loading"}`+"\n")
			return
		}
		io.WriteString(w, `{"error":{"message":"the model is loading","type":"server_error","param":null,"code":"loading"}}`+"\n")
	})
	handler.Store(&loading)
	hs := &http.Server{
		Handler:           http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { (*handler.Load()).ServeHTTP(w, r) }),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       time.Minute,
		IdleTimeout:       2 * time.Minute,
		ErrorLog:          slog.NewLogLogger(slog.NewTextHandler(stderr, nil), slog.LevelWarn),
	}
	served := make(chan error, 1)
	go func() { served <- hs.Serve(ln) }()
	fmt.Fprintf(stderr, "goformer serve: listening on http://%s; loading\n", ln.Addr())

	cfg := serve.Config{
		MaxBatch: *maxBatch, QueueSize: *queue, KVCacheBytes: *kvMB << 20, MaxTokens: *maxTokens, MaxPromptTokens: *maxPrompt,
		MaxBodyBytes: *maxBody << 10, RequestTimeout: *timeout, APIKeys: keys, CORSOrigins: origins, Seed: *seed,
		Logger: slog.New(slog.NewTextHandler(stderr, nil)),
	}
	ho := hub.Options{Offline: *offline, Revision: *revision}
	if *model != "" {
		if cfg.Model, err = auto.LoadCausalLM(*model, auto.Options{Hub: ho}); err != nil {
			hs.Close()
			return err
		}
		cfg.ModelName = serve.ModelID(*model)
		if *name != "" {
			cfg.ModelName = *name
		}
	}
	if *embModel != "" {
		if cfg.Embedder, err = serve.LoadEmbedder(*embModel, ho); err != nil {
			hs.Close()
			return err
		}
		cfg.EmbedderName = cfg.Embedder.Name
		if *embName != "" {
			cfg.EmbedderName = *embName
		}
	}
	srv, err := serve.New(cfg)
	if err != nil {
		hs.Close()
		return err
	}
	var h http.Handler = srv
	handler.Store(&h)
	if cfg.Model != nil {
		fmt.Fprintf(stderr, "goformer serve: serving %q (completions, chat) on http://%s/v1\n", cfg.ModelName, ln.Addr())
	}
	if cfg.Embedder != nil {
		fmt.Fprintf(stderr, "goformer serve: serving %q (embeddings) on http://%s/v1\n", cfg.EmbedderName, ln.Addr())
	}
	if ready != nil {
		ready(ln.Addr().String())
	}

	select {
	case err := <-served:
		srv.Close()
		return err
	case <-ctx.Done():
	}
	fmt.Fprintf(stderr, "goformer serve: stopping; finishing the requests in flight (at most %v)\n", *shutdown)
	sctx, cancel := context.WithTimeout(context.Background(), *shutdown)
	defer cancel()
	drained := make(chan error, 1)
	go func() { drained <- srv.Shutdown(sctx) }()
	err = hs.Shutdown(sctx)
	if derr := <-drained; err == nil {
		err = derr
	}
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Errorf("requests still running after %v were cut", *shutdown)
	}
	return err
}
