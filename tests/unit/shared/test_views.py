import json

import pytest
from pydantic import ValidationError

from shared.views import BatchView, Counts, RowView

# The batch object as `cohortcv status --json` and GET /v1/batches/{id} printed it when it
# was a dict (shared.batch_status before the read models): keys in this order.
OLD_BATCH_OBJECT = {
    "id": "b1",
    "institution_id": "default",
    "filename": "cohort.csv",
    "status": "in_progress",
    "counts": {
        "rows": 12, "accepted": 10, "rejected": 2, "queued": 3, "running": 2,
        "done": 4, "failed": 1, "dead": 0, "cancelled": 0,
    },
    "created_at": "2026-01-02T03:04:05.123456+00:00",
    "finished_at": None,
    "options": {"formats": ["pdf", "md"], "language": "auto", "writer": "llm", "target_job": "nurse"},
    "warnings": ["column 'x' ignored"],
    "rate_per_s": 0.25,
    "eta_s": 24.0,
    "eta_state": "known",
    "last_progress_at": "2026-01-02T03:05:00+00:00",
    "stalled": False,
    "stalled_reason": None,
    "stuck_queues": [
        {"queue": "generate", "queued": 3, "start": "`cohortcv worker --queues generate`"}
    ],
    "tokens_per_s": 41.5,
}  # fmt: skip


def test_the_batch_view_prints_the_json_the_dict_printed() -> None:
    view = BatchView.model_validate(OLD_BATCH_OBJECT)
    assert json.dumps(view.model_dump(mode="json")) == json.dumps(OLD_BATCH_OBJECT)
    assert view.counts.done == 4 and view.stuck_queues[0].queue == "generate"


def test_a_view_cannot_be_changed_by_its_reader() -> None:
    view = BatchView.model_validate(OLD_BATCH_OBJECT)
    with pytest.raises(ValidationError):
        view.status = "completed"  # type: ignore[misc]
    with pytest.raises(ValidationError):
        view.counts.done = 99  # type: ignore[misc]
    assert BatchView.model_validate(OLD_BATCH_OBJECT).counts == Counts(**OLD_BATCH_OBJECT["counts"])  # type: ignore[arg-type]


def test_a_row_keeps_the_listing_keys_and_defaults() -> None:
    row = RowView(
        line=3, id="p-3", name=None, outcome="accepted", status="queued", reason="",
        resume_id=None, outputs={},
    )  # fmt: skip
    assert list(row.model_dump()) == [
        "line", "id", "name", "outcome", "status", "reason", "column", "resume_id", "outputs",
        "warnings",
    ]  # fmt: skip
