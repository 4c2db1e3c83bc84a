package serve

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"strings"
	"unicode/utf8"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/serve/api"
)

// readJSON reads the request body (at most MaxBodyBytes) into v: valid
// UTF-8, one JSON object, no field v does not have.
func (s *Server) readJSON(w http.ResponseWriter, r *http.Request, v any) *apiError {
	b, err := io.ReadAll(http.MaxBytesReader(w, r.Body, s.cfg.MaxBodyBytes))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return &apiError{status: http.StatusRequestEntityTooLarge, typ: "invalid_request_error", code: "body_too_large",
				msg: fmt.Sprintf("the request body is larger than the server's limit of %d bytes", tooBig.Limit)}
		}
		return badRequest("", "read the request body: %v", err)
	}
	if len(bytes.TrimSpace(b)) == 0 {
		return badRequest("", "the request body is empty: send a JSON object")
	}
	if !utf8.Valid(b) {
		return badRequest("", "the request body is not valid UTF-8 (at byte %d)", invalidUTF8At(b))
	}
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return jsonError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return badRequest("", "malformed JSON: unexpected data after the object at byte %d", dec.InputOffset())
	}
	return nil
}

func invalidUTF8At(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// jsonError turns a decoding error into a 400 that names the field.
func jsonError(err error) *apiError {
	var syntax *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syntax):
		return badRequest("", "malformed JSON at byte %d: %s", syntax.Offset, strings.TrimPrefix(syntax.Error(), "json: "))
	case errors.Is(err, io.ErrUnexpectedEOF):
		return badRequest("", "malformed JSON: the body ends inside a value")
	case errors.As(err, &typ):
		if typ.Field == "" {
			return badRequest("", "the body must be a JSON object, not a JSON %s", typ.Value)
		}
		what := typ.Value
		if typ.Value == "number" || strings.HasPrefix(typ.Value, "number ") {
			what = typ.Value + " (out of range or not an integer)"
		}
		return badRequest(typ.Field, "field %s: want %s, got a JSON %s", typ.Field, jsonKind(typ.Type.String()), what)
	}
	msg := strings.TrimPrefix(err.Error(), "json: ")
	if f, ok := strings.CutPrefix(msg, "unknown field "); ok {
		name := strings.Trim(f, `"`)
		return badRequest(name, "unknown field %s", f)
	}
	return badRequest("", "invalid request: %s", msg)
}

// jsonKind names a Go type as a JSON kind.
func jsonKind(t string) string {
	t = strings.TrimPrefix(t, "*")
	switch {
	case strings.HasPrefix(t, "int") || strings.HasPrefix(t, "uint"):
		return "an integer"
	case strings.HasPrefix(t, "float"):
		return "a number"
	case t == "string":
		return "a string"
	case t == "bool":
		return "true or false"
	case strings.HasPrefix(t, "[]"):
		return "a list"
	case strings.HasPrefix(t, "map"):
		return "an object"
	}
	return "an object"
}

// genSpec is a validated generation request.
type genSpec struct {
	endpoint string
	chat     bool
	prompts  [][]int
	maxNew   []int
	opts     generate.Options // sampling and processors, StopTokens
	stops    []string
	seed     uint64
	stream   bool
	usage    bool
	logprobs bool // report each token's log-probability
	top      int  // and that many alternatives
}

