// Package api holds the JSON messages of the OpenAI-compatible HTTP API
// that package serve implements and package serve/client speaks: the
// requests and responses of /v1/completions, /v1/chat/completions (and
// their streamed chunks), /v1/embeddings and /v1/models, and the error
// body. Field names and shapes are OpenAI's, so that existing clients
// work unchanged; the few extensions (top_k, repetition_penalty,
// min_tokens, pooling) carry the names vLLM and Hugging Face use.
//
// The package has no dependencies beyond the standard library: a client
// imports it without the model code.
package api

import (
	"bytes"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"math"
)

// CompletionRequest is the body of POST /v1/completions.
type CompletionRequest struct {
	Model  string `json:"model"`
	Prompt Prompt `json:"prompt"`
	// MaxTokens is the most tokens generated per prompt (nil: 16, as
	// OpenAI's default, within the model's context).
	MaxTokens *int `json:"max_tokens,omitempty"`
	Sampling
	// Logprobs, when set (0 to 5), asks for each generated token's
	// log-probability and that many most likely alternatives.
	Logprobs *int `json:"logprobs,omitempty"`
	// Echo, BestOf and Suffix are accepted at their defaults only (false,
	// 1, null).
	Echo   *bool   `json:"echo,omitempty"`
	BestOf *int    `json:"best_of,omitempty"`
	Suffix *string `json:"suffix,omitempty"`
}

// Sampling holds the generation parameters completions and chat
// completions share.
type Sampling struct {
	// Temperature 0 decodes greedily; nil means 1 (OpenAI's default:
	// sampling).
	Temperature *float64 `json:"temperature,omitempty"`
	// TopP samples from the nucleus of this probability (nil or 1: off).
	TopP *float64 `json:"top_p,omitempty"`
	// N is how many choices to return per prompt; only 1 is supported.
	N *int `json:"n,omitempty"`
	// Stream asks for server-sent events, one chunk per token.
	Stream bool `json:"stream,omitempty"`
	// StreamOptions.IncludeUsage adds a last chunk with the usage.
	StreamOptions *StreamOptions `json:"stream_options,omitempty"`
	// Stop ends a choice when its text contains one of these (at most 4).
	Stop StringList `json:"stop,omitempty"`
	// Seed seeds sampling: the same request with the same seed gives the
	// same output, whatever else the server is doing.
	Seed *int64 `json:"seed,omitempty"`
	// PresencePenalty and FrequencyPenalty are accepted at 0 only; use
	// RepetitionPenalty.
	PresencePenalty  *float64           `json:"presence_penalty,omitempty"`
	FrequencyPenalty *float64           `json:"frequency_penalty,omitempty"`
	LogitBias        map[string]float64 `json:"logit_bias,omitempty"`
	// User is the end user's id; it is accepted and ignored.
	User string `json:"user,omitempty"`

	// TopK samples among the k most likely tokens (extension; 0 or nil:
	// off).
	TopK *int `json:"top_k,omitempty"`
	// RepetitionPenalty above 1 discourages tokens already present
	// (extension, Hugging Face's; nil or 1: off).
	RepetitionPenalty *float64 `json:"repetition_penalty,omitempty"`
	// MinTokens forbids the end-of-sequence tokens until that many tokens
	// have been generated (extension).
	MinTokens *int `json:"min_tokens,omitempty"`
}

// StreamOptions configure a streamed response.
type StreamOptions struct {
	IncludeUsage bool `json:"include_usage"`
}

// ChatCompletionRequest is the body of POST /v1/chat/completions.
type ChatCompletionRequest struct {
	Model    string    `json:"model"`
	Messages []Message `json:"messages"`
	// MaxTokens and MaxCompletionTokens (its newer name) bound the reply
	// (nil: the rest of the model's context, within the server's limit).
	MaxTokens           *int `json:"max_tokens,omitempty"`
	MaxCompletionTokens *int `json:"max_completion_tokens,omitempty"`
	Sampling
	// Logprobs asks for each generated token's log-probability, and
	// TopLogprobs (0 to 20) for that many most likely alternatives.
	Logprobs    *bool `json:"logprobs,omitempty"`
	TopLogprobs *int  `json:"top_logprobs,omitempty"`
	// ResponseFormat, Tools and ToolChoice are accepted at their defaults
	// only ({"type": "text"}, none, "none").
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
	Tools          json.RawMessage `json:"tools,omitempty"`
	ToolChoice     json.RawMessage `json:"tool_choice,omitempty"`
}

