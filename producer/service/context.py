"""What every batch operation needs: settings, the database and a way to send chunks."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlalchemy import Engine

from shared.settings import Settings

# (task name, batch id, job ids) → sent to the broker.
Sender = Callable[[str, str, list[int]], None]


@dataclass(frozen=True)
class Service:
    """Collaborators of the batch operations, built once by a composition root.

    Every operation also takes the caller's institution: a batch of another institution is
    reported as not found, never as forbidden, so its existence is not confirmed.
    """

    settings: Settings
    engine: Engine
    send: Sender | None = None


def celery_sender(settings: Settings) -> Sender:
    """A Sender over a Celery app configured from settings (made once, reused per call)."""
    from shared.celery_config import make_celery, send_chunk

    app = make_celery(settings)

    def send(task: str, batch_id: str, job_ids: list[int]) -> None:
        send_chunk(app, task, batch_id, job_ids)

    return send
