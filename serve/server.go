package serve

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/serve/api"
)

// Config configures a Server. Only a model is required; zero limits take
// the defaults noted.
type Config struct {
	// Model serves /v1/completions and /v1/chat/completions (nil: they
	// answer 404).
	Model *auto.CausalLM
	// ModelName is the id clients give as "model" (default: the model
	// directory's base name; set it for a model from the hub cache, whose
	// directory is a snapshot named by its commit — ModelID gives the
	// repository's name).
	ModelName string
	// Embedder serves /v1/embeddings (nil: it answers 404).
	Embedder *Embedder
	// EmbedderName is the embedding model's id (default: its directory's
	// name).
	EmbedderName string

	// MaxBatch is the most sequences decoded together (16). Up to
	// tensor.BatchInvariantRows (16), every response is the one the request
	// gets alone, bit for bit; a larger batch rounds the steps of more rows
	// differently (see the package doc).
	MaxBatch int
	// QueueSize is the most prompts waiting for a place in the batch
	// (64); beyond, requests are refused with 429.
	QueueSize int
	// KVCacheBytes bounds the keys and values of the batch (1 GiB): a
	// prompt waits until the running sequences leave it room, and one
	// that could never fit is refused.
	KVCacheBytes int64
	// PrefillTokens is the most prompt tokens prefilled between two
	// decoding steps (512; at least one prompt), so that arrivals do not
	// stall the running sequences for long.
	PrefillTokens int

	// MaxBodyBytes bounds request bodies (1 MiB); larger ones get 413.
	MaxBodyBytes int64
	// MaxPromptTokens bounds a prompt (default: the model's context less
	// one).
	MaxPromptTokens int
	// MaxTokens bounds max_tokens (default: the model's context).
	MaxTokens int
	// DefaultMaxTokens is a chat completion's max_tokens when the request
	// sets none (default: the rest of the context, within MaxTokens). A
	// completion's default is OpenAI's, 16.
	DefaultMaxTokens int
	// MaxPrompts bounds the prompts of one completion request (16, at
	// most QueueSize).
	MaxPrompts int
	// MaxEmbeddingInputs bounds the inputs of one embeddings request
	// (256).
	MaxEmbeddingInputs int
	// EmbeddingConcurrency is how many embedding batches run at once (1;
	// each uses every core).
	EmbeddingConcurrency int
	// RequestTimeout bounds a request from its arrival, queueing included
	// (5 minutes); a request past it gets 504 or, streaming, an error
	// event.
	RequestTimeout time.Duration

	// APIKeys, when not empty, are the bearer tokens the API accepts
	// ("Authorization: Bearer KEY"); /healthz stays open.
	APIKeys []string
	// CORSOrigins are the origins browsers may call from ("*": any).
	CORSOrigins []string

	// Seed seeds the sampling of requests that give no seed: request n
	// (in order of arrival) draws from a seed derived from Seed and n.
	Seed uint64
	// Logger receives the server's errors (nil: slog.Default()).
	Logger *slog.Logger
}

// Server is an http.Handler serving the OpenAI-compatible API for one
// causal language model and, optionally, one embedding model. Make one
// with New; Shutdown or Close it when done.
type Server struct {
	cfg     Config
	info    modelInfo
	eng     *engine
	m       *metrics
	started time.Time // for ids and the models' creation time

	embedSem chan struct{}

	mu       sync.Mutex
	draining bool          // Shutdown or Close was called
	active   int           // API requests in flight
	idle     chan struct{} // closed once draining with none in flight
	seq      atomic.Uint64 // requests, for ids and default seeds
}

// modelInfo is what the handlers need to know of the causal model.
type modelInfo struct {
	context int // the longest sequence (prompt and generated tokens)
	vocab   int
}

