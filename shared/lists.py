"""List cells (skills, languages, awards, certificates, links) parsed into JSON Resume entries."""

from __future__ import annotations

import re

from shared.dates import DATE_PATTERN, parse_date
from shared.entries import Entry, compact_entry, split_list, split_segments

_AWARD_SEP = re.compile(r"[;、，；|\n\r]")
_TITLED = re.compile(
    rf"^(?P<title>.+?)\s*(?:[(（]\s*(?P<d1>{DATE_PATTERN})\s*[)）]|,\s*(?P<d2>{DATE_PATTERN}))$",
    re.IGNORECASE,
)
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
    segments = split_segments(cell)
    grouped = [_GROUPED.match(s) for s in segments if s.strip()]
    if grouped and all(grouped):
        return [
            compact_entry(name=m["name"].strip(), keywords=split_list(m["items"]))
            for m in grouped
            if m is not None
        ]
    items = split_list(cell)
    return [compact_entry(name=default_name, keywords=items)] if items else []


def parse_languages(cell: str) -> list[Entry]:
    """`English (fluent), 中文（母语）` → languages with fluency where it is written."""
    out: list[Entry] = []
    for item in split_list(cell):
        match = _FLUENCY.match(item)
        if match:
            fluency = (match["a"] or match["b"] or "").strip() or None
            out.append(compact_entry(language=match["lang"].strip(), fluency=fluency))
        else:
            out.append(compact_entry(language=item))
    return out


def _titled(cell: str) -> list[tuple[str, str | None]]:
    """Items with an optional date in brackets or after a comma ("Dean's List (2023)")."""
    out: list[tuple[str, str | None]] = []
    for item in (i.strip() for i in _AWARD_SEP.split(cell)):
        if not item:
            continue
        match = _TITLED.match(item)
        if match:
            date = parse_date(match["d1"] or match["d2"])
            if date is not None:
                out.append((match["title"].strip(), date))
                continue
        out.append((item, None))
    return out


def parse_awards(cell: str) -> list[Entry]:
    return [compact_entry(title=title, date=date) for title, date in _titled(cell)]


def parse_certificates(cell: str) -> list[Entry]:
    return [compact_entry(name=name, date=date) for name, date in _titled(cell)]


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
            profiles.append(compact_entry(network=network, username=username, url=item))
        elif website is None:
            website = item
        else:
            profiles.append(compact_entry(url=item))
    return website, profiles
