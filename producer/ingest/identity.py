"""Who a row is about: its id (unique within an upload), its name, and its person key.

Both kinds of upload go through here: a table's `id`/`name` cells and a JSON Resume line's `id`/
`basics.name`. So the duplicate-id rule and the name rules are one rule each, whatever the format.
"""

from __future__ import annotations

import hashlib
import re

from producer.ingest.outcomes import ID_MAX_CHARS, NAME_MAX_CHARS, Reject

_DIGIT = re.compile(r"\d")


class Identities:
    """The ids one upload has used so far: a repeated id rejects the later rows.

    The first row that carries an id claims it, whether or not it is accepted: the report names
    that line, and a second row with the same id is the same person written twice.
    """

    def __init__(self) -> None:
        self.seen: dict[str, int] = {}

    def claim(self, external_id: str | None, line: int, column: str) -> None:
        """Record `external_id` for `line`; raise Reject when it is too long or already used."""
        if external_id is None:
            return
        if len(external_id) > ID_MAX_CHARS:
            raise Reject(
                column, f"id has {len(external_id):,} characters; the limit is {ID_MAX_CHARS}"
            )
        first = self.seen.get(external_id)
        if first is not None:
            raise Reject(column, f"id {external_id!r} is a duplicate of line {first}")
        self.seen[external_id] = line


def check_name(name: str | None, column: str, field: str = "name") -> str:
    """The row's name; raise Reject when it is missing or longer than a name can be."""
    if not name:
        raise Reject(column, f"{field} is missing")
    if len(name) > NAME_MAX_CHARS:
        raise Reject(column, f"name has {len(name):,} characters; the limit is {NAME_MAX_CHARS}")
    return name


def person_key(
    institution_id: str, external_id: str | None, email: str | None, name: str, phone: str | None
) -> str:
    """Who the row is about, stable across uploads: institution + id, else e-mail, else name+phone.

    The institution is part of every key so that two clients' candidates never share one.
    """
    if external_id:
        source = f"id\x1f{institution_id}\x1f{external_id}"
    elif email:
        source = f"email\x1f{institution_id}\x1f{email.lower()}"
    else:
        digits = "".join(_DIGIT.findall(phone or ""))
        source = f"name\x1f{institution_id}\x1f{name}\x1f{digits}"
    return hashlib.sha256(source.encode("utf-8")).hexdigest()[:32]
