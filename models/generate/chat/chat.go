// Package chat turns a conversation into the prompt a chat model was
// trained on: its chat template.
//
// Hugging Face ships a model's template as Jinja source in
// tokenizer_config.json ("chat_template"). Package chat renders such
// templates with a small interpreter of the part of Jinja they use, in the
// environment transformers' apply_chat_template sets up (trim_blocks and
// lstrip_blocks on, loop controls, raise_exception, tojson, namespace,
// strftime_now), and knows the common forms by name:
//
//	t, err := chat.Load(modelDir)            // the model's own template
//	t, err := chat.Builtin("chatml")         // or a known form
//	prompt, err := t.Render([]chat.Message{
//		{Role: "system", Content: "You are terse."},
//		{Role: "user", Content: "Hi!"},
//	}, chat.Options{AddGenerationPrompt: true})
//
// Supported: {{ }} output; {% if/elif/else %}, {% for x in xs [if c] %}
// with loop.index/index0/first/last/length/revindex/previtem/nextitem and
// {% else %}, {% break %}/{% continue %}, {% set x = ... %} (namespace
// attributes too, and {% set x %}...{% endset %}), {% generation %};
// whitespace control ({%- -%} {{- -}}) and comments; literals (strings,
// numbers, lists, dicts), attribute and item access, slices, calls,
// arithmetic, ~, comparisons, in, and/or/not, conditional expressions;
// the string methods strip/lstrip/rstrip/split/startswith/endswith/upper/
// lower/title/capitalize/replace and dict items/keys/values/get; the
// filters trim, length, count, upper, lower, title, capitalize, string,
// int, float, abs, first, last, list, reverse, join, default, replace,
// tojson, items, map, selectattr, rejectattr; the usual tests (defined,
// none, string, number, mapping, iterable, odd, even, eq, in ...).
// Not supported: macros, call blocks, includes and inheritance, recursive
// loops, filter blocks, list mutation, and messages whose content is not
// a string (images, tool calls as structures): a template that needs them
// fails to parse or render with ErrUnsupported, never renders silently
// wrong. The tests render every built-in form and a template exercising
// the whole subset with Python's jinja2 and compare byte for byte.
package chat

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"
)

// ErrUnsupported is returned for a template that uses a part of Jinja
// the interpreter does not have.
var ErrUnsupported = errors.New("chat: unsupported template feature")

// ErrNoTemplate is returned by FromTokenizerConfig and Load when the
// model has no chat template.
var ErrNoTemplate = errors.New("chat: no chat template")

// Message is one turn of a conversation.
type Message struct {
	Role    string `json:"role"` // "system", "user", "assistant" (or what the template accepts)
	Content string `json:"content"`
	// Fields are the message's other keys for templates that read them
	// ("tool_calls", "name", "tool_call_id"), as Options.Vars values
	// (json.RawMessage keeps the order of object keys). A "content" field
	// replaces Content, for structured content.
	Fields map[string]any `json:"-"`
}

// Template is a parsed chat template with the special tokens it refers
// to.
type Template struct {
	// Name is the built-in form's name, "" for another template.
	Name string
	// Source is the Jinja source.
	Source string
	// BOS and EOS are the bos_token and eos_token the template sees.
	BOS, EOS string
	// Stop lists the texts that end an assistant turn (the end-of-turn
	// marker, the end-of-sequence token): generation should stop on them.
	Stop []string

	tree []stmt
}

// Options configure Render.
type Options struct {
	// AddGenerationPrompt ends the prompt with the opening of an
	// assistant turn, for the model to continue.
	AddGenerationPrompt bool
	// Vars are extra variables for the template, as the keyword
	// arguments of apply_chat_template (tools, documents, date_string):
	// Go strings, numbers, bools, slices and maps of them (maps in key
	// order), or json.RawMessage, decoded with its objects' keys in the
	// order written — the order tojson prints them in.
	Vars map[string]any
	// Now is the time strftime_now reports (nil: time.Now).
	Now func() time.Time
}

// Parse compiles Jinja source into a Template; its BOS and EOS are empty
// until set.
func Parse(source string) (*Template, error) {
	tree, err := parseTemplate(source)
	if err != nil {
		return nil, fmt.Errorf("chat: parse template: %w", err)
	}
	t := &Template{Source: source, tree: tree}
	return t, nil
}

