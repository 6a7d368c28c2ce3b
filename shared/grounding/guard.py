"""The guard: every claim of a generated text must trace to the source; empty superlatives fail."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from shared.grounding.claims import Claim, claims
from shared.grounding.normalise import normalise
from shared.grounding.numbers import same
from shared.grounding.slop import DEFAULT_SLOP, load_slop
from shared.grounding.source import Source, bounded, words
from shared.grounding.vocab import MONTHS


@dataclass(frozen=True)
class Verdict:
    """The guard's answer for one section: grounded or not, and what failed."""

    ungrounded: list[str] = field(default_factory=list)
    slop: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.ungrounded and not self.slop

    @property
    def reason(self) -> str:
        parts = []
        if self.ungrounded:
            parts.append("not in the input: " + ", ".join(self.ungrounded))
        if self.slop:
            parts.append("empty superlative: " + ", ".join(f"'{s}'" for s in self.slop))
        return "; ".join(parts)


_ALNUM = re.compile(r"[a-z0-9]+")


class Guard:
    """A configured guard: the slop list and extra skill words (settings), shared by all checks."""

    def __init__(
        self, slop: Iterable[str] = DEFAULT_SLOP, extra_skills: Iterable[str] = ()
    ) -> None:
        self.slop = tuple(s.casefold() for s in slop)
        self.extra_skills = frozenset(normalise(s) for s in extra_skills if s.strip())
        # Most texts hold no phrase: a Latin phrase can only occur where its first word is a
        # word of the text, so phrases are looked for by their first words (None: a phrase opens
        # with no word, so every phrase is looked for).
        self._by_first: dict[str, set[str]] | None = {}
        for phrase in self.slop:
            if phrase.isascii():
                first = _ALNUM.match(phrase)
                if first is None:
                    self._by_first = None
                    break
                self._by_first.setdefault(first.group(0), set()).add(phrase)
        self._han_slop = tuple(p for p in self.slop if not p.isascii())

    @classmethod
    def from_settings(cls, slop_file: str = "", slop_extra: Iterable[str] = (),
                      extra_skills: Iterable[str] = ()) -> Guard:  # fmt: skip
        return cls(load_slop(slop_file, slop_extra), extra_skills)

    def check(self, text: str, source: Source) -> Verdict:
        norm = normalise(text)
        found = claims(text, self.extra_skills, norm)
        ungrounded = [str(c) for c in found if not grounded(c, source)]
        return Verdict(ungrounded=ungrounded, slop=self._slop(norm, source))

    def _slop(self, norm: str, source: Source) -> list[str]:
        """The phrases in the text that the input does not use itself (Latin ones on word
        boundaries, Han ones anywhere; a phrase inside a longer one counts too)."""
        if self._by_first is None:
            candidates: Iterable[str] = self.slop
        else:
            firsts = self._by_first.keys() & set(_ALNUM.findall(norm))
            maybe = {p for w in firsts for p in self._by_first[w]}
            maybe.update(p for p in self._han_slop if p in norm)
            if not maybe:
                return []
            candidates = (p for p in self.slop if p in maybe)  # in the list's order
        return [
            phrase
            for phrase in candidates
            if (bounded(phrase).search(norm) if phrase.isascii() else phrase in norm)
            and not source.has_text(phrase)
        ]


def grounded(claim: Claim, source: Source) -> bool:
    """Whether one claim traces to the source (rules in docs/design.md, "Grounding guard")."""
    if claim.number is not None:
        return any(same(claim.number, n) for n in source.numbers)
    if claim.kind == "month":
        return MONTHS[claim.text] in source.months
    if claim.kind == "contact":
        return normalise(claim.text) in source.text
    if claim.kind == "school":
        if not source.schools:
            return source.has_text(normalise(claim.text))
        said = normalise(claim.text)
        return any(said in school or school in said for school in source.schools)
    if claim.kind == "name":
        # Every word of a capitalised phrase must be an input word: "Google AI Team" needs
        # google, ai and team; "Acme Corp" written as "Acme Corporation" fails on "corporation".
        # Month names are checked as months ("June" for an input "Jun").
        return all(
            source.has_word(w)
            for w in words(normalise(claim.text))
            if not w.isdigit() and w not in MONTHS
        )
    return source.has_text(normalise(claim.text)) or source.has_word(claim.text)


_default = Guard()


def check(text: str, source: Source, guard: Guard | None = None) -> Verdict:
    """Check `text` against `source` with `guard` (default: the built-in slop list)."""
    return (guard or _default).check(text, source)
