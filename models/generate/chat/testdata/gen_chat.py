"""Reference renderings for package chat.

Renders the built-in chat templates and templates exercising the whole
supported subset of Jinja with Python's jinja2, in the environment
transformers' apply_chat_template uses (ImmutableSandboxedEnvironment with
trim_blocks, lstrip_blocks, loop controls, its tojson and raise_exception),
and writes chat.json. Run from the repository root:

    apt-get install python3-jinja2   # Debian's jinja2 3.1
    /usr/bin/python3 models/generate/chat/testdata/gen_chat.py
"""

import json
import os

import jinja2
import jinja2.ext
from jinja2.exceptions import TemplateError
from jinja2.sandbox import ImmutableSandboxedEnvironment


def raise_exception(message):
    raise TemplateError(message)


def tojson(x, ensure_ascii=False, indent=None, separators=None, sort_keys=False):
    return json.dumps(x, ensure_ascii=ensure_ascii, indent=indent, separators=separators, sort_keys=sort_keys)


env = ImmutableSandboxedEnvironment(trim_blocks=True, lstrip_blocks=True, extensions=[jinja2.ext.loopcontrols])
env.filters["tojson"] = tojson
env.globals["raise_exception"] = raise_exception

BUILTINS = {
    "chatml": ("{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}", "", "<|im_end|>"),
    "qwen2": ("{% for message in messages %}{% if loop.first and messages[0]['role'] != 'system' %}{{ '<|im_start|>system\\nYou are a helpful assistant.<|im_end|>\\n' }}{% endif %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}", "", "<|im_end|>"),
    "llama2": ("{% if messages[0]['role'] == 'system' %}{% set loop_messages = messages[1:] %}{% set system_message = messages[0]['content'] %}{% else %}{% set loop_messages = messages %}{% set system_message = false %}{% endif %}{% for message in loop_messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if loop.index0 == 0 and system_message != false %}{% set content = '<<SYS>>\\n' + system_message + '\\n<</SYS>>\\n\\n' + message['content'] %}{% else %}{% set content = message['content'] %}{% endif %}{% if message['role'] == 'user' %}{{ bos_token + '[INST] ' + content.strip() + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ ' '  + content.strip() + ' ' + eos_token }}{% endif %}{% endfor %}", "<s>", "</s>"),
    "llama3": ("{% set loop_messages = messages %}{% for message in loop_messages %}{% set content = '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' %}{% if loop.index0 == 0 %}{% set content = bos_token + content %}{% endif %}{{ content }}{% endfor %}{% if add_generation_prompt %}{{ '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}{% endif %}", "<|begin_of_text|>", "<|eot_id|>"),
    "zephyr": ("{% for message in messages %}\n{% if message['role'] == 'user' %}\n{{ '<|user|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'system' %}\n{{ '<|system|>\\n' + message['content'] + eos_token }}\n{% elif message['role'] == 'assistant' %}\n{{ '<|assistant|>\\n'  + message['content'] + eos_token }}\n{% endif %}\n{% if loop.last and add_generation_prompt %}\n{{ '<|assistant|>' }}\n{% endif %}\n{% endfor %}", "<s>", "</s>"),
    "mistral": ("{{ bos_token }}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if message['role'] == 'user' %}{{ '[INST] ' + message['content'] + ' [/INST]' }}{% elif message['role'] == 'assistant' %}{{ message['content'] + eos_token}}{% else %}{{ raise_exception('Only user and assistant roles are supported!') }}{% endif %}{% endfor %}", "<s>", "</s>"),
    "gemma": ("{{ bos_token }}{% if messages[0]['role'] == 'system' %}{{ raise_exception('System role not supported') }}{% endif %}{% for message in messages %}{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}{% endif %}{% if (message['role'] == 'assistant') %}{% set role = 'model' %}{% else %}{% set role = message['role'] %}{% endif %}{{ '<start_of_turn>' + role + '\\n' + message['content'] | trim + '<end_of_turn>\\n' }}{% endfor %}{% if add_generation_prompt %}{{'<start_of_turn>model\\n'}}{% endif %}", "<bos>", "<eos>"),
    "phi3": ("{% for message in messages %}{% if message['role'] == 'system' %}{{'<|system|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'user' %}{{'<|user|>\\n' + message['content'] + '<|end|>\\n'}}{% elif message['role'] == 'assistant' %}{{'<|assistant|>\\n' + message['content'] + '<|end|>\\n'}}{% endif %}{% endfor %}{% if add_generation_prompt %}{{ '<|assistant|>\\n' }}{% else %}{{ eos_token }}{% endif %}", "<s>", "<|endoftext|>"),
}

