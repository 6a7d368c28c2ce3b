"""Ingest benchmark: validate-only and full ingest (validate + store jobs + enqueue) rows/s.

    .venv/bin/python bench/ingest.py [--rows 100000] [--million-rows 1000000]

Full ingest runs into SQLite (embedded broker) and into PostgreSQL (Redis broker), each beside the
bare stages measured in the same run: csv parsing alone and pydantic validation alone. The last
line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort import write_cohort

from producer.dispatch import store_batch
from producer.ingest.pipeline import open_ingestion
from shared.celery_config import make_celery, send_chunk
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.profile import Profile
from shared.reconcile import top_up
from shared.settings import Settings
from shared.tasks import WRITE_CHUNK

PG_ADMIN = os.environ.get("COHORTCV_BENCH_PG", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
REDIS = os.environ.get("COHORTCV_BENCH_REDIS", "redis://127.0.0.1:6379/14")


def bare_parse(path: Path) -> float:
    started = time.perf_counter()
    with path.open(newline="", encoding="utf-8") as fh:
        n = sum(1 for _ in csv.reader(fh)) - 1
    return n / (time.perf_counter() - started)


def bare_pydantic(path: Path) -> float:
    """Pydantic validation alone, on dicts built from the rows before the clock starts."""
    with path.open(newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[1:]
    docs = [
        {
            "basics": {"name": r[1], "email": r[2], "phone": r[3], "location": {"city": r[4]}},
            "education": [
                {
                    "institution": r[5],
                    "studyType": r[6],
                    "area": r[7],
                    "endDate": r[8],
                    "score": r[9],
                }
            ],
            "work": [{"highlights": r[10].splitlines()}],
            "skills": [{"name": "Skills", "keywords": r[12].split(", ")}],
            "meta": {"language": r[15]},
        }
        for r in rows
    ]
    started = time.perf_counter()
    for doc in docs:
        Profile.model_validate(doc)
    return len(docs) / (time.perf_counter() - started)


def validate_only(path: Path) -> float:
    started = time.perf_counter()
    ingestion = open_ingestion(path)
    for _ in ingestion:
        pass
    return ingestion.rows / (time.perf_counter() - started)


def full_ingest(path: Path, db_url: str, settings: Settings) -> tuple[float, int]:
    upgrade(db_url)
    engine = make_engine(db_url)
    app = make_celery(settings)
    started = time.perf_counter()
    stored = store_batch(
        engine, open_ingestion(path), institution_id=f"bench-{uuid.uuid4().hex[:6]}",
        options={"formats": ["pdf", "html", "md", "json"], "writer": "template"},
    )  # fmt: skip
    sent = top_up(
        engine, lambda t, b, ids: send_chunk(app, t, b, ids), stored.id, settings.policy()
    )
    seconds = time.perf_counter() - started
    engine.dispose()
    return stored.rows / seconds, sent


def enqueue_all(n_rows: int, settings: Settings) -> float:
    """Rows/s when every chunk of a cohort is sent at once (the window normally paces this)."""
    app = make_celery(settings)
    ids = list(range(1, n_rows + 1))
    started = time.perf_counter()
    with app.producer_or_acquire() as _:
        for i in range(0, n_rows, settings.chunk_size):
            send_chunk(app, WRITE_CHUNK, "bench", ids[i : i + settings.chunk_size])
    seconds = time.perf_counter() - started
    import redis

    redis.Redis.from_url(settings.broker_url).flushdb()
    return n_rows / seconds


def fresh_pg() -> tuple[str, str]:
    from sqlalchemy import create_engine, text

    name = f"cohortcv_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG_ADMIN.rsplit("/", 1)[0] + f"/{name}", name


def drop_pg(name: str) -> None:
    from sqlalchemy import create_engine, text

    admin = create_engine(PG_ADMIN, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def peak_memory_validate(n: int, workdir: Path) -> tuple[float, float]:
    """Validate an n-row file in a fresh process; returns (peak RSS in MB, rows/s)."""
    path = write_cohort(workdir / f"cohort-{n}.csv", n)
    code = (
        "import resource, sys, time; from producer.ingest.pipeline import open_ingestion; "
        "t = time.perf_counter(); ing = open_ingestion(sys.argv[1]); "
        "[None for _ in ing]; dt = time.perf_counter() - t; "
        "print(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, ing.rows / dt)"
    )
    out = subprocess.run(
        [sys.executable, "-c", code, str(path)], capture_output=True, text=True, check=True
    )
    peak, rate = out.stdout.split()
    path.unlink()
    return float(peak), float(rate)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--million-rows", type=int, default=1_000_000)
    args = parser.parse_args()
    figures: dict[str, float] = {"rows": args.rows}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = write_cohort(work / "cohort.csv", args.rows)
        figures["bare_csv_parse_rows_per_s"] = bare_parse(path)
        figures["bare_pydantic_rows_per_s"] = bare_pydantic(path)
        figures["bare_parse_plus_pydantic_rows_per_s"] = 1 / (
            1 / figures["bare_csv_parse_rows_per_s"] + 1 / figures["bare_pydantic_rows_per_s"]
        )
        figures["validate_only_rows_per_s"] = validate_only(path)

        embedded = Settings(data_dir=work / "embedded")
        rate, sent = full_ingest(path, embedded.resolved_database_url(), embedded)
        figures["full_ingest_sqlite_rows_per_s"] = rate

        pg_url, pg_name = fresh_pg()
        try:
            distributed = Settings(data_dir=work / "dist", broker_url=REDIS, database_url=pg_url)
            import redis

            redis.Redis.from_url(REDIS).flushdb()
            rate, sent = full_ingest(path, pg_url, distributed)
            figures["full_ingest_postgresql_rows_per_s"] = rate
            figures["first_window_jobs_sent"] = sent
            figures["enqueue_all_chunks_redis_rows_per_s"] = enqueue_all(args.rows, distributed)
            redis.Redis.from_url(REDIS).flushdb()
        finally:
            drop_pg(pg_name)
        if args.million_rows:
            peak, rate = peak_memory_validate(args.million_rows, work)
            figures["million_rows"] = args.million_rows
            figures["million_validate_peak_mb"] = peak
            figures["million_validate_rows_per_s"] = rate
    figures["postgresql_vs_bare_stages_ratio"] = (
        figures["full_ingest_postgresql_rows_per_s"]
        / figures["bare_parse_plus_pydantic_rows_per_s"]
    )
    print(f"{'figure':45} {'value':>14}")
    for key, value in figures.items():
        print(f"{key:45} {value:>14,.1f}")
    print(json.dumps({k: round(v, 2) for k, v in figures.items()}))


if __name__ == "__main__":
    _ = resource
    main()
