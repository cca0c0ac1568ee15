#!/usr/bin/env python3
"""Renders chat-template goldens with transformers' apply_chat_template (tokenize=False).

Writes, under --out (default fixtures/chat):

  qwen3/tokenizer_config.json   the real Qwen3 tokenizer_config.json (holds the chat_template), copied
                                byte for byte from --qwen3 (shared/data/tokenizer/qwen3)
  chatml/chat_template.jinja    a minimal ChatML template, alone in its folder
  features/chat_template.jinja  a template written to exercise Jinja features chat templates use
                                (macros, loop.last/previtem, filters, tests, slicing, whitespace control
                                without '-', comments, break/continue, special tokens); with a
                                tokenizer_config.json that holds special tokens and NO chat_template
  omni-style/chat_template.json a Qwen3-Omni-style template ({"chat_template": ...}, as processors ship
                                it) that renders list-of-parts content (text, image, audio, video).
                                Written here in the style of the Qwen2.5-Omni / Qwen3-Omni templates;
                                it is NOT the official Qwen3-Omni file, which is not available offline
  named/tokenizer_config.json   a list of named templates ("default" and "tool_use")
  precedence/                   chat_template.jinja AND a tokenizer_config.json with its own chat_template:
                                transformers uses the .jinja file
  raise/chat_template.jinja     a template that calls raise_exception (role alternation check), with a
                                tokenizer_config.json holding only special tokens
  jinja_snippets.jsonl          small templates (scoping, numbers, slicing, str/dict methods, filters, tests,
                                macros, loops, whitespace control) rendered by transformers' Jinja environment,
                                with their "output" or "error"
  goldens.jsonl                 one conversation a line: {"name", "model" (a folder above), "messages",
                                "kwargs" (apply_chat_template's keyword arguments), and either
                                "prompt" (the rendered text) or "error" (the exception transformers raised)}

Every template is rendered by transformers 5.18 itself: for each folder a temporary tokenizer folder is
assembled (Qwen3's tokenizer.json + the folder's files), loaded with AutoTokenizer.from_pretrained, so
transformers' own precedence between chat_template.jinja and tokenizer_config.json applies; the Omni-style
template is passed as chat_template=..., as a processor does. The 5 conversations of
shared/data/tokenizer/chat_template_golden.jsonl are re-rendered too and checked against that file.

Usage: make_chat_goldens.py [--qwen3 DIR] [--shared-goldens FILE] [--out DIR]
"""
import argparse
import copy
import json
import os
import shutil
import tempfile

import transformers
from transformers import AutoTokenizer

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.normpath(os.path.join(HERE, "..", ".."))


def find_shared():
    """shared/data/tokenizer beside the repository (or beside a parent folder, for work trees)."""
    d = ROOT
    while True:
        candidate = os.path.join(os.path.dirname(d), "shared", "data", "tokenizer")
        if os.path.isdir(candidate) or os.path.dirname(d) == d:
            return candidate
        d = os.path.dirname(d)


SHARED = find_shared()

CHATML = """{% for message in messages %}
{{- '<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + '\\n' }}
{% endfor %}
{% if add_generation_prompt %}
{{- '<|im_start|>assistant\\n' }}
{% endif %}
"""

