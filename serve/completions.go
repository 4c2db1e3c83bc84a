package serve

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net/http"
	"time"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/serve/api"
)

var errNoGenerator = &apiError{status: http.StatusNotFound, typ: "invalid_request_error", code: "model_not_found", param: "model",
	msg: "this server has no text generation model (see /v1/models)"}

// checkModel checks a request's model name against the served one.
func checkModel(got, want string) *apiError {
	if got == "" {
		return badRequest("model", "model is required (see /v1/models)")
	}
	if got != want {
		return modelNotFound(got)
	}
	return nil
}

func (s *Server) completions(w http.ResponseWriter, r *http.Request) *apiError {
	if s.eng == nil {
		return errNoGenerator
	}
	var req api.CompletionRequest
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkModel(req.Model, s.cfg.ModelName); err != nil {
		return err
	}
	switch {
	case len(req.Prompt) == 0:
		return badRequest("prompt", "prompt is required")
	case len(req.Prompt) > s.cfg.MaxPrompts:
		return badRequest("prompt", "%d prompts: at most %d per request", len(req.Prompt), s.cfg.MaxPrompts)
	case req.Echo != nil && *req.Echo:
		return badRequest("echo", "echo is not supported")
	case req.BestOf != nil && *req.BestOf != 1:
		return badRequest("best_of", "best_of: only 1 is supported")
	case req.Suffix != nil && *req.Suffix != "":
		return badRequest("suffix", "suffix is not supported")
	case req.Logprobs != nil && (*req.Logprobs < 0 || *req.Logprobs > 5):
		return badRequest("logprobs", "logprobs %d is outside [0, 5]", *req.Logprobs)
	}
	opts, stops, seed, aerr := s.sampling(req.Sampling)
	if aerr != nil {
		return aerr
	}
	prompts := make([][]int, len(req.Prompt))
	for i, p := range req.Prompt {
		if p.IsTokens {
			prompts[i] = p.Tokens
			continue
		}
		ids, err := s.cfg.Model.Encode(p.Text)
		if err != nil {
			return badRequest("prompt", "prompt %d: %v", i, err)
		}
		prompts[i] = ids
	}
	maxNew, aerr := s.lengths(prompts, req.MaxTokens, "max_tokens", 16)
	if aerr != nil {
		return aerr
	}
	g := genSpec{
		endpoint: "completions", prompts: prompts, maxNew: maxNew, opts: opts, stops: stops, seed: seed,
		stream: req.Stream, usage: req.StreamOptions != nil && req.StreamOptions.IncludeUsage,
	}
	if req.Logprobs != nil {
		g.logprobs, g.top = true, *req.Logprobs
	}
	return s.generate(w, r, g)
}

func (s *Server) chatCompletions(w http.ResponseWriter, r *http.Request) *apiError {
	if s.eng == nil {
		return errNoGenerator
	}
	var req api.ChatCompletionRequest
	if err := s.readJSON(w, r, &req); err != nil {
		return err
	}
	if err := checkModel(req.Model, s.cfg.ModelName); err != nil {
		return err
	}
	switch {
	case s.cfg.Model.Chat == nil:
		return badRequest("messages", "the model has no chat template: use /v1/completions")
	case len(req.Messages) == 0:
		return badRequest("messages", "messages is required")
	case req.TopLogprobs != nil && (*req.TopLogprobs < 0 || *req.TopLogprobs > 20):
		return badRequest("top_logprobs", "top_logprobs %d is outside [0, 20]", *req.TopLogprobs)
	case req.TopLogprobs != nil && (req.Logprobs == nil || !*req.Logprobs):
		return badRequest("top_logprobs", "top_logprobs needs logprobs: true")
	case req.ResponseFormat != nil && req.ResponseFormat.Type != "text":
		return badRequest("response_format", "response_format %q is not supported (only \"text\")", req.ResponseFormat.Type)
	case len(req.Tools) > 0 && string(req.Tools) != "null" && string(req.Tools) != "[]":
		return badRequest("tools", "tools are not supported")
	case len(req.ToolChoice) > 0 && string(req.ToolChoice) != "null" && string(req.ToolChoice) != `"none"`:
		return badRequest("tool_choice", "tool_choice is not supported")
	case req.MaxTokens != nil && req.MaxCompletionTokens != nil && *req.MaxTokens != *req.MaxCompletionTokens:
		return badRequest("max_completion_tokens", "max_tokens and max_completion_tokens disagree")
	}
	msgs := make([]chat.Message, len(req.Messages))
	for i, m := range req.Messages {
		role := m.Role
		switch role {
		case "system", "user", "assistant":
		case "developer":
			role = "system"
		default:
			return badRequest(fmt.Sprintf("messages[%d].role", i), "message %d: role %q is not supported (system, user, assistant)", i, m.Role)
		}
		msgs[i] = chat.Message{Role: role, Content: string(m.Content)}
	}
	opts, stops, seed, aerr := s.sampling(req.Sampling)
	if aerr != nil {
		return aerr
	}
	ids, err := s.cfg.Model.ChatPrompt(msgs)
	if err != nil {
		if errors.Is(err, auto.ErrNoChatTemplate) {
			return badRequest("messages", "the model has no chat template")
		}
		return badRequest("messages", "%v", err)
	}
	maxTokens, param := req.MaxTokens, "max_tokens"
	if req.MaxCompletionTokens != nil {
		maxTokens, param = req.MaxCompletionTokens, "max_completion_tokens"
	}
	maxNew, aerr := s.lengths([][]int{ids}, maxTokens, param, s.cfg.DefaultMaxTokens)
	if aerr != nil {
		return aerr
	}
	g := genSpec{
		endpoint: "chat", chat: true, prompts: [][]int{ids}, maxNew: maxNew, opts: opts, stops: stops, seed: seed,
		stream: req.Stream, usage: req.StreamOptions != nil && req.StreamOptions.IncludeUsage,
		logprobs: req.Logprobs != nil && *req.Logprobs,
	}
	if req.TopLogprobs != nil {
		g.top = *req.TopLogprobs
	}
	return s.generate(w, r, g)
}