// ResponseFormat is a chat request's response_format.
type ResponseFormat struct {
	Type string `json:"type"`
}

// Message is one turn of a conversation.
type Message struct {
	Role    string  `json:"role"`
	Content Content `json:"content"`
	// Name is accepted and ignored.
	Name string `json:"name,omitempty"`
}

// Response is what every response body and streamed chunk holds around
// its choices C.
type Response[C any] struct {
	ID      string `json:"id"`
	Object  string `json:"object"`
	Created int64  `json:"created"`
	Model   string `json:"model"`
	Choices []C    `json:"choices"`
	Usage   *Usage `json:"usage,omitempty"`
}

// CompletionResponse is the body of a non-streamed completion (object
// "text_completion").
type CompletionResponse = Response[CompletionChoice]

// CompletionChoice is one generated text (or, in a stream, a piece of
// one).
type CompletionChoice struct {
	Index int    `json:"index"`
	Text  string `json:"text"`
	// Logprobs is null unless the request asked for them.
	Logprobs *CompletionLogprobs `json:"logprobs"`
	// FinishReason is "stop" (an end-of-sequence token or a stop string)
	// or "length" (max_tokens or the model's context); null in a stream
	// until the choice ends.
	FinishReason *string `json:"finish_reason"`
}

// CompletionChunk is one server-sent event of a streamed completion: a
// piece of text of one choice, or, last when asked for, the usage.
type CompletionChunk = CompletionResponse

// ChatCompletionResponse is the body of a non-streamed chat completion
// (object "chat.completion").
type ChatCompletionResponse = Response[ChatChoice]

// ChatChoice is one reply.
type ChatChoice struct {
	Index        int           `json:"index"`
	Message      Message       `json:"message"`
	Logprobs     *ChatLogprobs `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"`
}

// ChatCompletionChunk is one server-sent event of a streamed chat
// completion (object "chat.completion.chunk").
type ChatCompletionChunk = Response[ChatChunkChoice]

// ChatChunkChoice is the piece of one reply a chunk carries.
type ChatChunkChoice struct {
	Index        int           `json:"index"`
	Delta        Delta         `json:"delta"`
	Logprobs     *ChatLogprobs `json:"logprobs"`
	FinishReason *string       `json:"finish_reason"`
}

// Delta is what a chunk adds to a reply: the role in the first chunk,
// then pieces of content.
type Delta struct {
	Role    string  `json:"role,omitempty"`
	Content *string `json:"content,omitempty"`
}

// CompletionLogprobs are the log-probabilities of a completion's tokens
// under the model's distribution (before temperature, top-k and top-p),
// in OpenAI's legacy form: parallel lists, one entry per token.
type CompletionLogprobs struct {
	Tokens        []string  `json:"tokens"`
	TokenLogprobs []float64 `json:"token_logprobs"`
	// TopLogprobs maps the most likely tokens to their log-probabilities
	// at each position (null when the request asked for none).
	TopLogprobs []map[string]float64 `json:"top_logprobs"`
	// TextOffset is each token's byte offset in the choice's text.
	TextOffset []int `json:"text_offset"`
}

// ChatLogprobs are the log-probabilities of a reply's tokens.
type ChatLogprobs struct {
	Content []TokenLogprob `json:"content"`
}

// TokenLogprob is one generated token: its text, its bytes (a token may
// hold part of a character), its log-probability and the most likely
// alternatives.
type TokenLogprob struct {
	Token       string       `json:"token"`
	Logprob     float64      `json:"logprob"`
	Bytes       []int        `json:"bytes"`
	TopLogprobs []TopLogprob `json:"top_logprobs"`
}

