#!/usr/bin/env python3
"""Checks spoken answers of `qwen4j serve` with the official OpenAI Python package (run by qwen4j-server's
SpokenServerTest against the tiny Qwen3-Omni checkpoint).

Expected values come from the same requests sent as raw HTTP by the JUnit test (greedy, so deterministic) and
passed in --expected: the transcript and the SHA-256 of the 16-bit samples of the chat answer, and of the speech.
Checks: a chat completion with modalities ["text", "audio"] (WAV, read with the `wave` module), the same answer
streamed (pcm16 chunks in delta.audio.data), and audio.speech.create (WAV, and PCM read as a byte stream).
Prints one line per check; exits 1 on the first failure.
"""
import base64
import hashlib
import io
import wave

import clienttest


def main():
    _, expected, client = clienttest.start()
    model = expected["model"]
    messages = [{"role": "user", "content": expected["user"]}]
    check = clienttest.Checks()

    def wav_frames(data):
        with wave.open(io.BytesIO(data)) as w:
            check(w.getnchannels() == 1 and w.getsampwidth() == 2 and w.getframerate() == 24000, "a 24 kHz mono 16-bit WAV")
            return w.readframes(w.getnframes())

    r = client.chat.completions.create(model=model, messages=messages, max_tokens=expected["max_tokens"], temperature=0,
                                       modalities=["text", "audio"], audio={"voice": "Chelsie", "format": "wav"})
    audio = r.choices[0].message.audio
    check(audio is not None and audio.id.startswith("audio_"), "message.audio with an id")
    check(audio.transcript == expected["transcript"], "the transcript is the engine's answer")
    pcm = wav_frames(base64.b64decode(audio.data))
    check(hashlib.sha256(pcm).hexdigest() == expected["chat_sha256"], "the WAV holds the expected samples")

    streamed = bytearray()
    transcript = ""
    chunks = 0
    for chunk in client.chat.completions.create(model=model, messages=messages, max_tokens=expected["max_tokens"], temperature=0,
                                                modalities=["text", "audio"], audio={"voice": "Chelsie", "format": "pcm16"},
                                                stream=True):
        if not chunk.choices:
            continue
        delta = chunk.choices[0].delta
        piece = getattr(delta, "audio", None) or (delta.model_extra or {}).get("audio")
        if piece:
            if piece.get("data"):
                streamed += base64.b64decode(piece["data"])
                chunks += 1
            transcript += piece.get("transcript") or ""
    check(chunks > 1, f"the streamed audio came in {chunks} chunks")
    check(transcript == expected["transcript"], "the streamed transcript is the same")
    check(bytes(streamed) == pcm, "the streamed pcm16 chunks concatenate to the whole answer's samples")

    speech = client.audio.speech.create(model=model, voice="Aiden", input=expected["speech_input"], response_format="wav")
    check(hashlib.sha256(wav_frames(speech.content)).hexdigest() == expected["speech_sha256"], "audio.speech.create: the expected WAV")
    with client.audio.speech.with_streaming_response.create(model=model, voice="Aiden", input=expected["speech_input"],
                                                            response_format="pcm") as response:
        raw = b"".join(response.iter_bytes())
    check(hashlib.sha256(raw).hexdigest() == expected["speech_sha256"], "audio.speech streamed as pcm: the same samples")
    check.summary()


if __name__ == "__main__":
    main()
