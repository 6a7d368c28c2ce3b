"""The words of a stalled batch, from facts alone: what is missing and what to start."""

from __future__ import annotations

from shared.batch_status import RECONCILER_ABSENT_S, stall_reason, stuck_entry, stuck_text
from shared.db.batches import WaitingQueue


def test_no_worker_and_no_reconciler_say_what_to_start() -> None:
    reason = stall_reason(95.4, None, None, [])
    assert reason.startswith("no job has finished for 95 s; ")
    assert "no worker is running: start `cohortcv worker`" in reason
    assert "the reconciler has never run" in reason and "`cohortcv beat`" in reason


def test_a_reconciler_seen_long_ago_says_when() -> None:
    reason = stall_reason(100, 1.0, RECONCILER_ABSENT_S + 30, [])
    assert "no worker" not in reason
    assert f"last ran {RECONCILER_ABSENT_S + 30} s ago" in reason


def test_everything_running_points_at_the_worker_logs() -> None:
    assert stall_reason(100, 1.0, 1.0, []).endswith(
        "workers and the reconciler are running: a chunk may be stuck (see the worker logs)"
    )


def test_a_queue_nobody_consumes_names_the_worker_to_start() -> None:
    stuck = stuck_entry(WaitingQueue("generate", 10))
    assert "cohortcv worker --queues generate" in stuck.start
    text = stuck_text(stuck)
    assert text.startswith("queue 'generate' holds 10 jobs and no running worker consumes it")
    assert text in stall_reason(100, 1.0, 1.0, [stuck])
