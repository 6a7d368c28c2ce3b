"""How work is cut and paced: chunk size, the per-batch window, deadlines, retry backoff, stalls."""

from __future__ import annotations

from dataclasses import dataclass

# A job queued this long whose stage queue in the broker is empty has lost its message.
# Longer than a message takes from send to claim; short enough that a flushed or restarted
# broker costs well under a minute with the reconciler every 30 s.
LOST_QUEUED_AFTER_S = 15
# A batch with work left and no job finished for this long is shown as stalled.
STALLED_AFTER_S = 90
# An abandoned upload (its submit process gone) older than this is cleaned up even when its
# process cannot be checked (another host) and its heartbeat row is missing.
ABANDONED_VALIDATING_S = 600
BACKOFF_CAP_S = 600


@dataclass(frozen=True)
class Policy:
    chunk_size: int
    window_chunks: int
    deadline_s: int
    retry_delay_s: int
    # Jobs per write (generate queue) message; 0 = chunk_size. A model writer wants bigger ones.
    write_chunk_size: int = 0

    def retry_after_s(self, attempts: int) -> int:
        """Wait after the `attempts`-th failed attempt: retry_delay_s, doubled per attempt."""
        return int(min(BACKOFF_CAP_S, self.retry_delay_s * 2 ** max(0, attempts - 1)))
