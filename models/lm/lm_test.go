package lm_test

import (
	"encoding/json"
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/embed"
	"github.com/goformer/goformer/models/lm"
	"github.com/goformer/goformer/tensor"
)

func TestPositionsCountTheTokensBeforeEachOne(t *testing.T) {
	for _, tc := range []struct {
		name string
		mask []int32
		cols int
		t    int
		want []int32
	}{
		{"no padding", []int32{1, 1, 1, 1}, 4, 4, []int32{0, 1, 2, 3}},
		{"left padding", []int32{0, 0, 1, 1, 1}, 5, 5, []int32{1, 1, 0, 1, 2}},
		{"right padding", []int32{1, 1, 0}, 3, 3, []int32{0, 1, 1}},
		{"the step after a cache", []int32{0, 1, 1, 1, 1}, 5, 2, []int32{2, 3}},
	} {
		got := lm.Positions(tensor.FromSlice(tc.mask, 1, tc.cols), tc.t).Int32s()
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: positions %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestShiftedLossPredictsTheNextLabelAndSkipsIgnored(t *testing.T) {
	// Logits favour class 1 at every position; labels 1 count, -100 not.
	logits := tensor.FromSlice([]float32{0, 2, 0, 2, 0, 2, 0, 2}, 1, 4, 2)
	labels := tensor.FromSlice([]int32{0, 1, -100, 0}, 1, 4)
	got := lm.ShiftedLoss(logits, labels).Item()
	// Positions 0 and 2 predict labels 1 and 0; position 1 predicts -100.
	p := math.Log(1 + math.Exp(-2))
	want := (p + (2 + p)) / 2
	if math.Abs(got-want) > 1e-6 {
		t.Errorf("loss %v, want %v", got, want)
	}
}

func TestTokenIDsReadNumbersListsAndNull(t *testing.T) {
	for in, want := range map[string]lm.TokenIDs{`7`: {7}, `[1, 2]`: {1, 2}, `null`: nil} {
		var ids lm.TokenIDs
		if err := json.Unmarshal([]byte(in), &ids); err != nil || !reflect.DeepEqual(ids, want) {
			t.Errorf("%s: %v, %v", in, ids, err)
		}
		out, _ := json.Marshal(ids)
		if string(out) != strings.ReplaceAll(in, " ", "") {
			t.Errorf("%s written back as %s", in, out)
		}
	}
	var ids lm.TokenIDs
	if err := json.Unmarshal([]byte(`"eos"`), &ids); err == nil {
		t.Error("a string was accepted")
	}
}

type fakeCache struct{}

func (fakeCache) Len() int                     { return 0 }
func (fakeCache) Reorder(index *tensor.Tensor) {}

func TestStepAndForwardRejectBadInputs(t *testing.T) {
	p := lm.Parts{}
	ids := tensor.FromSlice([]int32{1, 2, 3, 4}, 2, 2)
	for _, tc := range []struct {
		name string
		f    func()
		says string
	}{
		{"float ids", func() { p.Forward(lm.Inputs{IDs: tensor.Ones(2, 2)}) }, "want Int32 [B, T]"},
		{"empty ids", func() { p.Forward(lm.Inputs{IDs: tensor.FromSlice([]int32{}, 2, 0)}) }, "T ≥ 1"},
		{"a mask of another shape", func() { p.Forward(lm.Inputs{IDs: ids, Mask: tensor.FromSlice([]int32{1, 1, 1}, 1, 3)}) }, "attention mask [1 3]"},
		{"a float mask", func() { p.Forward(lm.Inputs{IDs: ids, Mask: tensor.Ones(2, 2)}) }, "want Int32"},
		{"a foreign cache", func() { p.Step(ids, nil, fakeCache{}) }, "not the *transformer.Cache"},
		{"a step mask without the cache's columns", func() { p.Step(ids, tensor.FromSlice([]int32{1}, 1, 1), lm.NewCache()) }, "every position held after the step"},
	} {
		func() {
			defer func() {
				r := recover()
				if r == nil || !strings.Contains(fmt.Sprint(r), tc.says) {
					t.Errorf("%s: recovered %v, want a panic naming %q", tc.name, r, tc.says)
				}
			}()
			tc.f()
		}()
	}
}

func TestNewHeadTiesOrDrawsItsOwnWeight(t *testing.T) {
	tokens := embed.NewToken(10, 4, tensor.NewGenerator(1))
	tied := lm.NewHead(tokens, true, 0.02, tensor.NewGenerator(2))
	if tied.Weight != tokens.Weight || tied.Bias != nil {
		t.Errorf("tied head: weight %p (want the embedding's %p), bias %v", tied.Weight, tokens.Weight, tied.Bias)
	}
	for _, tc := range []struct {
		name string
		g    *tensor.Generator
		zero bool
	}{
		{"drawn", tensor.NewGenerator(2), false},
		{"to be loaded", nil, true},
	} {
		h := lm.NewHead(tokens, false, 0.02, tc.g)
		if h.Weight == tokens.Weight || h.Bias != nil || h.Weight.Dim(0) != 10 || h.Weight.Dim(1) != 4 {
			t.Errorf("%s: untied head %v, bias %v, want its own [10 4] weight", tc.name, h.Weight.Shape(), h.Bias)
		}
		if zero := h.Weight.Detach().Abs().Sum().Item() == 0; zero != tc.zero {
			t.Errorf("%s: all zeros %v, want %v", tc.name, zero, tc.zero)
		}
	}
}