SUBSET = {
    "namespace, loops, filters and literals": """\
{%- set ns = namespace(count=0, sys='') -%}
{#- a comment -#}
{%- for m in messages if m.role != 'system' -%}
  {%- set ns.count = ns.count + 1 -%}
  [{{ loop.index }}/{{ loop.length }}{% if loop.first %} first{% endif %}{% if loop.last %} last{% endif %}] {{ m.role | upper }}: {{ m.content | trim | replace('\\n', ' ') }}
{% endfor -%}
{%- if messages[0].role == 'system' %}system={{ messages[0]['content'] | length }} chars{% endif %}
count={{ ns.count }} {{ (messages | selectattr('role', 'equalto', 'user') | list | length) }} users
{{ messages[-1].content[:5] ~ '|' ~ messages[::-1][0].role }}
{{ {'a': 1, 'b': [1, 2.5, none, true], 'c': 'x"y\\u00e9'} | tojson }}
{{ messages | map(attribute='role') | join(',') }}
{% for k, v in {'x': 1, 'y': 2}.items() %}{{ k }}={{ v }};{% endfor %}

{{ 7 // 2 }} {{ 7 % 3 }} {{ -7 // 2 }} {{ 2 * 3 + 1 }} {{ 'ab' * 2 }} {{ 1 / 4 }} {{ 10 / 5 }}
{{ undefined_var is defined }} {{ undefined_var | default('dflt') }} {{ none is none }} {{ undefined_var }}|
{{ 'Hello World'.lower().split(' ') }} {{ '  x  '.strip() }}|{{ 'abc'.startswith(('x', 'a')) }}|{{ 'a,b,,c'.split(',') }}
{{ {'k': [1, {'n': 'v'}]} | tojson(indent=2) }}
{% if add_generation_prompt %}<assistant>{% endif %}""",
    "whitespace control": """Start
  {% for m in messages %}
    {{ m.role }}
  {% endfor %}
  {%+ if true %}kept{% endif %}
{# comment line #}
End {{- '  x' }}  {{ 'y' -}}   
z
    {%- if messages %} tight {% endif -%}
  done
""",
    "break, continue, set blocks and operators": """\
{% for m in messages %}{% if loop.index0 > 2 %}{% break %}{% endif %}{% if m.role == 'system' %}{% continue %}{% endif %}{{ m.role ~ (':' if 'a' in m.role else '!') }}{% if loop.previtem is defined %}<{{ loop.previtem.role }}>{% endif %} {% endfor %}
{% set block %}X{{ messages | length }}Y{% endset %}{{ block }}|{{ 'user' not in ['system'] }}|{{ 3 > 2 and 'b' >= 'a' }}|{{ [1,2] + [3] }}|{{ "it's" }}|{{ 1.0 }}|{{ 0.1 + 0.2 }}|{{ not messages }}
{% for i in range(3) %}{{ i }}{{ ',' if not loop.last }}{% else %}none{% endfor %}|{% for x in [] %}x{% else %}empty{% endfor %}|{{ messages[0].get('role') }}|{{ messages[0].get('missing', 'd') }}
{{ messages[0]['content'] | first }}{{ (messages | last).role | capitalize }}{{ 'x' if false }}|{{ messages | rejectattr('role', 'equalto', 'user') | map(attribute='role') | list }}
""",
}

LLAMA31_STYLE = """{{- bos_token }}
{%- if custom_tools is defined %}
    {%- set tools = custom_tools %}
{%- endif %}
{%- if not tools_in_user_message is defined %}
    {%- set tools_in_user_message = true %}
{%- endif %}
{%- if not date_string is defined %}
    {%- set date_string = "26 Jul 2024" %}
{%- endif %}
{%- if not tools is defined %}
    {%- set tools = none %}
{%- endif %}

{#- This block extracts the system message, so we can slot it into the right place. #}
{%- if messages[0]['role'] == 'system' %}
    {%- set system_message = messages[0]['content']|trim %}
    {%- set messages = messages[1:] %}
{%- else %}
    {%- set system_message = "" %}
{%- endif %}

{#- System message + builtin tools #}
{{- "<|start_header_id|>system<|end_header_id|>\\n\\n" }}
{%- if tools is not none %}
    {{- "Environment: ipython\\n" }}
{%- endif %}
{{- "Cutting Knowledge Date: December 2023\\n" }}
{{- "Today Date: " + date_string + "\\n\\n" }}
{%- if tools is not none and not tools_in_user_message %}
    {{- "You have access to the following functions. To call a function, please respond with JSON for a function call." }}
    {{- 'Respond in the format {"name": function name, "parameters": dictionary of argument name and its value}.' }}
    {{- "Do not use variables.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
{%- endif %}
{{- system_message }}
{{- "<|eot_id|>" }}

{#- Custom tools are passed in a user message with some extra guidance #}
{%- if tools_in_user_message and not tools is none %}
    {#- Extract the first user message so we can plug it in here #}
    {%- if messages | length != 0 %}
        {%- set first_user_message = messages[0]['content']|trim %}
        {%- set messages = messages[1:] %}
    {%- else %}
        {{- raise_exception("Cannot put tools in the first user message when there's no first user message!") }}
{%- endif %}
    {{- '<|start_header_id|>user<|end_header_id|>\\n\\n' -}}
    {{- "Given the following functions, please respond with a JSON for a function call " }}
    {{- "with its proper arguments that best answers the given prompt.\\n\\n" }}
    {%- for t in tools %}
        {{- t | tojson(indent=4) }}
        {{- "\\n\\n" }}
    {%- endfor %}
    {{- first_user_message + "<|eot_id|>"}}
{%- endif %}

{%- for message in messages %}
    {%- if not (message.role == 'ipython' or message.role == 'tool' or 'tool_calls' in message) %}
        {{- '<|start_header_id|>' + message['role'] + '<|end_header_id|>\\n\\n'+ message['content'] | trim + '<|eot_id|>' }}
    {%- elif 'tool_calls' in message %}
        {%- set tool_call = message.tool_calls[0].function %}
        {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' -}}
        {{- '{"name": "' + tool_call.name + '", ' }}
        {{- '"parameters": ' }}
        {{- tool_call.arguments | tojson }}
        {{- "}" }}
        {{- "<|eot_id|>" }}
    {%- elif message.role == "tool" or message.role == "ipython" %}
        {{- "<|start_header_id|>ipython<|end_header_id|>\\n\\n" }}
        {%- if message.content is mapping or message.content is iterable %}
            {{- message.content | tojson }}
        {%- else %}
            {{- message.content }}
        {%- endif %}
        {{- "<|eot_id|>" }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|start_header_id|>assistant<|end_header_id|>\\n\\n' }}
{%- endif %}
"""

