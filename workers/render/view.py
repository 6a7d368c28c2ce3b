"""The display view of a Resume: headings, dates and separators already formatted, shared by
Markdown, HTML and PDF so every format shows the same words."""

from __future__ import annotations

import re
from typing import Final, NotRequired, TypedDict

from shared.profile import Language, Resume
from workers.render.dates import format_date, format_range
from workers.render.labels import (
    DEFAULT_SKILL_GROUPS,
    LABEL_SEPARATOR,
    LIST_SEPARATOR,
    SECTION_ORDER,
    heading,
    word,
)

_SAFE_SCHEMES: Final = ("http://", "https://", "mailto:")
# Anything that could break out of an attribute or smuggle a different scheme after trimming.
_UNSAFE_URL_CHARS: Final = re.compile(r"[\s\"'<>\\`\x00-\x1f\x7f]")
_EMAIL: Final = re.compile(r"[^@\s]+@[^@\s]+")
_SUBHEADING_SEPARATOR: Final[dict[Language, str]] = {"en": ", ", "zh": " · "}
# A grade point average: a number up to 5 with decimals, optionally out of 4, 4.3 or 5 ("3.7/4.0").
_GPA: Final = re.compile(r"[0-5]\.\d{1,2}(?:\s*/\s*(?:4|4\.0|4\.3|5|5\.0))?")


class Link(TypedDict):
    text: str
    href: str | None


class Entry(TypedDict):
    heading: str
    subheading: str
    dates: str
    text: str
    details: list[str]
    bullets: list[str]
    link: Link | None


class Line(TypedDict):
    label: str
    text: str


class Section(TypedDict):
    key: str
    title: str
    # Short entries a text format lists as items rather than giving each its own heading.
    compact: NotRequired[bool]
    text: NotRequired[str]
    entries: NotRequired[list[Entry]]
    lines: NotRequired[list[Line]]


class View(TypedDict):
    lang: Language
    name: str
    label: str
    contact: list[Link]
    sections: list[Section]


def safe_href(url: str | None) -> str | None:
    """The URL if it is an http(s) or mailto link that is safe to emit as an href, else None."""
    if not url:
        return None
    candidate = url.strip()
    if _UNSAFE_URL_CHARS.search(candidate):
        return None
    if not candidate.lower().startswith(_SAFE_SCHEMES):
        return None
    return candidate


def _link(text: str | None, url: str | None) -> Link | None:
    if not url:
        return None
    return {"text": text or url, "href": safe_href(url)}


def _join(parts: list[str | None], separator: str) -> str:
    return separator.join(p for p in parts if p)


def _contact(resume: Resume) -> list[Link]:
    basics = resume.basics
    items: list[Link] = []
    if basics.email:
        href = f"mailto:{basics.email}" if _EMAIL.fullmatch(basics.email) else None
        items.append({"text": basics.email, "href": safe_href(href)})
    if basics.phone:
        items.append({"text": basics.phone, "href": None})
    if basics.location:
        loc = basics.location
        place = _join([loc.address, loc.city, loc.region, loc.postalCode, loc.countryCode], ", ")
        if place:
            items.append({"text": place, "href": None})
    if basics.url:
        items.append({"text": basics.url, "href": safe_href(basics.url)})
    for profile in basics.profiles:
        text = profile.url or _join([profile.network, profile.username], ": ")
        if text:
            items.append({"text": text, "href": safe_href(profile.url)})
    return items


def _entry(
    heading_text: str | None,
    subheading: str = "",
    dates: str = "",
    text: str | None = None,
    details: list[str] | None = None,
    bullets: list[str] | None = None,
    link: Link | None = None,
) -> Entry:
    return {
        "heading": heading_text or "",
        "subheading": subheading,
        "dates": dates,
        "text": text or "",
        "details": details or [],
        "bullets": [b for b in bullets or [] if b],
        "link": link,
    }


def _labelled(label: str, items: list[str], lang: Language) -> str:
    return f"{label}{LABEL_SEPARATOR[lang]}{LIST_SEPARATOR[lang].join(items)}"


def _score(score: str, lang: Language) -> str:
    """A grade point average as "GPA: 3.17" / "绩点：3.17", anything else as "Score: …" / "成绩：…";
    a value that already names its scale ("GPA 3.8") is not labelled twice."""
    if score.casefold().startswith(("gpa", "绩点")):
        return score
    key = "gpa" if _GPA.fullmatch(score) else "score"
    return f"{word(key, lang)}{LABEL_SEPARATOR[lang]}{score}"


def _skill_label(name: str, level: str | None) -> str:
    if not level and name.strip().casefold() in DEFAULT_SKILL_GROUPS:
        return ""
    return f"{name} ({level})" if level else name