// TopLogprob is one alternative token.
type TopLogprob struct {
	Token   string  `json:"token"`
	Logprob float64 `json:"logprob"`
	Bytes   []int   `json:"bytes"`
}

// Usage counts the tokens of a request.
type Usage struct {
	PromptTokens     int `json:"prompt_tokens"`
	CompletionTokens int `json:"completion_tokens"`
	TotalTokens      int `json:"total_tokens"`
}

// EmbeddingRequest is the body of POST /v1/embeddings.
type EmbeddingRequest struct {
	Model string `json:"model"`
	Input Prompt `json:"input"`
	// EncodingFormat is "float" (the default) or "base64" (little-endian
	// float32 values, as the openai packages ask for).
	EncodingFormat string `json:"encoding_format,omitempty"`
	// Dimensions, when set, must be the model's embedding size.
	Dimensions *int   `json:"dimensions,omitempty"`
	User       string `json:"user,omitempty"`
	// Pooling overrides the model's pooling: "mean", "cls" or "pooled"
	// (extension).
	Pooling string `json:"pooling,omitempty"`
}

// EmbeddingResponse is the body of an embeddings response.
type EmbeddingResponse struct {
	Object string          `json:"object"` // "list"
	Data   []EmbeddingData `json:"data"`
	Model  string          `json:"model"`
	Usage  Usage           `json:"usage"`
}

// EmbeddingData is the embedding of one input.
type EmbeddingData struct {
	Object    string    `json:"object"` // "embedding"
	Index     int       `json:"index"`
	Embedding Embedding `json:"embedding"`
}

// Embedding is a vector, written as a JSON array of numbers or, when
// Base64 is set, as the base64 of its little-endian float32 values.
type Embedding struct {
	Values []float32
	Base64 bool
}

// MarshalJSON writes the vector in its format.
func (e Embedding) MarshalJSON() ([]byte, error) {
	if e.Base64 {
		b := make([]byte, 4*len(e.Values))
		for i, v := range e.Values {
			binary.LittleEndian.PutUint32(b[4*i:], math.Float32bits(v))
		}
		return json.Marshal(base64.StdEncoding.EncodeToString(b))
	}
	vals := e.Values
	if vals == nil {
		vals = []float32{}
	}
	return json.Marshal(vals)
}

// UnmarshalJSON reads an array of numbers or a base64 string.
func (e *Embedding) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		raw, err := base64.StdEncoding.DecodeString(s)
		if err != nil || len(raw)%4 != 0 {
			return errors.New("api: embedding: not the base64 of float32 values")
		}
		e.Base64, e.Values = true, make([]float32, len(raw)/4)
		for i := range e.Values {
			e.Values[i] = math.Float32frombits(binary.LittleEndian.Uint32(raw[4*i:]))
		}
		return nil
	}
	e.Base64 = false
	return json.Unmarshal(b, &e.Values)
}

// ModelList is the body of GET /v1/models.
type ModelList struct {
	Object string  `json:"object"` // "list"
	Data   []Model `json:"data"`
}

// Model describes one served model.
type Model struct {
	ID      string `json:"id"`
	Object  string `json:"object"` // "model"
	Created int64  `json:"created"`
	OwnedBy string `json:"owned_by"`
}

// ErrorResponse is the body of every error, as OpenAI's.
type ErrorResponse struct {
	Error ErrorBody `json:"error"`
}

// ErrorBody says what went wrong: Type is "invalid_request_error",
// "authentication_error", "not_found_error", "rate_limit_error" or
// "server_error"; Param names the offending field, Code a machine-readable
// reason ("context_length_exceeded", "model_not_found", "queue_full" ...).
type ErrorBody struct {
	Message string  `json:"message"`
	Type    string  `json:"type"`
	Param   *string `json:"param"`
	Code    *string `json:"code"`
}

// Prompt is one or more prompts, each a text or a list of token ids: in
// JSON a string, a list of strings, a list of numbers (one prompt of
// tokens) or a list of lists of numbers.
type Prompt []PromptItem

