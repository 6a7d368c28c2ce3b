"""Free-text cells (experience, projects, education, lists) parsed into JSON Resume entries.

Entries are plain dicts in JSON Resume shape (validated once, as part of the Profile, by the
caller): building pydantic models per entry costs more than the rest of a row's work.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

Entry = dict[str, Any]


def _entry(**fields: Any) -> Entry:
    """An entry with its unset (None) fields left out, as JSON Resume writes them."""
    return {k: v for k, v in fields.items() if v is not None}


# ---------------------------------------------------------------------------------------------
# Dates. A date keeps the precision it was written with: 2021 → "2021", Jun 2021 → "2021-06".

_MONTHS = {
    "jan": 1, "january": 1, "feb": 2, "february": 2, "mar": 3, "march": 3, "apr": 4, "april": 4,
    "may": 5, "jun": 6, "june": 6, "jul": 7, "july": 7, "aug": 8, "august": 8, "sep": 9,
    "sept": 9, "september": 9, "oct": 10, "october": 10, "nov": 11, "november": 11, "dec": 12,
    "december": 12,
}  # fmt: skip
_MONTH_NAMES = "|".join(sorted(_MONTHS, key=len, reverse=True))
_YEAR = r"(?:19[5-9]\d|20\d\d|2100)"
_PRESENT_WORDS = r"(?:present|now|current|currently|today|ongoing|至今|现在|目前|今)"

# One date, without groups, so a range pattern can use it twice.
_DATE = (
    rf"(?:{_YEAR}\s*年\s*\d{{1,2}}\s*月(?:\s*\d{{1,2}}\s*日)?"
    rf"|{_YEAR}[-./]\d{{1,2}}(?!\d)(?:[-./]\d{{1,2}}(?!\d))?"
    rf"|(?:{_MONTH_NAMES})\.?,?\s+{_YEAR}"
    rf"|\d{{1,2}}/{_YEAR}"
    rf"|{_YEAR}\s*年?)"
)
_SEP = r"\s*(?:-|–|—|~|～|－|―|\bto\b|\buntil\b|至)\s*"
_RANGE = re.compile(
    rf"(?<![\w.])(?P<start>{_DATE})(?:{_SEP}(?P<end>{_DATE}|{_PRESENT_WORDS}(?![A-Za-z]))"
    rf"|\s*(?P<open>至今|以来))(?!\d)",
    re.IGNORECASE,
)
_SINGLE = re.compile(rf"(?<![\w.])(?P<start>{_DATE})(?!\d)", re.IGNORECASE)

_YMD_ZH = re.compile(rf"({_YEAR})\s*年\s*(\d{{1,2}})\s*月(?:\s*(\d{{1,2}})\s*日)?")
_YMD = re.compile(rf"({_YEAR})[-./](\d{{1,2}})(?:[-./](\d{{1,2}}))?")
_MY_NAME = re.compile(rf"({_MONTH_NAMES})\.?,?\s+({_YEAR})", re.IGNORECASE)
_MY_NUM = re.compile(rf"(\d{{1,2}})/({_YEAR})")
_Y = re.compile(rf"({_YEAR})\s*年?")
_PRESENT = re.compile(rf"{_PRESENT_WORDS}", re.IGNORECASE)


def parse_date(text: str) -> str | None:
    """A JSON Resume partial date for one date token, or None when it is not a valid date."""
    token = text.strip()
    for pattern in (_YMD_ZH, _YMD):
        match = pattern.fullmatch(token)
        if match:
            return _partial(match[1], match[2], match[3])
    match = _MY_NAME.fullmatch(token)
    if match:
        return _partial(match[2], str(_MONTHS[match[1].lower()]), None)
    match = _MY_NUM.fullmatch(token)
    if match:
        return _partial(match[2], match[1], None)
    match = _Y.fullmatch(token)
    if match:
        return match[1]
    return None


def _partial(year: str, month: str | None, day: str | None) -> str | None:
    if month is None:
        return year
    m = int(month)
    if not 1 <= m <= 12:
        return None
    if day is None:
        return f"{year}-{m:02d}"
    d = int(day)
    if not 1 <= d <= 31:
        return None
    return f"{year}-{m:02d}-{d:02d}"


@dataclass(frozen=True)
class Dates:
    """A date span found in an entry and where it sat in the text."""

    start: str
    end: str | None  # None: ongoing ("present", "至今")
    span: tuple[int, int]


def find_dates(text: str, *, before: int | None = None) -> Dates | None:
    """The first date range (else a lone date) that starts before `before` (a header boundary)."""
    limit = len(text) if before is None else before
    for match in _RANGE.finditer(text):
        if match.start() >= limit:
            break
        start = parse_date(match["start"])
        if start is None:
            continue
        if match["open"] or _PRESENT.fullmatch(match["end"] or ""):
            return Dates(start, None, match.span())
        end = parse_date(match["end"])
        if end is not None:
            return Dates(start, end, match.span())
    # A lone date only counts in brackets or at the very start, where it cannot be a number in
    # a sentence ("built a 2048 game").
    for match in _SINGLE.finditer(text):
        if match.start() >= limit:
            break
        s, e = match.span()
        bracketed = text[:s].rstrip().endswith(("(", "（", "[")) and text[e:].lstrip().startswith(
            (")", "）", "]")
        )
        if bracketed or not text[:s].strip():
            date = parse_date(match["start"])
            if date is not None:
                return Dates(date, date, (s, e))
    return None


# ---------------------------------------------------------------------------------------------
# Splitting cells.

_LINES = re.compile(r"\r\n|\r|\n")
_SEMI = re.compile(r"[;；]")
_BULLET = re.compile(r"^\s*(?:[-*•·●▪◦‣–—]|\d{1,2}[.)、])\s*")
_LIST_SEP = re.compile(r"[,;、，；|\n\r]")
_AWARD_SEP = re.compile(r"[;、，；|\n\r]")


def split_entries(cell: str) -> list[tuple[str, bool]]:
    """The entries of a multi-entry cell as (text, is_bullet).

    One entry per line; a cell written on one line is split on `;`/`；` instead (a line break
    wins because descriptions often contain semicolons). A bullet line ("- built X") belongs to
    the entry above it.
    """
    parts = _LINES.split(cell) if ("\n" in cell or "\r" in cell) else _SEMI.split(cell)
    out: list[tuple[str, bool]] = []
    for part in parts:
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
_EDGE = " \t,，;；:：-–—|/·"
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
_SCHOOL_WORDS = re.compile(
    r"university|college|institute|school|academy|polytechnic|大学|学院|学校|中学|研究院|研究所",
    re.IGNORECASE,
)
_DEGREE_WORDS = re.compile(
    r"\b(?:b\.?\s?sc|b\.?\s?a|b\.?\s?eng|b\.?\s?s|m\.?\s?sc|m\.?\s?a|m\.?\s?eng|m\.?\s?s|mba|"
    r"ph\.?\s?d|bachelor(?:'s)?|master(?:'s)?|doctor(?:ate)?|diploma|associate|llb|llm|md)\b\.?"
    r"|本科|硕士|博士|学士|专科|大专|研究生|高中",
    re.IGNORECASE,
)


def has_cjk(text: str) -> bool:
    return _CJK.search(text) is not None


@dataclass
class _Parts:
    """An entry cut into a header (who/what), its dates and a description."""

    header: str
    dates: Dates | None
    description: str


def _cut(text: str) -> _Parts | None:
    """Find the dates and cut around them; None when the entry has no recognisable dates."""
    colon = _COLON.search(text)
    dates = find_dates(text, before=colon.start() if colon else None)
    if dates is None:
        return None
    s, e = dates.span
    before = text[:s].rstrip(" \t(（[").strip(_EDGE)
    after = text[e:].lstrip(" \t)）]")
    if before:
        return _Parts(before, dates, after.strip(_EDGE))
    # Dates first ("2021.06-2021.09 阿里巴巴 数据分析实习生 负责…"): the header follows.
    after = after.strip(_EDGE)
    colon = _COLON.search(after)
    if colon:
        return _Parts(after[: colon.start()].strip(_EDGE), dates, after[colon.end() :].strip())
    if has_cjk(after):
        tokens = after.split(None, 2)
        return _Parts(" ".join(tokens[:2]), dates, tokens[2] if len(tokens) > 2 else "")
    return _Parts(after, dates, "")


def _is_title(text: str) -> bool:
    return _TITLE_WORDS.search(text) is not None


def _org_and_position(header: str) -> tuple[str | None, str | None]:
    """Employer and job title from a header, by the separator convention, titles breaking ties."""
    match = _AT.match(header)
    if match:
        return match["org"].strip(_EDGE), match["pos"].strip(_EDGE)
    pieces = [p.strip(_EDGE) for p in _DASH.split(header, maxsplit=1)]
    default_org_first = True
    if len(pieces) < 2:
        pieces = [p.strip(_EDGE) for p in re.split(r"\s*[,，]\s*", header, maxsplit=1)]
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
    parts = _cut(text)
    if parts is None or not parts.header:
        return _entry(highlights=[text])
    org, position = _org_and_position(parts.header)
    if org is None and position is None:
        return _entry(highlights=[text])
    assert parts.dates is not None
    return _entry(
        name=org,
        position=position,
        startDate=parts.dates.start,
        endDate=parts.dates.end,
        highlights=[parts.description] if parts.description else [],
    )


def parse_project(text: str) -> Entry:
    """One project entry: `Name (dates): description` or `Name: description`, else verbatim."""
    parts = _cut(text)
    if parts is not None and parts.header:
        assert parts.dates is not None
        return _entry(
            name=parts.header,
            description=parts.description or None,
            startDate=parts.dates.start,
            endDate=parts.dates.end,
        )
    colon = _COLON.search(text)
    if colon and 0 < colon.start() <= 60 and text[colon.end() :].strip():
        return _entry(name=text[: colon.start()].strip(), description=text[colon.end() :].strip())
    # No name we could tell apart: the line is kept whole, and the project has no name.
    return _entry(name="", highlights=[text])


def parse_education(text: str) -> Entry:
    """One education entry: institution, degree and field when they can be told apart."""
    parts = _cut(text)
    header = parts.header if parts else text
    description = parts.description if parts else ""
    pieces = [p.strip(_EDGE) for p in re.split(r"\s*[,，|/]\s*|\s+[-–—]\s+", header) if p.strip()]
    if len(pieces) == 1 and has_cjk(header):
        pieces = header.split()
    school = next((p for p in pieces if _SCHOOL_WORDS.search(p)), None)
    if school is None:
        # Nothing says which part is the school: keep the entry whole rather than guess.
        return _entry(
            institution=text if parts is None else header,
            startDate=parts.dates.start if parts and parts.dates else None,
            endDate=parts.dates.end if parts and parts.dates else None,
            courses=[description] if description else [],
        )
    rest = [p for p in pieces if p is not school]
    degree = next((p for p in rest if _DEGREE_WORDS.search(p)), None)
    area = " ".join(p for p in rest if p is not degree) or None
    if degree is not None and area is None:
        # "BSc Computer Science": the degree word and the field share one piece.
        match = _DEGREE_WORDS.search(degree)
        assert match is not None
        tail = degree[match.end() :].strip(_EDGE + " ")
        tail = re.sub(r"^(?:in|of)\s+", "", tail, flags=re.IGNORECASE)
        if tail and match.start() == 0:
            degree, area = degree[: match.end()].strip(), tail
    return _entry(
        institution=school,
        studyType=degree,
        area=area,
        startDate=parts.dates.start if parts and parts.dates else None,
        endDate=parts.dates.end if parts and parts.dates else None,
        courses=[description] if description else [],
    )


def parse_works(cell: str) -> list[Entry]:
    return _with_bullets(cell, parse_work)


def parse_projects(cell: str) -> list[Entry]:
    return _with_bullets(cell, parse_project)


def parse_educations(cell: str) -> list[Entry]:
    out: list[Entry] = []
    for text, bullet in split_entries(cell):
        if bullet and out:
            out[-1].setdefault("courses", []).append(text)
        else:
            out.append(parse_education(text))
    return out


def _with_bullets(cell: str, parse: Callable[[str], Entry]) -> list[Entry]:
    out: list[Entry] = []
    for text, bullet in split_entries(cell):
        if bullet and out:
            out[-1].setdefault("highlights", []).append(text)
        else:
            out.append(parse(text))
    return out


# ---------------------------------------------------------------------------------------------
# List cells.

_GROUPED = re.compile(r"^\s*(?P<name>[^:：,，;；]{1,40})[:：]\s*(?P<items>.+)$")
_FLUENCY = re.compile(
    r"^(?P<lang>[^()（）:：\-–—]+?)\s*(?:[(（](?P<a>[^)）]+)[)）]|[:：\-–—]\s*(?P<b>.+))$"
)
_NETWORKS = {
    "linkedin.com": "LinkedIn",
    "github.com": "GitHub",
    "gitlab.com": "GitLab",
    "twitter.com": "Twitter",
    "x.com": "X",
    "weibo.com": "Weibo",
    "zhihu.com": "Zhihu",
    "behance.net": "Behance",
    "dribbble.com": "Dribbble",
    "kaggle.com": "Kaggle",
    "stackoverflow.com": "Stack Overflow",
    "scholar.google.com": "Google Scholar",
    "orcid.org": "ORCID",
}
_URL = re.compile(r"^(?:https?://)?(?:www\.)?(?P<host>[^/\s?#]+)(?P<path>/[^\s?#]*)?", re.I)


def parse_skills(cell: str, *, default_name: str) -> list[Entry]:
    """Skill groups: `Group: a, b` lines become one Skill each; a plain list is one Skill."""
    segments = _LINES.split(cell) if ("\n" in cell or "\r" in cell) else _SEMI.split(cell)
    grouped = [_GROUPED.match(s) for s in segments if s.strip()]
    if grouped and all(grouped):
        return [
            _entry(name=m["name"].strip(), keywords=split_list(m["items"]))
            for m in grouped
            if m is not None
        ]
    items = split_list(cell)
    return [_entry(name=default_name, keywords=items)] if items else []


def parse_languages(cell: str) -> list[Entry]:
    """`English (fluent), 中文（母语）` → languages with fluency where it is written."""
    out: list[Entry] = []
    for item in split_list(cell):
        match = _FLUENCY.match(item)
        if match:
            fluency = (match["a"] or match["b"] or "").strip() or None
            out.append(_entry(language=match["lang"].strip(), fluency=fluency))
        else:
            out.append(_entry(language=item))
    return out


def _titled(cell: str) -> list[tuple[str, str | None]]:
    """Items with an optional date in brackets or after a comma ("Dean's List (2023)")."""
    out: list[tuple[str, str | None]] = []
    for item in (i.strip() for i in _AWARD_SEP.split(cell)):
        if not item:
            continue
        match = re.match(
            rf"^(?P<title>.+?)\s*(?:[(（]\s*(?P<d1>{_DATE})\s*[)）]|,\s*(?P<d2>{_DATE}))$", item
        )
        if match:
            date = parse_date(match["d1"] or match["d2"])
            if date is not None:
                out.append((match["title"].strip(), date))
                continue
        out.append((item, None))
    return out


def parse_awards(cell: str) -> list[Entry]:
    return [_entry(title=title, date=date) for title, date in _titled(cell)]


def parse_certificates(cell: str) -> list[Entry]:
    return [_entry(name=name, date=date) for name, date in _titled(cell)]


def parse_links(cell: str) -> tuple[str | None, list[Entry]]:
    """(personal website, social profiles): known networks become profiles, the first other
    link becomes the website and any further ones are profiles without a network."""
    website: str | None = None
    profiles: list[Entry] = []
    for item in re.split(r"[\s,;、，；|]+", cell):
        if not item:
            continue
        match = _URL.match(item)
        host = match["host"].lower() if match else ""
        network = next(
            (n for d, n in _NETWORKS.items() if host == d or host.endswith("." + d)), None
        )
        if network is not None and match is not None:
            segments = [seg for seg in (match["path"] or "").split("/") if seg]
            username = segments[-1] if segments else None
            profiles.append(_entry(network=network, username=username, url=item))
        elif website is None:
            website = item
        else:
            profiles.append(_entry(url=item))
    return website, profiles
