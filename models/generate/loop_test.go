package generate_test

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/goformer/goformer/models/generate"
	"github.com/goformer/goformer/models/generate/gentest"
)

// letters decodes token i as the letter 'a'+i (and 26 and up as "<i>").
type letters struct{}

func (letters) Decode(ids []int, _ bool) (string, error) {
	var b strings.Builder
	for _, id := range ids {
		if id < 26 {
			b.WriteByte(byte('a' + id))
		} else {
			b.WriteString("<" + string(rune('0'+id-26)) + ">")
		}
	}
	return b.String(), nil
}

func TestBadOptionsAndPromptsAreErrors(t *testing.T) {
	m := gentest.NewTable(32, 16, 1)
	ok := [][]int{{1, 2}}
	cases := []struct {
		name    string
		prompts [][]int
		o       generate.Options
	}{
		{"negative MaxNewTokens", ok, generate.Options{MaxNewTokens: -1}},
		{"negative temperature", ok, generate.Options{Temperature: -0.5}},
		{"top-p above 1", ok, generate.Options{Temperature: 1, TopP: 1.5}},
		{"negative top-k", ok, generate.Options{TopK: -3}},
		{"negative repetition penalty", ok, generate.Options{RepetitionPenalty: -1}},
		{"greedy with several sequences", ok, generate.Options{NumReturnSequences: 2}},
		{"more sequences than beams", ok, generate.Options{Beams: 2, NumReturnSequences: 3}},
		{"beam sampling", ok, generate.Options{Beams: 2, Temperature: 1}},
		{"streaming beams", ok, generate.Options{Beams: 2, Stream: func(generate.Token) error { return nil }}},
		{"stop strings without a decoder", ok, generate.Options{StopStrings: []string{"x"}}},
		{"an empty stop string", ok, generate.Options{StopStrings: []string{""}, Decoder: letters{}}},
		{"seeds for the wrong number of prompts", ok, generate.Options{Temperature: 1, Seeds: []uint64{1, 2}}},
		{"unknown early stopping", ok, generate.Options{Beams: 2, EarlyStopping: 7}},
		{"an empty prompt", [][]int{{1}, {}}, generate.Options{}},
		{"a token outside the vocabulary", [][]int{{1, 32}}, generate.Options{}},
		{"a negative token", [][]int{{-1}}, generate.Options{}},
		{"a prompt as long as the model", [][]int{make([]int, 16)}, generate.Options{}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			steps := m.Steps
			if _, err := generate.Generate(context.Background(), m, c.prompts, c.o); err == nil {
				t.Fatal("no error")
			}
			if m.Steps != steps {
				t.Error("the model ran before the error")
			}
		})
	}
}

func TestNoPromptsGiveNoSequences(t *testing.T) {
	got, err := generate.Generate(context.Background(), gentest.NewTable(8, 8, 1), nil, generate.Options{})
	if err != nil || len(got) != 0 {
		t.Fatalf("got %v, %v", got, err)
	}
}

func TestTheModelsLongestSequenceCapsEachPrompt(t *testing.T) {
	m := gentest.NewTable(32, 10, 3)
	got, err := generate.Generate(context.Background(), m, [][]int{{1, 2, 3, 4, 5, 6, 7}, {4}}, generate.Options{MaxNewTokens: 50})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got[0][0].Tokens); n != 3 {
		t.Errorf("a 7-token prompt in a 10-position model generated %d tokens, want 3", n)
	}
	if n := len(got[1][0].Tokens); n != 9 {
		t.Errorf("a 1-token prompt generated %d tokens, want 9", n)
	}
}

