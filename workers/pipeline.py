"""The pipeline: a chunk of job ids → profiles → writer → renderers → stored results and job status.

Pure of Celery: the tasks call these functions with collaborators built once per process, and
the benchmark calls them directly.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from sqlalchemy import Engine

from shared.db import generation, jobs, resumes
from shared.db.batches import batch_options
from shared.db.models import JobStage
from shared.errors import ConfigurationError
from shared.facts import build_profile
from shared.instructions import Instruction, screen
from shared.options import BatchOptions
from shared.profile import Resume
from shared.settings import WriterSettings
from shared.variants import variant_key
from workers.render import Renderer
from workers.writers.base import Writer

log = logging.getLogger(__name__)


@dataclass
class PipelineContext:
    """What a worker process holds for its whole life."""

    engine: Engine
    # The writer a spec names, built once per process (workers.holder); raises ConfigurationError
    # (ModelLoadError) when it cannot be built.
    writers: Callable[[WriterSettings], Writer]
    renderers: Mapping[str, Renderer]
    max_attempts: int = 3
    deadline_s: int = 600
    # This worker's `writer` settings; a batch's options override name, model and runtime.
    writer_defaults: WriterSettings = field(default_factory=WriterSettings)
    _batch_options: dict[str, BatchOptions] = field(default_factory=dict)

    def options(self, batch_id: str) -> BatchOptions:
        """The options the batch was submitted with, parsed back (BatchOptions.from_stored)."""
        if batch_id not in self._batch_options:
            stored = batch_options(self.engine, batch_id)
            self._batch_options[batch_id] = BatchOptions.from_stored(stored)
        return self._batch_options[batch_id]


def _parsed(options: BatchOptions | Mapping[str, object]) -> BatchOptions:
    # Callers outside a batch (the evaluation CLI, tests) may hand the stored JSON itself.
    return options if isinstance(options, BatchOptions) else BatchOptions.from_stored(options)


@dataclass
class StageResult:
    """What one stage did with a chunk, for the task to report and the metrics to count."""

    advanced: list[int] = field(default_factory=list)
    failed: dict[int, str] = field(default_factory=dict)
    dead: list[int] = field(default_factory=list)
    skipped: int = 0
    seconds: float = 0.0


def writer_spec(
    defaults: WriterSettings, options: BatchOptions | Mapping[str, object]
) -> WriterSettings:
    """The writer a batch asks for: its options' writer/model/runtime over the worker's settings."""
    chosen = _parsed(options)
    # A batch stored without a writer runs the worker's, not BatchOptions' default.
    name = chosen.writer if "writer" in chosen.model_fields_set else defaults.name
    update: dict[str, object] = {"name": name}
    if name != defaults.name:
        # Another writer than the worker's: none of the worker's model settings carry over.
        update["model"] = ""
    if chosen.model:
        update["model"] = chosen.model
    if chosen.runtime:
        update["runtime"] = chosen.runtime
    return defaults.model_copy(update=update)


# resumes.variant is VARCHAR(100): a longer key keeps its head and gets a digest of the whole.
def variant(
    options: BatchOptions | Mapping[str, object], language: str, writer: Writer | None = None
) -> str:
    """The resume variant key of a batch's job (shared.variants.variant_key): language + writer
    (+ model identity + batch target job for a model writer)."""
    chosen = _parsed(options)
    name = writer.name if writer is not None else chosen.writer
    return variant_key(
        language,
        name,
        str(getattr(writer, "model_key", None) or ""),
        chosen.target_job or "",
    )


def write_stage(ctx: PipelineContext, job_ids: Sequence[int], retry: bool = False) -> StageResult:
    """Write the unfinished jobs of a chunk and move them to the render stage.

    A writer that cannot be built (unknown name, model that cannot load) fails its jobs at once
    and for good, with the reason in jobs.last_error: retrying a bad path only burns attempts.
    `retry`: the broker's retry of this chunk after its run raised (jobs.claim).
    """
    started = time.perf_counter()
    claim = jobs.claim(
        ctx.engine, job_ids, JobStage.WRITE, ctx.max_attempts, ctx.deadline_s, retry=retry
    )
    result = StageResult(dead=claim.dead, skipped=len(job_ids) - len(claim.jobs) - len(claim.dead))
    by_writer: dict[str, tuple[WriterSettings, list[jobs.ClaimedJob]]] = {}
    permanent: dict[int, str] = {}
    for job in claim.jobs:
        try:
            spec = writer_spec(ctx.writer_defaults, ctx.options(job.batch_id))
        except ConfigurationError as exc:  # stored options naming a writer no version offers
            permanent[job.id] = f"writer cannot load: {exc}"
            continue
        key = f"{spec.name}\0{spec.model}\0{spec.runtime}"
        by_writer.setdefault(key, (spec, []))[1].append(job)
    written: dict[int, int | resumes.NewResume] = {}
    speed: list[tuple[list[int], int, float]] = []
    for spec, group in by_writer.values():
        try:
            writer = ctx.writers(spec)
        except ConfigurationError as exc:
            permanent |= {job.id: f"writer {spec.name!r} cannot load: {exc}" for job in group}
            continue
        group, reused = _reuse(ctx, writer, group)
        written |= reused
        done = _write_group(writer, group, result.failed, ctx.options)
        stats = getattr(writer, "last_stats", None)
        if stats is not None and stats.tokens and group:
            speed.append(([job.id for job in group], stats.tokens, stats.seconds))
            writer.last_stats = None  # type: ignore[attr-defined]
        written |= {
            job.id: resumes.NewResume(
                institution_id=job.institution_id,
                person_key=job.person_key,
                content_hash=job.content_hash,
                variant=variant(ctx.options(job.batch_id), job.language, writer),
                writer=writer.name,
                document=resume.to_json_resume(),
                warnings=[(w.column, w.text) for w in found],
            )
            for job, resume, found in done
        }
    # Stored only while the claim still holds the jobs: a chunk whose batch was deleted, or
    # that another worker took over, stores nothing.
    result.advanced = jobs.advance_to_render(ctx.engine, claim.jobs, written, ctx.deadline_s)
    batch_of = {job.id: job.batch_id for job in claim.jobs}
    for ids, tokens, seconds in speed:
        if set(ids) & set(result.advanced):
            # A chunk holds one batch's jobs: its tokens/s is what `run` and `status` show.
            generation.record(ctx.engine, batch_of[ids[0]], tokens, seconds)
    if result.failed:
        jobs.fail(ctx.engine, result.failed, ctx.max_attempts)
    if permanent:
        # max_attempts 0: straight to dead, the reason kept for report.csv and `status`.
        jobs.fail(ctx.engine, permanent, 0)
        result.failed |= permanent
    result.seconds = time.perf_counter() - started
    return result


def _reuse(
    ctx: PipelineContext, writer: Writer, group: list[jobs.ClaimedJob]
) -> tuple[list[jobs.ClaimedJob], dict[int, int]]:
    """Jobs whose resume this model already wrote (same person, content and variant) reuse it.

    Only a model writer needs this here: the producer cannot know a model's identity at submit
    time, so its own lookup (by "lang:writer") never matches a model writer's variant.
    """
    if not getattr(writer, "model_key", None):
        return group, {}
    wanted: dict[tuple[str, str], dict[tuple[str, str], list[jobs.ClaimedJob]]] = {}
    for job in group:
        v = variant(ctx.options(job.batch_id), job.language, writer)
        wanted.setdefault((job.institution_id, v), {}).setdefault(
            (job.person_key, job.content_hash), []
        ).append(job)
    reused: dict[int, int] = {}
    for (institution, v), keyed in wanted.items():
        for key, rid in resumes.find_existing(ctx.engine, institution, v, keyed).items():
            reused |= {job.id: rid for job in keyed[key]}
    return [j for j in group if j.id not in reused], reused


def _write_group(
    writer: Writer,
    group: list[jobs.ClaimedJob],
    failed: dict[int, str],
    options: Callable[[str], BatchOptions],
) -> list[tuple[jobs.ClaimedJob, Resume, list[Instruction]]]:
    """Write a group as one batch; if the batch fails, find the bad job one by one.

    Each profile is built from facts with their instructions to a model cut out (every writer
    gets the same, clean input); what was cut goes with the resume, for the row report."""
    profiles = []
    ok: list[tuple[jobs.ClaimedJob, list[Instruction]]] = []
    for job in group:
        try:
            facts, found = screen(job.profile)
            profile = build_profile(facts)
            target = options(job.batch_id).target_job
            if target and not profile.meta.targetJob:
                # The batch's target job, where the row gives none of its own.
                profile.meta.targetJob = target
            profiles.append(profile)
            ok.append((job, found))
        except Exception as exc:  # stored facts that no longer build a valid profile
            failed[job.id] = f"invalid profile: {exc}"
    if not ok:
        return []
    try:
        resumes_ = writer.write(profiles)
        return [(job, r, found) for (job, found), r in zip(ok, resumes_, strict=True)]
    except Exception:
        log.exception("batch write failed; retrying one at a time")
    out: list[tuple[jobs.ClaimedJob, Resume, list[Instruction]]] = []
    for (job, found), profile in zip(ok, profiles, strict=True):
        try:
            out.append((job, writer.write([profile])[0], found))
        except Exception as exc:
            failed[job.id] = f"{type(exc).__name__}: {exc}"
    return out


def render_stage(ctx: PipelineContext, job_ids: Sequence[int], retry: bool = False) -> StageResult:
    """Render the written jobs of a chunk into every requested format and mark them done."""
    started = time.perf_counter()
    claim = jobs.claim(
        ctx.engine, job_ids, JobStage.RENDER, ctx.max_attempts, ctx.deadline_s, retry=retry
    )
    result = StageResult(dead=claim.dead, skipped=len(job_ids) - len(claim.jobs) - len(claim.dead))
    resume_ids = [j.resume_id for j in claim.jobs if j.resume_id is not None]
    documents = resumes.load_documents(ctx.engine, resume_ids)
    have = resumes.stored_formats(ctx.engine, resume_ids)
    finished: list[int] = []
    stored: list[tuple[int, str, bytes]] = []
    for job in claim.jobs:
        if job.resume_id is None or job.resume_id not in documents:
            result.failed[job.id] = "no written resume to render"
            continue
        chosen = ctx.options(job.batch_id)
        # A batch stored without formats gets every format this worker renders.
        wanted = (
            list(chosen.formats) if "formats" in chosen.model_fields_set else list(ctx.renderers)
        )
        missing = [f for f in wanted if f not in have.get(job.resume_id, set())]
        try:
            outputs = _render(ctx.renderers, documents[job.resume_id], missing)
        except Exception as exc:
            result.failed[job.id] = f"{type(exc).__name__}: {exc}"
            continue
        stored += [(job.resume_id, f, b) for f, b in outputs]
        finished.append(job.id)
    # Files and status in one transaction, fenced by the claim (jobs.finish).
    done = set(finished)
    result.advanced = jobs.finish(ctx.engine, [j for j in claim.jobs if j.id in done], stored)
    if result.failed:
        jobs.fail(ctx.engine, result.failed, ctx.max_attempts)
    result.seconds = time.perf_counter() - started
    return result


def _render(
    renderers: Mapping[str, Renderer], document: dict[str, object], formats: Sequence[str]
) -> list[tuple[str, bytes]]:
    if not formats:
        return []
    resume = Resume.model_validate(document)
    return [(f, renderers[f].render(resume)) for f in formats]


def process_chunk(ctx: PipelineContext, job_ids: Sequence[int]) -> StageResult:
    """Both stages in one process: what embedded workers and the benchmark's baseline run."""
    written = write_stage(ctx, job_ids)
    rendered = render_stage(ctx, written.advanced)
    return StageResult(
        advanced=rendered.advanced,
        failed=written.failed | rendered.failed,
        dead=written.dead + rendered.dead,
        skipped=written.skipped,
        seconds=written.seconds + rendered.seconds,
    )
