package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/goformer/goformer/models/auto"
	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/chat"
	"github.com/goformer/goformer/tensor"
	"github.com/goformer/goformer/tokenize"
)

// Session is a conversation with a chat model that keeps the model's KV
// cache from turn to turn: each turn runs the model over the new tokens
// only (the end of the last reply and the new message), never over the
// turns before, as long as the conversation fits the context.
//
// The context policy: a turn's prompt plus MaxNewTokens must fit the
// context (the model's longest sequence, or Context when smaller); when
// it does not, the oldest exchanges (a user message and its reply) are
// dropped, the system message kept, and the cache is rebuilt from the
// shortened conversation, since every position has moved.
type Session struct {
	LM *auto.CausalLM
	// Options generate each reply (greedy by default; its stop tokens
	// should end a turn: start from LM.Defaults()).
	Options generate.Options
	// Context, when positive, caps the tokens of a turn (prompt and
	// reply) below the model's own limit.
	Context int
	// System, when set, is the system message that opens the
	// conversation (kept when old turns are dropped).
	System string

	msgs   []chat.Message // the conversation so far, system message excluded
	cache  generate.Cache
	tokens []int // the tokens whose keys and values cache holds
	// pending is the last token of the last reply: generated, not yet
	// run through the model (-1 when none).
	pending int

	// Stats describes the last turn.
	Stats TurnStats
}

// TurnStats describes one turn.
type TurnStats struct {
	// Reused counts the cached tokens the turn started from; Prefill the
	// tokens run through the model before the first new token; Generated
	// the tokens of the reply.
	Reused, Prefill, Generated int
	// Dropped counts the messages dropped from the start of the
	// conversation to fit the context; Rebuilt reports a turn that could
	// not reuse the cache.
	Dropped int
	Rebuilt bool
}

// ErrTooLong reports a message that does not fit the context even alone.
var ErrTooLong = errors.New("chat: the message does not fit the model's context")

// NewSession returns a session with the model's generation defaults
// (greedy when its configuration says nothing else).
func NewSession(m *auto.CausalLM) *Session {
	return &Session{LM: m, Options: m.Defaults(), pending: -1}
}

// Reset forgets the conversation and the cache.
func (s *Session) Reset() {
	s.msgs, s.cache, s.tokens, s.pending = nil, nil, nil, -1
}

// Messages returns the conversation (system message excluded).
func (s *Session) Messages() []chat.Message { return s.msgs }

// maxLen returns the token budget of a turn.
func (s *Session) maxLen() int {
	n := 0
	if m, ok := s.LM.Model.(interface{ MaxLen() int }); ok {
		n = m.MaxLen()
	}
	if s.Context > 0 && (n == 0 || s.Context < n) {
		n = s.Context
	}
	return n
}

func (s *Session) conversation(msgs []chat.Message) []chat.Message {
	if s.System == "" {
		return msgs
	}
	return append([]chat.Message{{Role: "system", Content: s.System}}, msgs...)
}

// render returns the prompt text of msgs, opening the assistant's turn.
func (s *Session) render(msgs []chat.Message) (string, error) {
	if s.LM.Chat == nil {
		return "", auto.ErrNoChatTemplate
	}
	return s.LM.Chat.Render(s.conversation(msgs), chat.Options{AddGenerationPrompt: true})
}

func (s *Session) encode(text string) ([]int, error) {
	enc, err := s.LM.Tokenizer.EncodeWith(text, nil, tokenize.EncodeOptions{NoSpecialTokens: true})
	if err != nil {
		return nil, fmt.Errorf("chat: encode: %w", err)
	}
	return enc.IDs, nil
}

