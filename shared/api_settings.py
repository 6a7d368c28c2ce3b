"""Settings of the HTTP API and the web page, and how long batches are kept (`COHORTCV_API__…`)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.processes import usable_cpus


class ApiSettings(BaseModel):
    """Upload limits, bind address and retention for `cohortcv api` (docs/design.md §8)."""

    host: str = "127.0.0.1"
    port: int = 8000
    # An upload over either limit is refused with HTTP 413 and nothing is stored.
    max_upload_bytes: int = 100 * 1024 * 1024
    max_upload_rows: int = 200_000
    # Batches older than this many days are purged by the beat task and `cohortcv purge
    # --older-than`; 0 keeps them until someone deletes them.
    retention_days: int = 0
    # Set when the page is served over HTTPS (directly or behind a proxy): the session cookie
    # is then sent only over HTTPS.
    secure_cookies: bool = False
    # A web sign-in lasts this long (the server ends it then, whatever the browser keeps).
    session_hours: int = 12
    # Wrong keys typed into the sign-in page: after this many from one address within the
    # window, that address is answered 429 (Retry-After) until its oldest failure is older than
    # the window. A career office pastes keys, so 10 in 15 minutes is far beyond honest typos;
    # 0 turns the limit off.
    signin_max_failures: int = 10
    signin_window_s: int = 900
    # Addresses of reverse proxies in front of the server (e.g. ["127.0.0.1"]): a sign-in from
    # one of them is counted against the client address the proxy put last in
    # X-Forwarded-For, not against the proxy (which would lock everyone out at once).
    trusted_proxies: list[str] = []
    # Processes (per API server process) that validate uploads, so requests never wait on them;
    # 0: the machine's CPUs shared among the server processes (at least one each). More
    # validating processes than CPUs only make status answers wait for the scheduler.
    ingest_processes: int = 0
    # Largest page of a listing (`limit=`).
    max_page: int = 1000

    def ingest_pool_size(self, server_processes: int = 1) -> int:
        """How many validating processes one server process runs."""
        if self.ingest_processes > 0:
            return self.ingest_processes
        return max(1, usable_cpus() // max(1, server_processes))
