"""The Writer protocol: profiles in, resumes with their prose fields filled in out."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Protocol

from shared.profile import Profile, Resume


class Writer(Protocol):
    """Fills a batch of profiles' prose fields; output order matches input order.

    A writer may only add prose (summary, highlights); facts are copied from the profile, and
    `meta.provenance` / `meta.grounding` record who wrote what. Raises WriterError on failure.
    """

    name: str

    def write(self, profiles: Sequence[Profile]) -> list[Resume]: ...
