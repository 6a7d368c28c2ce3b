"""API load check: concurrent uploads while clients poll batch status (docs/design.md §9).

    .venv/bin/python bench/api.py [--uploads 20] [--rows 5000] [--pollers 4] [--api-workers 2]
                                  [--ingest-processes 0]

Starts `cohortcv api --workers N` on 127.0.0.1 and one `cohortcv worker` over a fresh PostgreSQL
database and a Redis database of its own, then sends `--uploads` uploads of `--rows`-row files
at once while `--pollers` clients, in a process of their own, poll `GET /v1/batches/{id}`
without pause. Prints accepted uploads/s, rows/s, the p50/p99 latency of the status calls made
while the uploads were being sent and ingested, and the error count (any non-2xx answer or
failed request). Loopback only; every request has a timeout, so the run is bounded. The last line is one JSON object.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from statistics import median
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent))
from cohort import write_cohort
from ingest import drop_pg, fresh_pg

REDIS = os.environ.get("COHORTCV_BENCH_REDIS", "redis://127.0.0.1:6379/12")
CLI = [sys.executable, "-m", "producer.cli.main"]
TIMEOUT_S = 300.0


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _env(db_url: str, data_dir: Path, ingest_processes: int = 0) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("COHORTCV_")}
    return env | {
        "COHORTCV_DATABASE_URL": db_url,
        "COHORTCV_BROKER_URL": REDIS,
        "COHORTCV_DATA_DIR": str(data_dir),
        "COHORTCV_API__INGEST_PROCESSES": str(ingest_processes),
    }


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]


def _wait_healthy(base: str, proc: subprocess.Popen[bytes]) -> None:
    import httpx

    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"the API exited with {proc.returncode}")
        try:
            if httpx.get(f"{base}/healthz", timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.25)
    raise SystemExit("the API did not become healthy within 60 s")


def poll_status(
    base: str,
    auth: dict[str, str],
    first: str,
    pollers: int,
    new_ids: Any,
    stop: Any,
    results: Any,
) -> None:
    """`pollers` clients polling GET /v1/batches/{id} without pause over every batch seen;
    puts ([(monotonic start, seconds)], [errors]) on `results` once `stop` is set."""
    import queue

    import httpx

    ids = [first]
    calls: list[tuple[float, float]] = []
    errors: list[str] = []
    lock = threading.Lock()

    def poll(n: int) -> None:
        with httpx.Client(base_url=base, headers=auth, timeout=30) as client:
            i = n
            while not stop.is_set():
                with lock:
                    with contextlib.suppress(queue.Empty):
                        while True:
                            ids.append(new_ids.get_nowait())
                    batch_id = ids[i % len(ids)]
                i += 1
                started = time.monotonic()
                try:
                    response = client.get(f"/v1/batches/{batch_id}")
                except httpx.HTTPError as exc:
                    errors.append(f"status {type(exc).__name__}")
                    continue
                took = time.monotonic() - started
                if response.status_code != 200:
                    errors.append(f"status {response.status_code}")
                else:
                    calls.append((started, took))

    threads = [threading.Thread(target=poll, args=(n,)) for n in range(pollers)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    results.put((calls, errors))


def run(
    uploads: int, rows: int, pollers: int, api_workers: int, work: Path, ingest_processes: int = 0
) -> dict[str, float]:
    import httpx
    import redis

    from shared.db import tenants
    from shared.db.engine import make_engine
    from shared.db.migrate import upgrade

    redis.Redis.from_url(REDIS).flushdb()
    db_url, db_name = fresh_pg()
    procs: list[subprocess.Popen[bytes]] = []
    try:
        upgrade(db_url)
        engine = make_engine(db_url)
        key = tenants.create_tenant(engine, "Bench University").key
        engine.dispose()
        env = _env(db_url, work / "data", ingest_processes)
        files = [write_cohort(work / f"cohort-{i:02d}.csv", rows, seed=i) for i in range(uploads)]
        port = _free_port()
        base = f"http://127.0.0.1:{port}"
        with (work / "api.log").open("ab") as log:
            procs.append(
                subprocess.Popen(
                    [*CLI, "api", "--port", str(port), "--workers", str(api_workers)],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        with (work / "worker.log").open("ab") as log:
            procs.append(
                subprocess.Popen(
                    [*CLI, "worker", "-c", "1", "-l", "WARNING"],
                    env=env,
                    stdout=log,
                    stderr=subprocess.STDOUT,
                    start_new_session=True,
                )
            )
        _wait_healthy(base, procs[0])
        auth = {"Authorization": f"Bearer {key}"}
        # A batch to poll from the first moment (the pollers also pick up new ones).
        with httpx.Client(base_url=base, headers=auth, timeout=TIMEOUT_S) as client:
            first = client.post(
                "/v1/batches", files={"file": ("warm.csv", files[0].read_bytes())}
            ).json()["id"]
        ids: list[str] = [first]
        errors: list[str] = []
        lock = threading.Lock()
        # The pollers are other clients: their own process, so that the 20 uploading threads
        # here never hold the interpreter lock while a status answer waits to be read.
        ctx = multiprocessing.get_context("spawn")
        new_ids: Any = ctx.Queue()
        results: Any = ctx.Queue()
        stop = ctx.Event()
        poller = ctx.Process(
            target=poll_status, args=(base, auth, first, pollers, new_ids, stop, results)
        )
        poller.start()
        time.sleep(1.0)

        def upload(path: Path) -> None:
            try:
                with (
                    httpx.Client(base_url=base, headers=auth, timeout=TIMEOUT_S) as client,
                    path.open("rb") as fh,
                ):
                    response = client.post("/v1/batches", files={"file": (path.name, fh)})
                if response.status_code != 201:
                    errors.append(f"upload {response.status_code}: {response.text[:200]}")
                    return
                batch_id = response.json()["id"]
                with lock:
                    ids.append(batch_id)
                new_ids.put(batch_id)
            except httpx.HTTPError as exc:
                errors.append(f"upload {type(exc).__name__}")

        upload_threads = [threading.Thread(target=upload, args=(p,)) for p in files]
        started = time.monotonic()
        for t in upload_threads:
            t.start()
        for t in upload_threads:
            t.join()
        ended = time.monotonic()
        wall = ended - started
        stop.set()
        calls, poll_errors = results.get(timeout=60)
        poller.join(timeout=30)
        errors.extend(poll_errors)
        # Status calls that started while the uploads were being sent and ingested.
        latencies = [took for at, took in calls if started <= at <= ended]
        accepted = len(ids) - 1
        return {
            "uploads": uploads,
            "rows_per_upload": rows,
            "api_workers": api_workers,
            "ingest_processes_per_server": ingest_processes,
            "pollers": pollers,
            "accepted_uploads": accepted,
            "upload_wall_s": round(wall, 2),
            "uploads_per_s": round(accepted / wall, 3),
            "ingest_rows_per_s": round(accepted * rows / wall, 1),
            "status_calls_while_ingesting": len(latencies),
            "status_p50_ms": round(median(latencies) * 1000, 1) if latencies else float("nan"),
            "status_p99_ms": round(_percentile(latencies, 0.99) * 1000, 1),
            "status_max_ms": round(max(latencies, default=float("nan")) * 1000, 1),
            "errors": len(errors),
            "first_errors": errors[:3],  # type: ignore[dict-item]
        }
    finally:
        for proc in procs:
            if proc.poll() is None:
                os.killpg(proc.pid, 15)
        for proc in procs:
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, 9)
        drop_pg(db_name)
        redis.Redis.from_url(REDIS).flushdb()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--uploads", type=int, default=20)
    parser.add_argument("--rows", type=int, default=5000)
    parser.add_argument("--pollers", type=int, default=4)
    parser.add_argument("--api-workers", type=int, default=2)
    parser.add_argument(
        "--ingest-processes",
        type=int,
        default=0,
        help="validating processes per server process (0: the server's default)",
    )
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="cohortcv-bench-api-") as tmp:
        figures = run(
            args.uploads, args.rows, args.pollers, args.api_workers, Path(tmp),
            args.ingest_processes,
        )  # fmt: skip
    width = max(len(k) for k in figures)
    for name, value in figures.items():
        print(f"{name:<{width}}  {value}")
    print(json.dumps(figures, ensure_ascii=False))


if __name__ == "__main__":
    main()
