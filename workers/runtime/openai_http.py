"""OpenAIRuntime: prompts sent to an OpenAI-compatible chat-completions server (vLLM, SGLang, TGI, Ollama)."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from typing import Any
from urllib.parse import urlsplit

from shared.errors import ModelLoadError, WriterError
from workers.runtime.base import (
    Completion,
    FinishReason,
    Generation,
    GenerationSettings,
    ModelIdentity,
    Prompt,
    RuntimeOptions,
)
from workers.runtime.identity import identify_text

RETRY_STATUSES = frozenset({408, 409, 425, 429, 500, 502, 503, 504})
BACKOFF_FIRST_S = 0.5
BACKOFF_MAX_S = 8.0


class _Retryable(Exception):
    """A failure worth another try (connection refused, timeout, 429, 5xx)."""


def api_root(base_url: str) -> str:
    """`http://host:8000` and `http://host:8000/v1` both mean the server's /v1 API."""
    url = base_url.rstrip("/")
    return url + "/v1" if urlsplit(url).path in ("", "/") else url


class OpenAIRuntime:
    """The server batches; this side keeps `concurrency` requests in flight and retries what may pass."""

    def __init__(self, options: RuntimeOptions) -> None:
        try:
            import httpx
        except ImportError as exc:
            raise ModelLoadError(f"httpx is not installed ({exc}); pip install 'cohortcv[llm]'") from exc
        if not options.base_url:
            raise ModelLoadError("the openai runtime needs a base URL (the server's /v1 address)")
        self.options = options
        self._httpx = httpx
        self.root = api_root(options.base_url)
        headers = {"Authorization": f"Bearer {options.api_key}"} if options.api_key else {}
        limits = httpx.Limits(max_connections=max(1, options.concurrency), max_keepalive_connections=None)
        self._client = httpx.Client(headers=headers, timeout=options.timeout_s, limits=limits)
        self._lock = threading.Lock()
        self.requests = 0  # HTTP requests sent, retries included (for metrics and tests)
        self.model, self.identity = self._identify()

    def _identify(self) -> tuple[str, ModelIdentity]:
        """Ask /models which models are served: fail at load, not mid-chunk, when ours is not there."""
        url = f"{self.root}/models"
        try:
            response = self._client.get(url, timeout=min(self.options.timeout_s, 30.0))
        except self._httpx.HTTPError as exc:
            raise ModelLoadError(f"cannot reach the model server at {url}: {type(exc).__name__}: {exc}") from exc
        if response.status_code in (401, 403):
            raise ModelLoadError(f"{url}: the server refused the API key ({response.status_code})")
        if response.status_code == 404:  # some servers have no /models: trust the configured name
            if not self.options.model:
                raise ModelLoadError(f"{url} lists no models; pass --model with the served model name")
            return self.options.model, identify_text(self.options.model, self.options.model, self.root)
        if response.status_code >= 400:
            raise ModelLoadError(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
        try:
            served = {str(m["id"]): m for m in response.json().get("data", [])}
        except (ValueError, KeyError, TypeError, AttributeError) as exc:
            raise ModelLoadError(f"{url}: not an OpenAI-style model list: {exc}") from exc
        model = self.options.model or next(iter(served), "")
        if model not in served:
            raise ModelLoadError(f"model {model!r} is not served at {self.root}; it serves {sorted(served)}")
        entry = served[model]
        # vLLM reports where the weights came from as `root`; without it the address stands in.
        origin = str(entry.get("root") or self.root)
        return model, identify_text(model, model, origin, str(entry.get("max_model_len", "")))

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> Generation:
        started = time.perf_counter()
        deadline = started + settings.max_time_s if settings.max_time_s else None
        workers = max(1, min(self.options.concurrency, len(prompts)))
        before = self.requests
        with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="openai") as pool:
            completions = list(pool.map(lambda p: self._complete(p, settings, deadline), prompts))
        return Generation(completions, time.perf_counter() - started, batches=self.requests - before)

    def _body(self, prompt: Prompt, settings: GenerationSettings) -> dict[str, Any]:
        body: dict[str, Any] = {
            "model": self.model,
            "messages": [{"role": m.role, "content": m.content} for m in prompt],
            "max_tokens": settings.max_new_tokens,
            "temperature": settings.temperature,
            "top_p": settings.top_p,
            "seed": settings.seed,
        }
        if settings.stop:
            body["stop"] = list(settings.stop)
        return body

    def _complete(self, prompt: Prompt, settings: GenerationSettings, deadline: float | None) -> Completion:
        body = self._body(prompt, settings)
        last = ""
        for attempt in range(self.options.max_retries + 1):
            timeout = self.options.timeout_s
            if deadline is not None:
                timeout = min(timeout, deadline - time.perf_counter())
                if timeout <= 0:
                    return Completion("", 0, 0, "time")
            try:
                return self._post(body, settings, timeout)
            except _Retryable as exc:
                last = str(exc)
                if attempt == self.options.max_retries:
                    break
                pause = min(BACKOFF_MAX_S, BACKOFF_FIRST_S * 2**attempt)
                if deadline is not None:
                    pause = min(pause, max(0.0, deadline - time.perf_counter()))
                time.sleep(pause)
        raise WriterError(f"{self.root}: gave up after {self.options.max_retries + 1} tries: {last}")

    def _post(self, body: dict[str, Any], settings: GenerationSettings, timeout: float) -> Completion:
        httpx = self._httpx
        url = f"{self.root}/chat/completions"
        with self._lock:
            self.requests += 1
        try:
            response = self._client.post(url, json=body, timeout=timeout)
        except (httpx.TimeoutException, httpx.TransportError) as exc:
            raise _Retryable(f"{type(exc).__name__}: {exc or 'no answer'}") from exc
        if response.status_code in RETRY_STATUSES:
            raise _Retryable(f"HTTP {response.status_code}: {response.text[:200]}")
        if response.status_code >= 400:
            raise WriterError(f"{url}: HTTP {response.status_code}: {response.text[:300]}")
        try:
            payload = response.json()
            choice = payload["choices"][0]
            text = choice["message"].get("content") or ""
        except (ValueError, KeyError, IndexError, TypeError, AttributeError) as exc:
            raise WriterError(f"{url}: not a chat-completions answer: {response.text[:200]}") from exc
        reason: FinishReason = "length" if choice.get("finish_reason") == "length" else "stop"
        for stop in settings.stop:  # servers that ignore `stop` still end the section here
            if stop in text:
                text, reason = text.split(stop, 1)[0], "stop"
        usage = payload.get("usage") or {}
        return Completion(
            text=text,
            prompt_tokens=int(usage.get("prompt_tokens") or 0),
            completion_tokens=int(usage.get("completion_tokens") or 0),
            finish_reason=reason,
        )

    def close(self) -> None:
        self._client.close()
