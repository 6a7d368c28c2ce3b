"""Time limits in order, and one run per chunk: a chunk sent again while a live worker still runs
it is not run a second time at once (issue 14 item 11)."""

from __future__ import annotations

import subprocess
import time
from pathlib import Path

import pytest
from sqlalchemy import select

from shared.celery_config import make_celery, queue_depth, send_chunk
from shared.db.models import Job
from shared.settings import Settings
from shared.tasks import RENDER_CHUNK, RENDER_QUEUE
from tests.processes import COHORTCV, clean_env, start

pytestmark = pytest.mark.e2e


def test_worker_refuses_time_limits_out_of_order_naming_them(tmp_path: Path) -> None:
    env = clean_env(
        COHORTCV_DATA_DIR=str(tmp_path / "data"),
        COHORTCV_WORKER__HARD_TIME_LIMIT_S="1200",
        COHORTCV_WORKER__VISIBILITY_TIMEOUT_S="300",
    )
    for command in (["worker"], ["beat"], ["api"]):
        result = subprocess.run(
            [*COHORTCV, *command], env=env, capture_output=True, text=True, timeout=60
        )
        assert result.returncode == 1, (command, result.stdout, result.stderr)
        err = " ".join(result.stderr.split())
        assert "Traceback" not in err
        assert "COHORTCV_WORKER__HARD_TIME_LIMIT_S=1200 is not below" in err
        assert "COHORTCV_WORKER__JOB_DEADLINE_S=600" in err
        assert "COHORTCV_WORKER__VISIBILITY_TIMEOUT_S=300" in err


def test_a_chunk_sent_again_while_it_runs_is_not_run_twice(services, write_cohort, tmp_path):  # type: ignore[no-untyped-def]
    """A real slow chunk: 480 resumes rendered to PDF, HTML, Markdown and JSON in one message,
    seconds of work even on a fast machine. While it runs, its message comes again (what a redelivery past the
    visibility timeout or a second send does); a second, idle worker process takes it."""
    n = 480
    cohort = write_cohort(tmp_path / "cohort.csv", n, zh_every=0)
    env = services.env(COHORTCV_CHUNK_SIZE=str(n))
    submitted = subprocess.run(
        [*COHORTCV, "submit", str(cohort)], env=env, capture_output=True, text=True, timeout=120,
        check=True,
    )  # fmt: skip
    batch_id = submitted.stdout.strip().splitlines()[-1]
    services.procs.append(start(["worker", "-c", "2", "-n", "slow@%h"], env, tmp_path / "w.log"))

    def rendering() -> list[tuple[int, str | None]]:
        with services.engine.connect() as conn:
            return list(
                conn.execute(
                    select(Job.id, Job.claimed_by).where(
                        Job.batch_id == batch_id, Job.stage == "render", Job.status == "running"
                    )
                ).all()
            )

    deadline = time.monotonic() + 180
    while len(held := rendering()) < n:
        assert time.monotonic() < deadline, "the render chunk never ran"
        time.sleep(0.05)
    app = make_celery(Settings(broker_url=services.broker_url, database_url=services.db_url))
    send_chunk(app, RENDER_CHUNK, batch_id, sorted(i for i, _ in held))
    while queue_depth(app, RENDER_QUEUE):
        time.sleep(0.05)
    time.sleep(0.2)  # the second process claims (or skips) within a moment of taking it
    assert rendering(), "the chunk finished before its second delivery was taken: not slow enough"
    services.wait_done(batch_id, n)
    services.assert_exactly_once(batch_id, accepted=n, formats=4)
    with services.engine.connect() as conn:
        runs = conn.execute(select(Job.attempts, Job.claimed_by).where(Job.batch_id == batch_id))
        seen = {tuple(r) for r in runs}
    # One render attempt, by the process that held the chunk from the start.
    assert seen == {(1, held[0][1])}, seen