FEATURES = """{# A template that uses what chat templates use, without '-' whitespace control. #}
{% macro render_content(content, sep=' | ') %}
    {% if content is string %}
{{ content | trim }}
    {%- elif content is iterable and content is not mapping %}
{{ content | selectattr('type', 'equalto', 'text') | map(attribute='text') | join(sep) }}
    {%- else %}
{{ raise_exception('bad content') }}
    {%- endif %}
{% endmacro %}
{{ bos_token }}
{% set ns = namespace(turns=0, names=[]) %}
{% for message in messages %}
    {% if message.role == 'system' and loop.first %}
[SYS] {{ render_content(message.content) }}
        {% continue %}
    {% endif %}
    {% set ns.turns = ns.turns + 1 %}
    {% if message.role == 'user' %}
[{{ loop.index }}/{{ loop.length }} {{ message.role | upper }}{{ ' after ' ~ loop.previtem.role if loop.previtem is defined else '' }}] {{ render_content(message.content, sep='+') }}
    {% elif message.role == 'assistant' %}
[{{ loop.index0 }} {{ message.role | capitalize }}{% if loop.last %} (last){% endif %}] {{ message.content | default('(none)', true) | replace('\\n', ' ') }}
        {% for call in message.tool_calls | default([]) %}
  call {{ loop.index }}: {{ call.function.name }}({{ call.function.arguments | tojson(sort_keys=true) }}){{ ',' if not loop.last }}
        {% endfor %}
    {% else %}
[{{ message.role }}] {{ message.content[:20] }}{{ '...' if message.content | length > 20 }} {{ message.content[::-1][:5] }}
    {% endif %}
    {% if ns.turns >= max_turns | default(100) %}
{{ '[truncated]' }}
        {% break %}
    {% endif %}
{% endfor %}
{% if tools is not none %}
{% for tool in tools %}
Tool {{ tool.function.name }}: {{ tool.function.parameters.properties | dictsort | map('first') | join(', ') }}
{{ tool | tojson(indent=2) }}
{% endfor %}
{% endif %}
{% set counts = {'words': (messages | map(attribute='role') | list | length), 'pi': 3.25, 'half': 7 / 2, 'floor': 7 // 2, 'neg': -7 % 3} %}
{{ counts | tojson }} {{ counts.items() | list | length }} {{ [3, 1, 2] | sort | list }} {{ 'a,b,,c'.split(',') }} {{ ('x' * 3).upper() }} {{ range(1, 7, 2) | list }} {{ none }} {{ true and not false }}
{{ '  spaced  '.strip() ~ '|' ~ 'xxhixx'.lstrip('x') ~ '|' ~ 'A-B-C'.rsplit('-', 1) | join(':') ~ '|' ~ 'Hello'.startswith(('He', 'X')) ~ '|' ~ 'Hello'.endswith('lo') }}
{% if add_generation_prompt %}
<assistant>{{ eos_token if custom_flag is defined and custom_flag else '' }}
{% endif %}
"""

OMNI_STYLE = """{%- macro render_content(content) -%}
    {%- if content is string -%}
        {{- content -}}
    {%- else -%}
        {%- for part in content -%}
            {%- if part.type == 'image' or 'image' in part or 'image_url' in part -%}
                {{- '<|vision_start|><|image_pad|><|vision_end|>' -}}
            {%- elif part.type == 'audio' or 'audio' in part or 'audio_url' in part -%}
                {{- '<|audio_start|><|audio_pad|><|audio_end|>' -}}
            {%- elif part.type == 'video' or 'video' in part -%}
                {{- '<|vision_start|><|video_pad|><|vision_end|>' -}}
            {%- elif part.type == 'text' -%}
                {{- part.text -}}
            {%- else -%}
                {{- raise_exception('Unexpected content type: ' ~ part.type) -}}
            {%- endif -%}
        {%- endfor -%}
    {%- endif -%}
{%- endmacro -%}
{%- if messages[0].role == 'system' %}
    {{- '<|im_start|>system\\n' + render_content(messages[0].content) + '<|im_end|>\\n' }}
{%- endif %}
{%- set ns = namespace(last_query_index=messages|length - 1) %}
{%- for message in messages[::-1] %}
    {%- if message.role == 'user' and message.content is string %}
        {%- set ns.last_query_index = (messages|length - 1) - loop.index0 %}
        {%- break %}
    {%- endif %}
{%- endfor %}
{%- for message in messages %}
    {%- if message.role == 'user' or (message.role == 'system' and not loop.first) %}
        {{- '<|im_start|>' + message.role + '\\n' + render_content(message.content) + '<|im_end|>\\n' }}
    {%- elif message.role == 'assistant' %}
        {%- set content = render_content(message.content) %}
        {%- if loop.index0 > ns.last_query_index and message.reasoning_content is string %}
            {{- '<|im_start|>assistant\\n<think>\\n' + message.reasoning_content.strip('\\n') + '\\n</think>\\n\\n' + content }}
        {%- else %}
            {{- '<|im_start|>assistant\\n' + content }}
        {%- endif %}
        {{- '<|im_end|>\\n' }}
    {%- endif %}
{%- endfor %}
{%- if add_generation_prompt %}
    {{- '<|im_start|>assistant\\n' }}
    {%- if enable_thinking is defined and enable_thinking is false %}
        {{- '<think>\\n\\n</think>\\n\\n' }}
    {%- endif %}
{%- endif %}
"""

NAMED_DEFAULT = "{%- for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}{{ '<gen>' if add_generation_prompt }}"
NAMED_TOOL_USE = ("{{- 'TOOLS:' }}{% for t in tools %}{{ ' ' ~ t.function.name }}{% endfor %}\n"
                  "{% for m in messages %}<{{ m.role }}>{{ m.content }}</{{ m.role }}>{% endfor %}")

