"""Claims in generated text: what a sentence asserts that must come from the input.

Kinds: number (incl. percentages and amounts), year, month, name (a capitalised English phrase:
organisation, school, person, product), skill, title, degree, organisation (Chinese proper nouns
and words ending in 公司/大学/…), contact (e-mail, URL).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from functools import cache, lru_cache
from typing import Final

from shared.grounding.normalise import normalise
from shared.grounding.numbers import Number, numbers
from shared.grounding.source import WORD, bounded
from shared.grounding.vocab import (
    COMMON_EN,
    DEGREES_EN,
    DEGREES_ZH,
    IRREGULAR_PAST_EN,
    MONTHS,
    ORG_SUFFIX_ZH,
    ORG_WORDS_EN,
    SKILL_PHRASES_EN,
    SKILLS_EN,
    SKILLS_ZH,
    TITLES_EN,
    TITLES_ZH,
)

_HAN: Final = re.compile(r"[\u4e00-\u9fff]")
_CONTACT: Final = re.compile(r"\S+@\S+\.\w+|https?://\S+|www\.\S+", re.IGNORECASE)
# Capitalised words joined by these stay one phrase: "Bank of China", "Procter & Gamble".
_JOINERS: Final = frozenset({"of", "and", "&", "for", "the", "de", "du", "von"})
# Words, and single other characters; a run of characters that can be neither capitalised nor
# a joiner (Han, CJK punctuation but its space, digits) is one token: each only ends a phrase.
_TOKEN: Final = re.compile(
    r"[A-Za-z][A-Za-z0-9+#&'.-]*|[0-9\u3001-\u303f\u4e00-\u9fff\uff01-\uff20]+|\S"
)
_SENTENCE_END: Final = ".!?:;。！？；"
_BULLETS: Final = "-*•"
# Lower-case words that name a role only in some senses ("head of", "fellow students").
_TITLE_LOWER: Final = TITLES_EN - {"head", "chair", "fellow", "partner", "owner", "principal",
                                   "vice", "associate", "lead", "officer", "captain"}  # fmt: skip
_PROPER_FLAGS: Final = ("nt", "nz", "ns", "nr")
# Every token _vocab_en may name: a skill, title (or titles), degree or organisation word.
_VOCAB_WORDS: Final = (
    SKILLS_EN | _TITLE_LOWER | {t + "s" for t in _TITLE_LOWER} | DEGREES_EN | ORG_WORDS_EN
)
# "student at X", "graduate of X", "studied … at X": X must be one of the person's schools, not
# an employer that happens to be a university.
_STUDIED_AT: Final = re.compile(
    r"\b(?i:student|graduate|alumn\w*|studied|studying|stud(?:y|ies)|enrolled|degree|diploma)\b"
    r"[^.;:\n]{0,40}?\b(?:at|of|from)\s+(?:the\s+)?"
    r"((?:[A-Z][\w&'.-]*)(?:\s+(?:of|and|&|for|the|[A-Z][\w&'.-]*))*"
    r"\s+(?:University|College|Institute|School|Academy|Polytechnic)"
    r"(?:\s+(?:of|and|&|for|the|[A-Z][\w&'.-]*))*)"
)


@dataclass(frozen=True)
class Claim:
    kind: str
    text: str
    number: Number | None = None

    def __str__(self) -> str:
        return f"{self.kind} '{self.text}'"


def claims(
    text: str, extra_skills: frozenset[str] = frozenset(), normalised: str | None = None
) -> list[Claim]:
    """Every claim in a piece of generated text, in order, without repeats (`normalised`: the
    text's `normalise`, when the caller has it already)."""
    found: dict[tuple[str, str], Claim] = {}
    norm = normalise(text) if normalised is None else normalised
    for claim in _all(text, extra_skills, norm):
        found.setdefault((claim.kind, claim.text.casefold()), claim)
    return list(found.values())


def _may_hold_contact(text: str) -> bool:
    # Every contact has "@", "://" or "www." (any case): most texts have none of them, and the
    # pattern's `\S+@` would otherwise be tried from every character.
    return "@" in text or "://" in text or "www." in text.casefold()


def _without_contacts(text: str) -> str:
    return _CONTACT.sub(" ", text) if _may_hold_contact(text) else text


def _all(text: str, extra_skills: frozenset[str], norm: str) -> Iterator[Claim]:
    if _may_hold_contact(text):
        for contact in _CONTACT.findall(text):
            yield Claim("contact", contact.rstrip(".,;)"))
    without_contacts = _without_contacts(norm)
    for number in numbers(without_contacts):
        yield Claim("year" if number.is_year else "number", number.text, number)
    tokens = WORD.findall(without_contacts)
    for token in tokens:
        if token in MONTHS:
            yield Claim("month", token)
    yield from _vocab_en(tokens, without_contacts, extra_skills)
    yield from _names_en(_without_contacts(text))
    for school in _STUDIED_AT.findall(text):
        yield Claim("school", school.strip().rstrip(".,;'"))
    if _HAN.search(text):
        yield from _chinese(norm)


def _vocab_en(tokens: list[str], norm: str, extra_skills: frozenset[str]) -> Iterator[Claim]:
    for phrase in SKILL_PHRASES_EN:
        if phrase in norm and re.search(rf"\b{re.escape(phrase)}\b", norm):
            yield Claim("skill", phrase)
    for extra in extra_skills:
        if bounded(extra).search(norm):
            yield Claim("skill", extra)
    # Only tokens that may be one of the words below (most are not), picked out in C.
    for token in filter(_VOCAB_WORDS.__contains__, tokens):
        bare = token.rstrip(".")
        single = bare[:-1] if bare.endswith("s") and len(bare) > 3 else bare
        if len(bare) > 1 and bare in SKILLS_EN:
            yield Claim("skill", bare)
        elif single in _TITLE_LOWER or bare in _TITLE_LOWER:
            yield Claim("title", bare)
        elif bare in DEGREES_EN:
            yield Claim("degree", bare)
        elif bare in ORG_WORDS_EN:
            yield Claim("organisation", bare)


def _names_en(text: str, token: re.Pattern[str] = _TOKEN) -> Iterator[Claim]:
    """Capitalised phrases: each capitalised word must be in the input (checked by the guard).

    The first word of a sentence or bullet is exempt when it is a common word ("Cleaned",
    "Experienced") or a verb form ending -ed/-ing.
    """
    phrase: list[str] = []
    for match in token.finditer(text):
        word = match.group(0).rstrip(".'-")
        capital = word[:1].isupper() or (len(word) > 1 and word.isupper())
        if capital:
            at_start = _at_sentence_start(text, match.start())
            lower = word.casefold()
            if at_start and phrase:
                # "… Acme Corp. Uses …": a sentence boundary ends the phrase.
                yield from _name(phrase)
                phrase = []
            if at_start and _plain_word(lower):
                continue
            phrase.append(word)
        elif phrase and word.casefold() in _JOINERS:
            phrase.append(word)
        else:
            if phrase:
                yield from _name(phrase)
            phrase = []
    if phrase:
        yield from _name(phrase)


def _at_sentence_start(text: str, i: int) -> bool:
    """Whether text[i] opens the text, a sentence or a line (after an optional bullet): text[:i]
    is empty, or ends in a sentence end, a newline or a newline and a bullet, each followed by
    spaces only. Found by looking back over spaces, not by searching the whole prefix."""
    j = i
    while j > 0 and text[j - 1].isspace():
        j -= 1
    if "\n" in text[j:i]:
        return True
    if j == 0:
        return i == 0
    before = text[j - 1]
    if before in _SENTENCE_END:
        return True
    if before in _BULLETS:
        k = j - 1
        while k > 0 and text[k - 1].isspace():
            k -= 1
        return "\n" in text[k : j - 1]
    return False


def _plain_word(lower: str) -> bool:
    """A sentence-initial word that names nothing: a common word or a verb form."""
    return (
        lower in COMMON_EN
        or lower in IRREGULAR_PAST_EN
        or lower in _TITLE_LOWER
        or lower.endswith(("ed", "ing", "ly"))
        or (lower.endswith("s") and (lower[:-1] in COMMON_EN or lower[:-2] in COMMON_EN))
    )


def _name(phrase: list[str]) -> Iterator[Claim]:
    while phrase and phrase[-1].casefold() in _JOINERS:
        phrase = phrase[:-1]
    if phrase and not (len(phrase) == 1 and phrase[0] in ("I", "A")):
        yield Claim("name", " ".join(phrase))


@cache
def _jieba():  # type: ignore[no-untyped-def]
    import logging

    import jieba
    import jieba.posseg

    jieba.setLogLevel(logging.WARNING)
    return jieba.posseg


@lru_cache(maxsize=32768)
def _tagged(block: str) -> tuple[tuple[str, str], ...]:
    """jieba's words and part-of-speech flags of one block (a run of Han, Latin and digits).

    jieba tags each such block on its own, so tagging block by block is tagging the text; the
    clauses of a cohort's resumes recur ("负责数据分析"), and tagging is most of a check's time."""
    return tuple((pair.word, pair.flag) for pair in _jieba().cut(block))


def _chinese(norm: str) -> Iterator[Claim]:
    for vocab, kind in ((SKILLS_ZH, "skill"), (TITLES_ZH, "title"), (DEGREES_ZH, "degree")):
        for word in vocab:
            if word in norm:
                yield Claim(kind, word)
    # Only blocks with Han in them can hold a Han word of two characters or more.
    for block in _jieba().re_han_internal.findall(norm):
        if not _HAN.search(block):
            continue
        for word, flag in _tagged(block):
            word = word.strip()
            if len(word) < 2 or not _HAN.search(word):
                continue
            if word.endswith(ORG_SUFFIX_ZH) or flag in _PROPER_FLAGS:
                yield Claim("organisation" if flag != "nr" else "name", word)
