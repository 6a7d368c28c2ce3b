"""What each worker process keeps for its life: engine, writers (and their models), renderers.

Built lazily on the first task in the process that runs it, so the prefork parent never loads a
model or touches CUDA, and nothing heavy happens at import.
"""

from __future__ import annotations

import os
import threading
from functools import cache

from shared.db.engine import make_engine
from shared.errors import ConfigurationError
from shared.settings import Settings
from workers.pipeline import PipelineContext
from workers.render import RENDERERS, build_renderers
from workers.writers.base import Writer
from workers.writers.template import TemplateWriter

_lock = threading.Lock()
_holders: dict[int, PipelineContext] = {}


def context(settings: Settings) -> PipelineContext:
    """The pipeline context of this process (one per pid: a forked child builds its own)."""
    pid = os.getpid()
    with _lock:
        if pid not in _holders:
            _holders[pid] = PipelineContext(
                engine=make_engine(settings.resolved_database_url()),
                writers=_writer,
                renderers=build_renderers(RENDERERS),
                max_attempts=settings.worker.max_attempts,
                deadline_s=settings.worker.job_deadline_s,
            )
        return _holders[pid]


@cache
def _writer(name: str) -> Writer:
    """One writer (and, for a model writer, one loaded model) per name per process."""
    if name == "template":
        return TemplateWriter()
    raise ConfigurationError(f"unknown writer {name!r}: this worker offers 'template'")
