#!/usr/bin/env python3
"""Checks `qwen4j serve` over a Qwen3-Omni model with the official OpenAI Python package (run by qwen4j-server's
OmniPythonClientTest): an image_url part, an input_audio part and a transcription upload, each answered as the engine
answers the same files in-process (greedy decoding; --expected, written by the JUnit test); a corrupt file is a 400.
Prints one line per check; exits 1 on the first failure.
"""
import base64

import openai

import clienttest


def main():
    _, e, client = clienttest.start()
    check = clienttest.Checks()

    def b64(path):
        with open(path, "rb") as f:
            return base64.b64encode(f.read()).decode("ascii")

    def ask(part):
        return client.chat.completions.create(model=e["model"], max_tokens=e["max_tokens"], temperature=0, messages=[
            {"role": "system", "content": "Be brief."},
            {"role": "user", "content": [part, {"type": "text", "text": "What is this?"}]}])

    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64," + b64(e["image"])}}
    r = ask(image)
    check(r.usage.prompt_tokens == e["image_prompt_tokens"] and r.choices[0].message.content == e["image_content"],
          "an image_url part: %d prompt tokens, the engine's answer %r" % (r.usage.prompt_tokens, r.choices[0].message.content))

    audio = {"type": "input_audio", "input_audio": {"data": b64(e["audio"]), "format": "wav"}}
    r = ask(audio)
    check(r.usage.prompt_tokens == e["audio_prompt_tokens"] and r.choices[0].message.content == e["audio_content"],
          "an input_audio part: %d prompt tokens, the engine's answer %r" % (r.usage.prompt_tokens, r.choices[0].message.content))

    with open(e["audio"], "rb") as f:
        t = client.audio.transcriptions.create(model=e["model"], file=f)
    check(t.text == e["transcription"], "audio.transcriptions: the engine's transcription %r" % t.text[:60])

    with open(e["bad_audio"], "rb") as f:
        try:
            client.audio.transcriptions.create(model=e["model"], file=f)
            check(False, "a corrupt upload must fail")
        except openai.BadRequestError as x:
            check(x.status_code == 400 and "'file'" in x.body.get("message", ""), "a corrupt upload: 400 %s" % x.body.get("message"))
    try:
        ask({"type": "image_url", "image_url": {"url": "data:image/png;base64," + b64(e["bad_image"])}})
        check(False, "a corrupt image must fail")
    except openai.BadRequestError as x:
        check(x.status_code == 400 and "truncated" in x.body.get("message", ""), "a corrupt image: 400 %s" % x.body.get("message"))
    check.summary()


if __name__ == "__main__":
    main()
