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
    reported as not found, never as forbidden, so its existence is not confirmed. The CLI,
    run by the operator, passes None where an operation may reach every institution.
    """

    settings: Settings
    engine: Engine
    send: Sender | None = None


class CelerySender:
    """A Sender over a Celery app configured from settings (made once, reused per call)."""

    def __init__(self, settings: Settings) -> None:
        from shared.celery_config import make_celery

        self.app = make_celery(settings)

    def __call__(self, task: str, batch_id: str, job_ids: list[int]) -> None:
        from shared.celery_config import send_chunk

        send_chunk(self.app, task, batch_id, job_ids)

    def close(self) -> None:
        """Close the broker connections (a server that stops must not leave them open)."""
        # Celery.close() leaves the producer pool's connections open. The pools live in kombu's
        # process-wide registry, so they are closed and forgotten there (at shutdown only).
        from kombu import pools

        pools.reset()
        self.app.close()


def celery_sender(settings: Settings) -> CelerySender:
    return CelerySender(settings)
