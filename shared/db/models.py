"""The tables: institutions, batches, jobs, row errors, resumes and their rendered outputs."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

# One naming convention so Alembic migrations name constraints the same on every database.
NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

JsonDoc = JSON().with_variant(JSONB(), "postgresql")
# SQLite only autoincrements INTEGER PRIMARY KEY; PostgreSQL gets a bigint identity.
BigId = BigInteger().with_variant(Integer(), "sqlite")


def utcnow() -> datetime:
    return datetime.now(UTC)


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING)


class BatchStatus:
    VALIDATING = "validating"
    QUEUED = "queued"
    IN_PROGRESS = "in_progress"
    COMPLETED = "completed"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobStatus:
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"  # an attempt failed; the reconciler retries it
    DEAD = "dead"  # gave up after max attempts; last_error says why
    CANCELLED = "cancelled"

    ALL = (QUEUED, RUNNING, DONE, FAILED, DEAD, CANCELLED)
    FINAL = (DONE, DEAD, CANCELLED)


class JobStage:
    WRITE = "write"
    RENDER = "render"


class Institution(Base):
    __tablename__ = "institutions"

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    api_key_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class ApiKey(Base):
    """An institution's API key: only its SHA-256 is stored; a revoked key stays, refused."""

    __tablename__ = "api_keys"

    # The key's first characters: shown by `tenant list` to tell keys apart, useless to sign in.
    id: Mapped[str] = mapped_column(String(16), primary_key=True)
    institution_id: Mapped[str] = mapped_column(
        ForeignKey("institutions.id", ondelete="CASCADE"), index=True
    )
    key_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class WebSession(Base):
    """A signed-in browser: only the SHA-256 of its random id is stored, with its end.

    It belongs to the key that signed in: revoking the key (or deleting the institution, whose
    keys cascade) ends it.
    """

    __tablename__ = "web_sessions"

    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    key_id: Mapped[str] = mapped_column(ForeignKey("api_keys.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)


class SigninFailure(Base):
    """One wrong key typed into the sign-in page, by the SHA-256 of the sender's address."""

    __tablename__ = "signin_failures"
    __table_args__ = (Index("ix_signin_failures_address_at", "address_hash", "at"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    address_hash: Mapped[str] = mapped_column(String(64))
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow, index=True)


class Batch(Base):
    __tablename__ = "batches"

    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    institution_id: Mapped[str] = mapped_column(ForeignKey("institutions.id"), index=True)
    filename: Mapped[str] = mapped_column(String(500))
    status: Mapped[str] = mapped_column(String(16), default=BatchStatus.VALIDATING)
    options: Mapped[dict[str, Any]] = mapped_column(JsonDoc, default=dict)
    rows: Mapped[int] = mapped_column(Integer, default=0)
    accepted: Mapped[int] = mapped_column(Integer, default=0)
    rejected: Mapped[int] = mapped_column(Integer, default=0)
    warnings: Mapped[list[str]] = mapped_column(JsonDoc, default=list)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))


class Job(Base):
    __tablename__ = "jobs"
    __table_args__ = (
        Index("ix_jobs_batch_status", "batch_id", "status"),
        Index("ix_jobs_status_deadline", "status", "deadline_at"),
        # The rate and the stall check read a batch's most recent finishes.
        Index("ix_jobs_batch_finished", "batch_id", "finished_at"),
        UniqueConstraint("batch_id", "line", name="uq_jobs_batch_line"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"))
    institution_id: Mapped[str] = mapped_column(String(64))
    line: Mapped[int] = mapped_column(Integer)
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str] = mapped_column(String(500))
    person_key: Mapped[str] = mapped_column(String(64))
    content_hash: Mapped[str] = mapped_column(String(64))
    language: Mapped[str] = mapped_column(String(8))
    profile: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    status: Mapped[str] = mapped_column(String(16), default=JobStatus.QUEUED)
    stage: Mapped[str] = mapped_column(String(8), default=JobStage.WRITE)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(Text)
    resume_id: Mapped[int | None] = mapped_column(ForeignKey("resumes.id"))
    deadline_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # The process that claimed the job last (shared.db.heartbeats identity): a running job
    # whose claimer is gone is re-sent at once instead of after the job deadline.
    claimed_by: Mapped[str | None] = mapped_column(String(200))


class Heartbeat(Base):
    """A live process that does work: a worker's main process, a worker child that claims
    jobs, the reconciler, a submit storing a batch. Rows are refreshed while it lives."""

    __tablename__ = "heartbeats"

    id: Mapped[str] = mapped_column(String(200), primary_key=True)
    kind: Mapped[str] = mapped_column(String(16), index=True)
    started_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    seen_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # A worker's Celery node name (kept across restarts: alerts follow it) and the queues it
    # consumes, comma-separated (a queue with work and no live consumer is named in status).
    node: Mapped[str | None] = mapped_column(String(200))
    queues: Mapped[str | None] = mapped_column(String(200))


class RowErrorRecord(Base):
    __tablename__ = "row_errors"

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    batch_id: Mapped[str] = mapped_column(ForeignKey("batches.id", ondelete="CASCADE"), index=True)
    line: Mapped[int] = mapped_column(Integer)
    column: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text)
    external_id: Mapped[str | None] = mapped_column(String(200))
    name: Mapped[str | None] = mapped_column(String(500))


class ResumeRecord(Base):
    """One written resume: unique per person, content and variant, so work is never done twice."""

    __tablename__ = "resumes"
    __table_args__ = (
        UniqueConstraint(
            "institution_id", "person_key", "content_hash", "variant", name="uq_resumes_identity"
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True, autoincrement=True)
    institution_id: Mapped[str] = mapped_column(String(64))
    person_key: Mapped[str] = mapped_column(String(64), index=True)
    content_hash: Mapped[str] = mapped_column(String(64))
    # language + writer + formats: a different request for the same facts is a different resume.
    variant: Mapped[str] = mapped_column(String(100))
    document: Mapped[dict[str, Any]] = mapped_column(JsonDoc)
    writer: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # [[column, text], …]: input text left out of the resume because it reads as an instruction
    # to a model (shared.instructions), for the row report. Never part of the document.
    warnings: Mapped[list[list[str]] | None] = mapped_column(JsonDoc, nullable=True)


class ResumeOutput(Base):
    """One rendered file of a resume (pdf, html, md, json)."""

    __tablename__ = "resume_outputs"

    resume_id: Mapped[int] = mapped_column(
        ForeignKey("resumes.id", ondelete="CASCADE"), primary_key=True
    )
    format: Mapped[str] = mapped_column(String(8), primary_key=True)
    content: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
