"""Settings of the HTTP API and the web page, and how long batches are kept (`COHORTCV_API__…`)."""

from __future__ import annotations

from pydantic import BaseModel

from shared.processes import usable_cpus


class ApiSettings(BaseModel):
    """Upload limits, bind address and retention for `cohortcv api` (DESIGN §8)."""

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