// New starts a server for c's models. It measures the model's KV cache
// with a one-token step and starts the decoding loop.
func New(c Config) (*Server, error) {
	if c.Model == nil && c.Embedder == nil {
		return nil, errors.New("serve: no model to serve")
	}
	if err := c.defaults(); err != nil {
		return nil, err
	}
	now := time.Now()
	s := &Server{cfg: c, m: newMetrics(now), started: now,
		embedSem: make(chan struct{}, c.EmbeddingConcurrency), idle: make(chan struct{})}
	if c.Model != nil {
		info, err := readModelInfo(c.Model)
		if err != nil {
			return nil, err
		}
		s.info = info
		if s.cfg.MaxPromptTokens == 0 || s.cfg.MaxPromptTokens >= info.context {
			s.cfg.MaxPromptTokens = info.context - 1
		}
		if s.cfg.MaxTokens == 0 || s.cfg.MaxTokens > info.context {
			s.cfg.MaxTokens = info.context
		}
		s.eng, err = newEngine(c.Model.Model, engineConfig{
			maxBatch: c.MaxBatch, queueSize: c.QueueSize, budget: c.KVCacheBytes,
			prefillTokens: c.PrefillTokens, log: c.Logger,
		}, s.m)
		if err != nil {
			return nil, err
		}
		s.m.engineStats = s.eng.snapshot
	}
	return s, nil
}

func (c *Config) defaults() error {
	def := func(p *int, v int) {
		if *p == 0 {
			*p = v
		}
	}
	def(&c.MaxBatch, 16)
	def(&c.QueueSize, 64)
	def(&c.PrefillTokens, 512)
	def(&c.MaxPrompts, 16)
	def(&c.MaxEmbeddingInputs, 256)
	def(&c.EmbeddingConcurrency, 1)
	if c.KVCacheBytes == 0 {
		c.KVCacheBytes = 1 << 30
	}
	if c.MaxBodyBytes == 0 {
		c.MaxBodyBytes = 1 << 20
	}
	if c.RequestTimeout == 0 {
		c.RequestTimeout = 5 * time.Minute
	}
	if c.Logger == nil {
		c.Logger = slog.Default()
	}
	if c.Model != nil && c.ModelName == "" {
		c.ModelName = filepath.Base(c.Model.Dir.Path)
	}
	if c.Embedder != nil && c.EmbedderName == "" {
		c.EmbedderName = c.Embedder.Name
	}
	c.MaxPrompts = min(c.MaxPrompts, c.QueueSize)
	switch {
	case c.MaxBatch < 0, c.QueueSize < 0, c.PrefillTokens < 0, c.MaxPrompts < 0, c.MaxEmbeddingInputs < 0,
		c.EmbeddingConcurrency < 0, c.KVCacheBytes < 0, c.MaxBodyBytes < 0, c.RequestTimeout < 0,
		c.MaxPromptTokens < 0, c.MaxTokens < 0, c.DefaultMaxTokens < 0:
		return errors.New("serve: negative limit in Config")
	case c.Model != nil && c.Embedder != nil && c.ModelName == c.EmbedderName:
		return fmt.Errorf("serve: the models share the name %q", c.ModelName)
	}
	for _, k := range c.APIKeys {
		if k == "" {
			return errors.New("serve: an empty API key")
		}
	}
	return nil
}

// readModelInfo reads the context length and vocabulary of the model's
// config.json.
func readModelInfo(lm *auto.CausalLM) (modelInfo, error) {
	var cfg struct {
		NPositions int `json:"n_positions"`
		MaxPos     int `json:"max_position_embeddings"`
		Vocab      int `json:"vocab_size"`
	}
	if err := lm.Dir.DecodeConfig(&cfg); err != nil {
		return modelInfo{}, fmt.Errorf("serve: %w", err)
	}
	info := modelInfo{context: cfg.NPositions, vocab: cfg.Vocab}
	if info.context == 0 {
		info.context = cfg.MaxPos
	}
	if info.context < 2 || info.vocab < 1 {
		return modelInfo{}, fmt.Errorf("serve: %s: config.json gives no context length (n_positions, max_position_embeddings) or vocab_size", lm.Dir.Path)
	}
	return info, nil
}

// Stats are a server's figures at one moment.
type Stats struct {
	// InFlight counts the API requests being served.
	InFlight int
	// Queued counts the prompts waiting for a place in the batch, Running
	// the sequences being decoded.
	Queued, Running int
	// KVCacheBytes is the keys and values the batch holds.
	KVCacheBytes int64
}

// Stats returns the server's figures now.
func (s *Server) Stats() Stats {
	st := Stats{InFlight: int(s.m.inFlight.Load())}
	if s.eng != nil {
		e := s.eng.snapshot()
		st.Queued, st.Running, st.KVCacheBytes = e.Queued, e.Running, e.KVBytes
	}
	return st
}