// Send adds the user's message, generates the reply, writing its text to
// w as it comes, and returns it.
func (s *Session) Send(ctx context.Context, user string, w io.Writer) (string, error) {
	msgs := append(s.msgs[:len(s.msgs):len(s.msgs)], chat.Message{Role: "user", Content: user})
	st := TurnStats{}
	maxNew := s.Options.MaxNewTokens
	if maxNew <= 0 {
		maxNew = generate.DefaultMaxNewTokens
	}
	budget := s.maxLen()

	// The prompt, with the oldest exchanges dropped until it fits.
	var text string
	var ids []int
	for {
		var err error
		if text, err = s.render(msgs); err != nil {
			return "", err
		}
		if ids, err = s.encode(text); err != nil {
			return "", err
		}
		if budget == 0 || len(ids)+maxNew <= budget {
			break
		}
		if len(msgs) <= 1 {
			return "", fmt.Errorf("%w (%d tokens and %d for the reply, %d in all)", ErrTooLong, len(ids), maxNew, budget)
		}
		msgs = msgs[2:] // a user message and its reply
		st.Dropped += 2
	}

	// What the cache already holds: reuse it when the conversation's
	// text so far (cached tokens and the pending token) starts the new
	// prompt; else start over.
	var feed, prompt []int
	if st.Dropped == 0 && s.cache != nil {
		held := append(s.tokens[:len(s.tokens):len(s.tokens)], s.pending)
		if s.pending < 0 {
			held = held[:len(held)-1]
		}
		have, err := s.LM.Tokenizer.Decode(held, false)
		if err == nil && strings.HasPrefix(text, have) && len(text) > len(have) {
			rest, err := s.encode(text[len(have):])
			if err != nil {
				return "", err
			}
			feed = append(held[len(s.tokens):], rest...)
			prompt = append(held, rest...)
			if budget > 0 && len(prompt)+maxNew > budget {
				feed = nil // the model's own tokens made it longer
			}
		}
	}
	if feed == nil {
		st.Rebuilt = s.cache != nil || st.Dropped > 0
		s.cache, s.tokens = s.LM.Model.NewCache(1), nil
		feed, prompt = ids, ids
	}
	st.Reused, st.Prefill = len(s.tokens), len(feed)

	o := s.Options
	o.Stream, o.Beams, o.NumReturnSequences = nil, 0, 0
	run, err := generate.NewRun(s.LM.Model, prompt, o, 0)
	if err != nil {
		return "", err
	}
	stream := &generate.TextStream{Decoder: s.LM.Tokenizer, SkipSpecial: true, Stops: o.StopStrings}
	s.tokens = prompt[:len(prompt):len(prompt)]
	seq, err := s.decode(ctx, run, stream, feed, w)
	if err != nil {
		s.Reset() // the cache is ahead of the conversation
		return "", err
	}
	st.Generated = len(seq.Tokens)
	s.Stats = st
	answer, err := s.LM.Text(seq)
	if err != nil {
		s.Reset()
		return "", err
	}
	// The reply is kept as the model wrote it, so that the next turn's
	// prompt text continues the cached tokens' text.
	s.msgs = append(msgs, chat.Message{Role: "assistant", Content: answer})
	return answer, nil
}

// decode runs the model from feed until run is done, streaming the reply
// to w, and returns the generated sequence. s's cache and tokens then hold
// the conversation but its last token (pending, fed next turn); after an
// error they are left part way, for the caller to reset.
func (s *Session) decode(ctx context.Context, run *generate.Run, stream *generate.TextStream, feed []int, w io.Writer) (generate.Sequence, error) {
	for !run.Done() {
		if err := ctx.Err(); err != nil {
			return generate.Sequence{}, err
		}
		logits := s.LM.Model.Step(tensor.FromSlice(toInt32(feed), 1, len(feed)), nil, s.cache)
		tok, err := run.Next(logits.Float32s())
		if err != nil {
			return generate.Sequence{}, err
		}
		piece, err := stream.Push(tok.ID)
		if err != nil {
			return generate.Sequence{}, err
		}
		if _, err := io.WriteString(w, piece); err != nil {
			return generate.Sequence{}, err
		}
		if !run.Done() {
			feed = []int{tok.ID}
			s.tokens = append(s.tokens, tok.ID)
		}
	}
	piece, err := stream.Flush()
	if err != nil {
		return generate.Sequence{}, err
	}
	if _, err := io.WriteString(w, piece); err != nil {
		return generate.Sequence{}, err
	}
	seq := run.Sequence()
	s.pending = seq.Tokens[len(seq.Tokens)-1]
	return seq, nil
}

func toInt32(ids []int) []int32 {
	out := make([]int32, len(ids))
	for i, id := range ids {
		out[i] = int32(id)
	}
	return out
}