func TestStreamReportsEveryTokenInOrder(t *testing.T) {
	m := gentest.NewTable(32, 64, 5)
	prompts := [][]int{{3, 4}, {7}, {9, 9, 9}}
	var got [3][2][]int
	var finished int
	o := generate.Options{Temperature: 1, NumReturnSequences: 2, MaxNewTokens: 9, StopTokens: []int{1, 2}, Seed: 4,
		Stream: func(tok generate.Token) error {
			if len(got[tok.Prompt][tok.Sample]) != tok.Index {
				t.Fatalf("token %d of prompt %d, sample %d after %d", tok.Index, tok.Prompt, tok.Sample, len(got[tok.Prompt][tok.Sample]))
			}
			got[tok.Prompt][tok.Sample] = append(got[tok.Prompt][tok.Sample], tok.ID)
			if tok.Finished {
				finished++
			}
			return nil
		}}
	seqs, err := generate.Generate(context.Background(), m, prompts, o)
	if err != nil {
		t.Fatal(err)
	}
	for i := range prompts {
		for j := range 2 {
			if !slices.Equal(got[i][j], seqs[i][j].Tokens) {
				t.Errorf("prompt %d, sample %d: streamed %v, returned %v", i, j, got[i][j], seqs[i][j].Tokens)
			}
		}
	}
	if finished != 6 {
		t.Errorf("%d sequences reported finished, want 6", finished)
	}
}

func TestStreamErrorStopsGeneration(t *testing.T) {
	m := gentest.NewTable(32, 64, 5)
	stop := errors.New("client went away")
	n := 0
	_, err := generate.Generate(context.Background(), m, [][]int{{3}}, generate.Options{MaxNewTokens: 30, Stream: func(generate.Token) error {
		n++
		if n == 4 {
			return stop
		}
		return nil
	}})
	if !errors.Is(err, stop) || n != 4 {
		t.Fatalf("err %v after %d tokens", err, n)
	}
}

func TestCancelledContextStopsGeneration(t *testing.T) {
	m := gentest.NewTable(32, 64, 5)
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	_, err := generate.Generate(ctx, m, [][]int{{3}}, generate.Options{MaxNewTokens: 30, Stream: func(generate.Token) error {
		if n++; n == 3 {
			cancel()
		}
		return nil
	}})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("err %v", err)
	}
	if m.Steps > 3 {
		t.Errorf("%d model steps after cancelling at the third token", m.Steps)
	}
}