def _sections(resume: Resume, lang: Language) -> dict[str, Section]:
    sep = LIST_SEPARATOR[lang]
    # Parts of one subheading ("Acme, Berlin"); the ideographic comma reads as a list in Chinese.
    sub = _SUBHEADING_SEPARATOR[lang]
    out: dict[str, Section] = {}
    if resume.basics.summary:
        out["summary"] = {"key": "summary", "title": "", "text": resume.basics.summary}
    if resume.work:
        out["work"] = {
            "key": "work",
            "title": "",
            "entries": [
                _entry(
                    w.position or w.name,
                    _join([w.name if w.position else None, w.location], sub),
                    format_range(w.startDate, w.endDate, lang),
                    w.summary,
                    [w.description] if w.description else [],
                    bullets=w.highlights,
                    link=_link(None, w.url),
                )
                for w in resume.work
            ],
        }
    if resume.education:
        entries = []
        for e in resume.education:
            details = []
            if e.score:
                details.append(_score(e.score, lang))
            if e.courses:
                details.append(_labelled(word("courses", lang), e.courses, lang))
            entries.append(
                _entry(
                    e.institution or e.area or e.studyType,
                    _join([e.studyType, e.area] if e.institution else [], sub),
                    format_range(e.startDate, e.endDate, lang),
                    details=details,
                    link=_link(None, e.url),
                )
            )
        out["education"] = {"key": "education", "title": "", "entries": entries}
    if resume.projects:
        out["projects"] = {
            "key": "projects",
            "title": "",
            "entries": [
                _entry(
                    f"{p.name} ({p.type})" if p.name and p.type else p.name or p.type,
                    _join([sep.join(p.roles), p.entity], sub),
                    format_range(p.startDate, p.endDate, lang),
                    p.description,
                    [_labelled(word("keywords", lang), p.keywords, lang)] if p.keywords else [],
                    p.highlights,
                    _link(None, p.url),
                )
                for p in resume.projects
            ],
        }
    if resume.skills:
        out["skills"] = {
            "key": "skills",
            "title": "",
            "lines": [
                {"label": _skill_label(s.name, s.level), "text": sep.join(s.keywords)}
                for s in resume.skills
            ],
        }
    if resume.languages:
        out["languages"] = {
            "key": "languages",
            "title": "",
            "lines": [{"label": x.language, "text": x.fluency or ""} for x in resume.languages],
        }
    if resume.awards:
        out["awards"] = {
            "key": "awards",
            "title": "",
            "compact": True,
            "entries": [
                _entry(a.title, a.awarder or "", format_date(a.date, lang), a.summary)
                for a in resume.awards
            ],
        }
    if resume.certificates:
        out["certificates"] = {
            "key": "certificates",
            "title": "",
            "compact": True,
            "entries": [
                _entry(c.name, c.issuer or "", format_date(c.date, lang), link=_link(None, c.url))
                for c in resume.certificates
            ],
        }
    if resume.volunteer:
        out["volunteer"] = {
            "key": "volunteer",
            "title": "",
            "entries": [
                _entry(
                    v.position or v.organization,
                    v.organization if v.position and v.organization else "",
                    format_range(v.startDate, v.endDate, lang),
                    v.summary,
                    bullets=v.highlights,
                    link=_link(None, v.url),
                )
                for v in resume.volunteer
            ],
        }
    if resume.publications:
        out["publications"] = {
            "key": "publications",
            "title": "",
            "entries": [
                _entry(
                    p.name or p.publisher,
                    (p.publisher or "") if p.name else "",
                    format_date(p.releaseDate, lang),
                    p.summary,
                    link=_link(None, p.url),
                )
                for p in resume.publications
                if p.name or p.publisher or p.summary
            ],
        }
    if resume.interests:
        out["interests"] = {
            "key": "interests",
            "title": "",
            "lines": [{"label": i.name, "text": sep.join(i.keywords)} for i in resume.interests],
        }
    if resume.references:
        out["references"] = {
            "key": "references",
            "title": "",
            "entries": [
                _entry(r.name, text=r.reference) for r in resume.references if r.name or r.reference
            ],
        }
    return out


def build_view(resume: Resume) -> View:
    """Everything a format needs to lay the resume out, as display strings."""
    lang = resume.meta.language
    found = _sections(resume, lang)
    sections: list[Section] = []
    for key in SECTION_ORDER:
        section = found.get(key)
        # A section whose entries were all empty shows no heading over nothing.
        if section is not None and any(section.get(k) for k in ("text", "entries", "lines")):
            section["title"] = heading(key, lang)
            sections.append(section)
    return {
        "lang": lang,
        "name": resume.basics.name,
        "label": resume.basics.label or "",
        "contact": _contact(resume),
        "sections": sections,
    }