// sampling validates the parameters both generation endpoints share.
func (s *Server) sampling(p api.Sampling) (generate.Options, []string, uint64, *apiError) {
	var o generate.Options
	fail := func(e *apiError) (generate.Options, []string, uint64, *apiError) { return o, nil, 0, e }
	finite := func(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
	o.Temperature = 1
	if p.Temperature != nil {
		if t := *p.Temperature; !finite(t) || t < 0 || t > 2 {
			return fail(badRequest("temperature", "temperature %v is outside [0, 2]", t))
		}
		o.Temperature = *p.Temperature
	}
	if p.TopP != nil {
		if v := *p.TopP; !finite(v) || v <= 0 || v > 1 {
			return fail(badRequest("top_p", "top_p %v is outside (0, 1]", v))
		}
		o.TopP = *p.TopP
	}
	if p.TopK != nil {
		switch k := *p.TopK; {
		case k == -1:
		case k < 0:
			return fail(badRequest("top_k", "top_k %d is negative (0 or -1: off)", k))
		default:
			o.TopK = k
		}
	}
	if p.RepetitionPenalty != nil {
		if v := *p.RepetitionPenalty; !finite(v) || v <= 0 || v > 10 {
			return fail(badRequest("repetition_penalty", "repetition_penalty %v is outside (0, 10]", v))
		}
		o.RepetitionPenalty = *p.RepetitionPenalty
	}
	if p.MinTokens != nil {
		if *p.MinTokens < 0 {
			return fail(badRequest("min_tokens", "min_tokens %d is negative", *p.MinTokens))
		}
		o.MinNewTokens = *p.MinTokens
	}
	if p.N != nil && *p.N != 1 {
		return fail(badRequest("n", "n %d: only one choice per prompt is supported", *p.N))
	}
	if p.PresencePenalty != nil && *p.PresencePenalty != 0 {
		return fail(badRequest("presence_penalty", "presence_penalty is not supported (use repetition_penalty)"))
	}
	if p.FrequencyPenalty != nil && *p.FrequencyPenalty != 0 {
		return fail(badRequest("frequency_penalty", "frequency_penalty is not supported (use repetition_penalty)"))
	}
	if len(p.LogitBias) > 0 {
		return fail(badRequest("logit_bias", "logit_bias is not supported"))
	}
	if p.StreamOptions != nil && !p.Stream {
		return fail(badRequest("stream_options", "stream_options needs stream: true"))
	}
	if len(p.Stop) > 4 {
		return fail(badRequest("stop", "%d stop strings: at most 4", len(p.Stop)))
	}
	for _, st := range p.Stop {
		if st == "" || len(st) > 256 {
			return fail(badRequest("stop", "a stop string must hold 1 to 256 bytes"))
		}
	}
	seed := splitmix(s.cfg.Seed ^ splitmix(s.seq.Add(1)))
	if p.Seed != nil {
		seed = uint64(*p.Seed)
	}
	o.StopTokens = s.cfg.Model.StopTokens()
	return o, p.Stop, seed, nil
}

// splitmix is SplitMix64's finalizer, to derive seeds.
func splitmix(x uint64) uint64 {
	x += 0x9e3779b97f4a7c15
	x = (x ^ x>>30) * 0xbf58476d1ce4e5b9
	x = (x ^ x>>27) * 0x94d049bb133111eb
	return x ^ x>>31
}

// lengths validates the prompts' lengths and max_tokens, and returns each
// prompt's most new tokens. def is the default for a request without
// max_tokens (0: the rest of the context).
func (s *Server) lengths(prompts [][]int, maxTokens *int, param string, def int) ([]int, *apiError) {
	ctxLen := s.info.context
	out := make([]int, len(prompts))
	if maxTokens != nil {
		switch m := *maxTokens; {
		case m < 1:
			return nil, badRequest(param, "%s %d: at least 1 token must be generated", param, m)
		case m > s.cfg.MaxTokens:
			return nil, badRequest(param, "%s %d is more than the server's limit of %d", param, m, s.cfg.MaxTokens)
		}
	}
	for i, p := range prompts {
		switch {
		case len(p) == 0:
			return nil, badRequest("prompt", "prompt %d is empty: give at least one token", i)
		case len(p) > s.cfg.MaxPromptTokens:
			e := badRequest("prompt", "prompt %d has %d tokens, more than the limit of %d", i, len(p), s.cfg.MaxPromptTokens)
			e.code = "context_length_exceeded"
			return nil, e
		}
		for _, id := range p {
			if id < 0 || id >= s.info.vocab {
				return nil, badRequest("prompt", "prompt %d: token id %d is outside the vocabulary of %d", i, id, s.info.vocab)
			}
		}
		left := ctxLen - len(p)
		if maxTokens != nil {
			if *maxTokens > left {
				e := badRequest(param, "this model's context is %d tokens: prompt %d has %d and %s asks for %d more", ctxLen, i, len(p), param, *maxTokens)
				e.code = "context_length_exceeded"
				return nil, e
			}
			out[i] = *maxTokens
			continue
		}
		n := left
		if def > 0 {
			n = min(n, def)
		}
		out[i] = min(n, s.cfg.MaxTokens)
	}
	return out, nil
}