RAISE = """{% for message in messages %}
{% if (message['role'] == 'user') != (loop.index0 % 2 == 0) %}
{{ raise_exception('Conversation roles must alternate user/assistant/user/assistant/...') }}
{% endif %}
{{ '[' ~ message['role'] ~ '] ' ~ message['content'] ~ eos_token }}
{% endfor %}
"""

WEATHER_TOOL = {"type": "function", "function": {
    "name": "get_weather", "description": "Get the current weather for a city",
    "parameters": {"type": "object", "properties": {
        "city": {"type": "string", "description": "City name, e.g. Paris"},
        "unit": {"type": "string", "enum": ["celsius", "fahrenheit"], "default": "celsius"}},
        "required": ["city"]}}}
SEARCH_TOOL = {"type": "function", "function": {
    "name": "search", "description": "Search the web — returns “snippets” (ünïcödé)",
    "parameters": {"type": "object", "properties": {
        "query": {"type": "string"},
        "top_k": {"type": "integer", "minimum": 1, "maximum": 10, "default": 3},
        "threshold": {"type": "number", "default": 0.5, "exclusiveMinimum": 1e-05},
        "filters": {"type": ["array", "null"], "items": {"type": "string"}},
        "safe": {"type": "boolean", "default": True}},
        "required": ["query"]}}}


def call(name, arguments):
    return {"type": "function", "function": {"name": name, "arguments": arguments}}