// Shutdown stops admitting requests (they get 503, and /healthz reports
// 503 so that load balancers stop routing here), waits for the requests
// in flight to finish, then stops the decoding loop. If ctx ends first,
// the remaining requests end with an error and Shutdown returns ctx's
// error.
func (s *Server) Shutdown(ctx context.Context) error {
	s.drain()
	var err error
	select {
	case <-s.idle:
	case <-ctx.Done():
		err = ctx.Err()
	}
	s.Close()
	return err
}

// Close stops the server at once: running requests end with an error.
func (s *Server) Close() {
	s.drain()
	if s.eng != nil {
		s.eng.close()
	}
}

// drain stops admitting requests.
func (s *Server) drain() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.draining {
		s.draining = true
		if s.active == 0 {
			close(s.idle)
		}
	}
}

func (s *Server) isDraining() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.draining
}

// enter counts a request in flight, unless the server drains.
func (s *Server) enter() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.draining {
		return false
	}
	s.active++
	return true
}

func (s *Server) leave() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.active--
	if s.draining && s.active == 0 {
		close(s.idle)
	}
}

// ServeHTTP routes a request: /healthz, /metrics, and the API under /v1.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if s.cors(w, r) {
		return
	}
	path := r.URL.Path
	switch {
	case path == "/healthz":
		if !method(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		s.healthz(w)
		return
	case !s.authorized(r):
		w.Header().Set("WWW-Authenticate", `Bearer realm="goformer"`)
		writeError(w, &apiError{status: http.StatusUnauthorized, typ: "authentication_error", code: "invalid_api_key",
			msg: "a valid API key is required: send \"Authorization: Bearer KEY\""})
		return
	case path == "/metrics":
		if !method(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		s.m.write(w, time.Now())
		return
	case path == "/v1/models" || strings.HasPrefix(path, "/v1/models/"):
		if !method(w, r, http.MethodGet, http.MethodHead) {
			return
		}
		s.models(w, strings.TrimPrefix(strings.TrimPrefix(path, "/v1/models"), "/"))
		return
	}
	var h func(http.ResponseWriter, *http.Request) *apiError
	switch path {
	case "/v1/completions":
		h = s.completions
	case "/v1/chat/completions":
		h = s.chatCompletions
	case "/v1/embeddings":
		h = s.embeddings
	default:
		writeError(w, &apiError{status: http.StatusNotFound, typ: "not_found_error", code: "not_found",
			msg: fmt.Sprintf("no such endpoint: %s %s", r.Method, path)})
		return
	}
	if !method(w, r, http.MethodPost) {
		return
	}
	s.api(w, r, path, h)
}

// api runs an API handler: it counts the request in flight (for
// Shutdown), sets its deadline, and records its status and duration.
func (s *Server) api(w http.ResponseWriter, r *http.Request, endpoint string, h func(http.ResponseWriter, *http.Request) *apiError) {
	start := time.Now()
	rec := &recorder{ResponseWriter: w, status: http.StatusOK}
	defer func() {
		s.m.requests.with(endpoint, fmt.Sprint(rec.status)).Add(1)
		s.m.duration.with(endpoint).observe(time.Since(start).Seconds())
	}()
	if !s.enter() {
		writeError(rec, errShuttingDown)
		return
	}
	s.m.inFlight.Add(1)
	defer func() {
		s.m.inFlight.Add(-1)
		s.leave()
	}()
	ctx, cancel := context.WithTimeout(r.Context(), s.cfg.RequestTimeout)
	defer cancel()
	defer func() {
		if p := recover(); p != nil {
			if p == http.ErrAbortHandler {
				panic(p)
			}
			s.cfg.Logger.Error("serve: handler panic", "endpoint", endpoint, "panic", p)
			if !rec.wrote {
				writeError(rec, &apiError{status: http.StatusInternalServerError, typ: "server_error", msg: "internal error"})
			}
		}
	}()
	if err := h(rec, r.WithContext(ctx)); err != nil {
		if err.status == http.StatusTooManyRequests || err.code == "context_length_exceeded" || err.code == "kv_cache_exceeded" {
			s.m.rejected.with(err.code).Add(1)
		}
		writeError(rec, err)
	}
}

var errShuttingDown = &apiError{status: http.StatusServiceUnavailable, typ: "server_error", code: "shutting_down",
	msg: "the server is shutting down; retry on another replica"}

// recorder remembers the status code written.
type recorder struct {
	http.ResponseWriter
	status int
	wrote  bool
}

func (r *recorder) WriteHeader(code int) {
	if !r.wrote {
		r.status, r.wrote = code, true
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *recorder) Write(b []byte) (int, error) {
	r.wrote = true
	return r.ResponseWriter.Write(b)
}

// Unwrap lets http.ResponseController reach the connection (Flush).
func (r *recorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

func method(w http.ResponseWriter, r *http.Request, allowed ...string) bool {
	if slices.Contains(allowed, r.Method) {
		return true
	}
	w.Header().Set("Allow", strings.Join(allowed, ", "))
	writeError(w, &apiError{status: http.StatusMethodNotAllowed, typ: "invalid_request_error", code: "method_not_allowed",
		msg: fmt.Sprintf("%s is not allowed here; use %s", r.Method, strings.Join(allowed, " or "))})
	return false
}

func (s *Server) healthz(w http.ResponseWriter) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	if s.isDraining() {
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"status":"draining"}` + "\n"))
		return
	}
	w.Write([]byte(`{"status":"ok"}` + "\n"))
}

func (s *Server) models(w http.ResponseWriter, id string) {
	var list []api.Model
	if s.cfg.Model != nil {
		list = append(list, api.Model{ID: s.cfg.ModelName, Object: "model", Created: s.started.Unix(), OwnedBy: "goformer"})
	}
	if s.cfg.Embedder != nil {
		list = append(list, api.Model{ID: s.cfg.EmbedderName, Object: "model", Created: s.started.Unix(), OwnedBy: "goformer"})
	}
	if id == "" {
		writeJSON(w, http.StatusOK, api.ModelList{Object: "list", Data: list})
		return
	}
	for _, m := range list {
		if m.ID == id {
			writeJSON(w, http.StatusOK, m)
			return
		}
	}
	writeError(w, modelNotFound(id))
}

// authorized checks the bearer token when the server has API keys.
func (s *Server) authorized(r *http.Request) bool {
	if len(s.cfg.APIKeys) == 0 {
		return true
	}
	token, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return false
	}
	good := 0
	for _, k := range s.cfg.APIKeys {
		good |= subtle.ConstantTimeCompare([]byte(token), []byte(k))
	}
	return good == 1
}

// cors sets the CORS headers for an allowed origin and answers
// preflight requests; it reports whether the request was answered.
func (s *Server) cors(w http.ResponseWriter, r *http.Request) bool {
	origin := r.Header.Get("Origin")
	if origin == "" || len(s.cfg.CORSOrigins) == 0 {
		return false
	}
	h := w.Header()
	h.Add("Vary", "Origin")
	allowed := slices.Contains(s.cfg.CORSOrigins, origin) || slices.Contains(s.cfg.CORSOrigins, "*")
	if !allowed {
		return false
	}
	h.Set("Access-Control-Allow-Origin", origin)
	if r.Method != http.MethodOptions || r.Header.Get("Access-Control-Request-Method") == "" {
		return false
	}
	h.Set("Access-Control-Allow-Methods", "GET, POST, OPTIONS")
	if req := r.Header.Get("Access-Control-Request-Headers"); req != "" {
		h.Set("Access-Control-Allow-Headers", req)
	} else {
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type")
	}
	h.Set("Access-Control-Max-Age", "600")
	w.WriteHeader(http.StatusNoContent)
	return true
}

// apiError is an error answer.
type apiError struct {
	status int
	typ    string // OpenAI's error type
	code   string
	param  string
	msg    string
}

func (e *apiError) Error() string { return e.msg }

func (e *apiError) body() api.ErrorResponse {
	b := api.ErrorBody{Message: e.msg, Type: e.typ}
	if e.param != "" {
		b.Param = &e.param
	}
	if e.code != "" {
		b.Code = &e.code
	}
	return api.ErrorResponse{Error: b}
}

func badRequest(param, format string, a ...any) *apiError {
	return &apiError{status: http.StatusBadRequest, typ: "invalid_request_error", param: param, msg: fmt.Sprintf(format, a...)}
}

func modelNotFound(name string) *apiError {
	return &apiError{status: http.StatusNotFound, typ: "invalid_request_error", code: "model_not_found", param: "model",
		msg: fmt.Sprintf("the model %q does not exist here (see /v1/models)", name)}
}

func writeError(w http.ResponseWriter, e *apiError) {
	if e.status == http.StatusTooManyRequests || e.status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, e.status, e.body())
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		status, b = http.StatusInternalServerError, []byte(`{"error":{"message":"encode the response","type":"server_error","param":null,"code":null}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	w.Write(append(b, '\n'))
}
