"""Patchbay's /v1 doors driven by the official OpenAI and Anthropic Python SDKs.

Run by SDKCompatibilityTests against a live `patchbay serve`: prints PASS/FAIL per check and a
last line `RESULT {"planned": [...], "passed": [...], "failed": [...]}`; exits non-zero on failure.
"""
import argparse
import json
import sys
import time
import traceback
import urllib.request

import anthropic
import openai

CHECKS = []


def check(function):
    CHECKS.append(function)
    return function


@check
def openai_plain(ctx):
    reply = ctx.openai.chat.completions.create(model="gpt-4o-mini", messages=[{"role": "user", "content": "hello from the sdk"}])
    assert reply.id.startswith("chatcmpl-"), reply.id
    assert reply.choices[0].message.content == "hello from the sdk", reply
    assert reply.choices[0].finish_reason == "stop"
    assert reply.usage.completion_tokens == 4 and reply.usage.total_tokens == reply.usage.prompt_tokens + 4, reply.usage


@check
def openai_streamed_with_usage(ctx):
    stream = ctx.openai.chat.completions.create(
        model="default", stream=True, stream_options={"include_usage": True},
        messages=[{"role": "system", "content": "Be brief."}, {"role": "user", "content": [{"type": "text", "text": "one two three"}]}])
    text, usage, roles, reasons = "", None, [], []
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            roles += [choice.delta.role] if choice.delta.role else []
            text += choice.delta.content or ""
            reasons += [choice.finish_reason] if choice.finish_reason else []
    assert text == "one two three", text
    assert roles == ["assistant"] and reasons == ["stop"], (roles, reasons)
    assert usage is not None and usage.completion_tokens == 3, usage


@check
def openai_models(ctx):
    ids = [model.id for model in ctx.openai.models.list()]
    assert set(ids) == {"default", "slow", "limited"}, ids
    assert ctx.openai.models.retrieve("gpt-4o-mini").id == "gpt-4o-mini"


@check
def openai_errors(ctx):
    expect(openai.NotFoundError, lambda: ctx.openai.chat.completions.create(model="nope", messages=[{"role": "user", "content": "x"}]))
    expect(openai.PermissionDeniedError, lambda: ctx.openai.chat.completions.create(model="secret", messages=[{"role": "user", "content": "x"}]))
    bad_key = openai.OpenAI(base_url=ctx.base + "/v1", api_key="sk-not-a-patchbay-key", max_retries=0)
    expect(openai.AuthenticationError, lambda: bad_key.models.list())
    error = expect(openai.BadRequestError, lambda: ctx.openai.chat.completions.create(
        model="default", messages=[{"role": "user", "content": "x"}], tools=[{"type": "function", "function": {"name": "f"}}]))
    assert error.body["param"] == "tools", error.body
    ctx.openai.chat.completions.create(model="limited", messages=[{"role": "user", "content": "first"}])
    expect(openai.RateLimitError, lambda: ctx.openai.chat.completions.create(model="limited", messages=[{"role": "user", "content": "second"}]))


@check
def anthropic_plain(ctx):
    message = ctx.anthropic.messages.create(model="default", max_tokens=64, system="Be brief.",
                                            messages=[{"role": "user", "content": "hello claude sdk"}])
    assert message.type == "message" and message.role == "assistant", message
    assert message.content[0].text == "hello claude sdk", message
    assert message.stop_reason == "end_turn" and message.usage.output_tokens == 3, message


@check
def anthropic_streamed(ctx):
    with ctx.anthropic.messages.stream(model="default", max_tokens=64,
                                       messages=[{"role": "user", "content": [{"type": "text", "text": "streamed words here"}]}]) as stream:
        text = "".join(stream.text_stream)
        final = stream.get_final_message()
    assert text == "streamed words here", text
    assert final.content[0].text == text and final.stop_reason == "end_turn", final
    assert final.usage.output_tokens == 3, final.usage


@check
def anthropic_errors(ctx):
    expect(anthropic.NotFoundError, lambda: ctx.anthropic.messages.create(model="nope", max_tokens=5, messages=[{"role": "user", "content": "x"}]))
    bad_key = anthropic.Anthropic(base_url=ctx.base, api_key="not-a-patchbay-key", max_retries=0)
    expect(anthropic.AuthenticationError, lambda: bad_key.messages.create(model="default", max_tokens=5, messages=[{"role": "user", "content": "x"}]))
    expect(anthropic.BadRequestError, lambda: ctx.anthropic.messages.create(
        model="default", max_tokens=5, messages=[{"role": "user", "content": "x"}], tools=[{"name": "f", "input_schema": {"type": "object"}}]))
    # `limited` allows one request a minute, spent by openai_errors.
    expect(anthropic.RateLimitError, lambda: ctx.anthropic.messages.create(model="limited", max_tokens=5, messages=[{"role": "user", "content": "x"}]))


@check
def stopping_a_stream_cancels_the_call(ctx):
    words = " ".join(f"w{i}" for i in range(400))  # 400 words, 50 ms apart: 20 s if nobody stops it
    stream = ctx.openai.chat.completions.create(model="slow", stream=True, messages=[{"role": "user", "content": words}],
                                                extra_headers={"X-Conversation-ID": "sdk-cancel-1"})
    seen = 0
    for chunk in stream:
        seen += 1
        if seen == 3:
            break
    stream.close()
    deadline = time.monotonic() + 10
    while True:
        health = get(ctx, "/health")
        stored = get(ctx, "/api/conversations/sdk-cancel-1")["messages"]
        reply = [m for m in stored if m["role"] == "assistant"]
        if health["activeCalls"] == 0 and reply:
            break
        assert time.monotonic() < deadline, (health, stored)
        time.sleep(0.05)
    assert reply[-1]["status"] == "cancelled", reply
    assert len(reply[-1]["content"].split()) < 400, "the plugin ran to the end"


def expect(kind, call):
    try:
        call()
    except kind as error:
        return error
    except Exception as error:  # noqa: BLE001 - reported as the wrong class
        raise AssertionError(f"expected {kind.__name__}, got {type(error).__name__}: {error}") from error
    raise AssertionError(f"expected {kind.__name__}, got no error")


def get(ctx, path):
    request = urllib.request.Request(ctx.base + path, headers={"Authorization": f"Bearer {ctx.key}"})
    with urllib.request.urlopen(request, timeout=5) as response:
        return json.load(response)


class Context:
    def __init__(self, base, key):
        self.base, self.key = base, key
        self.openai = openai.OpenAI(base_url=base + "/v1", api_key=key, max_retries=0, timeout=20)
        self.anthropic = anthropic.Anthropic(base_url=base, api_key=key, max_retries=0, timeout=20)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--base-url", required=True)
    parser.add_argument("--key", required=True)
    args = parser.parse_args()
    ctx = Context(args.base_url, args.key)
    passed, failed = [], []
    for function in CHECKS:
        try:
            function(ctx)
            passed.append(function.__name__)
            print("PASS", function.__name__, flush=True)
        except Exception:  # noqa: BLE001 - every failure is reported, then the run fails
            failed.append(function.__name__)
            print("FAIL", function.__name__, flush=True)
            traceback.print_exc()
    print("RESULT " + json.dumps({"planned": [f.__name__ for f in CHECKS], "passed": passed, "failed": failed}), flush=True)
    sys.exit(1 if failed else 0)


if __name__ == "__main__":
    main()
