"""The deterministic template writer: a factual summary and bullets built only from the input."""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from typing import Final

from shared.errors import WriterError
from shared.profile import Education, GroundingCheck, Language, Profile, Resume, Skill, Work

_MAX_SKILLS: Final = 8
_MAX_ROLES: Final = 2
# A sentence ends at . ! ? followed by space and a capital, digit or Han character, or right
# after 。！？；.
_EN_BOUNDARY: Final = re.compile(r"(?<=[.!?])\s+(?=[\"'“(\[]?[A-Z0-9\u4e00-\u9fff])")
_ZH_BOUNDARY: Final = re.compile(r"(?<=[。！？；])\s*")
# A period after these is an abbreviation, not the end of a sentence ("Acme Inc. Ltd.").
_ABBREVIATIONS: Final = frozenset(
    [
        "e.g",
        "i.e",
        "etc",
        "inc",
        "ltd",
        "co",
        "corp",
        "dr",
        "mr",
        "mrs",
        "ms",
        "st",
        "vs",
        "no",
        "jr",
        "sr",
        "u.s",
        "u.k",
        "dept",
        "approx",
        "fig",
    ]
)
_BULLET_PREFIX: Final = re.compile(r"^\s*(?:[-*•·▪●◦]|\d+[.)、])\s+")


def split_sentences(text: str) -> list[str]:
    """A work summary cut into sentences without changing a character of each sentence.

    Line breaks and leading bullet marks ("- ", "• ", "1. ") from a pasted list are treated as
    boundaries; abbreviations such as "Inc." or "e.g." do not end a sentence.
    """
    sentences: list[str] = []
    for raw_line in text.splitlines():
        line = _BULLET_PREFIX.sub("", raw_line).strip()
        if not line:
            continue
        for chunk in _ZH_BOUNDARY.split(line):
            pending = ""
            for piece in _EN_BOUNDARY.split(chunk):
                if not piece.strip():
                    continue
                pending = f"{pending} {piece}" if pending else piece
                last_word = pending.rsplit(None, 1)[-1].rstrip(".!?").lower()
                if last_word in _ABBREVIATIONS or (len(last_word) == 1 and last_word.isalpha()):
                    continue
                sentences.append(pending.strip())
                pending = ""
            if pending.strip():
                sentences.append(pending.strip())
    return [s for s in sentences if s]


def _year(date: str | None) -> str | None:
    # Only the year is ever shown in a summary, and only when the input has one.
    if date and len(date) >= 4 and date[:4].isdigit():
        return date[:4]
    return None


def _expected(date: str | None, today: datetime.date) -> bool:
    """Whether an end date has not come yet, so the person is still studying.

    A month is compared as given; a bare year counts as still to come until July of that year,
    when most programmes have held their graduation.
    """
    year = _year(date)
    if year is None:
        return False
    month_text = (date or "")[5:7]
    month = int(month_text) if month_text.isdigit() else 7
    return (int(year), month) > (today.year, today.month)


def _dated(text: str, when: str) -> str:
    """`text (when)`, or `text, when` when text already ends in parentheses ("X (fictional)")."""
    return f"{text}, {when}" if text.endswith(")") else f"{text} ({when})"


def _skill_names(skills: Sequence[Skill]) -> list[str]:
    """Concrete skills: a group's keywords when it has them ("Python"), else the group name."""
    names: list[str] = []
    seen: set[str] = set()
    for skill in skills:
        for item in skill.keywords or [skill.name]:
            folded = item.strip().casefold()
            if folded and folded not in seen:
                seen.add(folded)
                names.append(item.strip())
    return names[:_MAX_SKILLS]


class _English:
    """English sentence frames. Every slot is filled from one input field; no adjectives."""

    @staticmethod
    def education(edu: Education, today: datetime.date) -> str | None:
        area, school, year = edu.area, edu.institution, _year(edu.endDate)
        if not school and not area:
            return None
        if year and _expected(edu.endDate, today):
            # Not yet graduated: say so instead of calling them a graduate.
            subject = f"{area} student" if area else "Student"
            where = f" at {school}" if school else ""
            return _dated(f"{subject}{where}", f"expected {year}")
        if year:
            subject = f"{area} graduate" if area else "Graduate"
            where = f" of {school}" if school else ""
            return _dated(f"{subject}{where}", year)
        if area and school:
            return f"Studied {area} at {school}"
        return f"Studied {area}" if area else f"Studied at {school}"

    @staticmethod
    def role(work: Work) -> str | None:
        if work.position and work.name:
            return f"as {work.position} at {work.name}"
        if work.position:
            return f"as {work.position}"
        return f"at {work.name}" if work.name else None

    @classmethod
    def summary(cls, edu: str | None, roles: list[str], skills: list[str]) -> str:
        parts = []
        if edu and roles:
            parts.append(f"{edu} with experience {' and '.join(roles)}.")
        elif edu:
            parts.append(f"{edu}.")
        elif roles:
            parts.append(f"Experience {' and '.join(roles)}.")
        if skills:
            parts.append(f"Skills: {', '.join(skills)}.")
        return " ".join(parts)


