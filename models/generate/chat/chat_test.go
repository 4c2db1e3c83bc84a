package chat_test

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/goformer/goformer/models/generate/chat"
)

type rendering struct {
	Text  *string
	Error *string
}

type fixture struct {
	Builtins, Subset []struct {
		Name, Source, BOS, EOS string
		Vars                   map[string]json.RawMessage
		Renders                [][2]rendering
	}
	Conversations    [][]chat.Message
	ToolConversation []map[string]json.RawMessage `json:"tool_conversation"`
	ToolRenders      []rendering                  `json:"tool_renders"`
}

func loadFixture(t *testing.T) *fixture {
	t.Helper()
	b, err := os.ReadFile("testdata/chat.json")
	if err != nil {
		t.Fatal(err)
	}
	var f fixture
	if err := json.Unmarshal(b, &f); err != nil {
		t.Fatal(err)
	}
	return &f
}

func checkRenders(t *testing.T, tmpl *chat.Template, convs [][]chat.Message, raw map[string]json.RawMessage, want [][2]rendering) {
	t.Helper()
	var vars map[string]any
	for k, v := range raw {
		if vars == nil {
			vars = map[string]any{}
		}
		vars[k] = v
	}
	for i, conv := range convs {
		for g, w := range want[i] {
			got, err := tmpl.Render(conv, chat.Options{AddGenerationPrompt: g == 1, Vars: vars})
			switch {
			case w.Error != nil && err == nil:
				t.Errorf("conversation %d, generation prompt %v: rendered %q, want the error %q", i, g == 1, got, *w.Error)
			case w.Error != nil && !strings.Contains(err.Error(), *w.Error):
				t.Errorf("conversation %d, generation prompt %v: error %q, want %q", i, g == 1, err, *w.Error)
			case w.Text != nil && err != nil:
				t.Errorf("conversation %d, generation prompt %v: %v", i, g == 1, err)
			case w.Text != nil && got != *w.Text:
				t.Errorf("conversation %d, generation prompt %v:\n got %q\nwant %q", i, g == 1, got, *w.Text)
			}
		}
	}
}

func TestBuiltinsRenderAsJinja2(t *testing.T) {
	f := loadFixture(t)
	if len(f.Builtins) != len(chat.Names()) {
		t.Errorf("%d built-in forms in the fixture, %d in the package", len(f.Builtins), len(chat.Names()))
	}
	for _, b := range f.Builtins {
		t.Run(b.Name, func(t *testing.T) {
			tmpl, err := chat.Builtin(b.Name)
			if err != nil {
				t.Fatal(err)
			}
			if tmpl.Source != b.Source || tmpl.BOS != b.BOS || tmpl.EOS != b.EOS {
				t.Fatalf("built-in %s differs from the reference's source or tokens", b.Name)
			}
			checkRenders(t, tmpl, f.Conversations, nil, b.Renders)
		})
	}
}

func TestTheSupportedSubsetRendersAsJinja2(t *testing.T) {
	f := loadFixture(t)
	for _, s := range f.Subset {
		t.Run(s.Name, func(t *testing.T) {
			tmpl, err := chat.Parse(s.Source)
			if err != nil {
				t.Fatal(err)
			}
			tmpl.BOS, tmpl.EOS = s.BOS, s.EOS
			checkRenders(t, tmpl, f.Conversations, s.Vars, s.Renders)
		})
	}
}

