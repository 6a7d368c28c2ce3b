"""What the row rules make of a row: an AcceptedRow with its facts, or a RejectedRow and why."""

from __future__ import annotations

from dataclasses import dataclass

from shared.facts import Facts, build_profile, content_hash, facts_json
from shared.profile import Profile

# The longest id and name a row may have: the lengths of the jobs and row_errors columns
# (shared/db/models.py), which PostgreSQL enforces.
ID_MAX_CHARS = 200
NAME_MAX_CHARS = 500
COLUMN_MAX_CHARS = 200  # row_errors.column: a header cell can be any length


class AcceptedRow:
    """A data row that passed every rule, with its facts (see shared.facts).

    The Profile is built from the facts on first access only: storing a file (validate, store
    jobs, enqueue) keeps the facts and leaves building to the workers. Every rule that can reject
    a row has already run when an AcceptedRow exists, so building cannot fail.
    """

    __slots__ = ("_hash", "_json", "_profile", "external_id", "facts", "language", "line", "name",
                 "person_key")  # fmt: skip

    def __init__(
        self,
        line: int,
        external_id: str | None,
        name: str,
        language: str,
        person_key: str,
        facts: Facts,
        profile: Profile | None = None,
    ) -> None:
        self.line = line
        self.external_id = external_id
        self.name = name
        self.language = language
        self.person_key = person_key
        self.facts = facts
        self._profile = profile
        self._json: str | None = None
        self._hash: str | None = None

    @property
    def profile(self) -> Profile:
        if self._profile is None:
            self._profile = build_profile(self.facts)
        return self._profile

    @property
    def facts_json(self) -> str:
        """The facts as canonical JSON (sorted keys, compact): what the job stores."""
        if self._json is None:
            self._json = facts_json(self.facts)
        return self._json

    @property
    def content_hash(self) -> str:
        """sha256 of `facts_json`: equal input, equal hash, every run; a changed cell changes it."""
        if self._hash is None:
            self._hash = content_hash(self.facts_json)
        return self._hash

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, AcceptedRow):
            return NotImplemented
        return (self.line, self.person_key, self.content_hash) == (
            other.line,
            other.person_key,
            other.content_hash,
        )

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        return (
            f"AcceptedRow(line={self.line}, external_id={self.external_id!r}, name={self.name!r}, "
            f"language={self.language!r}, person_key={self.person_key!r})"
        )


@dataclass(frozen=True, slots=True)
class RejectedRow:
    """A data row that did not, with the column at fault (as the file names it) and why.

    `external_id` and `name` say whose row it was in the report, cut to the lengths an accepted
    row may have (ending in "…" when cut), so a 25,000-character name still names the row.
    """

    line: int
    column: str
    reason: str
    external_id: str | None
    name: str | None

    def __post_init__(self) -> None:
        object.__setattr__(self, "column", shorten(self.column, COLUMN_MAX_CHARS))
        object.__setattr__(self, "external_id", shorten(self.external_id, ID_MAX_CHARS))
        object.__setattr__(self, "name", shorten(self.name, NAME_MAX_CHARS))


Outcome = AcceptedRow | RejectedRow


class Reject(Exception):
    """A rule failed; carries the column and reason up to the one place that builds RejectedRow."""

    def __init__(self, column: str, reason: str) -> None:
        super().__init__(reason)
        self.column = column
        self.reason = reason


def shorten(text: str | None, limit: int) -> str | None:
    """`text` cut to `limit` characters, the last one "…" when it was longer."""
    if text is None or len(text) <= limit:
        return text
    return text[: limit - 1].rstrip() + "…"