// PromptItem is one prompt: Tokens when IsTokens, else Text.
type PromptItem struct {
	Text     string
	Tokens   []int
	IsTokens bool
}

// Texts returns prompts of texts.
func Texts(s ...string) Prompt {
	p := make(Prompt, len(s))
	for i, x := range s {
		p[i] = PromptItem{Text: x}
	}
	return p
}

// MarshalJSON writes one text as a string, several as a list.
func (p Prompt) MarshalJSON() ([]byte, error) {
	allText, allTokens := true, true
	for _, x := range p {
		allText = allText && !x.IsTokens
		allTokens = allTokens && x.IsTokens
	}
	switch {
	case len(p) == 1 && allText:
		return json.Marshal(p[0].Text)
	case len(p) == 1 && allTokens:
		return json.Marshal(nonNil(p[0].Tokens))
	case allText:
		s := make([]string, len(p))
		for i, x := range p {
			s[i] = x.Text
		}
		return json.Marshal(s)
	case allTokens:
		t := make([][]int, len(p))
		for i, x := range p {
			t[i] = nonNil(x.Tokens)
		}
		return json.Marshal(t)
	}
	return nil, errors.New("api: a prompt mixes texts and token lists")
}

func nonNil(x []int) []int {
	if x == nil {
		return []int{}
	}
	return x
}

// UnmarshalJSON reads any of the four forms (null: none).
func (p *Prompt) UnmarshalJSON(b []byte) error {
	if string(bytes.TrimSpace(b)) == "null" {
		*p = nil
		return nil
	}
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*p = Prompt{{Text: s}}
		return nil
	}
	var list []json.RawMessage
	if err := json.Unmarshal(b, &list); err != nil {
		return errors.New("want a string, a list of strings, a list of token ids or a list of lists of token ids")
	}
	if len(list) == 0 {
		return errors.New("empty list")
	}
	var ss []string
	if err := json.Unmarshal(b, &ss); err == nil {
		*p = Texts(ss...)
		return nil
	}
	var ids []int
	if err := json.Unmarshal(b, &ids); err == nil {
		*p = Prompt{{Tokens: ids, IsTokens: true}}
		return nil
	}
	var lists [][]int
	if err := json.Unmarshal(b, &lists); err == nil {
		out := make(Prompt, len(lists))
		for i, l := range lists {
			out[i] = PromptItem{Tokens: l, IsTokens: true}
		}
		*p = out
		return nil
	}
	return errors.New("want a string, a list of strings, a list of token ids or a list of lists of token ids (not a mix)")
}

// StringList is a string or a list of strings (null: none).
type StringList []string

// UnmarshalJSON reads a string, a list of strings or null.
func (s *StringList) UnmarshalJSON(b []byte) error {
	var one *string
	if err := json.Unmarshal(b, &one); err == nil {
		*s = nil
		if one != nil {
			*s = StringList{*one}
		}
		return nil
	}
	var many []string
	if err := json.Unmarshal(b, &many); err != nil {
		return errors.New("want a string or a list of strings")
	}
	*s = many
	return nil
}

// Content is a message's content: in JSON a string, or a list of parts
// of which only {"type": "text", "text": ...} is supported (their texts
// are joined).
type Content string

// MarshalJSON writes the content as a string.
func (c Content) MarshalJSON() ([]byte, error) { return json.Marshal(string(c)) }

// UnmarshalJSON reads a string or a list of text parts.
func (c *Content) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*c = Content(s)
		return nil
	}
	var parts []struct {
		Type string  `json:"type"`
		Text *string `json:"text"`
	}
	if err := json.Unmarshal(b, &parts); err != nil {
		return errors.New("want a string or a list of text parts")
	}
	var buf bytes.Buffer
	for i, p := range parts {
		if p.Type != "text" || p.Text == nil {
			return fmt.Errorf("part %d: only parts of type \"text\" with a text are supported, not %q", i, p.Type)
		}
		buf.WriteString(*p.Text)
	}
	*c = Content(buf.String())
	return nil
}

// Ptr returns a pointer to v, for the optional fields of requests.
func Ptr[T any](v T) *T { return &v }
