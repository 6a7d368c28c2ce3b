"""Facts: what an accepted row says, small and JSON-able, and the Profile built from them.

The producer validates a row and keeps only its facts (cheap); the workers build the Profile
from them (parsing free-text entries, pydantic). Both sides import this module, so the Profile a
worker builds is the one the producer would have built.

Facts of a table row (CSV, XLSX)::

    {"values": {field: cleaned text}, "groups": [[group, {field: cleaned text}, number], …],
     "language": "en" | "zh"}

`values` holds the canonical fields the builder reads (grad_year already normalised to a partial
date); `groups` the non-empty numbered groups (work_1_…, education_2_…) in number order, their
dates already parsed (an ongoing "present" end date is left out), each with its number in the
file (facts stored before the number was kept have none). Facts of a JSON Resume line
are `{"profile": <the validated Profile as JSON>}`. Anything else is taken as a Profile document
(jobs stored before facts existed).
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

from shared.education import parse_educations
from shared.entries import (
    Entry,
    compact_entry,
    parse_projects,
    parse_works,
    split_entries,
    split_list,
)
from shared.lists import (
    parse_awards,
    parse_certificates,
    parse_languages,
    parse_links,
    parse_skills,
)
from shared.profile import Profile

Facts = dict[str, Any]

SKILLS_HEADING = {"en": "Skills", "zh": "技能"}
# The canonical fields build_profile reads from `values`: facts keep only these.
VALUE_FIELDS = frozenset({
    "name", "label", "email", "phone", "summary", "location", "links", "school", "degree",
    "major", "gpa", "grad_year", "education", "experience", "projects", "target_job", "skills",
    "languages", "awards", "certificates",
})  # fmt: skip
_EDUCATION_FIELDS = ("school", "degree", "major", "gpa", "grad_year")


_ENCODER = json.JSONEncoder(sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def facts_json(facts: Facts) -> str:
    """The canonical JSON text of facts (sorted keys, compact): what jobs store and hash."""
    return _ENCODER.encode(facts)


# Part of every content hash: raised when what a resume is made from changes for the same facts,
# so that resumes written before are not reused. 2: instructions to a model are left out
# (shared.instructions); resumes written before could hold them.
_RESUME_INPUT_VERSION = b"2\n"


def content_hash(facts: Facts | str) -> str:
    """sha256 of the facts' canonical JSON (and the resume input version): equal facts, equal
    hash, every run."""
    text = facts if isinstance(facts, str) else facts_json(facts)
    return hashlib.sha256(_RESUME_INPUT_VERSION + text.encode("utf-8")).hexdigest()


def build_profile(facts: Facts) -> Profile:
    """The Profile a row's facts describe. Facts come from a validated row, so this does not fail
    for them; anything else raises pydantic's ValidationError (or KeyError/TypeError)."""
    values = facts.get("values")
    if values is None:
        return Profile.model_validate(facts.get("profile", facts))
    return _table_profile(values, facts.get("groups") or (), facts["language"])


def _table_profile(values: dict[str, str], groups: Any, language: str) -> Profile:
    # Built as a dict and validated once: one pydantic-core pass (~8 µs) is far cheaper than
    # model_construct per nested model, which re-inspects default factories every call.
    get = values.get
    basics: dict[str, Any] = {"name": values["name"]}
    for field in ("label", "email", "phone", "summary"):
        if field in values:
            basics[field] = values[field]
    if "location" in values:
        basics["location"] = {"city": values["location"]}
    if "links" in values:
        website, basics["profiles"] = parse_links(values["links"])
        if website is not None:
            basics["url"] = website
    education: list[Entry] = []
    if any(field in values for field in _EDUCATION_FIELDS):
        education.append(
            compact_entry(
                institution=get("school"),
                studyType=get("degree"),
                area=get("major"),
                endDate=get("grad_year"),
                score=get("gpa"),
            )
        )
    work: list[Entry] = []
    projects: list[Entry] = []
    for group, fields, *_number in groups:
        entry = _group_entry(fields)
        if group == "work":
            work.append(entry)
        elif group == "education":
            education.append(entry)
        else:
            # A project without a name keeps its text; JSON Resume requires the key.
            entry.setdefault("name", "")
            projects.append(entry)
    if "education" in values:
        education += parse_educations(values["education"])
    if "experience" in values:
        work += parse_works(values["experience"])
    if "projects" in values:
        projects += parse_projects(values["projects"])
    document: dict[str, Any] = {
        "basics": basics,
        "work": work,
        "education": education,
        "projects": projects,
        "meta": {"language": language, "targetJob": get("target_job")},
    }
    if "skills" in values:
        document["skills"] = parse_skills(values["skills"], default_name=SKILLS_HEADING[language])
    if "languages" in values:
        document["languages"] = parse_languages(values["languages"])
    if "awards" in values:
        document["awards"] = parse_awards(values["awards"])
    if "certificates" in values:
        document["certificates"] = parse_certificates(values["certificates"])
    return Profile.model_validate(document)


def _group_entry(fields: dict[str, str]) -> Entry:
    """One numbered group's entry: list fields split, the rest (dates included) as they are."""
    entry: Entry = {}
    for field, value in fields.items():
        if field in ("highlights", "courses"):
            entry[field] = [text for text, _ in split_entries(value)]
        elif field in ("keywords", "roles"):
            entry[field] = split_list(value)
        else:
            entry[field] = value
    return entry
