"""The column alias table and the HeaderMap that maps a file's header onto canonical fields."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass, field

from producer.csvsafe import csv_text
from shared.errors import WholeFileError

# docs/design.md §3.2, in order; docs/user-guide.md and `cohortcv template` print this table.
ALIASES: dict[str, tuple[str, ...]] = {
    "id": ("student id", "candidate id", "person id", "employee id", "学号", "工号", "编号"),
    "name": ("full name", "candidate name", "student name", "姓名"),
    "email": ("e-mail", "email address", "e-mail address", "mail", "邮箱", "电子邮箱"),
    "phone": (
        "phone number", "mobile", "mobile phone", "telephone", "tel", "手机", "电话", "联系电话",
    ),
    "location": ("city", "address", "城市", "所在地"),
    "label": ("headline", "title", "current title", "target role", "求职意向", "意向岗位"),
    "summary": ("profile", "about", "objective", "个人简介", "自我评价"),
    "school": ("university", "college", "institution", "学校", "毕业院校"),
    "degree": ("study type", "qualification", "学历", "学位"),
    "major": ("field of study", "area", "programme", "program", "专业"),
    "grad_year": ("graduation year", "class of", "year of graduation", "毕业年份", "毕业时间"),
    "gpa": ("grade", "score", "绩点"),
    "education": ("education history", "教育经历"),
    "experience": (
        "work experience", "work history", "employment", "internships", "工作经历", "实习经历",
    ),
    "projects": ("project experience", "项目经历"),
    "skills": ("skill", "competencies", "技能", "专业技能"),
    "languages": ("语言", "语言能力"),
    "awards": ("honors", "honours", "获奖", "荣誉"),
    "certificates": ("certifications", "证书"),
    "links": ("website", "url", "linkedin", "github", "个人主页"),
    "target_job": ("job description", "jd", "目标职位描述"),
    "language": ("output language", "lang", "简历语言"),
}  # fmt: skip

# Numbered groups (`work_1_company`): group → its canonical JSON Resume field → accepted spellings.
GROUP_FIELDS: dict[str, dict[str, tuple[str, ...]]] = {
    "work": {
        "name": ("company", "employer", "organization", "organisation", "name"),
        "position": ("position", "title", "role", "job title"),
        "startDate": ("start", "start date", "from"),
        "endDate": ("end", "end date", "to"),
        "highlights": ("highlights", "description", "details", "summary"),
        "location": ("location", "city"),
        "url": ("url", "website"),
    },
    "education": {
        "institution": ("institution", "school", "university", "college"),
        "area": ("area", "major", "field of study"),
        "studyType": ("studytype", "study type", "degree"),
        "startDate": ("start", "start date", "from"),
        "endDate": ("end", "end date", "to"),
        "score": ("score", "gpa", "grade"),
        "courses": ("courses",),
    },
    "project": {
        "name": ("name", "title"),
        "description": ("description", "summary"),
        "startDate": ("start", "start date", "from"),
        "endDate": ("end", "end date", "to"),
        "url": ("url", "link"),
        "highlights": ("highlights", "details"),
        "roles": ("roles", "role"),
        "keywords": ("keywords", "technologies", "tech"),
    },
}
# Prefixes a numbered group may be written with (`experience_2_company`, `edu_1_school`).
_GROUP_PREFIXES = {
    "work": "work",
    "experience": "work",
    "job": "work",
    "education": "education",
    "edu": "education",
    "project": "project",
    "projects": "project",
}

_STRIP = re.compile(r"[\W_]+")


def normalise(header: str) -> str:
    """The matching key of a header: case-, space-, underscore- and punctuation-insensitive."""
    return _STRIP.sub("", unicodedata.normalize("NFKC", header).casefold())


_LOOKUP: dict[str, str] = {}
for _canonical, _aliases in ALIASES.items():
    for _spelling in (_canonical, *_aliases):
        _LOOKUP[normalise(_spelling)] = _canonical

_GROUP_LOOKUP: dict[str, dict[str, str]] = {
    group: {normalise(s): f for f, spellings in fields.items() for s in (f, *spellings)}
    for group, fields in GROUP_FIELDS.items()
}
_GROUP_RE = re.compile(
    r"^(?P<prefix>" + "|".join(sorted(_GROUP_PREFIXES, key=len, reverse=True)) + r")"
    r"(?P<number>\d{1,3})(?P<field>[^\W\d_]\w*)$"
)


@dataclass
class HeaderMap:
    """Where each canonical field lives in a file's rows."""

    header: list[str]
    fields: dict[str, int] = field(default_factory=dict)
    # (group, number) → JSON Resume field → column index, in the order groups are numbered.
    groups: dict[tuple[str, int], dict[str, int]] = field(default_factory=dict)
    unknown: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def column(self, index: int) -> str:
        """The header cell as the user wrote it (what the error report names)."""
        return self.header[index] if index < len(self.header) else f"column {index + 1}"


