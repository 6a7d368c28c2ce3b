"""Free-text entry cells (experience, projects) parsed into JSON Resume entries, and cell splitting.

Education entries are parsed in shared.education, list cells in shared.lists, dates in
shared.dates. Entries are plain dicts in JSON Resume shape (validated once, as part of the Profile, by the
caller): building pydantic models per entry costs more than the rest of a row's work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from shared.dates import Dates, find_dates

Entry = dict[str, Any]


def compact_entry(**fields: Any) -> Entry:
    """An entry with its unset (None) fields left out, as JSON Resume writes them."""
    return {k: v for k, v in fields.items() if v is not None}


# ---------------------------------------------------------------------------------------------
# Splitting cells.

_LINES = re.compile(r"\r\n|\r|\n")
_SEMI = re.compile(r"[;；]")
_BULLET = re.compile(r"^\s*(?:[-*•·●▪◦‣–—]|\d{1,2}[.)、])\s*")
_LIST_SEP = re.compile(r"[,;、，；|\n\r]")


def split_segments(cell: str) -> list[str]:
    """A cell's lines; a cell written on one line is split on `;`/`；` instead."""
    return _LINES.split(cell) if ("\n" in cell or "\r" in cell) else _SEMI.split(cell)


def split_entries(cell: str) -> list[tuple[str, bool]]:
    """The entries of a multi-entry cell as (text, is_bullet).

    One entry per line; a cell written on one line is split on `;`/`；` instead (a line break
    wins because descriptions often contain semicolons). A bullet line ("- built X") belongs to
    the entry above it.
    """
    out: list[tuple[str, bool]] = []
    for part in split_segments(cell):
        bullet = _BULLET.match(part)
        text = part[bullet.end() :] if bullet else part
        text = text.strip()
        if text:
            out.append((text, bullet is not None and bool(part[: bullet.end()].strip())))
    return out


def split_list(cell: str) -> list[str]:
    """Items of a list cell (skills, languages, links): split on , ; 、 ， | and line breaks."""
    return [item.strip() for item in _LIST_SEP.split(cell) if item.strip()]


# ---------------------------------------------------------------------------------------------
# Entries.

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_COLON = re.compile(r"[:：]")
EDGE = " \t,，;；:：-–—|/·"
_AT = re.compile(r"^(?P<pos>.+?)\s+(?:at|@)\s+(?P<org>.+)$", re.IGNORECASE)
_DASH = re.compile(r"\s+[-–—|]\s+|\s*[–—|]\s*|\s*－\s*")
_TITLE_WORDS = re.compile(
    r"\b(?:intern|internship|analyst|engineer|developer|manager|assistant|consultant|designer|"
    r"scientist|researcher|associate|specialist|coordinator|officer|director|lead|architect|"
    r"administrator|technician|teacher|tutor|accountant|editor|writer|programmer|volunteer|"
    r"representative|executive|fellow|trainee|head|president|founder|co-founder|clerk|"
    r"cashier|agent|advisor|adviser|auditor|nurse|instructor|supervisor|ta)\b"
    r"|实习生|实习|工程师|经理|助理|分析师|专员|顾问|设计师|研究员|主管|总监|开发|运营|销售|会计|"
    r"编辑|教师|助教|组长|负责人|主任|秘书|代表|架构师|程序员|干事|部长|主席|专家",
    re.IGNORECASE,
)


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


@dataclass
class Parts:
    """An entry cut into a header (who/what), its dates and a description."""

    header: str
    dates: Dates | None
    description: str


def cut(text: str) -> Parts | None:
    """Find the dates and cut around them; None when the entry has no recognisable dates."""
    colon = _COLON.search(text)
    dates = find_dates(text, before=colon.start() if colon else None)
    if dates is None:
        return None
    s, e = dates.span
    before = text[:s].rstrip(" \t(（[").strip(EDGE)
    after = text[e:].lstrip(" \t)）]")
    if before:
        return Parts(before, dates, after.strip(EDGE))
    # Dates first ("2021.06-2021.09 阿里巴巴 数据分析实习生 负责…"): the header follows.
    after = after.strip(EDGE)
    colon = _COLON.search(after)
    if colon:
        return Parts(after[: colon.start()].strip(EDGE), dates, after[colon.end() :].strip())
    if has_cjk(after):
        tokens = after.split(None, 2)
        return Parts(" ".join(tokens[:2]), dates, tokens[2] if len(tokens) > 2 else "")
    return Parts(after, dates, "")


def _is_title(text: str) -> bool:
    return _TITLE_WORDS.search(text) is not None


def _org_and_position(header: str) -> tuple[str | None, str | None]:
    """Employer and job title from a header, by the separator convention, titles breaking ties."""
    match = _AT.match(header)
    if match:
        return match["org"].strip(EDGE), match["pos"].strip(EDGE)
    pieces = [p.strip(EDGE) for p in _DASH.split(header, maxsplit=1)]
    default_org_first = True
    if len(pieces) < 2:
        pieces = [p.strip(EDGE) for p in re.split(r"\s*[,，]\s*", header, maxsplit=1)]
        default_org_first = False  # "Intern, Acme": title first
    if len(pieces) < 2 and has_cjk(header):
        pieces = header.split(None, 1)
        default_org_first = True  # "腾讯 产品实习生": employer first
    pieces = [p for p in pieces if p]
    if len(pieces) == 1:
        only = pieces[0]
        return (None, only) if _is_title(only) else (only, None)
    if len(pieces) != 2:
        return None, None
    first, second = pieces
    if _is_title(first) and not _is_title(second):
        return second, first
    if _is_title(second) and not _is_title(first):
        return first, second
    return (first, second) if default_org_first else (second, first)


def parse_work(text: str) -> Entry:
    """One experience entry; unclear ones are kept verbatim as a highlight with no employer."""
    parts = cut(text)
    if parts is None or not parts.header:
        return compact_entry(highlights=[text])
    org, position = _org_and_position(parts.header)
    if org is None and position is None:
        return compact_entry(highlights=[text])
    assert parts.dates is not None
    return compact_entry(
        name=org,
        position=position,
        startDate=parts.dates.start,
        endDate=parts.dates.end,
        highlights=[parts.description] if parts.description else [],
    )


def parse_project(text: str) -> Entry:
    """One project entry: `Name (dates): description` or `Name: description`, else verbatim."""
    parts = cut(text)
    if parts is not None and parts.header:
        assert parts.dates is not None
        return compact_entry(
            name=parts.header,
            description=parts.description or None,
            startDate=parts.dates.start,
            endDate=parts.dates.end,
        )
    colon = _COLON.search(text)
    if colon and 0 < colon.start() <= 60 and text[colon.end() :].strip():
        return compact_entry(
            name=text[: colon.start()].strip(), description=text[colon.end() :].strip()
        )
    # No name we could tell apart: the line is kept whole, and the project has no name.
    return compact_entry(name="", highlights=[text])


def parse_works(cell: str) -> list[Entry]:
    return _with_bullets(cell, parse_work)


def parse_projects(cell: str) -> list[Entry]:
    return _with_bullets(cell, parse_project)


def _with_bullets(cell: str, parse: Callable[[str], Entry]) -> list[Entry]:
    out: list[Entry] = []
    for text, bullet in split_entries(cell):
        if bullet and out:
            out[-1].setdefault("highlights", []).append(text)
        else:
            out.append(parse(text))
    return out
