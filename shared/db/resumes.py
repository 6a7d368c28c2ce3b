"""Written resumes and their rendered files, stored idempotently: a second write of the same thing is a no-op."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Connection, Engine, any_, bindparam, func, select
from sqlalchemy.dialects import postgresql, sqlite

from shared.db.models import ResumeOutput, ResumeRecord, utcnow


def _insert(dialect_name: str, table: Any) -> Any:
    dialect = postgresql if dialect_name == "postgresql" else sqlite
    return dialect.insert(table)


@dataclass(frozen=True)
class NewResume:
    institution_id: str
    person_key: str
    content_hash: str
    variant: str
    writer: str
    document: dict[str, Any]
    # (column, text) pairs left out of the document (shared.instructions), for the row report.
    warnings: Sequence[tuple[str, str]] = ()


def store_resumes(engine: Engine, resumes: Sequence[NewResume]) -> list[int]:
    """Insert each resume unless its identity exists; return the ids in input order.

    Workers store through jobs.advance_to_render instead, fenced by their claim."""
    if not resumes:
        return []
    with engine.begin() as conn:
        return insert_resumes(conn, resumes)


def insert_resumes(conn: Connection, resumes: Sequence[NewResume]) -> list[int]:
    """`store_resumes` inside the caller's transaction."""
    if not resumes:
        return []
    now = utcnow()
    values = [
        {
            "institution_id": r.institution_id,
            "person_key": r.person_key,
            "content_hash": r.content_hash,
            "variant": r.variant,
            "writer": r.writer,
            "document": r.document,
            "warnings": [[column, text] for column, text in r.warnings],
            "created_at": now,
        }
        for r in resumes
    ]
    table = ResumeRecord.__table__
    conn.execute(_insert(conn.dialect.name, table).on_conflict_do_nothing(), values)
    # One query for the whole chunk, not one per resume: inserted above, or there already.
    rows = conn.execute(
        select(
            ResumeRecord.institution_id,
            ResumeRecord.person_key,
            ResumeRecord.content_hash,
            ResumeRecord.variant,
            ResumeRecord.id,
        ).where(ResumeRecord.person_key.in_({r.person_key for r in resumes}))
    ).all()
    by_identity = {tuple(row[:4]): int(row[4]) for row in rows}
    return [
        by_identity[(r.institution_id, r.person_key, r.content_hash, r.variant)] for r in resumes
    ]


def find_existing(
    engine: Engine, institution_id: str, variant: str, keys: Iterable[tuple[str, str]]
) -> dict[tuple[str, str], int]:
    """Resumes already written for these (person_key, content_hash) pairs: an unchanged
    re-upload reuses them instead of writing again."""
    wanted = set(keys)
    if not wanted:
        return {}
    person_keys = sorted({k for k, _ in wanted})
    columns = (ResumeRecord.person_key, ResumeRecord.content_hash, ResumeRecord.id)
    found: dict[tuple[str, str], int] = {}
    with engine.connect() as conn:
        if engine.dialect.name == "postgresql":
            # One statement per call whatever the number of keys: the keys (hex digests, no
            # commas) travel as one string, cheaper to send than an array parameter.
            key_array = func.string_to_array(bindparam("keys"), ",")
            query = select(*columns).where(
                ResumeRecord.institution_id == institution_id,
                ResumeRecord.variant == variant,
                ResumeRecord.person_key == any_(key_array),
            )
            joined = ",".join(person_keys)
            if joined.count(",") != len(person_keys) - 1:
                raise ValueError("person keys are hex digests and never hold a comma")
            batches = [conn.execute(query, {"keys": joined}).all()]
        else:
            batches = [
                conn.execute(
                    select(*columns).where(
                        ResumeRecord.institution_id == institution_id,
                        ResumeRecord.variant == variant,
                        ResumeRecord.person_key.in_(person_keys[i : i + 500]),
                    )
                ).all()
                for i in range(0, len(person_keys), 500)
            ]
    for rows in batches:
        for person_key, content_hash, resume_id in rows:
            if (person_key, content_hash) in wanted:
                found[(person_key, content_hash)] = int(resume_id)
    return found