def cases():
    """(name, model, messages, kwargs) for every golden."""
    sys_msg = {"role": "system", "content": "You are a helpful assistant."}
    c = []

    def add(name, messages, model="qwen3", **kwargs):
        c.append((name, model, messages, kwargs))

    # --- the Qwen3 template -------------------------------------------------------------------------
    add("user_only_gen", [{"role": "user", "content": "Hello!"}], add_generation_prompt=True)
    add("system_user_gen", [sys_msg, {"role": "user", "content": "What is 2+2?"}], add_generation_prompt=True)
    add("system_user_no_gen", [sys_msg, {"role": "user", "content": "What is 2+2?"}], add_generation_prompt=False)
    add("gen_prompt_default_kwargs", [{"role": "user", "content": "Hi"}])
    add("thinking_false", [sys_msg, {"role": "user", "content": "Be quick: capital of France?"}],
        add_generation_prompt=True, enable_thinking=False)
    add("thinking_true", [{"role": "user", "content": "Prove that sqrt(2) is irrational."}],
        add_generation_prompt=True, enable_thinking=True)
    add("thinking_false_no_gen", [{"role": "user", "content": "Hi"}], add_generation_prompt=False,
        enable_thinking=False)
    add("multiturn_think_in_content_stripped", [
        sys_msg,
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "<think>\nThe user greets me.\n</think>\n\nHello! How can I help?"},
        {"role": "user", "content": "Tell me a joke."},
        {"role": "assistant", "content": "<think>\nA short one.\n</think>\n\nWhy did the chicken cross the road?"},
        {"role": "user", "content": "Why?"}], add_generation_prompt=True)
    add("reasoning_content_history_dropped_last_kept", [
        {"role": "user", "content": "2+2?"},
        {"role": "assistant", "content": "4", "reasoning_content": "Simple addition."},
        {"role": "user", "content": "And 3+3?"},
        {"role": "assistant", "content": "6", "reasoning_content": "\nAgain addition: 3+3=6.\n\n"}],
        add_generation_prompt=False)
    add("last_assistant_think_in_content_kept", [
        {"role": "user", "content": "Name a color."},
        {"role": "assistant", "content": "<think>\n\nAny color works.\n\n</think>\n\n\nBlue."}])
    add("think_without_newlines", [
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "preamble<think>short</think>answer"}])
    add("reasoning_content_none_falls_back_to_content", [
        {"role": "user", "content": "Q"},
        {"role": "assistant", "content": "<think>r</think>A", "reasoning_content": None}])
    add("reasoning_content_empty_string", [
        {"role": "user", "content": "Q"},
        {"role": "assistant", "content": "A", "reasoning_content": ""}])
    add("tools_dict_arguments", [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Weather in Paris?"},
        {"role": "assistant", "content": "", "tool_calls": [call("get_weather", {"city": "Paris", "unit": "celsius"})]},
        {"role": "tool", "content": "{\"temp_c\": 18}"}],
        tools=[WEATHER_TOOL], add_generation_prompt=True)
    add("tools_string_arguments_no_system", [
        {"role": "user", "content": "Weather in Oslo?"},
        {"role": "assistant", "content": "Let me check.",
         "tool_calls": [call("get_weather", "{\"city\":\"Oslo\"}")]},
        {"role": "tool", "content": "sunny, 3 °C"}],
        tools=[WEATHER_TOOL, SEARCH_TOOL], add_generation_prompt=True, enable_thinking=False)
    add("tools_parallel_calls_consecutive_responses_multistep", [
        sys_msg,
        {"role": "user", "content": "Compare the weather in Rome and Tokyo, then search for flights."},
        {"role": "assistant", "content": "<think>\nTwo cities: call the tool twice.\n</think>\n\nI'll look both up.",
         "tool_calls": [call("get_weather", {"city": "Rome"}), call("get_weather", {"city": "Tokyo", "unit": "fahrenheit"})]},
        {"role": "tool", "content": "{\"city\": \"Rome\", \"temp_c\": 24}"},
        {"role": "tool", "content": "{\"city\": \"Tokyo\", \"temp_f\": 70}"},
        {"role": "assistant", "content": "", "reasoning_content": "Now search.",
         "tool_calls": [call("search", {"query": "flights Rome Tokyo", "top_k": 2, "threshold": 0.25, "filters": None, "safe": False})]},
        {"role": "tool", "content": "[]"},
        {"role": "assistant", "content": "Rome is warmer; no flights found."}],
        tools=[WEATHER_TOOL, SEARCH_TOOL], add_generation_prompt=False)
    add("tools_multistep_no_reasoning_between", [
        {"role": "user", "content": "Weather in Lima?"},
        {"role": "assistant", "content": "", "tool_calls": [call("get_weather", {"city": "Lima"})]},
        {"role": "tool", "content": "cloudy"},
        {"role": "assistant", "content": "It is cloudy in Lima."},
        {"role": "user", "content": "<tool_response>\nnot really a user query\n</tool_response>"}],
        tools=[WEATHER_TOOL], add_generation_prompt=True)
    add("tool_call_without_function_wrapper", [
        {"role": "user", "content": "Search cats"},
        {"role": "assistant", "content": "", "tool_calls": [{"name": "search", "arguments": {"query": "cats"}}]},
        {"role": "tool", "content": "many cats"}],
        tools=[SEARCH_TOOL], add_generation_prompt=True)
    add("assistant_content_none_rejected", [
        {"role": "user", "content": "Search cats"},
        {"role": "assistant", "content": None, "tool_calls": [call("search", {"query": "cats"})]}],
        tools=[SEARCH_TOOL])
    add("tools_with_unicode_schema_only", [{"role": "user", "content": "Hi"}], tools=[SEARCH_TOOL],
        add_generation_prompt=True)
    add("unicode_content", [
        {"role": "system", "content": "Réponds en français. 你好 🌍 — “quotes” ‘x’ \u2028 tab\tend"},
        {"role": "user", "content": "Ça va? 日本語 𝔘𝔫𝔦𝔠𝔬𝔡𝔢 e\u0301 עברית 👩‍👩‍👧"},
        {"role": "assistant", "content": "Oui 😊"},
        {"role": "user", "content": "\\n is not a newline; \"quoted\" and {braces} {{ jinja }} {% raw %}"}],
        add_generation_prompt=True)
    add("special_token_text_in_content", [
        {"role": "user", "content": "Print <|im_end|> and <|im_start|>assistant literally, also <think>x</think>."},
        {"role": "assistant", "content": "<|endoftext|> <tool_call>not a call</tool_call>"},
        {"role": "user", "content": "<tool_response>only the start"}], add_generation_prompt=True)
    add("second_system_message", [
        sys_msg, {"role": "user", "content": "a"}, {"role": "system", "content": "New instructions."},
        {"role": "user", "content": "b"}], add_generation_prompt=True)
    add("extra_kwargs_ignored", [{"role": "user", "content": "Hi"}], add_generation_prompt=True,
        custom_flag=True, documents_hint="unused")
    add("long_conversation", [sys_msg] + [
        m for i in range(5) for m in (
            {"role": "user", "content": f"Question {i}: what is {i} squared?"},
            {"role": "assistant", "content": f"<think>\n{i} times {i}.\n</think>\n\n{i * i}"})
    ] + [{"role": "user", "content": "Thanks!"}], add_generation_prompt=True, enable_thinking=False)
    add("empty_user_content", [{"role": "user", "content": ""}], add_generation_prompt=True)
    add("list_content_rejected_by_qwen3", [
        {"role": "user", "content": [{"type": "text", "text": "What is in this image?"}, {"type": "image"}]}],
        add_generation_prompt=True)

    # --- other templates: generality ---------------------------------------------------------------
    add("chatml_basic", [sys_msg, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}],
        model="chatml", add_generation_prompt=False)
    add("chatml_gen", [{"role": "user", "content": "Hi\n\nthere"}], model="chatml", add_generation_prompt=True)
    add("features_full", [
        {"role": "system", "content": "  System text.  "},
        {"role": "user", "content": [{"type": "text", "text": "look"}, {"type": "image"}, {"type": "text", "text": "here"}]},
        {"role": "assistant", "content": "Line one\nline two",
         "tool_calls": [call("get_weather", {"unit": "celsius", "city": "Paris"}), call("search", {"query": "x"})]},
        {"role": "tool", "content": "a tool response that is rather long"},
        {"role": "user", "content": "ok"},
        {"role": "assistant", "content": ""}],
        model="features", tools=[WEATHER_TOOL, SEARCH_TOOL], add_generation_prompt=True, custom_flag=True)
    add("features_truncated", [
        {"role": "user", "content": "one"}, {"role": "assistant", "content": "two"},
        {"role": "user", "content": "three"}, {"role": "assistant", "content": "four"}],
        model="features", max_turns=2)
    add("features_bad_content", [{"role": "user", "content": {"type": "text"}}], model="features")
    add("omni_style_parts", [
        {"role": "system", "content": [{"type": "text", "text": "You are Qwen-Omni."}]},
        {"role": "user", "content": [
            {"type": "image", "image": "cat.png"}, {"type": "audio", "audio": "meow.wav"},
            {"type": "video", "video": "clip.mp4"}, {"type": "text", "text": "What do you see and hear?"}]}],
        model="omni-style", add_generation_prompt=True)
    add("omni_style_mixed_history", [
        {"role": "user", "content": "Describe it."},
        {"role": "assistant", "content": "Sure.", "reasoning_content": "dropped: before last query"},
        {"role": "user", "content": [{"type": "image_url", "image_url": {"url": "data:..."}}, {"type": "text", "text": "Now this one."}]},
        {"role": "assistant", "content": [{"type": "text", "text": "A dog."}], "reasoning_content": "\nkept\n"}],
        model="omni-style", add_generation_prompt=True, enable_thinking=False)
    add("omni_style_unknown_part", [{"role": "user", "content": [{"type": "hologram"}]}], model="omni-style")
    add("named_default", [{"role": "user", "content": "Hi"}], model="named", add_generation_prompt=True)
    add("named_tool_use", [{"role": "user", "content": "Hi"}], model="named", tools=[WEATHER_TOOL, SEARCH_TOOL])
    add("precedence_jinja_file_wins", [{"role": "user", "content": "Hi"}], model="precedence")
    add("raise_ok", [{"role": "user", "content": "a"}, {"role": "assistant", "content": "b"}], model="raise")
    add("raise_alternation", [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}], model="raise")
    return c