func TestSamplesDependOnThePromptsSeedOnly(t *testing.T) {
	m := gentest.NewTable(32, 64, 9)
	o := generate.Options{Temperature: 1.2, TopK: 12, MaxNewTokens: 10, NumReturnSequences: 2, Seeds: []uint64{5, 6, 5}}
	got, err := generate.Generate(context.Background(), m, [][]int{{4, 5}, {4, 5}, {4, 5}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(got[0][0].Tokens, got[2][0].Tokens) || !slices.Equal(got[0][1].Tokens, got[2][1].Tokens) {
		t.Error("the same prompt and seed gave different samples in one batch")
	}
	if slices.Equal(got[0][0].Tokens, got[1][0].Tokens) && slices.Equal(got[0][1].Tokens, got[1][1].Tokens) {
		t.Error("seeds 5 and 6 gave the same samples")
	}
	if slices.Equal(got[0][0].Tokens, got[0][1].Tokens) {
		t.Error("two samples of one prompt are equal")
	}
	o.Seeds = nil
	o.Seed = 5
	alone, err := generate.Generate(context.Background(), m, [][]int{{4, 5}}, o)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(alone[0][1].Tokens, got[0][1].Tokens) {
		t.Error("a prompt alone with Seed 5 differs from the same prompt in a batch with Seeds 5")
	}
}

func TestFinishedRowsLeaveTheBatch(t *testing.T) {
	m := gentest.NewTable(32, 64, 7)
	// Prompt 2 of the fixture stops after 5 tokens on token 1; the
	// other runs 24.
	got, err := generate.Generate(context.Background(), m, [][]int{{2, 2, 8, 30, 11, 4, 6}, {17}}, generate.Options{MaxNewTokens: 24, StopTokens: []int{1}})
	if err != nil {
		t.Fatal(err)
	}
	if len(got[0][0].Tokens) != 5 || len(got[1][0].Tokens) != 24 {
		t.Fatalf("lengths %d and %d, want 5 and 24", len(got[0][0].Tokens), len(got[1][0].Tokens))
	}
	// The prefill, 4 steps of both rows, 19 of one.
	if want := 2*7 + 4*2 + 19; m.Tokens != want {
		t.Errorf("the model saw %d tokens, want %d", m.Tokens, want)
	}
}

func TestStopStrings(t *testing.T) {
	m := gentest.NewTable(26, 64, 7)
	base, err := generate.Generate(context.Background(), m, [][]int{{5, 9, 3}}, generate.Options{MaxNewTokens: 12})
	if err != nil {
		t.Fatal(err)
	}
	text, _ := letters{}.Decode(base[0][0].Tokens, false)
	// Stop at a string that spans tokens 4-6.
	stop := text[4:7]
	got, err := generate.Generate(context.Background(), m, [][]int{{5, 9, 3}}, generate.Options{MaxNewTokens: 12, StopStrings: []string{"zzzz", stop}, Decoder: letters{}})
	if err != nil {
		t.Fatal(err)
	}
	s := got[0][0]
	first := strings.Index(text, stop)
	if s.Finish != generate.FinishStopString || s.Stop != stop || len(s.Tokens) != first+3 {
		t.Fatalf("stop %q in %q: got %v (%v, %q), want %d tokens", stop, text, s.Tokens, s.Finish, s.Stop, first+3)
	}
	cut, found := generate.CutStop(text[:len(s.Tokens)], []string{stop})
	if !found || cut != text[:first] {
		t.Errorf("CutStop = %q, %v", cut, found)
	}
}

func TestTextStreamHoldsBackPartialCharactersAndStops(t *testing.T) {
	// bytes decodes each token as one byte.
	dec := byteDecoder{}
	msg := "héllo wörld STOP more"
	s := &generate.TextStream{Decoder: dec, Stops: []string{"STOP"}}
	var out strings.Builder
	for i := range len(msg) {
		piece, err := s.Push(int(msg[i]))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.HasSuffix(msg[:i+1], "STOP") && strings.ContainsRune(piece, '\uFFFD') {
			t.Fatalf("piece %q has a broken character", piece)
		}
		for _, r := range piece {
			if r == 0xFFFD {
				t.Fatalf("broken character after %q", msg[:i+1])
			}
		}
		if strings.Contains(out.String()+piece, "ST") && !strings.Contains(msg[:i+1], "STOP") {
			t.Fatalf("the start of a stop string was shown after %q", msg[:i+1])
		}
		out.WriteString(piece)
	}
	rest, _ := s.Flush()
	out.WriteString(rest)
	if out.String() != "héllo wörld " {
		t.Errorf("streamed %q", out.String())
	}
	s = &generate.TextStream{Decoder: dec, Stops: []string{"STOP"}}
	out.Reset()
	for _, c := range []byte("the ST") {
		p, _ := s.Push(int(c))
		out.WriteString(p)
	}
	rest, _ = s.Flush()
	if out.String()+rest != "the ST" {
		t.Errorf("Flush left %q", out.String()+rest)
	}
}

type byteDecoder struct{}

func (byteDecoder) Decode(ids []int, _ bool) (string, error) {
	b := make([]byte, len(ids))
	for i, id := range ids {
		b[i] = byte(id)
	}
	return string(b), nil
}

func TestTopKMatchesSorting(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200 {
		n := 1 + rng.IntN(60)
		x := make([]float32, n)
		for i := range x {
			x[i] = float32(rng.IntN(9)) // many ties
		}
		k := 1 + rng.IntN(n)
		sorted := slices.Clone(x)
		slices.Sort(sorted)
		kth := sorted[n-k]
		got := slices.Clone(x)
		generate.TopK{K: k}.Process(got, generate.History{})
		for i := range x {
			if kept := !(got[i] < -1e30); kept != (x[i] >= kth) {
				t.Fatalf("top-%d of %v: %v", k, x, got)
			}
		}
	}
}
