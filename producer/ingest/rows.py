"""The row rules of docs/design.md §3.3 for a table row (CSV, XLSX): accepted facts or a reasoned rejection.

RowRules is what ingestion applies to every raw row; JSON Resume lines go on to DocumentRules.
The rules themselves live with their nouns: cells (cleaning), identity (id, name, person key),
language, values (e-mail, phone, years, dates).
"""

from __future__ import annotations

from collections.abc import Callable

from producer.ingest.cells import MISSING, clean, cleaner, trim
from producer.ingest.columns import HeaderMap
from producer.ingest.documents import DocumentRules
from producer.ingest.identity import Identities, check_name, person_key
from producer.ingest.language import row_language
from producer.ingest.outcomes import AcceptedRow, Outcome, Reject, RejectedRow
from producer.ingest.sources import RawRow
from producer.ingest.values import check_contacts, entry_date, grad_year
from shared.entries import Entry
from shared.facts import VALUE_FIELDS, Facts
from shared.settings import IngestSettings

_DATE_FIELDS = frozenset({"startDate", "endDate"})
# How much of a huge id or name cell is cleaned to name its row in the report (RejectedRow cuts
# it further and marks the cut).
_IDENTITY_HEAD = 4096


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
        self.identities = Identities()
        self.documents = DocumentRules(
            max_cell=self.max_cell,
            institution_id=institution_id,
            language=language,
            identities=self.identities,
        )
        # Resolved once per upload, not per row: where each field is and what the file calls it.
        self._indexes = list(header.fields.items()) if header else []
        self._columns = {f: header.column(i) for f, i in header.fields.items()} if header else {}
        self._not_facts = [f for f in self._columns if f not in VALUE_FIELDS]
        # The numbered groups (work_1_…) in number order:
        # (group, number, [(field, index, column, is_date)]).
        self._groups = (
            [
                (g, n, [(f, i, header.column(i), f in _DATE_FIELDS) for f, i in cols.items()])
                for (g, n), cols in header.groups.items()
            ]
            if header
            else []
        )

    def apply(self, raw: RawRow) -> Outcome:
        if raw.document is not None or self.header is None:
            return self.documents.apply(raw)
        return self._table(raw)

    def _table(self, raw: RawRow) -> Outcome:
        cells = raw.cells
        if raw.error is not None:
            return self._rejected(raw, raw.error_column, raw.error)
        values: dict[str, str] = {}
        columns = self._columns
        try:
            # Cell length is checked once, by the sources (CsvSource, XlsxSource): they must see
            # it anyway to avoid holding a huge cell, and hand a too-long row over with
            # raw.error set (handled above). JSONL documents are checked in DocumentRules.
            width = len(cells)
            clean_cell = cleaner(cells)
            if clean_cell is trim:  # `trim` inlined: the common case, 16 cells a row
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
            self.identities.claim(external_id, raw.line, columns.get("id", "id"))
            name = check_name(values.get("name"), columns["name"])
            check_contacts(values.get("email"), values.get("phone"), columns)
            grad = values.get("grad_year")
            if grad is not None:
                values["grad_year"] = grad_year(grad, columns["grad_year"])
            language = row_language(
                values.get("language"),
                self.default_language,
                name,
                lambda: "".join(values.values()),
                columns.get("language", "language"),
            )
            groups = self._numbered(cells, clean_cell) if self._groups else None
        except Reject as reject:
            return self._rejected(raw, reject.column, reject.reason)
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

    def _numbered(
        self, cells: list[str], clean_cell: Callable[[str], str | None]
    ) -> list[tuple[str, Entry, int]]:
        """The non-empty numbered groups, in number order, with their cells cleaned and dates
        parsed (a date that is not one rejects the row; "present" leaves the date out), and
        their number in the file (which names the column in the row report)."""
        width = len(cells)
        groups: list[tuple[str, Entry, int]] = []
        for group, number, fields in self._groups:
            entry: Entry = {}
            for field, index, column, is_date in fields:
                value = clean_cell(cells[index]) if index < width else None
                if value is None:
                    continue
                if is_date:
                    if (date := entry_date(value, column)) is not None:
                        entry[field] = date
                else:
                    entry[field] = value
            if entry:
                groups.append((group, entry, number))
        return groups

    def _rejected(self, raw: RawRow, column: str, reason: str) -> RejectedRow:
        """A rejected row, named in the report by its id and name cells whatever else is wrong
        with it (a 25,000-character cell, a bad e-mail, a row that could not be read whole)."""
        external_id = name = None
        if self.header is not None and raw.cells:
            fields, width = self.header.fields, len(raw.cells)
            if "id" in fields and fields["id"] < width:
                external_id = clean(raw.cells[fields["id"]][:_IDENTITY_HEAD])
            if fields["name"] < width:
                name = clean(raw.cells[fields["name"]][:_IDENTITY_HEAD])
        return RejectedRow(raw.line, column, reason, external_id, name)