func TestTokenizerConfigTemplates(t *testing.T) {
	llama3, _ := chat.Builtin("llama3")
	src, _ := json.Marshal(llama3.Source)
	cases := []struct {
		name, config string
		wantName     string
		wantErr      error
		wantStop     []string
	}{
		{"a known form with added-token objects", `{"chat_template": ` + string(src) + `, "bos_token": {"content": "<|begin_of_text|>"}, "eos_token": "<|eot_id|>"}`,
			"llama3", nil, []string{"<|eot_id|>", "<|end_of_text|>"}},
		{"a named list", `{"chat_template": [{"name": "tool_use", "template": "x"}, {"name": "default", "template": "{{ eos_token }}"}], "eos_token": "</s>"}`,
			"", nil, []string{"</s>"}},
		{"no template", `{"eos_token": "</s>"}`, "", chat.ErrNoTemplate, nil},
		{"no default among named", `{"chat_template": [{"name": "rag", "template": "x"}]}`, "", chat.ErrNoTemplate, nil},
		{"a macro", `{"chat_template": "{% macro f() %}x{% endmacro %}"}`, "", chat.ErrUnsupported, nil},
		{"broken JSON", `{"chat_template": `, "", nil, nil},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			tmpl, err := chat.FromTokenizerConfig([]byte(c.config))
			if c.wantErr != nil || c.name == "broken JSON" {
				if err == nil || c.wantErr != nil && !errors.Is(err, c.wantErr) {
					t.Fatalf("err = %v, want %v", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tmpl.Name != c.wantName || strings.Join(tmpl.Stop, " ") != strings.Join(c.wantStop, " ") {
				t.Errorf("name %q stop %q, want %q %q", tmpl.Name, tmpl.Stop, c.wantName, c.wantStop)
			}
		})
	}
}

func TestLoadReadsTheModelDirectory(t *testing.T) {
	dir := t.TempDir()
	if _, err := chat.Load(dir); !errors.Is(err, chat.ErrNoTemplate) {
		t.Fatalf("empty directory: %v", err)
	}
	os.WriteFile(filepath.Join(dir, "tokenizer_config.json"), []byte(`{"eos_token": "<|im_end|>", "chat_template": "{{ 'config' }}"}`), 0o644)
	tmpl, err := chat.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tmpl.Render(nil, chat.Options{}); got != "config" {
		t.Errorf("rendered %q from tokenizer_config.json", got)
	}
	os.WriteFile(filepath.Join(dir, "chat_template.jinja"), []byte("{{ eos_token }}jinja"), 0o644)
	tmpl, err = chat.Load(dir)
	if err != nil {
		t.Fatal(err)
	}
	if got, _ := tmpl.Render(nil, chat.Options{}); got != "<|im_end|>jinja" {
		t.Errorf("rendered %q, want chat_template.jinja with the config's EOS", got)
	}
}

func TestBadTemplatesAreErrors(t *testing.T) {
	for _, src := range []string{
		"{{ x ", "{% if x %}no end", "{% for %}{% endfor %}", "{% for x in y %}", "{{ 'unterminated }}",
		"{% endif %}", "{{ x | nosuchfilter }}", "{% include 'other' %}", "{{ 1 + }}", "{% set = 3 %}",
		"{{ x[] }}", "{% if x %}{% else %}{% else %}{% endif %}",
	} {
		tmpl, err := chat.Parse(src)
		if err == nil {
			_, err = tmpl.Render([]chat.Message{{Role: "user", Content: "x"}}, chat.Options{})
		}
		if err == nil {
			t.Errorf("%q: no error", src)
		}
	}
	for _, src := range []string{"{{ 1 / 0 }}", "{{ 'a' < 1 }}", "{{ x() }}", "{{ raise_exception('no') }}", "{% for i in 5 %}{% endfor %}"} {
		tmpl, err := chat.Parse(src)
		if err != nil {
			t.Errorf("%q: parse: %v", src, err)
			continue
		}
		if _, err := tmpl.Render(nil, chat.Options{}); err == nil {
			t.Errorf("%q: rendered without an error", src)
		}
	}
}

func TestRunawayTemplatesStop(t *testing.T) {
	for _, src := range []string{
		"{% for i in range(3000) %}{% for j in range(3000) %}x{% endfor %}{% endfor %}",
		"{% for i in range(100000000) %}x{% endfor %}",
	} {
		tmpl, err := chat.Parse(src)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tmpl.Render(nil, chat.Options{}); err == nil {
			t.Fatalf("%s: no error", src)
		}
	}
}

func TestVarsAndStrftime(t *testing.T) {
	tmpl, err := chat.Parse("{{ tools | tojson }} {{ strftime_now('%d %b %Y') }} {{ n + 1 }}")
	if err != nil {
		t.Fatal(err)
	}
	got, err := tmpl.Render(nil, chat.Options{
		Vars: map[string]any{"tools": []any{map[string]any{"name": "f", "args": []string{"a"}}}, "n": 41},
		Now:  func() time.Time { return time.Date(2024, 7, 3, 0, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		t.Fatal(err)
	}
	if want := `[{"args": ["a"], "name": "f"}] 03 Jul 2024 42`; got != want {
		t.Errorf("got %q, want %q", got, want)
	}
	for _, bad := range []string{`{"a": `, `[1] 2`, `{"a": 1}}`} {
		if _, err := tmpl.Render(nil, chat.Options{Vars: map[string]any{"tools": json.RawMessage(bad), "n": 1}}); err == nil {
			t.Errorf("JSON %q: no error", bad)
		}
	}
	if _, err := tmpl.Render(nil, chat.Options{Vars: map[string]any{"tools": struct{}{}, "n": 1}}); err == nil {
		t.Error("a struct variable: no error")
	}
}

func TestTruncatedTemplatesNeverPanic(t *testing.T) {
	f := loadFixture(t)
	conv := f.Conversations[2]
	for _, b := range append(f.Builtins, f.Subset...) {
		for n := range len(b.Source) {
			tmpl, err := chat.Parse(b.Source[:n])
			if err != nil {
				continue
			}
			tmpl.Render(conv, chat.Options{AddGenerationPrompt: true})
		}
	}
}

func TestMessageFieldsReachTheTemplate(t *testing.T) {
	f := loadFixture(t)
	var conv []chat.Message
	for _, raw := range f.ToolConversation {
		var m chat.Message
		json.Unmarshal(raw["role"], &m.Role)
		if json.Unmarshal(raw["content"], &m.Content) != nil {
			m.Fields = map[string]any{"content": raw["content"]}
		}
		for k, v := range raw {
			if k != "role" && k != "content" {
				if m.Fields == nil {
					m.Fields = map[string]any{}
				}
				m.Fields[k] = v
			}
		}
		conv = append(conv, m)
	}
	var src string
	var vars map[string]json.RawMessage
	for _, s := range f.Subset {
		if s.Name == "llama 3.1 style, tools in the system message" {
			src, vars = s.Source, s.Vars
		}
	}
	tmpl, err := chat.Parse(src)
	if err != nil {
		t.Fatal(err)
	}
	tmpl.BOS, tmpl.EOS = "<|begin_of_text|>", "<|eot_id|>"
	checkRenders(t, tmpl, [][]chat.Message{conv}, vars, [][2]rendering{{f.ToolRenders[0], f.ToolRenders[1]}})
}