# Small templates rendered by transformers' own Jinja environment (the one apply_chat_template compiles
# with), each with the variables below: the semantics an interpreter must share with Jinja2.
SNIPPET_VARS = {"d": {"a": 1, "b": [2]}, "msgs": [{"role": "user", "content": [1]}], "s": "Hello, World",
                "n": None, "f": 2.5, "items": [{"name": "b", "v": 2}, {"name": "A", "v": 1}, {"name": "c", "v": None}]}
SNIPPETS = [
    "{% set x = 1 %}{% for i in range(3) %}{{ x }}{% set x = i + 10 %}{% endfor %}{{ x }}",
    "{% for i in range(3) %}{% if i > 0 %}[{{ y }}]{% endif %}{% set y = i %}{% endfor %}",
    "{{ none }}|{{ true }}|{{ 1.0 }}|{{ 1e20 }}|{{ 1e-5 }}|{{ 0.0001 }}|{{ 123456789012345678.0 }}|{{ [1,'a',none,\"it's\"] }}|{{ {'a':1} }}|{{ 3/2 }}|{{ 7//2 }}|{{ -7 % 3 }}|{{ 2**10 }}|{{ 0.1+0.2 }}|{{ 7.5 // 2 }}|{{ -7.5 % 2 }}",
    "{{ [1,2] + [3] }}|{{ 'ab' * 3 }}|{{ 'abc'[::-1] }}|{{ [1,2,3][-1] }}|{{ [1,2,3][5] }}|{{ [1,2,3,4,5][1:-1:2] }}|{{ 'héllo'[1:3] }}|{{ [1,2,3][::-2] }}|{{ 'abc'[5:] }}|",
    "{% for k, v in d.items() %}{{k}}={{v}};{% endfor %}|{{ d.get('a') }}|{{ d.get('z', 'dflt') }}|{{ d.get('z') }}|{{ d.keys()|list }}|{{ d.values()|list }}|{{ d['b'][0] }}|{{ d.b.0 }}",
    "{{ 'a,b,,c'.split(',') }}|{{ ' a  b '.split() }}|{{ 'a b c'.split(' ', 1) }}|{{ 'a-b-c'.rsplit('-', 1) }}|{{ 'xxaxx'.strip('x') }}|{{ s.upper() }}|{{ s.lower() }}|{{ '-'.join(['1','2']) }}|{{ s.replace('l', 'L', 2) }}|{{ s.find('o') }}|{{ s.count('l') }}|{{ s.title() }}|{{ 'hello world'.capitalize() }}|{{ s.startswith('Hell') }}|{{ s.endswith(('x', 'ld')) }}|{{ '  x \\n'.rstrip() }}|{{ 'a\\nb\\r\\nc'.splitlines() }}|{{ '{} and {}'.format(1, 'two') }}",
    "{{ 1 == 1.0 }}|{{ 'a' in 'cat' }}|{{ 1 in [1] }}|{{ 'a' in d }}|{{ 'z' not in d }}|{{ y is defined }}|{{ n is none }}|{{ 1 < 2 < 3 }}|{{ 1 < 3 < 2 }}|{{ true == 1 }}|{{ [1, 2] == [1, 2] }}|{{ 'b' > 'a' }}",
    "{{ {'b':1,'a':'é\"\\n\\t/<>&'}|tojson }}|{{ [1.5, 2, true, none, 1e-7, 1e22]|tojson }}|{{ d|tojson(indent=2) }}|{{ d|tojson(sort_keys=true) }}|{{ 'ü€𝔘'|tojson(ensure_ascii=true) }}|{{ d|tojson(separators=(',', ':')) }}",
    "{{ y|length }}|[{{ y }}]|{% for a in y %}no{% endfor %}|{{ y ~ 'a' }}|{{ y == y }}|{{ y|default('dflt') }}|{{ ''|default('dflt') }}|{{ ''|default('dflt', true) }}|{{ n|default('x') }}",
    "{{ [3,1,2]|sort }}|{{ [3,1,2]|sort(reverse=true) }}|{{ ['b','A','c']|sort }}|{{ ['b','A','c']|sort(case_sensitive=true) }}|{{ items|sort(attribute='name')|map(attribute='v')|list }}|{{ ['a','b']|join(', ') }}|{{ 'aXb'|replace('X','-') }}|{{ '  a '|trim }}|{{ 'hello wORLD-x'|title }}|{{ [1,2]|first }}|{{ [1,2]|last }}|{{ 'abc'|reverse }}|{{ [1,1,2,'A','a']|unique|list }}",
    "{{ items|selectattr('v')|map(attribute='name')|join(',') }}|{{ items|rejectattr('v')|map(attribute='name')|list }}|{{ items|selectattr('v', 'equalto', 2)|list }}|{{ [1,2,3,4]|select('odd')|list }}|{{ [1,2,3,4]|reject('even')|list }}|{{ items|map(attribute='missing', default='?')|list }}|{{ ['a','b']|map('upper')|list }}|{{ [1,2,3]|sum }}|{{ [3,1,2]|max }}|{{ [3,1,2]|min }}|{{ items|length }}",
    "{{ d|dictsort }}|{{ {'b': 1, 'A': 2}|dictsort(reverse=true) }}|{{ d|items|list }}|{{ 'x\\ny\\n\\nz'|indent(2) }}|{{ 'x\\ny'|indent(2, true) }}|{{ 'a b  c'|wordcount }}|{{ '%s=%d (%.2f)'|format('k', 3, 2.5) }}|{{ '<a href=\"x\">'|e }}|{{ 42|string + 'a' }}|{{ '42'|int + 1 }}|{{ '4.7'|int }}|{{ 'x'|int(7) }}|{{ '2.5'|float }}|{{ 2.5|round }}|{{ 3.14159|round(2) }}|{{ 2.5|round(0, 'floor') }}|{{ -3|abs }}|{{ [1,2,3,4,5]|batch(2)|list }}|{{ 'hi'|center(6) }}|",
    "{% macro m(a, b='x') %}[{{a}}{{b}}]{% endmacro %}{{ m(1) }}{{ m(2, b='y') }}{{ m(3,4) }}{{ m() }}|{% macro r(n) %}{{ n }}{% if n > 0 %}{{ r(n - 1) }}{% endif %}{% endmacro %}{{ r(3) }}",
    "{% for i in [1,2,3] %}{% if i == 2 %}{% continue %}{% endif %}{{ loop.index }}{{ loop.last }}{% endfor %}|{% for i in [1,2,3] if i > 1 %}{{loop.length}}{% else %}empty{% endfor %}|{% for i in [] %}x{% else %}empty{% endfor %}|{% for i in 'ab' %}{{ loop.revindex }}{{ loop.cycle('x','y') }}{{ loop.previtem is defined }}{% endfor %}|{% for i in range(10) %}{% if i == 3 %}{% break %}{% endif %}{{ i }}{% endfor %}",
    "{{ 1 if false }}|{{ 'a' if true else 'b' }}|{{ not 1 is string }}|{{ -2|abs }}|{{ 1 is number }}|{{ true is number }}|{{ true is integer }}|{{ 1.0 is float }}|{{ d is mapping }}|{{ d is iterable }}|{{ 'x' is sequence }}|{{ 3 is divisibleby 3 }}|{{ 'ab' is lower }}|{{ f is sameas f }}|{{ none is sameas none }}|{{ 2 is in [1,2] }}|{{ range is callable }}|{{ 'x' is eq 'x' }}|{{ 5 is gt 3 }}",
    "{% set a, b = 1, 2 %}{{a}}{{b}}{% set s2 %}blk{{a}}{% endset %}{{ s2 }}|{% set ns = namespace(c=0, l=[]) %}{% for i in range(3) %}{% set ns.c = ns.c + i %}{% endfor %}{{ ns.c }}|{% with q = 5 %}{{ q }}{% endwith %}{{ q is defined }}|{% filter upper %}up{{ a }}{% endfilter %}|{{ (1, 2) }}|{{ (1,) }}|{{ () }}|{{ {'k': (1, 2)}|tojson }}|{{ dict(a=1, b='x') }}",
    "  {% if true %}\n  x\n  {% endif %}\n  {{ 'y' }}  \n    {#- comment #}  z\n{%+ if true %}keep{% endif %}\n{% if true -%}\n   stripped\n{%- endif %}\n  {% raw %}{{ not rendered }}{% endraw %}\n",
    "a\n  {# comment on its own line #}\nb\n\t{% set q = 1 %}\nc {{ q }}\n  {{- ' d' }}\n{% for i in [1, 2] %}\n  - {{ i }}\n{% endfor %}\nend\n\n",
    "{{ 'a' + 1 }}",
    "{{ y.attr }}",
    "line1\n{% if true %}\n{{ msgs[0].content.startswith('a') }}\n{% endif %}",
    "{{ 1 < 'a' }}",
    "{% for x in n %}{% endfor %}",
    "{{ raise_exception('custom failure: ' ~ s) }}",
]