// choice is the state of one prompt's output in a handler.
type choice struct {
	tokens []int
	lps    []float64
	tops   [][]alt
	finish string
	stop   string
	text   *generate.TextStream // streaming only
}

// generate queues the prompts and writes the response, whole or as a
// stream of server-sent events.
func (s *Server) generate(w http.ResponseWriter, r *http.Request, g genSpec) *apiError {
	ctx := r.Context()
	start := time.Now()
	room := 0
	for _, n := range g.maxNew {
		room += n + 1
	}
	out := make(chan event, room)
	jobs := make([]*job, len(g.prompts))
	window := 0
	for _, st := range g.stops {
		window = max(window, len(st)+2)
	}
	for i, p := range g.prompts {
		o := g.opts
		o.MaxNewTokens = g.maxNew[i]
		jobs[i] = &job{
			ctx: ctx, index: i, prompt: p, maxNew: g.maxNew[i],
			picker: generate.NewPicker(o), src: generate.Source{Seed: g.seed},
			stopIDs: g.opts.StopTokens, stops: g.stops, window: window, dec: s.cfg.Model.Tokenizer, top: g.top, out: out,
		}
	}
	if err := s.eng.submit(jobs); err != nil {
		var tl *tooLargeError
		switch {
		case errors.Is(err, ErrQueueFull):
			return &apiError{status: http.StatusTooManyRequests, typ: "rate_limit_error", code: "queue_full",
				msg: "the server is busy: its queue is full; retry later"}
		case errors.Is(err, ErrClosed):
			return errShuttingDown
		case errors.As(err, &tl):
			e := badRequest("max_tokens", "%v", err)
			e.code = "kv_cache_exceeded"
			return e
		}
		return &apiError{status: http.StatusInternalServerError, typ: "server_error", msg: err.Error()}
	}
	id := s.newID(g.chat)
	choices := make([]choice, len(jobs))
	if g.stream {
		return s.stream(w, ctx, g, id, start, out, choices)
	}
	first := true
	for left := len(jobs); left > 0; {
		select {
		case ev := <-out:
			if ev.err != nil {
				return s.eventError(ev.err)
			}
			if first {
				s.m.ttft.observe(time.Since(start).Seconds())
				first = false
			}
			c := &choices[ev.index]
			c.add(ev)
			if ev.finish != "" {
				c.finish, c.stop = ev.finish, ev.stop
				left--
			}
		case <-ctx.Done():
			return s.eventError(ctx.Err())
		}
	}
	usage := &api.Usage{}
	texts := make([]string, len(choices))
	for i, c := range choices {
		text, err := s.cfg.Model.Tokenizer.Decode(c.tokens, true)
		if err != nil {
			return &apiError{status: http.StatusInternalServerError, typ: "server_error", msg: "decode the output: " + err.Error()}
		}
		if c.stop != "" {
			text, _ = generate.CutStop(text, []string{c.stop})
		}
		texts[i] = text
		usage.PromptTokens += len(g.prompts[i])
		usage.CompletionTokens += len(c.tokens)
	}
	usage.TotalTokens = usage.PromptTokens + usage.CompletionTokens
	if g.chat {
		resp := api.ChatCompletionResponse{ID: id, Object: "chat.completion", Created: time.Now().Unix(), Model: s.cfg.ModelName, Usage: usage}
		for i, c := range choices {
			f := c.finish
			ch := api.ChatChoice{Index: i, Message: api.Message{Role: "assistant", Content: api.Content(texts[i])}, FinishReason: &f}
			if g.logprobs {
				ch.Logprobs = s.chatLogprobs(&choices[i], 0, len(c.tokens))
			}
			resp.Choices = append(resp.Choices, ch)
		}
		writeJSON(w, http.StatusOK, resp)
		return nil
	}
	resp := api.CompletionResponse{ID: id, Object: "text_completion", Created: time.Now().Unix(), Model: s.cfg.ModelName, Usage: usage}
	for i, c := range choices {
		f := c.finish
		ch := api.CompletionChoice{Index: i, Text: texts[i], FinishReason: &f}
		if g.logprobs {
			ch.Logprobs = s.completionLogprobs(&choices[i], 0, len(c.tokens), g.top > 0)
		}
		resp.Choices = append(resp.Choices, ch)
	}
	writeJSON(w, http.StatusOK, resp)
	return nil
}

