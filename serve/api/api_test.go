package api_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"

	"github.com/goformer/goformer/serve/api"
)

func TestPromptReadsAndWritesItsFourForms(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want api.Prompt
	}{
		{`"hi"`, api.Texts("hi")},
		{`["a","b"]`, api.Texts("a", "b")},
		{`[1,2,3]`, api.Prompt{{Tokens: []int{1, 2, 3}, IsTokens: true}}},
		{`[[1],[2,3]]`, api.Prompt{{Tokens: []int{1}, IsTokens: true}, {Tokens: []int{2, 3}, IsTokens: true}}},
	} {
		var p api.Prompt
		if err := json.Unmarshal([]byte(tc.in), &p); err != nil || !reflect.DeepEqual(p, tc.want) {
			t.Errorf("%s: %+v, %v", tc.in, p, err)
		}
		out, err := json.Marshal(p)
		if err != nil || string(out) != tc.in {
			t.Errorf("%s written back as %s, %v", tc.in, out, err)
		}
	}
	for _, bad := range []string{`[]`, `{}`, `[1, "a"]`, `[1.5]`, `true`, `[[1], "a"]`} {
		var p api.Prompt
		if err := json.Unmarshal([]byte(bad), &p); err == nil {
			t.Errorf("%s read as %+v", bad, p)
		}
	}
	var p api.Prompt
	if err := json.Unmarshal([]byte(`null`), &p); err != nil || p != nil {
		t.Errorf("null read as %+v, %v", p, err)
	}
	if _, err := json.Marshal(api.Prompt{{Text: "a"}, {Tokens: []int{1}, IsTokens: true}}); err == nil {
		t.Error("a mixed prompt was written")
	}
}

func TestEmbeddingsRoundTripAsNumbersAndBase64(t *testing.T) {
	for _, b64 := range []bool{false, true} {
		e := api.Embedding{Values: []float32{0.5, -1.25, 3e-8, 0}, Base64: b64}
		out, err := json.Marshal(e)
		if err != nil {
			t.Fatal(err)
		}
		if b64 != strings.HasPrefix(string(out), `"`) {
			t.Errorf("base64 %v written as %s", b64, out)
		}
		var back api.Embedding
		if err := json.Unmarshal(out, &back); err != nil || !reflect.DeepEqual(back, e) {
			t.Errorf("%s read back as %+v, %v", out, back, err)
		}
	}
	var e api.Embedding
	if err := json.Unmarshal([]byte(`"AAA="`), &e); err == nil {
		t.Error("base64 of 2 bytes read as float32 values")
	}
}

func TestStopAndContentAcceptTheirShorthands(t *testing.T) {
	var s struct {
		Stop    api.StringList `json:"stop"`
		Content api.Content    `json:"content"`
	}
	if err := json.Unmarshal([]byte(`{"stop": "x", "content": [{"type": "text", "text": "a"}, {"type": "text", "text": "b"}]}`), &s); err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(s.Stop, api.StringList{"x"}) || s.Content != "ab" {
		t.Errorf("%+v", s)
	}
	if err := json.Unmarshal([]byte(`{"stop": ["x", "y"], "content": "c"}`), &s); err != nil || len(s.Stop) != 2 || s.Content != "c" {
		t.Errorf("%+v, %v", s, err)
	}
	if err := json.Unmarshal([]byte(`{"stop": 3}`), &s); err == nil {
		t.Error("a number read as stop strings")
	}
	if err := json.Unmarshal([]byte(`{"content": [{"type": "image_url"}]}`), &s); err == nil {
		t.Error("an image read as text")
	}
}
