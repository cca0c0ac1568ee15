#!/usr/bin/env python3
"""Checks `qwen4j serve` with the official OpenAI Python package (run by qwen4j-server's OpenAiPythonClientTest).

Expected answers come from the engine itself, computed in-process by the JUnit test and passed in --expected:
greedy decoding is deterministic, so the HTTP answers must be exactly the engine's. Prints one line per check;
exits 1 on the first failure.
"""
import json

import openai
import pydantic
from openai import OpenAI

import clienttest


def main():
    a, expected, client = clienttest.start(api_key_option=True)
    model = expected["model"]
    quiet = {"chat_template_kwargs": {"enable_thinking": False}}
    messages = [{"role": "system", "content": "You are terse."}, {"role": "user", "content": expected["user"]}]
    check = clienttest.Checks()

    check([m.id for m in client.models.list()] == [model], "models.list names the served model")

    r = client.chat.completions.create(model=model, messages=messages, max_tokens=expected["max_tokens"], temperature=0, extra_body=quiet)
    check(r.object == "chat.completion" and r.choices[0].message.role == "assistant", "a chat.completion from the assistant")
    check(r.choices[0].message.content == expected["content"], "the answer is the engine's greedy answer")
    check(r.choices[0].finish_reason == expected["finish_reason"], "finish_reason " + expected["finish_reason"])
    check(r.usage.completion_tokens == expected["completion_tokens"] and r.usage.prompt_tokens == expected["prompt_tokens"]
          and r.usage.total_tokens == r.usage.prompt_tokens + r.usage.completion_tokens, "usage counts the engine's tokens")

    chunks = list(client.chat.completions.create(model=model, messages=messages, max_tokens=expected["max_tokens"], temperature=0,
                                                 stream=True, stream_options={"include_usage": True}, extra_body=quiet))
    check(chunks[0].choices[0].delta.role == "assistant", "the first chunk's delta has the role")
    text = "".join(c.choices[0].delta.content or "" for c in chunks if c.choices)
    check(text == expected["content"], "streamed deltas add up to the answer")
    finishes = [c.choices[0].finish_reason for c in chunks if c.choices and c.choices[0].finish_reason]
    check(finishes == [expected["finish_reason"]], "one finish_reason, in the last choice chunk")
    check(chunks[-1].choices == [] and chunks[-1].usage.completion_tokens == expected["completion_tokens"], "include_usage adds a usage chunk")

    r = client.chat.completions.create(model=model, messages=messages, max_tokens=6, temperature=0, logprobs=True, top_logprobs=3, extra_body=quiet)
    lp = r.choices[0].logprobs.content
    check(len(lp) == r.usage.completion_tokens and all(len(t.top_logprobs) == 3 for t in lp), "logprobs: one entry a token, 3 alternatives each")
    check(all(t.logprob <= 0 and bytes(t.bytes).decode("utf-8", "replace") == t.token for t in lp), "logprobs carry the token's bytes")

    r = client.chat.completions.create(model=model, messages=messages, max_tokens=8, temperature=1.0, seed=9, n=2, extra_body=quiet)
    check([c.index for c in r.choices] == [0, 1], "n=2 gives two choices")

    class Weather(pydantic.BaseModel):
        city: str = pydantic.Field(max_length=12)
        days: int
        rainy: bool

    r = client.chat.completions.parse(model=model, messages=messages, max_tokens=400, temperature=1.0, seed=1,
                                      response_format=Weather, extra_body=quiet)
    check(isinstance(r.choices[0].message.parsed, Weather), "parse() with a Pydantic model gets a parsed Weather: "
          + repr(r.choices[0].message.parsed))

    tools = [{"type": "function", "function": {"name": "get_weather", "description": "Weather of a city", "parameters": {
        "type": "object", "properties": {"city": {"type": "string", "maxLength": 12}}, "required": ["city"]}}}]
    r = client.chat.completions.create(model=model, messages=messages, max_tokens=300, temperature=1.0, seed=2, tools=tools,
                                       tool_choice="required", extra_body=quiet)
    calls = r.choices[0].message.tool_calls
    check(r.choices[0].finish_reason == "tool_calls" and calls[0].function.name == "get_weather"
          and isinstance(json.loads(calls[0].function.arguments)["city"], str), "tool_choice required: a get_weather call with a city")
    streamed = [tc for c in client.chat.completions.create(model=model, messages=messages, max_tokens=300, temperature=1.0, seed=2,
                                                           tools=tools, tool_choice="required", stream=True, extra_body=quiet)
                if c.choices for tc in (c.choices[0].delta.tool_calls or [])]
    check([(t.index, t.function.name, t.function.arguments) for t in streamed]
          == [(i, c.function.name, c.function.arguments) for i, c in enumerate(calls)], "streamed tool_calls deltas carry the same calls")

    r = client.completions.create(model=model, prompt=[expected["completion_prompt"], expected["completion_prompt"]], max_tokens=10, temperature=0)
    check([c.text for c in r.choices] == [expected["completion"]] * 2, "completions: a list of prompts, the engine's text for each")
    text = "".join(c.choices[0].text for c in client.completions.create(model=model, prompt=expected["completion_prompt"], max_tokens=10,
                                                                       temperature=0, stream=True) if c.choices)
    check(text == expected["completion"], "completions streamed")

    def error(call, exc, status, param=None):
        try:
            call()
        except exc as e:
            check(e.status_code == status and (param is None or e.body.get("param") == param),
                  "%s: %s %s (%s)" % (exc.__name__, e.status_code, e.body.get("param"), e.body.get("message")))
            return
        check(False, "expected %s" % exc.__name__)

    error(lambda: client.chat.completions.create(model=model, messages=messages, max_tokens=100000), openai.BadRequestError, 400, "max_tokens")
    error(lambda: client.chat.completions.create(model="gpt-4o", messages=messages), openai.NotFoundError, 404, "model")
    error(lambda: client.chat.completions.create(model=model, messages=messages, temperature="hot"), openai.BadRequestError, 400, "temperature")
    # a body over the server's default 64 MiB limit
    error(lambda: client.chat.completions.create(model=model, messages=[{"role": "user", "content": "x" * (65 << 20)}]),
          openai.APIStatusError, 413)
    error(lambda: OpenAI(base_url=a.base_url, api_key="wrong", max_retries=0).models.list(), openai.AuthenticationError, 401)
    check.summary()


if __name__ == "__main__":
    main()