def map_header(header: Sequence[str], *, path: str = "<input>") -> HeaderMap:
    """Map header cells to canonical fields; raise WholeFileError when no column is `name`."""
    result = HeaderMap(header=[cell.strip() for cell in header])
    duplicates: list[str] = []
    for index, cell in enumerate(result.header):
        key = normalise(cell)
        canonical = _LOOKUP.get(key)
        if canonical is not None:
            if canonical in result.fields:
                duplicates.append(f"{cell!r} (also {canonical!r})")
            else:
                result.fields[canonical] = index
            continue
        group = _match_group(key)
        if group is not None:
            name, number, target = group
            slot = result.groups.setdefault((name, number), {})
            if target in slot:
                duplicates.append(repr(cell))
            else:
                slot[target] = index
            continue
        if cell:
            result.unknown.append(cell)
    result.groups = dict(sorted(result.groups.items(), key=lambda item: (item[0][0], item[0][1])))
    if "name" not in result.fields:
        found = ", ".join(repr(cell) for cell in result.header[:12]) or "nothing"
        raise WholeFileError(
            path,
            f"has no column recognised as 'name' (header found: {found}); "
            "name the column 'name', 'full name', 'student name', 'candidate name' or '姓名'",
        )
    if result.unknown:
        result.warnings.append(
            "ignored unknown columns: " + ", ".join(repr(cell) for cell in result.unknown)
        )
    if duplicates:
        result.warnings.append(
            "ignored repeated columns (the first one is used): " + ", ".join(duplicates)
        )
    return result


def _match_group(key: str) -> tuple[str, int, str] | None:
    match = _GROUP_RE.match(key)
    if match is None:
        return None
    group = _GROUP_PREFIXES[match["prefix"]]
    target = _GROUP_LOOKUP[group].get(match["field"])
    if target is None:
        return None
    return group, int(match["number"]), target


TEMPLATE_HEADER: tuple[str, ...] = (
    "id", "name", "email", "phone", "location", "label", "summary", "school", "degree", "major",
    "grad_year", "gpa", "experience", "projects", "skills", "languages", "awards",
    "certificates", "links", "target_job", "language",
)  # fmt: skip

_TEMPLATE_EXAMPLE: tuple[str, ...] = (
    "S0001",
    "Alex Example",
    "alex.example@example.edu",
    "555-0100-123",
    "Springfield",
    "Data Analyst",
    "",
    "Example State University",
    "BSc",
    "Statistics",
    "2025",
    "3.7",
    "Data Analyst Intern at Example Corp (Jun 2024 – Aug 2024): built weekly sales dashboards\n"
    "Research Assistant, Example State University (2023–2024): cleaned survey data",
    "Bike-share forecast (2024): predicted station demand from weather data",
    "Python, SQL, Excel",
    "English (native), Spanish (conversational)",
    "Dean's List (2023)",
    "Google Data Analytics Certificate (2024)",
    "https://github.com/alex-example",
    "",
    "en",
)


def template_csv() -> str:
    """A blank input file: the canonical headers and one clearly fictional example row."""
    return csv_text(TEMPLATE_HEADER, [_TEMPLATE_EXAMPLE])


def alias_table_markdown() -> str:
    """The alias table as Markdown, for docs/user-guide.md (Input)."""
    lines = ["| canonical | aliases (any case) |", "|---|---|"]
    lines += [f"| {name} | {', '.join(aliases)} |" for name, aliases in ALIASES.items()]
    return "\n".join(lines)
