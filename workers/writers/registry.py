"""The writer registry: a writer's name → the factory that builds it from the `writer` settings.

The worker's holder asks this registry; nothing else chooses a writer by name. A writer that
cannot be built raises ConfigurationError (ModelLoadError for a model) with the real reason.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from typing import Final

from shared.errors import ConfigurationError, ModelLoadError
from shared.grounding.guard import Guard
from shared.settings import WriterSettings
from workers.runtime.base import GenerationSettings, Message, ModelRuntime, RuntimeOptions
from workers.writers.base import Writer
from workers.writers.llm import LLMWriter, WriteStats
from workers.writers.template import TemplateWriter

log = logging.getLogger(__name__)

Observer = Callable[[WriteStats], None]
WriterFactory = Callable[[WriterSettings, Observer | None], Writer]


def _template(_: WriterSettings, __: Observer | None) -> Writer:
    return TemplateWriter()


def runtime_options(spec: WriterSettings) -> RuntimeOptions:
    """The runtime contract's load options from the `writer` settings group."""
    return RuntimeOptions(
        runtime=spec.runtime, model=spec.model, device=spec.device, dtype=spec.dtype,
        token_budget=spec.token_budget, base_url=spec.base_url,
        api_key=spec.api_key.get_secret_value(), timeout_s=spec.timeout_s,
        concurrency=spec.concurrency, cache_dir=spec.cache_dir,
    )  # fmt: skip


def load_model(spec: WriterSettings) -> ModelRuntime:
    """Load the model runtime; every failure becomes ModelLoadError with the reason."""
    if not spec.model:
        raise ModelLoadError(
            "the llm writer needs a model: pass --model (a checkpoint directory, hub id or .gguf "
            "file, or the served model name with --runtime openai) or set COHORTCV_WRITER__MODEL"
        )
    try:
        # Lazily: torch/transformers load only in a worker that writes with a model.
        from workers.runtime.registry import load_runtime
    except ImportError as exc:
        raise ModelLoadError(
            f"model {spec.model!r}: the model runtime is not available ({exc}); "
            "install the extra: pip install 'cohortcv[llm]'"
        ) from exc
    try:
        return load_runtime(runtime_options(spec))
    except ModelLoadError as exc:
        if spec.model in str(exc):
            raise
        raise ModelLoadError(f"model {spec.model!r}: {exc}") from exc
    except Exception as exc:
        raise ModelLoadError(
            f"cannot load model {spec.model!r}: {type(exc).__name__}: {exc}"
        ) from exc


def _llm(spec: WriterSettings, observer: Observer | None) -> Writer:
    started = time.perf_counter()
    runtime = load_model(spec)
    log.info("model %s loaded in %.1fs", runtime.identity.key(), time.perf_counter() - started)
    return LLMWriter(
        runtime,
        GenerationSettings(
            max_new_tokens=spec.max_new_tokens,
            temperature=spec.temperature,
            top_p=spec.top_p,
            seed=spec.seed,
        ),
        guard=Guard.from_settings(spec.slop_file, spec.slop_extra, spec.skills_extra),
        observer=observer,
    )


REGISTRY: Final[dict[str, WriterFactory]] = {"template": _template, "llm": _llm}


def build_writer(spec: WriterSettings, observer: Observer | None = None) -> Writer:
    """The writer `spec.name` names, built (and its model loaded) now."""
    factory = REGISTRY.get(spec.name)
    if factory is None:
        raise ConfigurationError(
            f"unknown writer {spec.name!r}: this worker offers {', '.join(sorted(REGISTRY))}"
        )
    return factory(spec, observer)


def warm(writer: Writer) -> float:
    """One tiny generation so the first chunk does not pay for lazy initialisation; seconds taken."""
    runtime = getattr(writer, "runtime", None)
    if runtime is None:
        return 0.0
    started = time.perf_counter()
    runtime.generate(
        [(Message("user", "Say OK."),)], GenerationSettings(max_new_tokens=2, temperature=0.0)
    )
    return time.perf_counter() - started
