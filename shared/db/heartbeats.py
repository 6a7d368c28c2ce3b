"""Process liveness in SQL: who this process is, its heartbeat row, and which claimers are gone.

A process is named `host/pidns:pid`. The reconciler on the same host and pid namespace asks the
kernel whether the pid lives (a killed worker is noticed at the next pass); elsewhere it trusts
the heartbeat row, refreshed every BEAT_S by a daemon thread and stale after STALE_S. Either
way the broker plays no part, so this works the same with Redis and the embedded broker.
"""

from __future__ import annotations

import contextlib
import logging
import os
import socket
import threading
from collections.abc import Iterable, Iterator, Sequence
from datetime import datetime, timedelta
from functools import cache

from sqlalchemy import Engine, delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from shared.db.models import Heartbeat, utcnow
from shared.processes import pid_alive

log = logging.getLogger(__name__)

BEAT_S = 5.0
STALE_S = 20.0
# A worker's row outlives the worker (a kill -9 or a clean stop alike), so the seconds since its
# last beat keep growing where Prometheus scrapes them until it comes back under the same node
# name; rows of nodes gone for a day are pruned.
WORKER_KEPT_S = 86_400.0


class Kind:
    WORKER = "worker"  # a worker's main process: someone consumes the queues
    CLAIMER = "claimer"  # a worker child that claims jobs
    RECONCILER = "reconciler"
    SUBMIT = "submit"  # a process storing a batch (validating)


@cache
def _machine() -> str:
    try:
        ns = os.stat("/proc/self/ns/pid").st_ino
    except OSError:
        ns = 0
    return f"{socket.gethostname()}/{ns}"


def identity(pid: int | None = None) -> str:
    """This process as a claimer: `host/pidns:pid` (fork-safe: the pid is read each time)."""
    return f"{_machine()}:{pid if pid is not None else os.getpid()}"


def gone_here(name: str) -> bool:
    """True when `name` is a process of this machine and pid namespace that no longer exists."""
    machine, _, pid = name.rpartition(":")
    return machine == _machine() and pid.isdigit() and not pid_alive(int(pid))


def beat(
    engine: Engine,
    name: str,
    kind: str,
    node: str | None = None,
    queues: Sequence[str] | None = None,
) -> None:
    """Insert or refresh the heartbeat row `name` (a worker also names its node and queues)."""
    now = utcnow()
    listed = ",".join(queues) if queues is not None else None
    with engine.begin() as conn:
        moved = conn.execute(update(Heartbeat).where(Heartbeat.id == name).values(seen_at=now))
        if not moved.rowcount:
            # Another process may insert the same name first (two reconcilers): that is a beat too.
            with contextlib.suppress(IntegrityError), conn.begin_nested():
                conn.execute(
                    insert(Heartbeat).values(
                        id=name, kind=kind, started_at=now, seen_at=now, node=node, queues=listed
                    )
                )


def forget(engine: Engine, name: str) -> None:
    with engine.begin() as conn:
        conn.execute(delete(Heartbeat).where(Heartbeat.id == name))


def seen(engine: Engine, names: Iterable[str]) -> dict[str, datetime]:
    names = list(names)
    if not names:
        return {}
    with engine.connect() as conn:
        rows = conn.execute(
            select(Heartbeat.id, Heartbeat.seen_at).where(Heartbeat.id.in_(names))
        ).all()
    return {name: aware(at) for name, at in rows}


def last_seen(engine: Engine, kind: str) -> datetime | None:
    """The most recent heartbeat of any process of `kind`."""
    with engine.connect() as conn:
        at = conn.scalar(
            select(Heartbeat.seen_at)
            .where(Heartbeat.kind == kind)
            .order_by(Heartbeat.seen_at.desc())
            .limit(1)
        )
    return aware(at) if at is not None else None


def aware(at: datetime) -> datetime:
    # SQLite hands back naive datetimes; every timestamp we store is UTC.
    return at if at.tzinfo is not None else at.replace(tzinfo=utcnow().tzinfo)