def snippets():
    from transformers.utils.chat_template_utils import _compile_jinja_template
    out = []
    for t in SNIPPETS:
        try:
            result = {"output": _compile_jinja_template(t).render(**copy.deepcopy(SNIPPET_VARS))}
        except Exception as e:
            result = {"error": f"{type(e).__name__}: {e}"}
        out.append({"template": t, "variables": SNIPPET_VARS, **result})
    return out


def write_models(out, qwen3_dir):
    """Writes the template folders; returns {model: (folder, template passed explicitly or None)}."""
    def write(rel, text):
        path = os.path.join(out, rel)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w", encoding="utf-8", newline="") as f:
            f.write(text)

    os.makedirs(os.path.join(out, "qwen3"), exist_ok=True)
    shutil.copyfile(os.path.join(qwen3_dir, "tokenizer_config.json"), os.path.join(out, "qwen3", "tokenizer_config.json"))
    write("chatml/chat_template.jinja", CHATML)
    write("features/chat_template.jinja", FEATURES)
    write("features/tokenizer_config.json", json.dumps(
        {"tokenizer_class": "Qwen2Tokenizer", "bos_token": {"__type": "AddedToken", "content": "<s>", "lstrip": False, "normalized": False, "rstrip": False, "single_word": False, "special": True},
         "eos_token": "</s>", "pad_token": None, "unk_token": None}, indent=2) + "\n")
    write("omni-style/chat_template.json", json.dumps({"chat_template": OMNI_STYLE}, indent=2) + "\n")
    qwen3_config = json.load(open(os.path.join(qwen3_dir, "tokenizer_config.json"), encoding="utf-8"))
    named = {k: v for k, v in qwen3_config.items() if k != "added_tokens_decoder"}
    named["chat_template"] = [{"name": "default", "template": NAMED_DEFAULT}, {"name": "tool_use", "template": NAMED_TOOL_USE}]
    write("named/tokenizer_config.json", json.dumps(named, indent=2, ensure_ascii=False) + "\n")
    write("precedence/chat_template.jinja", "from chat_template.jinja: {{ messages[0].content }}")
    precedence = {k: v for k, v in qwen3_config.items() if k != "added_tokens_decoder"}
    precedence["chat_template"] = "from tokenizer_config.json"
    write("precedence/tokenizer_config.json", json.dumps(precedence, indent=2, ensure_ascii=False) + "\n")
    write("raise/chat_template.jinja", RAISE)
    write("raise/tokenizer_config.json", json.dumps(
        {"tokenizer_class": "Qwen2Tokenizer", "eos_token": "<|im_end|>", "pad_token": "<|endoftext|>"}, indent=2) + "\n")


