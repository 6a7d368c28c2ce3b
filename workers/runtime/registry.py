"""Which runtime a worker loads: `load_runtime(options)` dispatches on options.runtime."""

from __future__ import annotations

from collections.abc import Callable

from shared.errors import ModelLoadError
from workers.runtime.base import ModelRuntime, RuntimeOptions


def _transformers(options: RuntimeOptions) -> ModelRuntime:
    from workers.runtime.hf import HFRuntime  # lazily: importing it must not need torch

    return HFRuntime(options)


def _openai(options: RuntimeOptions) -> ModelRuntime:
    from workers.runtime.openai_http import OpenAIRuntime

    return OpenAIRuntime(options)


RUNTIMES: dict[str, Callable[[RuntimeOptions], ModelRuntime]] = {
    "transformers": _transformers,
    "openai": _openai,
}


def load_runtime(options: RuntimeOptions) -> ModelRuntime:
    """The loaded runtime, or ModelLoadError with the real reason (never a failure later, mid-chunk)."""
    factory = RUNTIMES.get(options.runtime)
    if factory is None:
        known = ", ".join(sorted(RUNTIMES))
        raise ModelLoadError(f"unknown runtime {options.runtime!r}; known runtimes: {known}")
    return factory(options)