def load_documents(engine: Engine, resume_ids: Sequence[int]) -> dict[int, dict[str, Any]]:
    with engine.connect() as conn:
        rows = conn.execute(
            select(ResumeRecord.id, ResumeRecord.document).where(ResumeRecord.id.in_(resume_ids))
        ).all()
    return {int(i): doc for i, doc in rows}


def load_warnings(engine: Engine, resume_ids: Sequence[int]) -> dict[int, list[tuple[str, str]]]:
    """The (column, text) warnings of the resumes that have any."""
    out: dict[int, list[tuple[str, str]]] = {}
    with engine.connect() as conn:
        for i in range(0, len(resume_ids), 500):
            rows = conn.execute(
                select(ResumeRecord.id, ResumeRecord.warnings).where(
                    ResumeRecord.id.in_(resume_ids[i : i + 500])
                )
            ).all()
            for resume_id, warnings in rows:
                if warnings:
                    out[int(resume_id)] = [(str(c), str(t)) for c, t in warnings]
    return out


def stored_formats(engine: Engine, resume_ids: Sequence[int]) -> dict[int, set[str]]:
    formats: dict[int, set[str]] = {int(i): set() for i in resume_ids}
    with engine.connect() as conn:
        rows = conn.execute(
            select(ResumeOutput.resume_id, ResumeOutput.format).where(
                ResumeOutput.resume_id.in_(resume_ids)
            )
        ).all()
    for resume_id, fmt in rows:
        formats[int(resume_id)].add(fmt)
    return formats


def store_outputs(engine: Engine, outputs: Sequence[tuple[int, str, bytes]]) -> None:
    """Insert (resume_id, format, content) rows; ones already stored are left as they are.

    Workers store through jobs.finish instead, fenced by their claim."""
    if not outputs:
        return
    with engine.begin() as conn:
        insert_outputs(conn, outputs)


def insert_outputs(conn: Connection, outputs: Sequence[tuple[int, str, bytes]]) -> None:
    """`store_outputs` inside the caller's transaction."""
    if not outputs:
        return
    now = utcnow()
    values = [
        {"resume_id": rid, "format": fmt, "content": content, "created_at": now}
        for rid, fmt, content in outputs
    ]
    conn.execute(
        _insert(conn.dialect.name, ResumeOutput.__table__).on_conflict_do_nothing(), values
    )


def iter_outputs(
    engine: Engine, resume_ids: Sequence[int], formats: Sequence[str]
) -> Iterator[tuple[int, str, bytes]]:
    """Stream rendered files for export, a few hundred resumes at a time."""
    ids = list(resume_ids)
    with engine.connect() as conn:
        for i in range(0, len(ids), 200):
            rows = conn.execute(
                select(ResumeOutput.resume_id, ResumeOutput.format, ResumeOutput.content)
                .where(
                    ResumeOutput.resume_id.in_(ids[i : i + 200]),
                    ResumeOutput.format.in_(formats),
                )
                .order_by(ResumeOutput.resume_id)
            )
            for resume_id, fmt, content in rows:
                yield int(resume_id), fmt, bytes(content)


def output_content(engine: Engine, resume_id: int, fmt: str, institution_id: str) -> bytes | None:
    """One rendered file of one of the institution's resumes; None when it has none."""
    with engine.connect() as conn:
        content = conn.scalar(
            select(ResumeOutput.content)
            .join(ResumeRecord, ResumeRecord.id == ResumeOutput.resume_id)
            .where(
                ResumeOutput.resume_id == resume_id,
                ResumeOutput.format == fmt,
                ResumeRecord.institution_id == institution_id,
            )
        )
    return None if content is None else bytes(content)
