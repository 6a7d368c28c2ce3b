"""Sections a model writes for one person: the summary and each work or project entry's highlights.

A section knows its field path (for meta.provenance / meta.grounding), its kind (which prompt), and
the person's own lines it may rephrase. Facts handed to a prompt have instruction-like sentences
removed (shared.grounding.injection): cell text is data, never an instruction to the model.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from shared.grounding.injection import split_instructions
from shared.profile import Language, Profile
from workers.writers.template import split_sentences

Kind = Literal["summary", "highlights"]


@dataclass(frozen=True)
class Section:
    """One piece of prose to write for one person."""

    person: int  # index of the profile in the batch
    path: str  # "basics.summary", "work[0].highlights", "projects[1].highlights"
    kind: Kind
    language: Language
    facts: tuple[tuple[str, str], ...]  # (label, value) lines shown to the model
    lines: tuple[str, ...] = ()  # the person's own lines to rephrase (highlights; own summary)
    target_job: str | None = None
    # Highlights built from an entry's summary: the summary is cleared once they are written.
    from_summary: bool = False


def _clean(text: str | None) -> str:
    kept, _ = split_instructions(text or "")
    return kept.strip()


def _years(start: str | None, end: str | None) -> str:
    s, e = (start or "")[:7], (end or "")[:7]
    if s and e:
        return f"{s} to {e}"
    return s or e


def summary_facts(profile: Profile) -> tuple[tuple[str, str], ...]:
    facts: list[tuple[str, str]] = []
    for edu in profile.education[:2]:
        parts = [p for p in (edu.studyType, edu.area, edu.institution) if p]
        year = (edu.endDate or "")[:4]
        if parts:
            facts.append(
                ("Education", ", ".join(_clean(p) for p in parts) + (f" ({year})" if year else ""))
            )
    for work in profile.work[:3]:
        role = " at ".join(_clean(p) for p in (work.position, work.name) if p)
        if role:
            when = _years(work.startDate, work.endDate)
            facts.append(("Experience", role + (f" ({when})" if when else "")))
    for project in profile.projects[:2]:
        facts.append(("Project", _clean(project.name)))
    skills = [k for s in profile.skills for k in (s.keywords or [s.name])]
    if skills:
        facts.append(("Skills", ", ".join(_clean(s) for s in skills[:10])))
    for award in profile.awards[:2]:
        facts.append(("Award", _clean(award.title)))
    return tuple((label, value) for label, value in facts if value)


def sections_of(
    person: int, profile: Profile, target_job: str | None = None, draft: str | None = None
) -> list[Section]:
    """The sections a model writes for one profile; a thin profile gets none.

    `draft` is the template writer's summary (the person's own, verbatim, when they wrote one):
    the model rewrites that draft rather than composing from scratch, which keeps who did what
    where (a school stays the school, an employer the employer).
    """
    language = profile.meta.language
    target = _clean(profile.meta.targetJob or target_job) or None
    out: list[Section] = []
    facts = summary_facts(profile)
    own = _clean(draft if draft is not None else profile.basics.summary)
    if own:
        out.append(
            Section(person, "basics.summary", "summary", language, facts,
                    tuple(split_sentences(own)), target)
        )  # fmt: skip
    entries = [("work", w.name, w.position, w.highlights, w.summary) for w in profile.work]
    entries += [("projects", p.name, None, p.highlights, p.description) for p in profile.projects]
    counters = {"work": 0, "projects": 0}
    for group, org, position, highlights, summary in entries:
        index = counters[group]
        counters[group] += 1
        # Projects keep their description; only their own highlights are rephrased.
        from_summary = not highlights and group == "work" and bool(summary)
        raw = highlights or (split_sentences(summary or "") if from_summary else [])
        lines = tuple(line for line in (_clean(h) for h in raw) if line)
        if not lines:
            continue
        role = tuple((k, _clean(v)) for k, v in (("Role", position), ("Organisation", org)) if v)
        out.append(
            Section(person, f"{group}[{index}].highlights", "highlights", language, role, lines,
                    target, from_summary)
        )  # fmt: skip
    return out
