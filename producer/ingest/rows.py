"""The row rules of DESIGN §3.3: a raw row becomes an accepted Profile or a reasoned rejection."""

from __future__ import annotations

import hashlib
import json
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from pydantic import ValidationError

from producer.ingest.columns import HeaderMap
from producer.ingest.sources import RawRow
from shared.entries import Entry, has_cjk, parse_date
from shared.facts import VALUE_FIELDS, Facts, build_profile, content_hash, facts_json
from shared.profile import Profile
from shared.settings import IngestSettings


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
    """A data row that did not, with the column at fault (as the file names it) and why."""

    line: int
    column: str
    reason: str
    external_id: str | None
    name: str | None


Outcome = AcceptedRow | RejectedRow

# Values that mean "nothing here" (DESIGN §3.3 plus the spellings exports produce: null, NaN).
MISSING = frozenset({"", "n/a", "-", "none", "无", "null", "nan", "—", "暂无"})
# NUL and C0 controls except tab/newline, DEL and C1, zero-width characters, bidi controls.
_CONTROL = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u200b-\u200f\u2060\ufeff\u202a-\u202e\u2066-\u2069]"
)
_EMAIL = re.compile(
    r"[\w!#$%&'*+/=?^`{|}~-]+(?:\.[\w!#$%&'*+/=?^`{|}~-]+)*"
    r"@(?:[^\W_](?:[\w-]{0,61}[^\W_])?\.)+[^\W\d_]{2,63}"
)
_DIGIT = re.compile(r"\d")
_GRAD_CLASS = re.compile(r"(?:class\s+of\s+)?(\d{4})(?:\.0+)?\s*(?:届|级)?", re.IGNORECASE)
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_CJK_CHARS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")

LANGUAGES: dict[str, str] = {
    "en": "en", "english": "en", "eng": "en", "英文": "en", "英语": "en", "en-us": "en",
    "en-gb": "en", "zh": "zh", "chinese": "zh", "cn": "zh", "zh-cn": "zh", "zh_cn": "zh",
    "zh-hans": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh", "auto": "auto",
}  # fmt: skip


def clean(value: str) -> str | None:
    """Remove control, zero-width and bidi characters, NFC-normalise, trim; None when missing."""
    if "\r" in value:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    if _CONTROL.search(value) is not None:
        value = _CONTROL.sub("", value)
    if not value.isascii():
        value = unicodedata.normalize("NFC", value)
    value = value.strip()
    if len(value) <= 5 and value.casefold() in MISSING:
        return None
    return value


def _trim(value: str) -> str | None:
    """`clean` for a value known to hold no CR, control character or non-NFC text."""
    value = value.strip()
    if len(value) <= 5 and value.casefold() in MISSING:
        return None
    return value


def cleaner(cells: list[str]) -> Callable[[str], str | None]:
    """`clean`, or the cheaper `_trim` when the whole row shows that `clean` would only trim.

    Cells are joined with newlines, which no rule touches and nothing composes across, so the
    row holds a CR, a control character or non-NFC text exactly when one of its cells does.
    """
    joined = "\n".join(cells)
    if "\r" in joined or _CONTROL.search(joined) is not None:
        return clean
    if joined.isascii() or unicodedata.is_normalized("NFC", joined):
        return _trim
    return clean


def normalise_language(value: str) -> str | None:
    """en, zh or auto for a language spelling ("English", "中文"); None when unknown."""
    return LANGUAGES.get(value.strip().casefold())


def guess_language(name: str, text: str) -> str:
    """zh when the name or most of the text is Chinese, else en."""
    if name.isascii() and text.isascii():
        return "en"
    if has_cjk(name):
        return "zh"
    return "zh" if len(_CJK_CHARS.findall(text)) > len(_ASCII_LETTERS.findall(text)) else "en"


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


class _Reject(Exception):
    """A rule failed; carries the column and reason up to the one place that builds RejectedRow."""

    def __init__(self, column: str, reason: str) -> None:
        self.column = column
        self.reason = reason