// Render returns the prompt for messages.
func (t *Template) Render(messages []Message, o Options) (string, error) {
	msgs := make([]any, len(messages))
	for i, m := range messages {
		d := newDict()
		d.set("role", m.Role)
		d.set("content", m.Content)
		for _, k := range slices.Sorted(maps.Keys(m.Fields)) {
			v, err := fromGo(m.Fields[k])
			if err != nil {
				return "", fmt.Errorf("chat: message %d, field %s: %w", i, k, err)
			}
			d.set(k, v)
		}
		msgs[i] = d
	}
	vars := map[string]any{
		"messages":              msgs,
		"add_generation_prompt": o.AddGenerationPrompt,
		"bos_token":             t.BOS,
		"eos_token":             t.EOS,
	}
	for _, k := range slices.Sorted(maps.Keys(o.Vars)) {
		v, err := fromGo(o.Vars[k])
		if err != nil {
			return "", fmt.Errorf("chat: variable %s: %w", k, err)
		}
		vars[k] = v
	}
	now := o.Now
	if now == nil {
		now = time.Now
	}
	var b strings.Builder
	s := &scope{vars: []map[string]any{vars}, out: &b, now: now, budget: 1 << 18}
	if err := s.exec(t.tree); err != nil {
		var r errRaise
		if errors.As(err, &r) {
			return "", fmt.Errorf("chat: the template rejects the conversation: %s", r.msg)
		}
		return "", fmt.Errorf("chat: render: %w", err)
	}
	return b.String(), nil
}

// fromGo converts a Go value to a template value.
func fromGo(v any) (any, error) {
	switch v := v.(type) {
	case json.RawMessage:
		dec := json.NewDecoder(bytes.NewReader(v))
		dec.UseNumber()
		x, err := fromJSON(dec)
		if err != nil {
			return nil, fmt.Errorf("JSON: %w", err)
		}
		if _, err := dec.Token(); err != io.EOF {
			return nil, fmt.Errorf("JSON: data after the value")
		}
		return x, nil
	case nil, string, bool, int64, float64:
		return v, nil
	case int:
		return int64(v), nil
	case int32:
		return int64(v), nil
	case float32:
		return float64(v), nil
	case []string:
		out := make([]any, len(v))
		for i, s := range v {
			out[i] = s
		}
		return out, nil
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			y, err := fromGo(x)
			if err != nil {
				return nil, err
			}
			out[i] = y
		}
		return out, nil
	case map[string]any:
		d := newDict()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			y, err := fromGo(v[k])
			if err != nil {
				return nil, err
			}
			d.set(k, y)
		}
		return d, nil
	case map[string]string:
		d := newDict()
		for _, k := range slices.Sorted(maps.Keys(v)) {
			d.set(k, v[k])
		}
		return d, nil
	}
	return nil, fmt.Errorf("unsupported type %T", v)
}

// fromJSON decodes the next JSON value of dec, objects into ordered
// dicts.
func fromJSON(dec *json.Decoder) (any, error) {
	tok, err := dec.Token()
	if err != nil {
		return nil, err
	}
	switch t := tok.(type) {
	case json.Delim:
		switch t {
		case '[':
			out := []any{}
			for dec.More() {
				x, err := fromJSON(dec)
				if err != nil {
					return nil, err
				}
				out = append(out, x)
			}
			_, err := dec.Token() // ]
			return out, err
		case '{':
			d := newDict()
			for dec.More() {
				k, err := dec.Token()
				if err != nil {
					return nil, err
				}
				x, err := fromJSON(dec)
				if err != nil {
					return nil, err
				}
				d.set(k.(string), x)
			}
			_, err := dec.Token() // }
			return d, err
		}
		return nil, fmt.Errorf("unexpected %v", t)
	case json.Number:
		if i, err := t.Int64(); err == nil {
			return i, nil
		}
		return t.Float64()
	case string, bool, nil:
		return t, nil
	}
	return nil, fmt.Errorf("unexpected %v", tok)
}

// builtin is a known form of chat template.
type builtin struct {
	source, bos, eos string
	stop             []string
}

// The built-in forms, with the Jinja source their models ship.
var builtins = map[string]builtin{
	// ChatML, as SmolLM2 and many fine-tunes use it.
	"chatml": {
		source: "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
		eos:    "<|im_end|>", stop: []string{"<|im_end|>"},
	},
	// Qwen2-Instruct: ChatML with a default system message.
	"qwen2": {
		source: "{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}",
		eos:    "<|im_end|>", stop: []string{"<|im_end|>", "<|endoftext|>"},
	},
	// Llama-2-chat: [INST] turns, the system prompt inside the first.
	"llama2": {
		source: "{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}",
		bos:    "<s>", eos: "</s>", stop: []string{"</s>"},
	},
	// Llama-3-Instruct: header tokens and <|eot_id|>.
	"llama3": {
		source: "{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}",
		bos:    "<|begin_of_text|>", eos: "<|eot_id|>", stop: []string{"<|eot_id|>", "<|end_of_text|>"},
	},
	// Zephyr (and TinyLlama-Chat): <|role|> lines ended by </s>.
	"zephyr": {
		source: "{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}",
		bos:    "<s>", eos: "</s>", stop: []string{"</s>"},
	},
	// Mistral-Instruct v0.1: [INST] turns, no system role.
	"mistral": {
		source: "{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}",
		bos:    "<s>", eos: "</s>", stop: []string{"</s>"},
	},
	// Gemma: <start_of_turn>user / model, no system role.
	"gemma": {
		source: "{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}",
		bos:    "<bos>", eos: "<eos>", stop: []string{"<end_of_turn>", "<eos>"},
	},
	// Phi-3: <|role|> lines ended by <|end|>.
	"phi3": {
		source: "{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}",
		bos:    "<s>", eos: "<|endoftext|>", stop: []string{"<|end|>", "<|endoftext|>"},
	},
}