// eventError is the answer to a request whose generation ended with err.
func (s *Server) eventError(err error) *apiError {
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return &apiError{status: http.StatusGatewayTimeout, typ: "server_error", code: "timeout",
			msg: fmt.Sprintf("the request took longer than the server's limit of %v", s.cfg.RequestTimeout)}
	case errors.Is(err, context.Canceled):
		// The client went away: nobody reads the answer.
		return &apiError{status: 499, typ: "invalid_request_error", code: "cancelled", msg: "the request was cancelled"}
	case errors.Is(err, ErrClosed):
		return errShuttingDown
	}
	return &apiError{status: http.StatusInternalServerError, typ: "server_error", msg: err.Error()}
}

func (s *Server) newID(chat bool) string {
	prefix := "cmpl-"
	if chat {
		prefix = "chatcmpl-"
	}
	return fmt.Sprintf("%s%x%08x", prefix, s.started.UnixNano(), s.seq.Add(1))
}

// stream writes the choices as server-sent events as their tokens come.
func (s *Server) stream(w http.ResponseWriter, ctx context.Context, g genSpec, id string, start time.Time, out <-chan event, choices []choice) *apiError {
	rc := http.NewResponseController(w)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-cache")
	h.Set("X-Accel-Buffering", "no")
	w.WriteHeader(http.StatusOK)
	created := time.Now().Unix()
	send := func(v any) bool {
		b, err := json.Marshal(v)
		if err != nil {
			return false
		}
		if _, err := fmt.Fprintf(w, "data: %s\n\n", b); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	fail := func(e *apiError) *apiError {
		send(e.body())
		return nil
	}
	for i := range choices {
		choices[i].text = &generate.TextStream{Decoder: s.cfg.Model.Tokenizer, SkipSpecial: true, Stops: g.stops}
		if g.chat {
			empty := ""
			if !send(s.chatChunk(id, created, i, api.Delta{Role: "assistant", Content: &empty}, nil)) {
				return nil
			}
		}
	}
	first := true
	for left := len(choices); left > 0; {
		var ev event
		select {
		case ev = <-out:
		case <-ctx.Done():
			return fail(s.eventError(ctx.Err()))
		}
		if ev.err != nil {
			return fail(s.eventError(ev.err))
		}
		if first {
			s.m.ttft.observe(time.Since(start).Seconds())
			first = false
		}
		c := &choices[ev.index]
		c.add(ev)
		text, err := c.text.Push(ev.token)
		if err == nil && ev.finish != "" {
			var rest string
			rest, err = c.text.Flush()
			text += rest
		}
		if err != nil {
			return fail(&apiError{status: http.StatusInternalServerError, typ: "server_error", msg: "decode the output: " + err.Error()})
		}
		var finish *string
		if ev.finish != "" {
			c.finish = ev.finish
			finish = &c.finish
			left--
		}
		n := len(c.tokens)
		if g.chat {
			if text != "" || g.logprobs {
				chunk := s.chatChunk(id, created, ev.index, api.Delta{Content: &text}, nil)
				if g.logprobs {
					chunk.Choices[0].Logprobs = s.chatLogprobs(c, n-1, n)
				}
				if !send(chunk) {
					return nil
				}
			}
			if finish != nil && !send(s.chatChunk(id, created, ev.index, api.Delta{}, finish)) {
				return nil
			}
			continue
		}
		if text != "" || finish != nil || g.logprobs {
			chunk := api.CompletionChunk{ID: id, Object: "text_completion", Created: created, Model: s.cfg.ModelName,
				Choices: []api.CompletionChoice{{Index: ev.index, Text: text, FinishReason: finish}}}
			if g.logprobs {
				chunk.Choices[0].Logprobs = s.completionLogprobs(c, n-1, n, g.top > 0)
			}
			if !send(chunk) {
				return nil
			}
		}
	}
	if g.usage {
		u := &api.Usage{}
		for i, c := range choices {
			u.PromptTokens += len(g.prompts[i])
			u.CompletionTokens += len(c.tokens)
		}
		u.TotalTokens = u.PromptTokens + u.CompletionTokens
		var chunk any = api.CompletionChunk{ID: id, Object: "text_completion", Created: created, Model: s.cfg.ModelName, Choices: []api.CompletionChoice{}, Usage: u}
		if g.chat {
			chunk = api.ChatCompletionChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: s.cfg.ModelName, Choices: []api.ChatChunkChoice{}, Usage: u}
		}
		if !send(chunk) {
			return nil
		}
	}
	fmt.Fprint(w, "data: [DONE]\n\n")
	rc.Flush()
	return nil
}