class _Chinese:
    """Chinese sentence frames, the same facts as the English ones."""

    @staticmethod
    def education(edu: Education, today: datetime.date) -> str | None:
        area, school, year = edu.area, edu.institution, _year(edu.endDate)
        if not school and not area:
            return None
        major = f"{area}专业" if area else ""
        if year and _expected(edu.endDate, today):
            return f"{school or ''}{major}在读，预计{year}年毕业"
        if year:
            # "2027届毕业生" is the usual way to name a class, before or after it graduates.
            return f"{school or ''}{major}{year}届毕业生"
        return f"就读于{school or ''}{major}"

    @staticmethod
    def role(work: Work) -> str | None:
        if work.position:
            return f"{work.name or ''}{work.position}"
        return f"就职于{work.name}" if work.name else None

    @classmethod
    def summary(cls, edu: str | None, roles: list[str], skills: list[str]) -> str:
        parts = []
        clauses = [edu] if edu else []
        titled = [r for r in roles if not r.startswith("就职于")]
        if titled:
            clauses.append("曾任" + "、".join(titled))
        clauses += [r for r in roles if r.startswith("就职于")]
        if clauses:
            parts.append("，".join(clauses) + "。")
        if skills:
            parts.append(f"技能：{'、'.join(skills)}。")
        return "".join(parts)


_FRAMES: Final[dict[Language, type[_English] | type[_Chinese]]] = {
    "en": _English,
    "zh": _Chinese,
}


class TemplateWriter:
    """Writes without a model: keeps input prose verbatim and composes only from input facts.

    - `basics.summary`: the input's own summary verbatim if it has one; otherwise a factual
      summary from education, up to two roles and up to eight skills; none at all for a thin
      profile with neither education nor work.
    - `work[i].highlights`: kept verbatim; an entry with a summary and no highlights gets that
      summary split into sentence bullets (no rewording) and its summary cleared, so the text
      is shown once.
    - `meta.grounding`: sections the template wrote are recorded as `not_checked`: they are
      grounded by construction (every slot is an input field), and the guard is for model text.
    """

    name = "template"

    def __init__(self, today: datetime.date | None = None) -> None:
        # A fixed "today" makes "graduate" vs "expected" reproducible in tests; without one the
        # date is read at each write, since a worker process outlives a graduation day.
        self._today = today

    def write(self, profiles: Sequence[Profile]) -> list[Resume]:
        return [self.write_one(profile) for profile in profiles]

    def write_one(self, profile: Profile) -> Resume:
        try:
            # A deep, validated copy: the caller's Profile is never mutated.
            resume = Resume.model_validate(profile.model_dump())
        except Exception as exc:
            raise WriterError(f"template: cannot copy profile: {exc}") from exc
        provenance = dict(resume.meta.provenance)
        grounding = [g for g in resume.meta.grounding if g.section != "basics.summary"]
        frames = _FRAMES[resume.meta.language]

        if resume.basics.summary:
            provenance["basics.summary"] = "input"
        else:
            summary = self._summary(resume, frames)
            if summary:
                resume.basics.summary = summary
                provenance["basics.summary"] = self.name
                grounding.append(GroundingCheck(section="basics.summary", outcome="not_checked"))

        for i, work in enumerate(resume.work):
            path = f"work[{i}].highlights"
            if work.highlights:
                provenance[path] = "input"
            elif work.summary:
                work.highlights = split_sentences(work.summary)
                work.summary = None
                provenance[path] = self.name
        for i, project in enumerate(resume.projects):
            if project.highlights:
                provenance[f"projects[{i}].highlights"] = "input"

        resume.meta.provenance = provenance
        resume.meta.grounding = grounding
        return resume

    def _summary(self, resume: Resume, frames: type[_English] | type[_Chinese]) -> str | None:
        today = self._today or datetime.date.today()
        edu = next((text for e in resume.education if (text := frames.education(e, today))), None)
        roles = [r for w in resume.work if (r := frames.role(w))][:_MAX_ROLES]
        if edu is None and not roles:
            return None  # a thin row stays thin: skills alone do not make a summary
        return frames.summary(edu, roles, _skill_names(resume.skills))