// Names returns the names of the built-in forms.
func Names() []string { return slices.Sorted(maps.Keys(builtins)) }

// Builtin returns a built-in form by name (see Names), with its usual
// special tokens.
func Builtin(name string) (*Template, error) {
	b, ok := builtins[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("chat: unknown template %q (known: %s)", name, strings.Join(Names(), ", "))
	}
	t, err := Parse(b.source)
	if err != nil {
		return nil, err
	}
	t.Name, t.BOS, t.EOS, t.Stop = strings.ToLower(name), b.bos, b.eos, slices.Clone(b.stop)
	return t, nil
}

// FromTokenizerConfig reads the chat template of a tokenizer_config.json:
// "chat_template" as a string, or as a list of named templates (the one
// named "default" is taken), with its bos_token and eos_token (strings or
// added-token objects). A template that is one of the built-in forms gets
// its Name and Stop; another gets Stop from its EOS.
func FromTokenizerConfig(data []byte) (*Template, error) {
	var cfg struct {
		ChatTemplate json.RawMessage `json:"chat_template"`
		BOS          json.RawMessage `json:"bos_token"`
		EOS          json.RawMessage `json:"eos_token"`
	}
	if err := json.Unmarshal(data, &cfg); err != nil {
		return nil, fmt.Errorf("chat: tokenizer config: %w", err)
	}
	src, err := templateSource(cfg.ChatTemplate)
	if err != nil {
		return nil, err
	}
	return withTokens(src, tokenString(cfg.BOS), tokenString(cfg.EOS))
}

func withTokens(src, bos, eos string) (*Template, error) {
	t, err := Parse(src)
	if err != nil {
		return nil, err
	}
	t.BOS, t.EOS = bos, eos
	for _, name := range Names() {
		if builtins[name].source == src {
			t.Name = name
			for _, s := range builtins[name].stop {
				if !slices.Contains(t.Stop, s) {
					t.Stop = append(t.Stop, s)
				}
			}
		}
	}
	if eos != "" && !slices.Contains(t.Stop, eos) {
		t.Stop = append(t.Stop, eos)
	}
	return t, nil
}

func templateSource(raw json.RawMessage) (string, error) {
	if len(raw) == 0 || string(raw) == "null" {
		return "", ErrNoTemplate
	}
	var s string
	if err := json.Unmarshal(raw, &s); err == nil {
		return s, nil
	}
	var named []struct {
		Name     string `json:"name"`
		Template string `json:"template"`
	}
	if err := json.Unmarshal(raw, &named); err != nil {
		return "", fmt.Errorf("chat: chat_template is neither a string nor a list of named templates")
	}
	for _, n := range named {
		if n.Name == "default" {
			return n.Template, nil
		}
	}
	return "", fmt.Errorf("%w named \"default\"", ErrNoTemplate)
}

// tokenString reads a special token given as a string or as an
// added-token object {"content": ...}.
func tokenString(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	var obj struct {
		Content string `json:"content"`
	}
	if json.Unmarshal(raw, &obj) == nil {
		return obj.Content
	}
	return ""
}

// Load reads the chat template of a model directory: chat_template.jinja
// (where recent transformers save it) or the chat_template of
// chat_template.json or tokenizer_config.json, with the special tokens of
// tokenizer_config.json.
func Load(dir string) (*Template, error) {
	cfgData, err := os.ReadFile(filepath.Join(dir, "tokenizer_config.json"))
	if err != nil && !errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("chat: %w", err)
	}
	var bos, eos string
	if cfgData != nil {
		var cfg struct {
			BOS json.RawMessage `json:"bos_token"`
			EOS json.RawMessage `json:"eos_token"`
		}
		if err := json.Unmarshal(cfgData, &cfg); err != nil {
			return nil, fmt.Errorf("chat: %s: %w", filepath.Join(dir, "tokenizer_config.json"), err)
		}
		bos, eos = tokenString(cfg.BOS), tokenString(cfg.EOS)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "chat_template.jinja")); err == nil {
		return withTokens(string(b), bos, eos)
	}
	if b, err := os.ReadFile(filepath.Join(dir, "chat_template.json")); err == nil {
		var ct struct {
			ChatTemplate json.RawMessage `json:"chat_template"`
		}
		if err := json.Unmarshal(b, &ct); err != nil {
			return nil, fmt.Errorf("chat: %s: %w", filepath.Join(dir, "chat_template.json"), err)
		}
		src, err := templateSource(ct.ChatTemplate)
		if err != nil {
			return nil, err
		}
		return withTokens(src, bos, eos)
	}
	if cfgData == nil {
		return nil, fmt.Errorf("%w in %s", ErrNoTemplate, dir)
	}
	t, err := FromTokenizerConfig(cfgData)
	if errors.Is(err, ErrNoTemplate) {
		return nil, fmt.Errorf("%w in %s", ErrNoTemplate, dir)
	}
	return t, err
}
