"""End-to-end benchmark: what the queue costs.

    .venv/bin/python bench/e2e.py [--rows 2000] [--procs 2] [--submit-rows 100000] [--llm-rows 64]

The same cohort with the template writer and all four formats, three ways:
  (a) the pipeline function called directly, one process per core (no broker);
  (b) `cohortcv run` (embedded: SQLite, filesystem broker, local workers), wall time of the whole
      command on a fresh data folder (start-up, migrations, validation, export included);
  (c) Redis + PostgreSQL + `cohortcv worker` processes (started and warm before the clock starts).
(a), (b) and (c) alternate `--repeat` times; the medians of each and of the ratios b/a and c/a
(each taken between neighbouring runs) are printed. Also submit (ingest + enqueue) rows/s for
100,000 rows, and the wall time of `cohortcv run examples/cohort.csv` at a user's defaults.
The `--writer llm` row: `cohortcv run --writer llm` on `--llm-rows` rows with a tiny random
chat model built here (CPU, nothing downloaded): resumes/s of the whole command and the share
of its wall time spent generating (`--only-llm` runs just that row).
The last line is one JSON object with every figure.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import signal
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path
from statistics import median

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort import write_cohort
from ingest import drop_pg, fresh_pg
from sqlalchemy import select

from producer.dispatch import store_batch
from producer.ingest.pipeline import open_ingestion
from shared.db.batches import job_counts
from shared.db.engine import make_engine
from shared.db.migrate import upgrade
from shared.db.models import Job

REDIS = os.environ.get("COHORTCV_BENCH_REDIS", "redis://127.0.0.1:6379/13")
FORMATS = ["pdf", "html", "md", "json"]
SAMPLE = Path(__file__).resolve().parents[1] / "examples" / "cohort.csv"


def _direct_worker(db_url: str, chunks: list[list[int]], out: mp.Queue) -> None:  # type: ignore[type-arg]
    from workers.pipeline import PipelineContext, process_chunk
    from workers.render import build_renderers
    from workers.writers.template import TemplateWriter

    writer = TemplateWriter()
    ctx = PipelineContext(
        engine=make_engine(db_url), writers=lambda _: writer, renderers=build_renderers(FORMATS)
    )
    done = 0
    for chunk in chunks:
        done += len(process_chunk(ctx, chunk).advanced)
    out.put(done)


def direct(path: Path, db_url: str, procs: int, chunk: int) -> float:
    """(a) One process per core calls the pipeline function on its share of the chunks."""
    upgrade(db_url)
    engine = make_engine(db_url)
    stored = store_batch(
        engine, open_ingestion(path), institution_id="direct", options={"formats": FORMATS}
    )
    with engine.connect() as conn:
        ids = list(conn.scalars(select(Job.id).where(Job.batch_id == stored.id).order_by(Job.id)))
    chunks = [ids[i : i + chunk] for i in range(0, len(ids), chunk)]
    queue: mp.Queue = mp.get_context("fork").Queue()  # type: ignore[type-arg]
    started = time.perf_counter()
    workers = [
        mp.get_context("fork").Process(
            target=_direct_worker, args=(db_url, chunks[i::procs], queue)
        )
        for i in range(procs)
    ]
    for w in workers:
        w.start()
    done = sum(queue.get() for _ in workers)
    for w in workers:
        w.join()
    seconds = time.perf_counter() - started
    assert done == stored.accepted, (done, stored.accepted)
    return done / seconds


def embedded(path: Path, work: Path, procs: int) -> tuple[float, int]:
    """(b) The `cohortcv run` command, wall time, on a fresh data folder (nothing to reuse).

    Run folders are deleted only when the benchmark ends: on this machine's ext4 (mounted with
    `discard`), deleting the 8,000 files of one run made the next run's export several times
    slower (14 s instead of 8.6 s for 2,000 resumes)."""
    run_dir = Path(tempfile.mkdtemp(dir=work))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    env["COHORTCV_DATA_DIR"] = str(run_dir / "data")
    out = run_dir / "out"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "producer.cli.main", "run", str(path), "--out", str(out),
         "--workers", str(procs)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    accepted = sum(1 for p in out.iterdir() if p.is_dir())
    return accepted / seconds, accepted


def sample_run(work: Path) -> float:
    """`cohortcv run examples/cohort.csv` as a user first runs it: defaults, a fresh data folder."""
    run_dir = Path(tempfile.mkdtemp(dir=work))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    env["COHORTCV_DATA_DIR"] = str(run_dir / "data")
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "producer.cli.main", "run", str(SAMPLE), "--out", str(run_dir / "out")],
        env=env, check=True, capture_output=True, cwd=run_dir,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    return seconds


def llm_run(path: Path, work: Path, model_dir: Path) -> dict[str, float]:
    """`cohortcv run --writer llm --model DIR` with a tiny model on the CPU, a fresh data folder:
    resumes/s of the whole command, and the share of its wall time spent inside the model."""
    from sqlalchemy import func

    from shared.db.generation import generation_stats
    from shared.settings import Settings

    run_dir = Path(tempfile.mkdtemp(dir=work))
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    env["COHORTCV_DATA_DIR"] = str(run_dir / "data")
    env["COHORTCV_WRITER__DEVICE"] = "cpu"
    out = run_dir / "out"
    started = time.perf_counter()
    subprocess.run(
        [sys.executable, "-m", "producer.cli.main", "run", str(path), "--out", str(out),
         "--writer", "llm", "--model", str(model_dir)],
        env=env, check=True, capture_output=True,
    )  # fmt: skip
    seconds = time.perf_counter() - started
    accepted = sum(1 for p in out.iterdir() if p.is_dir())
    engine = make_engine(Settings(data_dir=run_dir / "data").resolved_database_url())
    with engine.connect() as conn:
        tokens, generating = conn.execute(
            select(func.sum(generation_stats.c.tokens), func.sum(generation_stats.c.seconds))
        ).one()
    engine.dispose()
    return {
        "resumes_per_s": accepted / seconds,
        "resumes": accepted,
        "seconds": seconds,
        "generating_share": float(generating or 0.0) / seconds,
        "tokens_per_s": float(tokens or 0) / float(generating) if generating else 0.0,
    }


def distributed(
    path: Path, db_url: str, procs: int, chunk: int, work: Path
) -> tuple[int, float, float]:
    """(c) Redis + PostgreSQL + worker processes; the clock runs from submit to the last job.
    Returns (resumes done, seconds in all, seconds the submit command took)."""
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    env |= {
        "COHORTCV_DATABASE_URL": db_url, "COHORTCV_BROKER_URL": REDIS,
        "COHORTCV_DATA_DIR": str(work / "dist-data"), "COHORTCV_CHUNK_SIZE": str(chunk),
    }  # fmt: skip
    cli = [sys.executable, "-m", "producer.cli.main"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    log = (work / "worker.log").open("wb")
    worker = subprocess.Popen(
        [*cli, "worker", "-c", str(procs), "-l", "INFO"], env=env, stdout=log, stderr=log,
        start_new_session=True,
    )  # fmt: skip
    try:
        deadline = time.monotonic() + 60
        while b"ready." not in (work / "worker.log").read_bytes():
            if time.monotonic() > deadline:
                raise RuntimeError("worker did not start")
            time.sleep(0.2)
        started = time.perf_counter()
        out = subprocess.run(
            [*cli, "submit", str(path), "--institution", f"dist-{uuid.uuid4().hex[:6]}"],
            env=env, check=True, capture_output=True, text=True,
        )  # fmt: skip
        submitted = time.perf_counter()
        batch_id = out.stdout.strip().splitlines()[-1]
        engine = make_engine(db_url)
        while True:
            counts = job_counts(engine, batch_id)
            if counts["done"] + counts["dead"] == sum(counts.values()) > 0:
                break
            time.sleep(0.1)
        seconds = time.perf_counter() - started
        engine.dispose()
        return counts["done"], seconds, submitted - started
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(timeout=60)
        redis.Redis.from_url(REDIS).flushdb()


def submit_rate(path: Path, db_url: str, work: Path) -> float:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    env |= {
        "COHORTCV_DATABASE_URL": db_url,
        "COHORTCV_BROKER_URL": REDIS,
        "COHORTCV_DATA_DIR": str(work / "submit-data"),
    }
    cli = [sys.executable, "-m", "producer.cli.main"]
    subprocess.run([*cli, "db", "upgrade"], env=env, check=True, capture_output=True)
    started = time.perf_counter()
    subprocess.run([*cli, "submit", str(path)], env=env, check=True, capture_output=True)
    seconds = time.perf_counter() - started
    import redis

    redis.Redis.from_url(REDIS).flushdb()
    n = sum(1 for _ in path.open(encoding="utf-8")) - 1
    return n / seconds


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=2000)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--chunk", type=int, default=32)
    parser.add_argument("--submit-rows", type=int, default=100_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument(
        "--llm-rows", type=int, default=64, help="rows of the --writer llm run (0: skip it)"
    )
    parser.add_argument("--only-llm", action="store_true", help="just the --writer llm row")
    args = parser.parse_args()
    figures: dict[str, float] = {"rows": args.rows, "procs": args.procs}
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        path = write_cohort(work / "cohort.csv", args.rows)
        # (a), (b) and (c) alternate, `--repeat` times: shared machines drift, so each ratio is
        # taken between neighbouring runs and the medians are reported.
        runs: dict[str, list[float]] = {
            k: [] for k in ("a", "b", "c", "c_after", "submit_s", "sample_s")
        }
        if args.llm_rows:
            figures.update(llm_row(work, args.llm_rows, args.repeat))
        for _ in range(0 if args.only_llm else args.repeat):
            runs["sample_s"].append(sample_run(work))
            url, name = fresh_pg()
            try:
                runs["a"].append(direct(path, url, args.procs, args.chunk))
            finally:
                drop_pg(name)
            runs["b"].append(embedded(path, work, args.procs)[0])
            url, name = fresh_pg()
            try:
                done, seconds, submit_s = distributed(path, url, args.procs, args.chunk, work)
            finally:
                drop_pg(name)
            runs["c"].append(done / seconds)
            # The same run with the `submit` command's own start-up and ingest taken out.
            runs["c_after"].append(done / (seconds - submit_s))
            runs["submit_s"].append(submit_s)
        figures["repeat"] = args.repeat
        if not args.only_llm:
            figures.update(queue_figures(runs))
        if args.submit_rows and not args.only_llm:
            big = write_cohort(work / "big.csv", args.submit_rows)
            url, name = fresh_pg()
            try:
                figures["submit_rows"] = args.submit_rows
                figures["submit_rows_per_s"] = submit_rate(big, url, work)
            finally:
                drop_pg(name)
    print(f"{'figure':40} {'value':>12}")
    for key, value in figures.items():
        print(f"{key:40} {value:>12,.2f}")
    print(json.dumps({k: round(v, 3) for k, v in figures.items()}))


def queue_figures(runs: dict[str, list[float]]) -> dict[str, float]:
    """Medians of the (a), (b), (c) runs and of their ratios, taken between neighbours."""
    figures: dict[str, float] = {}
    figures["sample_run_seconds"] = median(runs["sample_s"])
    figures["sample_run_seconds_max"] = max(runs["sample_s"])
    figures["a_direct_resumes_per_s"] = median(runs["a"])
    figures["c_distributed_resumes_per_s"] = median(runs["c"])
    figures["c_after_submit_resumes_per_s"] = median(runs["c_after"])
    figures["c_submit_seconds"] = median(runs["submit_s"])
    figures["b_embedded_run_resumes_per_s"] = median(runs["b"])
    figures["ratio_b_over_a"] = median(b / a for b, a in zip(runs["b"], runs["a"], strict=True))
    figures["ratio_c_over_a"] = median(c / a for c, a in zip(runs["c"], runs["a"], strict=True))
    figures["ratio_c_after_submit_over_a"] = median(
        c / a for c, a in zip(runs["c_after"], runs["a"], strict=True)
    )
    return figures


def llm_row(work: Path, rows: int, repeat: int) -> dict[str, float]:
    """The `--writer llm` row: a tiny random chat model (built here, nothing downloaded) writes
    `rows` resumes through `cohortcv run`; medians over `repeat` runs."""
    from tests.support.scratch import build_model, train_tokenizer

    # The writer's prompts run to ~1,000 tokens of this small vocabulary: room for them.
    tokenizer = train_tokenizer(chat=True)
    model = build_model("tiny-llama", tokenizer, seed=1, max_position_embeddings=4096)
    model_dir = work / "tiny-llama"
    model.save_pretrained(str(model_dir))
    tokenizer.save_pretrained(str(model_dir))
    path = write_cohort(work / f"llm-cohort-{rows}.csv", rows)
    results = [llm_run(path, work, model_dir) for _ in range(repeat)]
    return {
        "llm_rows": rows,
        "llm_resumes": median(r["resumes"] for r in results),
        "llm_run_seconds": median(r["seconds"] for r in results),
        "llm_resumes_per_s": median(r["resumes_per_s"] for r in results),
        "llm_generating_share": median(r["generating_share"] for r in results),
        "llm_tokens_per_s": median(r["tokens_per_s"] for r in results),
    }


if __name__ == "__main__":
    main()
