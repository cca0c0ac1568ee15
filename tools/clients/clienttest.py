"""What the OpenAI client checks share (openai_client_test.py, openai_omni_test.py, openai_audio_test.py): the command
line the JUnit tests give them, the client, and the check that prints one line per check and exits 1 on the first failure.
"""
import argparse
import json
import sys

from openai import OpenAI


def start(api_key_option=False):
    """Parses --base-url, --expected (and --api-key when the test passes one); returns the arguments, the expected
    values (the JSON file written by the JUnit test) and a client of the server."""
    ap = argparse.ArgumentParser()
    ap.add_argument("--base-url", required=True)
    if api_key_option:
        ap.add_argument("--api-key", required=True)
    ap.add_argument("--expected", required=True, help="JSON file written by the JUnit test")
    args = ap.parse_args()
    with open(args.expected) as f:
        expected = json.load(f)
    client = OpenAI(base_url=args.base_url, api_key=args.api_key if api_key_option else "unused", max_retries=0, timeout=120)
    return args, expected, client


class Checks:
    """check(ok, what): prints "ok: what", or "FAILED: what" and exits 1; passed counts the checks so far."""

    def __init__(self):
        self.passed = 0

    def __call__(self, ok, what):
        if not ok:
            print("FAILED: " + what, flush=True)
            sys.exit(1)
        self.passed += 1
        print("ok: " + what, flush=True)

    def summary(self):
        print("%d passed, 0 failed" % self.passed)
