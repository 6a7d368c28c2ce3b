"""The cohort under evaluation: each person's written resume and own input facts, from a folder or the DB."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from shared.profile import Profile, Resume

_PATH: re.Pattern[str] = re.compile(r"^(work|projects)\[(\d+)\]\.highlights$")


@dataclass(frozen=True)
class Person:
    """One resume under evaluation and the facts its prose must trace to."""

    key: str  # the output folder name, or "line N" for a batch
    resume: Resume
    facts: Profile
    # "db": the job's stored input; "resume": resume.json less every model-written field.
    facts_from: str
    # Model-written sections whose input lines the folder no longer holds (see strip_written).
    unverifiable: frozenset[str] = frozenset()

    @property
    def language(self) -> str:
        return self.resume.meta.language


def model_written(resume: Resume) -> dict[str, str]:
    """Field path → "llm:<model>" for every section a model wrote (template and input excluded)."""
    return {
        path: who
        for path, who in resume.meta.provenance.items()
        if who not in ("input", "template") and not who.startswith("template")
    }


def strip_written(document: dict[str, Any]) -> tuple[Profile, frozenset[str]]:
    """The facts of a resume.json: the document less every model-written field.

    The checked text is removed from the source, so the re-run cannot pass a claim because the
    model wrote it. A work entry whose summary the writer turned into bullets has no summary left
    in resume.json: its model-written bullets cannot be checked from the folder (use --batch).
    """
    resume = Resume.model_validate(document)
    unverifiable: set[str] = set()
    for path in model_written(resume):
        if path == "basics.summary":
            resume.basics.summary = None
            continue
        match = _PATH.match(path)
        if not match:
            continue
        group, index = match.group(1), int(match.group(2))
        entries = getattr(resume, group)
        if index >= len(entries):
            continue
        entry = entries[index]
        entry.highlights = []
        if group == "work" and not entry.summary:
            unverifiable.add(path)
    return Profile.model_validate(resume.model_dump()), frozenset(unverifiable)


def from_folder(out_dir: Path) -> list[Person]:
    """Every OUT_DIR/<person>/resume.json, in folder order."""
    people = []
    for path in sorted(out_dir.glob("*/resume.json")):
        document = json.loads(path.read_text(encoding="utf-8"))
        facts, unverifiable = strip_written(document)
        people.append(
            Person(path.parent.name, Resume.model_validate(document), facts, "resume", unverifiable)
        )
    return people


def from_batch(database_url: str, batch_id: str) -> tuple[list[Person], dict[str, Any]]:
    """A batch's finished resumes with each job's stored input profile; and the batch's options."""
    from shared.db.batches import find_batch_options
    from shared.db.engine import NO_SCHEMA_ERRORS, make_engine
    from shared.db.resumes import load_documents
    from shared.db.rows import written_rows
    from shared.facts import build_profile

    engine = make_engine(database_url)
    where = database_url.split("@")[-1]
    try:
        options = find_batch_options(engine, batch_id)
        if options is None:
            raise LookupError(f"no batch {batch_id!r} in {where}")
        rows = written_rows(engine, batch_id, done_only=False)
        documents = load_documents(engine, [r.resume_id for r in rows])
    except NO_SCHEMA_ERRORS as exc:
        # No database there yet, or one without our tables: the batch cannot be in it.
        raise LookupError(f"no batch {batch_id!r}: no cohortcv database at {where}") from exc
    finally:
        engine.dispose()
    people = [
        Person(
            r.external_id or f"line {r.line}",
            Resume.model_validate(documents[r.resume_id]),
            build_profile(r.profile),  # the worker's own builder: the same facts it wrote from
            "db",
        )
        for r in rows
        if r.resume_id in documents
    ]
    return people, options


@dataclass(frozen=True)
class References:
    """Reference resumes by the key people are matched on: their id, or (only in a file without
    any id) their name."""

    documents: dict[str, Resume]
    by: str  # "id" or "name"


def from_refs(refs: Path) -> References:
    """References: REFS/<person>/resume.json (the folder is the id), or a JSONL whose lines all
    carry `id`, or none does and each is keyed by its unique basics.name.

    A repeated key, or a line without an id in a file that has ids, is an error naming the line:
    silently letting one line win, or falling back to names for some lines, scored people
    against someone else's reference.
    """
    if refs.is_dir():
        return References(
            {
                path.parent.name: Resume.model_validate_json(path.read_text(encoding="utf-8"))
                for path in sorted(refs.glob("*/resume.json"))
            },
            "id",
        )
    rows: list[tuple[int, Any, dict[str, Any]]] = []
    for number, line in enumerate(refs.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            row = json.loads(line)
        except json.JSONDecodeError as exc:
            raise ValueError(f"{refs}:{number}: not JSON ({exc.msg})") from exc
        if not isinstance(row, dict):
            raise ValueError(f"{refs}:{number}: not a JSON object")
        document = row.get("resume", row)
        rows.append((number, row.get("id"), document if isinstance(document, dict) else {}))
    by = "id" if any(key not in (None, "") for _, key, _ in rows) else "name"
    out: dict[str, Resume] = {}
    first: dict[str, int] = {}
    for number, key, document in rows:
        if by == "name":
            key = (document.get("basics") or {}).get("name")
        if key in (None, ""):
            need = "an `id` (other lines have one)" if by == "id" else "`id` or basics.name"
            raise ValueError(f"{refs}:{number}: a reference needs {need}")
        key = str(key)
        if key in first:
            what = "id" if by == "id" else "name (references without ids are matched by name)"
            raise ValueError(f"{refs}:{number}: {what} {key!r} repeats line {first[key]}")
        first[key] = number
        out[key] = Resume.model_validate(document)
    return References(out, by)


def sections(resume: Resume) -> list[tuple[str, str, str]]:
    """(path, kind, text) of every prose section: the summary and each entry's bullets (one per line)."""
    out = []
    if resume.basics.summary:
        out.append(("basics.summary", "summary", resume.basics.summary))
    for group in ("work", "projects"):
        for i, entry in enumerate(getattr(resume, group)):
            if entry.highlights:
                out.append((f"{group}[{i}].highlights", "bullets", "\n".join(entry.highlights)))
    return out


def prose_lines(resume: Resume) -> list[str]:
    """The prose of `sections`, one line per summary and per bullet, in the same order."""
    out = [resume.basics.summary] if resume.basics.summary else []
    for group in (resume.work, resume.projects):
        out.extend(h for entry in group for h in entry.highlights)
    return out
