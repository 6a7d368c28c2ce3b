"""The embedded broker of one `cohortcv run`: its own folder, named by its batch, and where sends go.

Each run's workers read only their run's folder, so once the run's batch is final nothing they
could hold still matters and they may be stopped at once (`WorkerPool.kill`). The run is the beat
of the data folder (the reconciler looks at every batch), so a send for another run's batch goes
to that run's folder while its owner lives; a batch whose run is gone is adopted: sent to this
run's folder and remembered, so this run stops its workers gently unless that batch is final too.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from shared.processes import pid_alive
from shared.settings import Settings

if TYPE_CHECKING:
    from celery import Celery

RUNS = "runs"
OWNER = "owner.pid"


def run_settings(settings: Settings, batch_id: str) -> Settings:
    """What a run's workers see: the shared database, the run's own broker folder."""
    return settings.model_copy(
        update={
            "data_dir": settings.data_dir / RUNS / batch_id,
            "database_url": settings.resolved_database_url(),
        }
    )


def _owner(folder: Path) -> int | None:
    """The live process that owns a run folder, or None when its run is gone."""
    try:
        pid = int((folder / OWNER).read_text(encoding="ascii"))
    except (OSError, ValueError):
        return None
    return pid if pid_alive(pid) else None


class RunBroker:
    """This run's broker folder (created owned, removed by `close`) and the sender of its loop."""

    def __init__(self, settings: Settings, batch_id: str) -> None:
        self.base = settings
        self.batch_id = batch_id
        self.root = settings.data_dir / RUNS
        self.folder = self.root / batch_id
        self.settings = run_settings(settings, batch_id)
        self.adopted: set[str] = set()
        self._apps: dict[str, Celery] = {}
        self._app: Celery | None = None
        self._clear_abandoned()
        # Created under a temporary name with its owner inside, then renamed: another run never
        # sees this folder without an owner and never takes it for an abandoned one.
        staging = self.root / f".new-{uuid.uuid4().hex}"
        staging.mkdir(parents=True)
        (staging / OWNER).write_text(str(os.getpid()), encoding="ascii")
        staging.rename(self.folder)

    @property
    def app(self) -> Celery:
        # Built on first send, not here: the workers start before Celery is even imported.
        if self._app is None:
            from shared.celery_config import make_celery

            self._app = make_celery(self.settings)
        return self._app

    def _clear_abandoned(self) -> None:
        """Folders of runs that ended without cleaning up (killed): their messages are lost
        anyway, and the reconciler re-sends those jobs from the database."""
        if not self.root.is_dir():
            return
        for folder in self.root.iterdir():
            if folder.is_dir() and not folder.name.startswith(".") and _owner(folder) is None:
                shutil.rmtree(folder, ignore_errors=True)

    def send(self, task: str, batch_id: str, job_ids: list[int]) -> None:
        from shared.celery_config import send_chunk

        send_chunk(self._app_for(batch_id), task, batch_id, job_ids)

    def _app_for(self, batch_id: str) -> Celery:
        if batch_id == self.batch_id:
            return self.app
        if batch_id in self.adopted or _owner(self.root / batch_id) is None:
            self.adopted.add(batch_id)
            return self.app
        if batch_id not in self._apps:
            from shared.celery_config import make_celery

            self._apps[batch_id] = make_celery(run_settings(self.base, batch_id))
        return self._apps[batch_id]

    def depth(self, queue: str) -> int:
        from shared.celery_config import queue_depth

        return queue_depth(self.app, queue)

    def close(self) -> None:
        """Remove the folder; only once this run's workers are stopped."""
        with contextlib.suppress(OSError):
            (self.folder / OWNER).unlink()
        shutil.rmtree(self.folder, ignore_errors=True)