def gone(engine: Engine, names: Iterable[str], stale_s: float = STALE_S) -> set[str]:
    """The claimers among `names` that are gone: dead on this machine, or with a heartbeat
    row older than `stale_s`. A claimer with no row elsewhere is left to the job deadline."""
    names = set(names)
    dead = {n for n in names if gone_here(n)}
    limit = utcnow() - timedelta(seconds=stale_s)
    dead |= {n for n, at in seen(engine, names - dead).items() if at < limit}
    return dead


def consumers(engine: Engine, stale_s: float = STALE_S) -> dict[str, int]:
    """Live workers per queue they consume. A worker row that names no queues (written before
    workers recorded them) counts under "*": it may consume any queue."""
    limit = utcnow() - timedelta(seconds=stale_s)
    with engine.connect() as conn:
        rows = conn.scalars(
            select(Heartbeat.queues).where(
                Heartbeat.kind == Kind.WORKER, Heartbeat.seen_at >= limit
            )
        ).all()
    counts: dict[str, int] = {}
    for listed in rows:
        for queue in listed.split(",") if listed is not None else ["*"]:
            counts[queue] = counts.get(queue, 0) + 1
    return counts


def worker_ages(engine: Engine) -> dict[str, float]:
    """Seconds since the last beat of each worker node (rows of one node across restarts: the
    newest counts). Stopped and killed workers stay listed until pruned, their age growing."""
    now = utcnow()
    with engine.connect() as conn:
        rows = conn.execute(
            select(func.coalesce(Heartbeat.node, Heartbeat.id), func.max(Heartbeat.seen_at))
            .where(Heartbeat.kind == Kind.WORKER)
            .group_by(func.coalesce(Heartbeat.node, Heartbeat.id))
        ).all()
    return {node: max(0.0, (now - aware(at)).total_seconds()) for node, at in rows}


def prune(engine: Engine, older_than_s: float = 3600.0) -> None:
    """Drop rows of processes long gone, so the table stays the size of the fleet (a worker's
    own row stays WORKER_KEPT_S: its age is what alerts on a lost worker)."""
    now = utcnow()
    with engine.begin() as conn:
        conn.execute(
            delete(Heartbeat).where(
                Heartbeat.kind != Kind.WORKER,
                Heartbeat.seen_at < now - timedelta(seconds=older_than_s),
            )
        )
        conn.execute(
            delete(Heartbeat).where(
                Heartbeat.kind == Kind.WORKER,
                Heartbeat.seen_at < now - timedelta(seconds=max(older_than_s, WORKER_KEPT_S)),
            )
        )


class Beating:
    """A daemon thread refreshing one heartbeat row every `every_s` until stopped.

    It stops on its own when the parent process changes (a prefork child orphaned by a killed
    worker must not look alive). Database errors are logged and retried at the next beat.
    """

    def __init__(
        self,
        engine: Engine,
        name: str,
        kind: str,
        every_s: float = BEAT_S,
        follow_parent: bool = False,
        node: str | None = None,
        queues: Sequence[str] | None = None,
    ) -> None:
        self.engine = engine
        self.name = name
        self.kind = kind
        self.node = node
        self.queues = queues
        self.every_s = every_s
        self._stop = threading.Event()
        self._parent = os.getppid() if follow_parent else None
        self._thread = threading.Thread(target=self._run, name=f"heartbeat-{kind}", daemon=True)

    def start(self) -> Beating:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.is_set() and self._parent in (None, os.getppid()):
            try:
                beat(self.engine, self.name, self.kind, self.node, self.queues)
            except Exception as exc:  # a database restart must not kill the thread
                log.info("heartbeat of %s failed: %s", self.name, exc)
            self._stop.wait(self.every_s)

    def stop(self, forget_row: bool = True) -> None:
        self._stop.set()
        if self._thread.is_alive() and self._thread is not threading.current_thread():
            self._thread.join(timeout=10)  # a beat in flight must not re-insert the row
        if forget_row:
            with contextlib.suppress(Exception):
                forget(self.engine, self.name)


@contextlib.contextmanager
def beating(engine: Engine, name: str, kind: str) -> Iterator[Beating]:
    """Heartbeat `name` for the duration of the block; the row is removed at the end."""
    b = Beating(engine, name, kind).start()
    try:
        yield b
    finally:
        b.stop()
