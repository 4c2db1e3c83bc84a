// Package serve is an OpenAI-compatible HTTP server for goformer models:
// an http.Handler that serves a causal language model (GPT-2, Llama,
// Qwen2 — whatever models/auto loads) and, optionally, a BERT-family
// embedding model, to the clients that already speak OpenAI's API.
//
// # Getting started
//
//	lm, err := auto.LoadCausalLM("HuggingFaceTB/SmolLM2-135M-Instruct", auto.Options{})
//	srv, err := serve.New(serve.Config{Model: lm, ModelName: "smollm2"})
//	defer srv.Close()
//	http.ListenAndServe("127.0.0.1:8080", srv)
//
// or, from the command line, `goformer serve --model DIR|org/name`.
// Mount it inside a larger server with http.StripPrefix when its paths
// must live under a prefix.
//
// # Endpoints
//
//   - POST /v1/completions: text completion of one or more prompts
//     (texts or token ids), whole or streamed as server-sent events.
//   - POST /v1/chat/completions: a reply to a conversation rendered with
//     the model's chat template, whole or streamed.
//   - POST /v1/embeddings: sentence embeddings (mean, [CLS] or pooler),
//     as numbers or base64.
//   - GET /v1/models: the served models.
//   - GET /healthz: 200 while the server takes requests, 503 once it
//     drains (a readiness probe).
//   - GET /metrics: Prometheus text format — queue depth, batch size,
//     KV-cache bytes, tokens generated and per second, latency
//     histograms (request, time to first token, queue wait, step).
//
// Requests are validated before any work: malformed JSON, unknown
// fields, invalid UTF-8, bodies over the limit (413), prompts or
// max_tokens beyond the limits, and unsupported parameters get a 4xx
// with OpenAI's error body naming the field. Sampling follows OpenAI's
// parameters (temperature, top_p, stop, seed, max_tokens, logprobs and
// top_logprobs) plus top_k, repetition_penalty and min_tokens; temperature
// 0 decodes greedily.
//
// # Continuous batching
//
// One goroutine decodes every running sequence together, one token each
// per step of the model. Between steps, finished sequences and those
// whose client went away (or whose deadline passed) leave, and waiting
// prompts join: each prompt is prefilled alone, then its KV cache is
// joined to the batch's, left-padded to the batch's width, with the
// attention mask hiding the padding (models/lm's Concat and TrimLeft).
// A sequence's output never depends on what else runs: with greedy
// decoding, or sampling with a seed, a request gives the same tokens, and
// the same log-probabilities bit for bit, alone or among any others: the
// matrix products of a decoding step round each sequence's row as they
// would round it alone, for batches of up to tensor.BatchInvariantRows
// (16, the default MaxBatch) sequences — the tensor package's doc says
// which products keep that guarantee. A lone sequence is decoded as one
// row, on the same fast path as a batch.
//
// Admission is bounded three ways: the batch holds at most MaxBatch
// sequences; their keys and values at their longest must fit
// KVCacheBytes (a prompt waits for room, and one that could never fit is
// refused with 400); and at most QueueSize prompts wait, beyond which
// requests get 429 with Retry-After. Each request has a deadline
// (RequestTimeout, 504 after it).
//
// # Operations
//
// API keys (bearer tokens) and CORS origins are optional. Shutdown stops
// admitting work, lets the requests in flight finish, and reports 503 on
// /healthz meanwhile.
//
// The server keeps no state between requests: the conversation is in
// each request, and a sequence's cache lives only while it is generated.
// More throughput is therefore more replicas, each a `goformer serve`
// process (one per machine or GPU), behind any HTTP load balancer; a
// Kubernetes deployment points its readiness probe at /healthz, so that a
// replica receives traffic once its model is loaded and stops receiving
// it as soon as it starts draining:
//
//	readinessProbe:
//	  httpGet: {path: /healthz, port: 8080}
//	  periodSeconds: 5
//	lifecycle:
//	  preStop: {exec: {command: ["sleep", "5"]}}
//	terminationGracePeriodSeconds: 330   # longer than the request timeout
//
// Scale on goformer_queue_depth or goformer_kv_cache_reserved_bytes; a
// 429 tells a client (or the balancer) to retry elsewhere.
//
// Package serve/client is a small Go client; package serve/api holds the
// JSON messages both use; package serve/loadgen (cmd/loadgen) loads a
// server with concurrent clients and checks every answer against the
// request's alone.
package serve
