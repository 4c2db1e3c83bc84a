package generate

import (
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"
)

// stopper decides when a sequence ends on a stop token or a stop string.
type stopper struct {
	tokens  []int
	strings []string
	dec     Decoder
	window  int // generated tokens decoded to look for a stop string
}

func newStopper(o Options) *stopper {
	s := &stopper{tokens: o.StopTokens, strings: o.StopStrings, dec: o.Decoder}
	for _, x := range o.StopStrings {
		// Every token decodes to at least one byte, so the last len(x)+1
		// tokens hold any occurrence the newest token completed.
		s.window = max(s.window, len(x)+2)
	}
	return s
}

// check reports whether the generated tokens gen end the sequence: its
// last token is a stop token, or the text of its last tokens contains a
// stop string (which one is returned).
func (s *stopper) check(gen []int) (reason FinishReason, stop string, done bool, err error) {
	if len(gen) > 0 && slices.Contains(s.tokens, gen[len(gen)-1]) {
		return FinishStopToken, "", true, nil
	}
	if len(s.strings) == 0 {
		return 0, "", false, nil
	}
	text, err := s.dec.Decode(gen[max(0, len(gen)-s.window):], false)
	if err != nil {
		return 0, "", false, fmt.Errorf("generate: decode for stop strings: %w", err)
	}
	best := -1
	for _, x := range s.strings {
		if i := strings.Index(text, x); i >= 0 && (best < 0 || i < best) {
			best, stop = i, x
		}
	}
	if best >= 0 {
		return FinishStopString, stop, true, nil
	}
	return 0, "", false, nil
}

// CutStop returns text up to the earliest occurrence of any of the stop
// strings, and whether one was found: the text of a sequence that
// finished on a stop string, without it.
func CutStop(text string, stops []string) (string, bool) {
	best := -1
	for _, s := range stops {
		if s == "" {
			continue
		}
		if i := strings.Index(text, s); i >= 0 && (best < 0 || i < best) {
			best = i
		}
	}
	if best < 0 {
		return text, false
	}
	return text[:best], true
}

// TextStream turns the tokens of one sequence into text as they arrive,
// for streaming output: Push returns the text that is final so far. It
// holds back an incomplete UTF-8 character (a byte-level token may end in
// the middle of one) and any tail that could be the start of a stop
// string, and never returns a stop string or what follows it.
type TextStream struct {
	Decoder     Decoder
	SkipSpecial bool     // drop special tokens (end of sequence...) from the text
	Stops       []string // stop strings to cut the text at

	ids  []int
	sent int  // bytes of the decoded text already returned
	done bool // a stop string was reached
}

// Push adds a token and returns the new final text.
func (s *TextStream) Push(id int) (string, error) {
	if s.done {
		return "", nil
	}
	s.ids = append(s.ids, id)
	return s.emit(false)
}

// Flush returns whatever text is held back, at the end of the sequence.
func (s *TextStream) Flush() (string, error) {
	if s.done {
		return "", nil
	}
	return s.emit(true)
}

func (s *TextStream) emit(final bool) (string, error) {
	text, err := s.Decoder.Decode(s.ids, s.SkipSpecial)
	if err != nil {
		return "", err
	}
	end := len(text)
	if cut, found := CutStop(text, s.Stops); found {
		end, s.done = len(cut), true
	} else if !final {
		end = safeEnd(text, s.Stops)
	}
	if end <= s.sent {
		return "", nil
	}
	out := text[s.sent:end]
	s.sent = end
	return out, nil
}

// safeEnd returns how much of text can be shown: not an incomplete UTF-8
// character at its end, nor a suffix that begins a stop string.
func safeEnd(text string, stops []string) int {
	end := len(text)
	// An incomplete character: a start byte with fewer continuation bytes
	// than it announces, within the last 3 bytes.
	for i := len(text) - 1; i >= 0 && i >= len(text)-3; i-- {
		c := text[i]
		if c < 0x80 {
			break
		}
		if c >= 0xC0 {
			if !utf8.FullRuneInString(text[i:]) {
				end = i
			}
			break
		}
	}
	for _, st := range stops {
		for k := min(len(st)-1, end); k > 0; k-- {
			if strings.HasSuffix(text[:end], st[:k]) {
				end -= k
				break
			}
		}
	}
	return end
}
