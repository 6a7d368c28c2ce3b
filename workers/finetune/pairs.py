"""Approved pairs → training examples: the LLM writer's own prompts, the approved section text as the answer.

A pair is one JSONL line: {"id": ..., "profile": <the person's facts, JSON Resume>, "resume": <the
approved resume, JSON Resume>}. Each section the LLM writer would write for that profile (summary,
entry highlights) becomes one example, its prompt built by `workers.writers.prompts.prompt` from
`workers.writers.sections.sections_of` exactly as `LLMWriter.write` builds it, so a fine-tuned model
is asked in production what it was trained on. A pair with any section the grounding guard refuses
against its own facts is skipped whole and counted: training on it would teach the model to invent.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

from pydantic import ValidationError

from shared.errors import InputError
from shared.grounding import Source
from shared.grounding.guard import Guard
from shared.profile import Profile, Resume
from workers.finetune.examples import Example
from workers.writers.prompts import prompt
from workers.writers.sections import Section, sections_of
from workers.writers.template import TemplateWriter

_HAN: Final = re.compile(r"[\u3400-\u9fff]")
_LANGUAGES: Final = ("en", "zh")


class PairError(InputError):
    """A pairs file that cannot be used; the message names the file and line."""

    def __init__(self, path: Path, line: int, reason: str) -> None:
        super().__init__(f"{path}:{line}: {reason}")
        self.path, self.line, self.reason = path, line, reason


@dataclass(frozen=True)
class Pair:
    """One approved resume with the facts it was written from."""

    id: str
    line: int
    profile: Profile
    resume: Resume


@dataclass
class Built:
    """What a pairs file gave: examples, and how many pairs and sections were left out and why."""

    examples: list[Example] = field(default_factory=list)
    pairs: int = 0
    pairs_used: int = 0
    # Pairs left out because one of their approved sections fails the guard: id → the guard's reason.
    ungrounded: dict[str, str] = field(default_factory=dict)
    # Sections left out (not the pair): the approved resume lacks them or their shape differs.
    sections_skipped: dict[str, int] = field(default_factory=dict)

    def skip_section(self, why: str) -> None:
        self.sections_skipped[why] = self.sections_skipped.get(why, 0) + 1

    def summary(self) -> dict[str, Any]:
        return {
            "pairs": self.pairs,
            "pairs_used": self.pairs_used,
            "pairs_ungrounded": len(self.ungrounded),
            "ungrounded": self.ungrounded,
            "sections_skipped": self.sections_skipped,
            "examples": len(self.examples),
        }


def read_pairs(path: Path, language: str = "en") -> Iterator[Pair]:
    """Each pair of a JSONL file; PairError naming the line for anything malformed or off-language."""
    if language not in _LANGUAGES:
        raise InputError(f"--language {language!r}: use one of {', '.join(_LANGUAGES)}")
    try:
        handle = path.open(encoding="utf-8-sig")
    except OSError as exc:
        raise InputError(f"{path}: cannot read: {exc.strerror or exc}") from exc
    seen: dict[str, int] = {}
    with handle:
        try:
            for number, raw in enumerate(handle, start=1):
                if not raw.strip():
                    continue
                pair = _pair(path, number, raw, language)
                if pair.id in seen:
                    raise PairError(path, number, f"id {pair.id!r} already used on line {seen[pair.id]}")
                seen[pair.id] = number
                yield pair
        except UnicodeDecodeError as exc:
            raise InputError(f"{path}: not UTF-8 text ({exc.reason}); a pairs file is JSONL") from exc


def _pair(path: Path, number: int, raw: str, language: str) -> Pair:
    try:
        obj = json.loads(raw)
    except json.JSONDecodeError as exc:
        raise PairError(path, number, f"not JSON ({exc.msg}, column {exc.colno}); one JSON object per line") from exc
    if not isinstance(obj, dict):
        raise PairError(path, number, f"a JSON {type(obj).__name__}, not an object with profile and resume")
    missing = [k for k in ("profile", "resume") if not isinstance(obj.get(k), dict)]
    if missing:
        raise PairError(path, number, f"missing or not an object: {', '.join(missing)}")
    pair_id = str(obj.get("id") or f"line-{number}")
    profile = _validate(path, number, "profile", Profile, obj["profile"])
    resume = _validate(path, number, "resume", Resume, obj["resume"])
    said = profile.meta.language
    if said != language:
        raise PairError(path, number, f"profile.meta.language is {said!r}, but --language {language!r} was asked")
    if language == "en":
        han = _HAN.search(_prose(resume))
        if han:
            raise PairError(path, number, f"approved text is not English (found {han.group(0)!r}); --language en")
    elif not _HAN.search(_prose(resume)):
        raise PairError(path, number, "approved text has no Chinese characters; --language zh")
    return Pair(pair_id, number, profile, resume)


def _validate(path: Path, number: int, key: str, model: type[Any], value: dict[str, Any]) -> Any:
    try:
        return model.model_validate(value)
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise PairError(path, number, f"{key}.{where}: {first['msg']}") from exc


def _prose(resume: Resume) -> str:
    texts = [resume.basics.summary or ""]
    texts += [h for w in resume.work for h in w.highlights]
    texts += [h for p in resume.projects for h in p.highlights]
    return "\n".join(texts)


def approved_text(resume: Resume, section: Section) -> str | list[str] | None:
    """The approved resume's text for the section's field path (None when it has none)."""
    if section.kind == "summary":
        return resume.basics.summary or None
    group, index = section.path.split("[", 1)
    entries = getattr(resume, group)
    i = int(index.split("]", 1)[0])
    if i >= len(entries):
        return None
    return list(entries[i].highlights) or None


def completion_text(section: Section, text: str | list[str]) -> str:
    """The answer in the shape the writer's parser reads: a paragraph, or one '- ' bullet per line."""
    if isinstance(text, str):
        return " ".join(text.split())
    return "\n".join(f"- {line.strip()}" for line in text)


def examples_of(pair: Pair, guard: Guard, template: TemplateWriter, built: Built) -> list[Example] | None:
    """The pair's examples, or None when a section fails the guard (recorded in `built`)."""
    # As LLMWriter.write: the template's summary is the draft the model rewrites.
    draft = template.write_one(pair.profile).basics.summary
    source = Source.from_profile(pair.profile)
    out: list[Example] = []
    for section in sections_of(0, pair.profile, draft=draft):
        text = approved_text(pair.resume, section)
        if text is None:
            built.skip_section("not in the approved resume")
            continue
        if isinstance(text, list) and len(text) != len(section.lines):
            # The writer asks for one bullet per input line; another count would teach the wrong shape.
            built.skip_section("bullet count differs from the input lines")
            continue
        joined = text if isinstance(text, str) else "\n".join(text)
        verdict = guard.check(joined, source)
        if not verdict.ok:
            built.ungrounded[pair.id] = f"{section.path}: {verdict.reason}"
            return None
        out.append(Example(prompt(section), completion_text(section, text), pair.id, section.path))
    return out


def build(path: Path, language: str = "en", guard: Guard | None = None) -> Built:
    """Read `path` and build every example; errors in the file raise PairError (exit 2)."""
    guard = guard or Guard()
    template = TemplateWriter()
    built = Built()
    for pair in read_pairs(path, language):
        built.pairs += 1
        examples = examples_of(pair, guard, template, built)
        if examples is None:
            continue
        built.pairs_used += 1
        built.examples += examples
    if built.pairs == 0:
        raise InputError(f"{path}: no pairs (the file is empty)")
    return built
