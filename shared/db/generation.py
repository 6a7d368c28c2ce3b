"""Generation figures per write chunk (tokens, seconds): what `run` and `status` show as tokens/s.

One append-only row per chunk a model wrote, so concurrent workers never contend for a row.
"""

from __future__ import annotations

from sqlalchemy import (
    Column,
    Connection,
    DateTime,
    Engine,
    Float,
    ForeignKey,
    Integer,
    String,
    Table,
    func,
    insert,
    select,
)

from shared.db.models import Base, BigId, utcnow

generation_stats = Table(
    "generation_stats",
    Base.metadata,
    Column("id", BigId, primary_key=True, autoincrement=True),
    Column("batch_id", String(36), ForeignKey("batches.id", ondelete="CASCADE"), index=True),
    Column("tokens", Integer, nullable=False),
    Column("seconds", Float, nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False),
)


def record(engine: Engine, batch_id: str, tokens: int, seconds: float) -> None:
    """One chunk's generation: tokens written and seconds the model spent on them."""
    with engine.begin() as conn:
        conn.execute(
            insert(generation_stats).values(
                batch_id=batch_id, tokens=tokens, seconds=seconds, created_at=utcnow()
            )
        )


def totals(engine: Engine, batch_id: str) -> tuple[int, float]:
    """(tokens, generation seconds) of a batch so far; (0, 0.0) when no model wrote."""
    with engine.connect() as conn:
        return totals_on(conn, batch_id)


def totals_on(conn: Connection, batch_id: str) -> tuple[int, float]:
    """`totals` on an open connection (the batch object reads everything on one)."""
    row = conn.execute(
        select(
            func.coalesce(func.sum(generation_stats.c.tokens), 0),
            func.coalesce(func.sum(generation_stats.c.seconds), 0.0),
        ).where(generation_stats.c.batch_id == batch_id)
    ).one()
    return int(row[0]), float(row[1])


def tokens_per_s(engine: Engine, batch_id: str) -> float | None:
    """The model's throughput on this batch (tokens per generation second); None without a model."""
    tokens, seconds = totals(engine, batch_id)
    return tokens / seconds if tokens and seconds > 0 else None
