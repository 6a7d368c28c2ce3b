"""Batch option rules, once for the CLI and the API: the writer's model, its path, a CPU model's time limits."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

from shared.errors import InputError
from shared.options import WRITERS, BatchOptions, build_options
from shared.settings import Settings

# A model on a laptop CPU: time limits and deadline that a slow chunk can meet, still in order
# (soft < hard < job deadline < visibility timeout, WorkerSettings.check_time_limits).
LAPTOP_MODEL_LIMITS = {"soft_time_limit_s": 1200, "hard_time_limit_s": 1500, "job_deadline_s": 1800}


@dataclass(frozen=True)
class WriterChoice:
    """The writer a submit asks for: --writer/--model/--runtime/--target-job, or the form fields
    of an upload (None: from settings)."""

    writer: str | None = None
    model: str | None = None
    runtime: str | None = None
    target_job: str | None = None


def with_writer(
    settings: Settings, choice: WriterChoice, embedded: bool = False
) -> tuple[Settings, dict[str, object]]:
    """Settings with the chosen writer, and the batch options that record it for the workers.

    A model writer needs a model (InputError otherwise); a model path that exists here is made
    absolute (workers may run elsewhere); an embedded run on this machine gets task limits a
    CPU model can meet.
    """
    update = {
        k: v for k, v in (("name", choice.writer), ("model", choice.model),
                          ("runtime", choice.runtime)) if v
    }  # fmt: skip
    spec = settings.writer.model_copy(update=update)
    if spec.name not in WRITERS:
        raise InputError(f"--writer: unknown {spec.name!r}; choose from {', '.join(WRITERS)}")
    if spec.name != "template" and not spec.model:
        raise InputError(
            f"--writer {spec.name} needs --model (a checkpoint directory, hub id or .gguf file, "
            "or the served model name with --runtime openai) or COHORTCV_WRITER__MODEL"
        )
    options: dict[str, object] = {"writer": spec.name}
    if spec.name != "template":
        options |= {"model": resolved_model(spec.model, spec.runtime), "runtime": spec.runtime}
    if choice.target_job:
        options["target_job"] = choice.target_job
    if embedded and spec.name != "template":
        settings = _laptop_model_limits(settings)
        if not spec.generate_chunk_size:
            # A laptop's CPU writes a person in tens of seconds with a 135M model, minutes when
            # the machine is busy: small write chunks stay inside the task time limit and keep
            # the progress bar moving.
            spec = spec.model_copy(update={"generate_chunk_size": 2})
    return settings.model_copy(update={"writer": spec}), options


def _laptop_model_limits(settings: Settings) -> Settings:
    """A model on a CPU is far slower than the template writer: raise the default task limits
    and the job deadline with them, so the reconciler never re-sends a chunk still running."""
    worker = settings.worker
    defaults = type(worker)()
    if any(getattr(worker, k) != getattr(defaults, k) for k in LAPTOP_MODEL_LIMITS):
        return settings  # the operator chose limits: keep them (checked at start)
    slower = worker.model_copy(update=LAPTOP_MODEL_LIMITS)
    return settings.model_copy(update={"worker": slower})


def batch_options(
    settings: Settings,
    lang: str | None,
    formats: str | Iterable[str] | None,
    writer: Mapping[str, object],
    theme: str | None = None,
) -> BatchOptions:
    """BatchOptions from a submit's choices (`writer` from with_writer), settings as defaults."""
    return build_options(
        language=lang or settings.language,
        formats=formats if formats is not None else list(settings.formats),
        theme=theme,
        **writer,
    )


def upload_options(settings: Settings, fields: Mapping[str, str]) -> BatchOptions:
    """BatchOptions from an upload's form fields, under the same rules as the CLI's flags.

    Every field is checked first (a bad language or format is named as such), then the writer:
    `writer=llm` without a model (in the form or COHORTCV_WRITER__MODEL) is refused like
    `submit --writer llm` without --model. What the form leaves out stays out: the workers
    fill it from their own settings, as before.
    """
    checked = build_options(**{k: v for k, v in fields.items() if k in BatchOptions.model_fields})
    if checked.writer == "template":
        return checked
    if not (checked.model or settings.writer.model):
        raise InputError(
            f"writer {checked.writer} needs a model: the model field (a checkpoint directory, "
            "hub id or .gguf file, or the served model name with runtime openai), or "
            "COHORTCV_WRITER__MODEL on the server"
        )
    if checked.model is None:
        return checked
    runtime = checked.runtime or settings.writer.runtime
    return checked.model_copy(update={"model": resolved_model(checked.model, runtime)})


def resolved_model(model: str, runtime: str) -> str:
    """A model path that exists here, made absolute (workers may run elsewhere: another cwd);
    a hub id or a served model name as given."""
    if runtime != "openai" and Path(model).expanduser().exists():
        return str(Path(model).expanduser().resolve())
    return model