def load_tokenizer(out, model, qwen3_dir, tmp):
    """A tokenizer folder made of Qwen3's tokenizer.json and the model folder's files, as transformers loads it."""
    folder = os.path.join(tmp, model)
    os.makedirs(folder)
    os.symlink(os.path.join(qwen3_dir, "tokenizer.json"), os.path.join(folder, "tokenizer.json"))
    src = os.path.join(out, model)
    for name in os.listdir(src):
        shutil.copyfile(os.path.join(src, name), os.path.join(folder, name))
    if not os.path.exists(os.path.join(folder, "tokenizer_config.json")):
        # A folder without its own config gets Qwen3's, minus the template: the folder's must win.
        cfg = json.load(open(os.path.join(qwen3_dir, "tokenizer_config.json"), encoding="utf-8"))
        cfg.pop("chat_template")
        json.dump(cfg, open(os.path.join(folder, "tokenizer_config.json"), "w", encoding="utf-8"))
    return AutoTokenizer.from_pretrained(folder)


def render(tok, model, out, messages, kwargs):
    extra = {}
    if model == "omni-style":  # processors pass the chat_template.json text themselves
        extra["chat_template"] = json.load(open(os.path.join(out, model, "chat_template.json"), encoding="utf-8"))["chat_template"]
    try:
        return {"prompt": tok.apply_chat_template(copy.deepcopy(messages), tokenize=False, **extra, **kwargs)}
    except Exception as e:  # the golden records that transformers refuses the conversation
        return {"error": f"{type(e).__name__}: {e}"}


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--qwen3", default=os.path.join(SHARED, "qwen3"), help="folder with Qwen3's tokenizer.json and tokenizer_config.json")
    p.add_argument("--shared-goldens", default=os.path.join(SHARED, "chat_template_golden.jsonl"))
    p.add_argument("--out", default=os.path.join(ROOT, "fixtures", "chat"))
    args = p.parse_args()
    assert transformers.__version__ == "5.18.0", transformers.__version__

    write_models(args.out, args.qwen3)
    all_cases = cases()
    shared = [json.loads(line) for line in open(args.shared_goldens, encoding="utf-8")]
    all_cases += [("shared_" + g["name"], "qwen3", g["messages"], g["kwargs"]) for g in shared]

    lines = []
    with tempfile.TemporaryDirectory() as tmp:
        tokenizers = {}
        for name, model, messages, kwargs in all_cases:
            if model not in tokenizers:
                tokenizers[model] = load_tokenizer(args.out, model, args.qwen3, tmp)
            result = render(tokenizers[model], model, args.out, messages, kwargs)
            lines.append({"name": name, "model": model, "messages": messages, "kwargs": kwargs, **result})
    for g in shared:  # cross-check against the prompts rendered by the shared harness
        mine = next(x for x in lines if x["name"] == "shared_" + g["name"])
        assert mine.get("prompt") == g["prompt"], g["name"]

    names = [x["name"] for x in lines]
    assert len(names) == len(set(names)), "duplicate golden names"
    with open(os.path.join(args.out, "goldens.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for x in lines:
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    with open(os.path.join(args.out, "jinja_snippets.jsonl"), "w", encoding="utf-8", newline="\n") as f:
        for x in snippets():
            f.write(json.dumps(x, ensure_ascii=False) + "\n")
    errors = sum(1 for x in lines if "error" in x)
    print(f"{len(lines)} goldens ({errors} expected errors) written to {args.out}")


if __name__ == "__main__":
    main()