func (s *Server) chatChunk(id string, created int64, index int, d api.Delta, finish *string) api.ChatCompletionChunk {
	return api.ChatCompletionChunk{ID: id, Object: "chat.completion.chunk", Created: created, Model: s.cfg.ModelName,
		Choices: []api.ChatChunkChoice{{Index: index, Delta: d, FinishReason: finish}}}
}

func (c *choice) add(ev event) {
	c.tokens = append(c.tokens, ev.token)
	c.lps = append(c.lps, ev.logprob)
	c.tops = append(c.tops, ev.top)
}

// tokenText returns a token's text (special tokens as written) and its
// bytes.
func (s *Server) tokenText(id int) (string, []int) {
	text, err := s.cfg.Model.Tokenizer.Decode([]int{id}, false)
	if err != nil {
		return "", []int{}
	}
	b := make([]int, len(text))
	for i := range len(text) {
		b[i] = int(text[i])
	}
	return text, b
}

// finiteLogprob writes an impossible token's −∞ as OpenAI does, −9999.
func finiteLogprob(lp float64) float64 {
	if math.IsInf(lp, -1) || math.IsNaN(lp) {
		return -9999
	}
	return lp
}

// completionLogprobs returns the legacy logprobs of tokens [from, to) of
// a choice.
func (s *Server) completionLogprobs(c *choice, from, to int, withTop bool) *api.CompletionLogprobs {
	out := &api.CompletionLogprobs{Tokens: []string{}, TokenLogprobs: []float64{}, TextOffset: []int{}}
	if withTop {
		out.TopLogprobs = []map[string]float64{}
	}
	for i := from; i < to; i++ {
		text, _ := s.tokenText(c.tokens[i])
		prefix, _ := s.cfg.Model.Tokenizer.Decode(c.tokens[:i], true)
		out.Tokens = append(out.Tokens, text)
		out.TokenLogprobs = append(out.TokenLogprobs, finiteLogprob(c.lps[i]))
		out.TextOffset = append(out.TextOffset, len(prefix))
		if withTop {
			m := map[string]float64{}
			for _, a := range c.tops[i] {
				t, _ := s.tokenText(a.id)
				if _, dup := m[t]; !dup {
					m[t] = finiteLogprob(a.logprob)
				}
			}
			out.TopLogprobs = append(out.TopLogprobs, m)
		}
	}
	return out
}

// chatLogprobs returns the logprobs of tokens [from, to) of a reply.
func (s *Server) chatLogprobs(c *choice, from, to int) *api.ChatLogprobs {
	out := &api.ChatLogprobs{Content: []api.TokenLogprob{}}
	for i := from; i < to; i++ {
		text, b := s.tokenText(c.tokens[i])
		tl := api.TokenLogprob{Token: text, Logprob: finiteLogprob(c.lps[i]), Bytes: b, TopLogprobs: []api.TopLogprob{}}
		for _, a := range c.tops[i] {
			t, tb := s.tokenText(a.id)
			tl.TopLogprobs = append(tl.TopLogprobs, api.TopLogprob{Token: t, Logprob: finiteLogprob(a.logprob), Bytes: tb})
		}
		out.Content = append(out.Content, tl)
	}
	return out
}