VARS = {"tools": [{"type": "function", "function": {"name": "get_weather", "description": "The weather in a city",
                                                     "parameters": {"type": "object", "properties": {"city": {"type": "string"}},
                                                                    "required": ["city"]}}}],
        "date_string": "03 Jul 2024"}

CONVERSATIONS = [
    [{"role": "user", "content": "Hello!"}],
    [{"role": "system", "content": "You are terse."}, {"role": "user", "content": "What is 2+2?"}],
    [{"role": "system", "content": "Be kind.\nAlways."}, {"role": "user", "content": "Hi"},
     {"role": "assistant", "content": "  Hello, how can I help?  "}, {"role": "user", "content": "Tell me a joke about 'quotes' and \"doubles\"."}],
    [{"role": "user", "content": " Ünïcode ✓ 日本 "}, {"role": "assistant", "content": "ok\n"}, {"role": "user", "content": "again"}],
    [{"role": "assistant", "content": "I speak first."}, {"role": "user", "content": "out of order"}],
]


def render(source, bos, eos, conv, gen, extra=None):
    try:
        t = env.from_string(source)
        return {"text": t.render(messages=conv, add_generation_prompt=gen, bos_token=bos, eos_token=eos, **(extra or {}))}
    except TemplateError as e:
        return {"error": str(e)}


def main():
    out = {"builtins": [], "subset": [], "conversations": CONVERSATIONS}
    for name, (src, bos, eos) in BUILTINS.items():
        out["builtins"].append({"name": name, "source": src, "bos": bos, "eos": eos,
                                "renders": [[render(src, bos, eos, c, g) for g in (False, True)] for c in CONVERSATIONS]})
    for name, src in SUBSET.items():
        out["subset"].append({"name": name, "source": src, "bos": "<s>", "eos": "</s>",
                              "renders": [[render(src, "<s>", "</s>", c, g) for g in (False, True)] for c in CONVERSATIONS]})
    for name, src, extra in [("llama 3.1 style, no tools", LLAMA31_STYLE, {}),
                             ("llama 3.1 style, tools in the user message", LLAMA31_STYLE, VARS),
                             ("llama 3.1 style, tools in the system message", LLAMA31_STYLE, dict(VARS, tools_in_user_message=False))]:
        out["subset"].append({"name": name, "source": src, "bos": "<|begin_of_text|>", "eos": "<|eot_id|>", "vars": extra,
                              "renders": [[render(src, "<|begin_of_text|>", "<|eot_id|>", c, g, extra) for g in (False, True)] for c in CONVERSATIONS]})
    tool_conv = [
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [{"type": "function", "function": {"name": "get_weather", "arguments": {"city": "Paris", "unit": "C"}}}]},
        {"role": "tool", "content": "21 degrees"},
        {"role": "ipython", "content": {"temp": 21, "sky": "clear"}},
    ]
    out["tool_conversation"] = tool_conv
    out["tool_renders"] = [render(LLAMA31_STYLE, "<|begin_of_text|>", "<|eot_id|>", tool_conv, g, dict(VARS, tools_in_user_message=False)) for g in (False, True)]
    path = os.path.join(os.path.dirname(os.path.abspath(__file__)), "chat.json")
    with open(path, "w") as f:
        json.dump(out, f, indent=1, ensure_ascii=False)
        f.write("\n")


if __name__ == "__main__":
    main()
