"""The write stage with model writers on a real (SQLite) database: load failures, variant reuse."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import select

from producer.dispatch import store_batch
from producer.export import export_batch
from producer.ingest.pipeline import open_ingestion
from shared.db import generation
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.models import Job, ResumeRecord
from shared.settings import Settings, WriterSettings
from tests.support.fake_runtime import FakeRuntime
from workers import holder
from workers.pipeline import PipelineContext, process_chunk, write_stage
from workers.render import build_renderers
from workers.runtime.base import ModelIdentity, Prompt
from workers.writers.base import Writer
from workers.writers.llm import LLMWriter

ROWS = (
    "id,name,email,school,degree,major,grad_year,experience,skills\n"
    "S1,Ada Example,ada@example.edu,Example State University,BSc,Statistics,2024,"
    '"Data Analyst Intern at Acme Corp (Jun 2023 – Aug 2023): cleaned survey data",'
    '"Python, SQL"\n'
    "S2,Bo Example,bo@example.edu,Example State University,BSc,Biology,2025,,Excel\n"
)


def rephrase(prompt: Prompt) -> str:
    facts = prompt[-1].content.split("FACTS:\n", 1)[1].split("\nEND OF FACTS", 1)[0]
    if "Lines:\n" in facts:
        return "\n".join(f"- {line}" for line in facts.split("Lines:\n", 1)[1].splitlines())
    return "Studied at Example State University."


def _batch(tmp_path: Path, options: dict[str, object]) -> tuple[object, list[int]]:
    url = f"sqlite:///{tmp_path / 'db.sqlite'}"
    upgrade(url)
    engine = make_engine(url)
    path = tmp_path / "cohort.csv"
    path.write_text(ROWS, encoding="utf-8")
    ingestion = open_ingestion(
        path, institution_id="inst", language="en", settings=Settings().ingest
    )
    stored = store_batch(engine, ingestion, institution_id="inst", options=options)
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Job.id).where(Job.batch_id == stored.id).order_by(Job.id)))
    return engine, ids


def _ctx(engine: object, writers: object) -> PipelineContext:
    return PipelineContext(
        engine=engine,  # type: ignore[arg-type]
        writers=writers,  # type: ignore[arg-type]
        renderers=build_renderers(["json", "md"]),
    )


def test_a_model_that_cannot_load_fails_the_chunk_at_once_with_the_reason(tmp_path: Path) -> None:
    options = {"writer": "llm", "model": str(tmp_path / "no-such-model"), "formats": ["json"]}
    engine, ids = _batch(tmp_path, options)
    result = write_stage(_ctx(engine, holder.writer), ids)
    assert sorted(result.failed) == ids
    with engine.connect() as conn:  # type: ignore[attr-defined]
        rows = conn.execute(select(Job.status, Job.attempts, Job.last_error)).all()
    for status, attempts, error in rows:
        # Dead on the first attempt: a bad path does not get better by retrying.
        assert (status, attempts) == ("dead", 1)
        assert "cannot load" in error and "llm" in error
    batch_id = engine.connect().scalar(select(Job.batch_id))  # type: ignore[attr-defined]
    export_batch(engine, batch_id, tmp_path / "out", ["json"])  # type: ignore[arg-type]
    report = (tmp_path / "out" / "report.csv").read_text(encoding="utf-8-sig")
    assert "cannot load" in report


def test_an_unknown_writer_fails_at_once(tmp_path: Path) -> None:
    engine, ids = _batch(tmp_path, {"writer": "poet"})
    write_stage(_ctx(engine, holder.writer), ids)
    with engine.connect() as conn:  # type: ignore[attr-defined]
        errors = list(conn.scalars(select(Job.last_error)))
    assert all("unknown writer 'poet'" in (e or "") for e in errors)


def _model(digest: str, calls: list[int]) -> Writer:
    runtime = FakeRuntime(rephrase, ModelIdentity("tiny", digest))
    llm = LLMWriter(runtime)
    original = runtime.generate

    def counted(prompts, settings):  # type: ignore[no-untyped-def]
        calls.append(len(prompts))
        return original(prompts, settings)

    runtime.generate = counted  # type: ignore[method-assign]
    return llm


def test_the_same_model_reuses_and_another_model_regenerates(tmp_path: Path) -> None:
    options = {"writer": "llm", "model": "tiny", "formats": ["json"]}
    engine, ids = _batch(tmp_path, options)
    calls: list[int] = []
    model_a = _model("aaaa", calls)
    first = process_chunk(_ctx(engine, lambda spec: model_a), ids)
    assert sorted(first.advanced) == ids and calls
    with engine.connect() as conn:  # type: ignore[attr-defined]
        variants = set(conn.scalars(select(ResumeRecord.variant)))
    assert variants == {"en:llm:tiny@aaaa"}
    with engine.connect() as conn:  # type: ignore[attr-defined]
        batch_id = conn.scalar(select(Job.batch_id).where(Job.id == ids[0]))
    speed = generation.tokens_per_s(engine, batch_id)  # type: ignore[arg-type]
    assert speed is not None and speed > 0

    # The same rows again, same model: nothing is generated, the resumes are reused.
    _, ids2 = _batch(tmp_path, options)
    calls.clear()
    again = process_chunk(_ctx(engine, lambda spec: model_a), ids2)
    assert sorted(again.advanced) == ids2
    assert calls == []

    # Another model (new weights): written again, stored beside the first.
    _, ids3 = _batch(tmp_path, options)
    model_b = _model("bbbb", calls)
    third = process_chunk(_ctx(engine, lambda spec: model_b), ids3)
    assert sorted(third.advanced) == ids3 and calls
    with engine.connect() as conn:  # type: ignore[attr-defined]
        variants = set(conn.scalars(select(ResumeRecord.variant)))
    assert variants == {"en:llm:tiny@aaaa", "en:llm:tiny@bbbb"}


def test_a_batch_target_job_reaches_the_prompt_and_the_variant(tmp_path: Path) -> None:
    options = {"writer": "llm", "model": "tiny", "target_job": "Data Engineer", "formats": ["json"]}
    engine, ids = _batch(tmp_path, options)
    seen: list[Prompt] = []

    def record(prompt: Prompt) -> str:
        seen.append(prompt)
        return rephrase(prompt)

    model = LLMWriter(FakeRuntime(record, ModelIdentity("tiny", "aaaa")))
    process_chunk(_ctx(engine, lambda spec: model), ids)
    assert seen and all("Data Engineer" in p[-1].content for p in seen)
    with engine.connect() as conn:  # type: ignore[attr-defined]
        [variant] = set(conn.scalars(select(ResumeRecord.variant)))
    assert variant.startswith("en:llm:tiny@aaaa:job-")


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ({}, ("template", "")),
        ({"writer": "llm", "model": "m1"}, ("llm", "m1")),
        ({"writer": "template"}, ("template", "")),
    ],
)
def test_the_batch_chooses_the_writer_over_the_worker_default(
    options: dict[str, object], expected: tuple[str, str]
) -> None:
    from workers.pipeline import writer_spec

    spec = writer_spec(WriterSettings(), options)
    assert (spec.name, spec.model) == expected
    worker = WriterSettings(name="llm", model="m0")
    assert writer_spec(worker, {"writer": "llm"}).model == "m0"


def test_write_chunks_have_their_own_size(tmp_path: Path) -> None:
    from shared.policy import Policy
    from shared.reconcile import top_up
    from shared.tasks import WRITE_CHUNK

    engine, ids = _batch(tmp_path, {"writer": "llm", "model": "tiny"})
    with engine.connect() as conn:  # type: ignore[attr-defined]
        batch_id = conn.scalar(select(Job.batch_id))
    sent: list[tuple[str, list[int]]] = []
    policy = Policy(chunk_size=32, window_chunks=8, deadline_s=600, retry_delay_s=5,
                    write_chunk_size=1)  # fmt: skip
    top_up(engine, lambda task, b, chunk: sent.append((task, chunk)), batch_id, policy)  # type: ignore[arg-type]
    assert sent == [(WRITE_CHUNK, [ids[0]]), (WRITE_CHUNK, [ids[1]])]
    settings = Settings(writer=WriterSettings(name="llm"))
    assert settings.policy().write_chunk_size == 64
    assert Settings().policy().write_chunk_size == Settings().chunk_size