class RowRules:
    """Applies the row rules to each raw row of one upload (it remembers ids to find duplicates)."""

    def __init__(
        self,
        header: HeaderMap | None,
        *,
        settings: IngestSettings,
        institution_id: str,
        language: str,
    ) -> None:
        self.header = header
        self.max_cell = settings.max_cell_chars
        self.institution_id = institution_id
        self.default_language = language
        self.seen_ids: dict[str, int] = {}
        # Resolved once per upload, not per row: where each field is and what the file calls it.
        self._indexes = list(header.fields.items()) if header else []
        self._columns = {f: header.column(i) for f, i in header.fields.items()} if header else {}
        self._not_facts = [f for f in self._columns if f not in VALUE_FIELDS]
        # The numbered groups (work_1_…) in number order: (group, [(field, index, column, is_date)]).
        self._groups = (
            [
                (g, [(f, i, header.column(i), f in _DATE_FIELDS) for f, i in cols.items()])
                for (g, _number), cols in header.groups.items()
            ]
            if header
            else []
        )

    def apply(self, raw: RawRow) -> Outcome:
        if raw.document is not None or self.header is None:
            return self._document(raw)
        return self._table(raw)

    # -- tables (CSV, XLSX) --------------------------------------------------------------------

    def _table(self, raw: RawRow) -> Outcome:
        cells = raw.cells
        if raw.error is not None:
            return self._rejected_raw(raw, raw.error_column, raw.error)
        values: dict[str, str] = {}
        columns = self._columns
        try:
            if cells and max(map(len, cells)) > self.max_cell:
                index = next(i for i, c in enumerate(cells) if len(c) > self.max_cell)
                raise _Reject(
                    self._column(index),
                    f"the cell has {len(cells[index]):,} characters; "
                    f"the limit is {self.max_cell:,}",
                )
            width = len(cells)
            clean_cell = cleaner(cells)
            if clean_cell is _trim:  # `_trim` inlined: the common case, 16 cells a row
                for field, index in self._indexes:
                    if index < width:
                        value = cells[index].strip()
                        if len(value) > 5 or value.casefold() not in MISSING:
                            values[field] = value
            else:
                for field, index in self._indexes:
                    if index < width:
                        cleaned = clean_cell(cells[index])
                        if cleaned is not None:
                            values[field] = cleaned
            external_id = values.get("id")
            if external_id is not None:
                first = self.seen_ids.get(external_id)
                if first is not None:
                    raise _Reject(
                        columns["id"], f"id {external_id!r} is a duplicate of line {first}"
                    )
                self.seen_ids[external_id] = raw.line
            name = values.get("name")
            if name is None:
                raise _Reject(columns["name"], "name is missing")
            self._check_contacts(values, columns)
            grad = values.get("grad_year")
            if grad is not None:
                values["grad_year"] = self._grad_year(grad, columns["grad_year"])
            language = self._language(values, columns, name)
            groups = self._numbered(cells, clean_cell) if self._groups else None
        except _Reject as reject:
            return RejectedRow(
                raw.line, reject.column, reject.reason, values.get("id"), values.get("name")
            )
        key = person_key(
            self.institution_id, external_id, values.get("email"), name, values.get("phone")
        )
        # The facts keep only the fields the Profile is built from (not id, not language).
        for field in self._not_facts:
            values.pop(field, None)
        facts: Facts = {"values": values, "language": language}
        if groups:
            facts["groups"] = groups
        return AcceptedRow(raw.line, external_id, name, language, key, facts)

    def _column(self, index: int) -> str:
        assert self.header is not None
        return self.header.column(index)

    def _check_contacts(self, values: dict[str, str], columns: dict[str, str]) -> None:
        email = values.get("email")
        if email is not None and (len(email) > 254 or _EMAIL.fullmatch(email) is None):
            raise _Reject(columns["email"], f"email {email!r} is not a valid e-mail address")
        phone = values.get("phone")
        if phone is not None and len(_DIGIT.findall(phone)) < 7:
            raise _Reject(columns["phone"], f"phone {phone!r} has fewer than 7 digits")

    def _grad_year(self, value: str, column: str) -> str:
        # A plain year, "class of 2024"/"2024届", or a date ("2024-06", "2024年6月") whose
        # precision is kept.
        match = _GRAD_CLASS.fullmatch(value)
        date = match[1] if match else parse_date(value)
        if date is None or not 1950 <= int(date[:4]) <= 2100:
            raise _Reject(column, f"grad_year {value!r} is not a year between 1950 and 2100")
        return date

    def _language(self, values: dict[str, str], columns: dict[str, str], name: str) -> str:
        asked = values.get("language")
        language = self.default_language
        if asked is not None:
            found = normalise_language(asked)
            if found is None:
                raise _Reject(
                    columns["language"],
                    f"language {asked!r} is not supported; use en (English) or zh (中文)",
                )
            language = found
        if language == "auto":
            return guess_language(name, "".join(values.values()))
        return language

    def _date(self, value: str | None, column: str) -> str | None:
        if value is None or normalise_present(value):
            return None
        date = parse_date(value)
        if date is None:
            raise _Reject(column, f"{value!r} is not a date; write 2021, 2021-06 or 2021-06-30")
        return date

    def _numbered(
        self, cells: list[str], clean_cell: Callable[[str], str | None]
    ) -> list[tuple[str, Entry]]:
        """The non-empty numbered groups, in number order, with their cells cleaned and dates
        parsed (a date that is not one rejects the row; "present" leaves the date out)."""
        width = len(cells)
        groups: list[tuple[str, Entry]] = []
        for group, fields in self._groups:
            entry: Entry = {}
            for field, index, column, is_date in fields:
                value = clean_cell(cells[index]) if index < width else None
                if value is None:
                    continue
                if is_date:
                    if (date := self._date(value, column)) is not None:
                        entry[field] = date
                else:
                    entry[field] = value
            if entry:
                groups.append((group, entry))
        return groups

    def _rejected_raw(self, raw: RawRow, column: str, reason: str) -> RejectedRow:
        """A row that could not be read whole: name and id as far as they can be told."""
        external_id = name = None
        if self.header is not None and raw.cells:
            fields = self.header.fields
            if "id" in fields and fields["id"] < len(raw.cells):
                external_id = clean(raw.cells[fields["id"]])
            if fields["name"] < len(raw.cells):
                name = clean(raw.cells[fields["name"]])
        return RejectedRow(raw.line, column, reason, external_id, name)

    # -- JSONL: one JSON Resume document per line ----------------------------------------------

    def _document(self, raw: RawRow) -> Outcome:
        if raw.error is not None or raw.document is None:
            return RejectedRow(
                raw.line, raw.error_column, raw.error or "the line is empty", None, None
            )
        external_id: str | None = None
        name: str | None = None
        try:
            document = self._clean_document(raw.document, "")
            if not isinstance(document, dict):
                raise _Reject("", "the line is not a JSON Resume object")
            raw_id = document.get("id")
            external_id = str(raw_id) if raw_id is not None else None
            basics = document.get("basics")
            if not isinstance(basics, dict):
                raise _Reject("basics.name", "basics.name is missing")
            name = basics.get("name") if isinstance(basics.get("name"), str) else None
            if external_id is not None:
                first = self.seen_ids.get(external_id)
                if first is not None:
                    raise _Reject("id", f"id {external_id!r} is a duplicate of line {first}")
                self.seen_ids[external_id] = raw.line
            if not name:
                raise _Reject("basics.name", "basics.name is missing")
            contacts = {k: v for k in ("email", "phone") if isinstance(v := basics.get(k), str)}
            self._check_contacts(contacts, {"email": "basics.email", "phone": "basics.phone"})
            found_meta = document.get("meta")
            meta: dict[str, Any] = found_meta if isinstance(found_meta, dict) else {}
            asked = meta.get("language") if isinstance(meta.get("language"), str) else None
            language = self.default_language
            if asked:
                found = normalise_language(asked)
                if found is None:
                    raise _Reject(
                        "meta.language", f"language {asked!r} is not supported; use en or zh"
                    )
                language = found
            if language == "auto":
                language = guess_language(name, json.dumps(document, ensure_ascii=False))
            document["meta"] = {**meta, "language": language}
            try:
                profile = Profile.model_validate(document)
            except ValidationError as exc:
                error = exc.errors()[0]
                where = ".".join(str(p) for p in error["loc"])
                raise _Reject(where, f"{where}: {error['msg'].lower()}") from None
        except _Reject as reject:
            return RejectedRow(raw.line, reject.column, reject.reason, external_id, name)
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

    def _clean_document(self, value: Any, where: str) -> Any:
        """Every string cleaned like a cell; missing markers become null (dropped from lists)."""
        if isinstance(value, str):
            if len(value) > self.max_cell:
                raise _Reject(
                    where,
                    f"the value has {len(value):,} characters; the limit is {self.max_cell:,}",
                )
            return clean(value)
        if isinstance(value, dict):
            return {
                k: self._clean_document(v, f"{where}.{k}" if where else str(k))
                for k, v in value.items()
            }
        if isinstance(value, list):
            items = (self._clean_document(v, f"{where}.{i}") for i, v in enumerate(value))
            return [v for v in items if v is not None]
        return value


_DATE_FIELDS = frozenset({"startDate", "endDate"})
_PRESENT = frozenset({"present", "now", "current", "ongoing", "today", "至今", "现在", "今"})


def normalise_present(value: str) -> bool:
    """True for "present"/"至今": an ongoing entry, whose end date is left out."""
    return value.strip().casefold() in _PRESENT
