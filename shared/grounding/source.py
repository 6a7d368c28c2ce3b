"""What the person's own input says, prepared for the guard: normalised text, numbers, words, months.

The target job description (meta.targetJob) is NOT part of the source: it describes a job, not the
person, so a skill it names cannot be claimed. Instruction-like sentences (injection.py) are left
out too. Grounding is per person, not per entry: a bullet may name any fact of the same person.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Final

from shared.grounding.injection import split_instructions
from shared.grounding.normalise import normalise
from shared.grounding.numbers import Number, numbers
from shared.grounding.vocab import MONTHS
from shared.profile import Profile

WORD: Final = re.compile(r"[a-z0-9][a-z0-9+#&'./-]*[a-z0-9+#]|[a-z0-9]", re.IGNORECASE)
_JOINED: Final = re.compile(r"[/.&-]")  # "ci/cd", "node.js", "r&d", "front-end": parts too
_ISO_MONTH: Final = re.compile(r"\b(?:19|20)\d\d-(0[1-9]|1[0-2])\b")
# Fields that hold no facts a summary could claim.
_SKIP: Final = frozenset({"meta", "url", "targetJob"})


def words(normalised: str) -> set[str]:
    """Word tokens of normalised text, each also without a trailing possessive or plural s."""
    out: set[str] = set()
    for token in WORD.findall(normalised):
        token = token.strip("'.-/")
        if not token:
            continue
        out.add(token)
        if _JOINED.search(token):
            out.update(part for part in _JOINED.split(token) if part)
    return out | {stem(w) for w in out}


def stem(word: str) -> str:
    """Possessive and plural off: "google's" → "google", "tests" → "test" (not "ss")."""
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    return word


def _strings(value: Any, key: str = "", out: list[str] | None = None) -> list[str]:
    """Every string in a JSON document, in order, less the fields under `_SKIP` keys."""
    out = [] if out is None else out
    if key in _SKIP:
        return out
    if isinstance(value, str):
        out.append(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            if type(v) is str:  # the common case, without a call
                if k not in _SKIP:
                    out.append(v)
            else:
                _strings(v, k, out)
    elif isinstance(value, list):
        for v in value:
            _strings(v, key, out)
    return out


@lru_cache(maxsize=4096)
def bounded(phrase: str) -> re.Pattern[str]:
    """A normalised phrase on word boundaries (no letter or digit either side), compiled once:
    names, skills and slop phrases recur across checks."""
    return re.compile(rf"(?<![a-z0-9]){re.escape(phrase)}(?![a-z0-9])")


@dataclass(frozen=True)
class _Field:
    """One input string prepared: the parts of a Source that it contributes."""

    kept: bool  # anything left once instruction-like sentences are taken out
    text: str  # normalised
    numbers: tuple[Number, ...]
    words: frozenset[str]
    months: frozenset[int]
    instructions: tuple[str, ...]


@lru_cache(maxsize=65536)
def _field(raw: str) -> _Field:
    # Field by field, then joined with " | ", is preparing the joined text: neither normalise
    # (number words run over spaces and hyphens only) nor a number, word or ISO month pattern
    # crosses " | " (one nicety: "percent" opening a field keeps the separator's space). Cached:
    # schools, employers and skills recur across a cohort, and across a job's checks.
    kept, instructions = split_instructions(raw)
    text = normalise(kept)
    return _Field(
        kept=bool(kept),
        text=text,
        numbers=tuple(numbers(text)),
        words=frozenset(words(text)),
        months=frozenset(int(m) for m in _ISO_MONTH.findall(text)),
        instructions=tuple(instructions),
    )


@dataclass(frozen=True)
class Source:
    """The grounding source of one person."""

    text: str  # normalised, fields joined with " | "
    numbers: tuple[Number, ...]
    words: frozenset[str]
    months: frozenset[int]
    # Instruction-like sentences found in the input (kept out of `text`), for the record.
    instructions: tuple[str, ...] = field(default=())
    # The person's schools (normalised): "student at X" must name one of these.
    schools: tuple[str, ...] = field(default=())

    @classmethod
    def from_texts(cls, texts: Iterable[str], schools: tuple[str, ...] = ()) -> Source:
        fields = [_field(raw) for raw in texts]
        vocab: set[str] = set().union(*(f.words for f in fields))
        months = set().union(*(f.months for f in fields))
        months |= {n for w, n in MONTHS.items() if w in vocab}
        return cls(
            text=" | ".join(f.text for f in fields if f.kept),
            numbers=tuple(n for f in fields for n in f.numbers),
            words=frozenset(vocab),
            months=frozenset(months),
            instructions=tuple(s for f in fields for s in f.instructions),
            schools=schools,
        )

    @classmethod
    def from_profile(cls, profile: Profile) -> Source:
        """Every string of the profile except meta (language, target job) and URLs."""
        schools = tuple(normalise(e.institution) for e in profile.education if e.institution)
        return cls.from_texts(_strings(profile.model_dump(mode="json")), schools)

    def has_text(self, normalised: str) -> bool:
        """A normalised phrase occurs in the input on word boundaries (any substring for Han)."""
        if not normalised:
            return True
        if normalised not in self.text:
            return False  # the common answer, without building a pattern
        if not normalised.isascii():
            return True
        return bounded(normalised).search(self.text) is not None

    def has_word(self, word: str) -> bool:
        word = word.casefold()
        return word in self.words or stem(word) in self.words
