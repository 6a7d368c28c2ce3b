"""The row rules for a JSONL line: one JSON Resume document becomes an accepted Profile or not."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from pydantic import ValidationError

from producer.ingest.cells import clean
from producer.ingest.identity import Identities, check_name, person_key
from producer.ingest.language import row_language
from producer.ingest.outcomes import AcceptedRow, Outcome, Reject, RejectedRow
from producer.ingest.sources import RawRow
from producer.ingest.values import check_contacts
from shared.dates import is_present
from shared.profile import Profile

_CONTACT_COLUMNS = {"email": "basics.email", "phone": "basics.phone"}


class DocumentRules:
    """Applies the row rules to JSON Resume lines, with the id and language rules of tables."""

    def __init__(
        self, *, max_cell: int, institution_id: str, language: str, identities: Identities
    ) -> None:
        self.max_cell = max_cell
        self.institution_id = institution_id
        self.default_language = language
        self.identities = identities

    def apply(self, raw: RawRow) -> Outcome:
        if raw.error is not None or raw.document is None:
            return RejectedRow(
                raw.line, raw.error_column, raw.error or "the line is empty", None, None
            )
        try:
            document = self._clean(raw.document, "")
            if not isinstance(document, dict):
                raise Reject("", "the line is not a JSON Resume object")
            raw_id = document.get("id")
            external_id = str(raw_id) if raw_id is not None else None
            self.identities.claim(external_id, raw.line, "id")
            basics = document.get("basics")
            if not isinstance(basics, dict):
                basics = {}
            name = check_name(_text(basics.get("name")), "basics.name", "basics.name")
            check_contacts(_text(basics.get("email")), _text(basics.get("phone")), _CONTACT_COLUMNS)
            found_meta = document.get("meta")
            meta: dict[str, Any] = found_meta if isinstance(found_meta, dict) else {}
            language = row_language(
                _text(meta.get("language")) or None,
                self.default_language,
                name,
                lambda: "".join(_strings(document)),
                "meta.language",
            )
            document["meta"] = {**meta, "language": language}
            try:
                profile = Profile.model_validate(document)
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(p) for p in error["loc"])
                raise Reject(where, f"{where}: {error['msg'].lower()}") from None
        except Reject as reject:
            return RejectedRow(raw.line, reject.column, reject.reason, *_identity(raw.document))
        key = person_key(
            self.institution_id, external_id, profile.basics.email, name, profile.basics.phone
        )
        return AcceptedRow(
            raw.line,
            external_id,
            name,
            language,
            key,
            {"profile": profile.model_dump(mode="json")},
            profile,
        )

    def _clean(self, value: Any, where: str) -> Any:
        """Every string cleaned like a cell; missing markers become null (dropped from lists)."""
        if isinstance(value, str):
            if len(value) > self.max_cell:
                raise Reject(
                    where,
                    f"the value has {len(value):,} characters; the limit is {self.max_cell:,}",
                )
            return clean(value)
        if isinstance(value, dict):
            return {
                k: self._clean(v, f"{where}.{k}" if where else str(k))
                for k, v in value.items()
                # An open end ("Present", "至今") is an ongoing entry, as in a table's end column:
                # JSON Resume leaves its endDate out.
                if not (k == "endDate" and isinstance(v, str) and is_present(v))
            }
        if isinstance(value, list):
            items = (self._clean(v, f"{where}.{i}") for i, v in enumerate(value))
            return [v for v in items if v is not None]
        return value


def _strings(value: Any) -> Iterator[str]:
    """The document's text values, not its keys: what a table row's language is guessed from."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _text(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _identity(document: dict[str, Any]) -> tuple[str | None, str | None]:
    """The id and name of a rejected line as written (cleaned), for the report."""
    raw_id = document.get("id")
    external_id = clean(_head(raw_id)) if isinstance(raw_id, str) else None
    if raw_id is not None and not isinstance(raw_id, (str, dict, list)):
        external_id = str(raw_id)
    basics = document.get("basics")
    found = basics.get("name") if isinstance(basics, dict) else None
    name = clean(_head(found)) if isinstance(found, str) else None
    return external_id, name


def _head(text: str) -> str:
    """Enough of a huge value to name the row: RejectedRow cuts it to its limit and marks the cut."""
    return text if len(text) <= 4096 else text[:4096]
