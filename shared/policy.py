"""How work is cut and paced: chunk size, the per-batch window, deadlines and retry delay."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Policy:
    chunk_size: int
    window_chunks: int
    deadline_s: int
    retry_delay_s: int
    # Jobs per write (generate queue) message; 0 = chunk_size. A model writer wants bigger ones.
    write_chunk_size: int = 0
