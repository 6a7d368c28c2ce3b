"""OpenAIRuntime against a real local chat-completions server (a subprocess answering from a tiny model)."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from shared.errors import ModelLoadError, WriterError
from tests.unit.workers.runtime.needs import need_packages
from workers.runtime.base import GenerationSettings, Message, Prompt, RuntimeOptions
from workers.runtime.registry import load_runtime

ROOT = Path(__file__).resolve().parents[4]
SERVER = Path(__file__).with_name("openai_server.py")
KEY = "sk-test-key"
PROMPTS: list[Prompt] = [
    (
        Message("system", "You write resume prose."),
        Message("user", f"Built a weekly sales dashboard {n}."),
    )
    for n in range(6)
]


@pytest.fixture(scope="module")
def server(scratch_models: dict[str, Path]) -> Iterator[str]:
    """The server's base URL; it serves the tiny Llama (chat template) as model `tiny-chat`."""
    need_packages("httpx")
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen(
        [sys.executable, str(SERVER), str(scratch_models["tiny-llama"]), "--api-key", KEY],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        port = (
            proc.stdout.readline().strip()
        )  # printed once the model is loaded and the socket bound
        assert port.isdigit(), f"server did not start (exit {proc.poll()})"
        yield f"http://127.0.0.1:{port}/v1"
    finally:
        proc.terminate()
        proc.wait(timeout=30)


def control(base_url: str, **state: Any) -> dict[str, Any]:
    import httpx

    return dict(
        httpx.post(base_url.removesuffix("/v1") + "/_control", json=state, timeout=10).json()
    )


def runtime(base_url: str, **options: Any) -> Any:
    fields: dict[str, Any] = {
        "runtime": "openai",
        "base_url": base_url,
        "model": "tiny-chat",
        "api_key": KEY,
    }
    return load_runtime(RuntimeOptions(**(fields | options)))


def test_completions_match_the_served_model(server: str, scratch_models: dict[str, Path]) -> None:
    control(server, fail_next=0, delay_s=0.0)
    remote = runtime(server, concurrency=4)
    local = load_runtime(RuntimeOptions(model=str(scratch_models["tiny-llama"]), device="cpu"))
    settings = GenerationSettings(max_new_tokens=12)
    got = remote.generate(PROMPTS, settings)
    want = local.generate(PROMPTS, settings)
    assert [c.text for c in got.completions] == [
        c.text for c in want.completions
    ]  # in prompt order
    assert [c.completion_tokens for c in got.completions] == [
        c.completion_tokens for c in want.completions
    ]
    assert all(c.prompt_tokens > 0 for c in got.completions)  # from the response's usage
    assert got.batches == len(PROMPTS)
    assert remote.identity.name == "tiny-chat" and len(remote.identity.digest) == 12


def test_a_503_is_retried_with_backoff(server: str) -> None:
    control(server, fail_next=2, delay_s=0.0)
    remote = runtime(server, concurrency=1)
    started = time.perf_counter()
    generation = remote.generate(PROMPTS[:1], GenerationSettings(max_new_tokens=4))
    assert generation.batches == 3  # two 503s, then the answer
    assert time.perf_counter() - started >= 0.5 + 1.0  # backoff 0.5 s, then 1 s
    assert generation.completions[0].completion_tokens > 0


def test_retries_run_out_with_the_reason(server: str) -> None:
    control(server, fail_next=10, delay_s=0.0)
    remote = runtime(server, concurrency=1, max_retries=1)
    with pytest.raises(WriterError, match="gave up after 2 tries: HTTP 503"):
        remote.generate(PROMPTS[:1], GenerationSettings(max_new_tokens=4))
    control(server, fail_next=0)


def test_a_server_slower_than_the_timeout_is_given_up_on(server: str) -> None:
    # The timeout under test is the setting itself: a 1 s budget against a server that answers in 3 s.
    control(server, fail_next=0, delay_s=3.0)
    remote = runtime(server, timeout_s=1.0, max_retries=1)
    started = time.perf_counter()
    with pytest.raises(WriterError, match="ReadTimeout"):
        remote.generate(PROMPTS[:1], GenerationSettings(max_new_tokens=4))
    assert time.perf_counter() - started < 3.0 + 1.0
    control(server, delay_s=0.0)


def test_load_errors_name_the_reason(server: str) -> None:
    with pytest.raises(ModelLoadError, match="refused the API key"):
        runtime(server, api_key="wrong")
    with pytest.raises(ModelLoadError, match=r"'other' is not served.*tiny-chat"):
        runtime(server, model="other")
    with pytest.raises(ModelLoadError, match="cannot reach"):
        runtime("http://127.0.0.1:9/v1")
    with pytest.raises(ModelLoadError, match="base URL"):
        runtime("")


def test_many_requests_are_in_flight_at_once(server: str) -> None:
    # Each request waits 1 s at the server before it generates: 6 in flight take ~1 s, one by one >= 6 s.
    control(server, fail_next=0, delay_s=1.0)
    remote = runtime(server, concurrency=6)
    started = time.perf_counter()
    remote.generate(PROMPTS, GenerationSettings(max_new_tokens=2))
    assert time.perf_counter() - started < 5.0
    control(server, delay_s=0.0)
