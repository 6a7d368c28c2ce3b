"""Sameness across the cohort: distinct-1/2, self-BLEU, the most repeated phrases, and the AI-slop rate.

Self-BLEU here is corpus BLEU-4 (sacrebleu's formula) of every text against all the others as
references, computed exactly without comparing texts pairwise: how many texts hold each n-gram,
and for n-grams a text repeats the two highest counts over texts (and whose the highest is), give
"the most any other text has", so a cohort of 10,000 costs as much as reading it.
"""

from __future__ import annotations

import bisect
import re
from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence
from typing import Final

import pandas as pd
from sacrebleu.metrics.bleu import BLEU

from shared.grounding.normalise import normalise
from shared.grounding.slop import DEFAULT_SLOP
from workers.evaluation.corpus import Person, prose_lines
from workers.evaluation.text import joined, lines_tokens, ngrams, tokens

PHRASE_N: Final = 3  # "most repeated phrases": word trigrams shared by people


def distinct(texts: Iterable[list[str]], n: int) -> float:
    """Distinct-n: unique n-grams / all n-grams over the texts (0 when there are none)."""
    seen: set[tuple[str, ...]] = set()
    total = 0
    for toks in texts:
        grams = ngrams(toks, n)
        total += len(grams)
        seen.update(grams)
    return len(seen) / total if total else 0.0


def self_bleu(texts: Sequence[list[str]], max_n: int = 4) -> float:
    """Corpus BLEU (0-100) of each text against every other text as its references.

    Clipped counts use max over the OTHER texts; brevity penalty uses the closest other length.
    Fewer than two texts: 0.
    """
    if len(texts) < 2:
        return 0.0
    matches = [_self_matches(texts, n) for n in range(1, max_n + 1)]
    # Lengths by how many texts have each: a length that two texts share is its own closest.
    lengths = Counter(len(t) for t in texts)
    totals = [sum(c * max(0, size - n + 1) for size, c in lengths.items()) for n in range(1, max_n + 1)]
    hyp_len = sum(size * c for size, c in lengths.items())
    ordered = sorted(lengths.elements())
    ref_len = sum(c * _closest_other(ordered, size) for size, c in lengths.items())
    # sacrebleu's corpus formula (exponential smoothing where an order has no match at all).
    return float(
        BLEU.compute_bleu(
            matches, totals, hyp_len, ref_len, smooth_method="exp", max_ngram_order=max_n
        ).score
    )


def _self_matches(texts: Sequence[list[str]], n: int) -> int:
    """Σ over texts and their n-grams of min(count here, highest count in any other text).

    Most texts hold each n-gram once: such an n-gram matches once if any other text has it, so
    those texts need only the number of texts holding each n-gram (counted in C). Texts that
    repeat an n-gram are summed one n-gram at a time against the two highest counts elsewhere.
    """
    holders: Counter[tuple[str, ...]] = Counter()  # n-gram → texts holding it
    single_grams = 0  # n-grams of texts that hold each of theirs once
    repeating: list[Counter[tuple[str, ...]]] = []
    for toks in texts:
        grams = ngrams(toks, n)
        distinct_grams = set(grams)
        holders.update(distinct_grams)
        if len(distinct_grams) == len(grams):
            single_grams += len(grams)
        else:
            repeating.append(Counter(grams))
    # n-gram → (highest count, its text, second highest) over the texts that repeat it
    top: dict[tuple[str, ...], tuple[int, int, int]] = {}
    for i, counts in enumerate(repeating):
        for gram, c in counts.items():
            if c < 2:
                continue
            best = top.get(gram)
            if best is None:
                top[gram] = (c, i, 0)
            elif c > best[0]:
                top[gram] = (c, i, best[0])
            elif c > best[2]:
                top[gram] = (best[0], best[1], c)
    # Texts that hold each n-gram once: all their n-grams match but those no other text has.
    held_once = Counter(holders.values())[1]
    matches = single_grams - held_once
    for i, counts in enumerate(repeating):
        for gram, c in counts.items():
            others = holders[gram] - 1  # other texts holding it (each at least once)
            if others == 0:
                matches += 1  # undo: it was counted in held_once but is not a single-text's
                continue
            if c == 1:
                matches += 1
                continue
            high, owner, runner_up = top.get(gram, (1, -1, 1))
            other = runner_up if owner == i else high
            matches += min(c, max(other, 1))
    return matches


def _closest_other(sorted_lengths: list[int], length: int) -> int:
    # The text's own length sits at index i: its neighbours are the nearest other lengths
    # (the shorter one on a tie, as sacrebleu does).
    i = bisect.bisect_left(sorted_lengths, length)
    near = [sorted_lengths[k] for k in (i - 1, i + 1) if 0 <= k < len(sorted_lengths)]
    return min(near, key=lambda x: (abs(x - length), x))


def _texts(people: Sequence[Person], kind: str, language: str) -> list[list[str]]:
    out = []
    for p in people:
        if p.language != language:
            continue
        if kind == "summary":
            if p.resume.basics.summary:
                out.append(tokens(p.resume.basics.summary))
        else:
            for group in (p.resume.work, p.resume.projects):
                out.extend(tokens(h) for e in group for h in e.highlights)
    return out


def table(people: Sequence[Person]) -> pd.DataFrame:
    """Per language and kind (summary, bullets): texts, distinct-1/2, self-BLEU."""
    rows = []
    for language in sorted({p.language for p in people}):
        for kind in ("summary", "bullets"):
            texts = _texts(people, kind, language)
            if not texts:
                continue
            rows.append(
                {"language": language, "kind": kind, "texts": len(texts),
                 "distinct_1": distinct(texts, 1), "distinct_2": distinct(texts, 2),
                 "self_bleu": self_bleu(texts)}
            )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["language", "kind", "texts", "distinct_1", "distinct_2", "self_bleu"]
    )


def repeated_phrases(people: Sequence[Person], top: int = 20) -> pd.DataFrame:
    """Word trigrams used by the most people (each person counted once per phrase)."""
    # People per trigram counted in C; each distinct trigram then written out once.
    per_language: dict[str, Counter[tuple[str, ...]]] = defaultdict(Counter)
    for p in people:
        grams: set[tuple[str, ...]] = set()
        for text in prose_lines(p.resume):
            grams.update(ngrams(tokens(text), PHRASE_N))
        per_language[p.language].update(grams)
    users: dict[tuple[str, str], int] = defaultdict(int)
    for language, counts in per_language.items():
        for gram, c in counts.items():
            users[(language, joined(gram))] += c
    ranked = sorted(users.items(), key=lambda kv: (-kv[1], kv[0]))[:top]
    n = max(1, len(people))
    return pd.DataFrame(
        [{"language": lang, "phrase": phrase, "people": c, "share": c / n}
         for (lang, phrase), c in ranked if c > 1],
        columns=["language", "phrase", "people", "share"],
    )  # fmt: skip


_ASCII_SLOP: Final = re.compile(
    r"(?<![a-z0-9])(?:"
    + "|".join(re.escape(s) for s in sorted(DEFAULT_SLOP, key=len, reverse=True) if s.isascii())
    + r")(?![a-z0-9])"
)
_HAN_SLOP: Final = tuple(s for s in DEFAULT_SLOP if not s.isascii())


def slop_hits(text: str) -> list[str]:
    """The guard's slop phrases in text (longest first; one phrase inside another counts once)."""
    return _slop_in([text])


def _slop_in(lines: list[str]) -> list[str]:
    # Line by line, each line's `normalise` cached: a summary or a bullet is one text, so no
    # phrase (nor a number read out) spans two of them. A Han phrase counts once per person.
    norms = [normalise(line) for line in lines]
    latin = [hit for norm in norms for hit in _ASCII_SLOP.findall(norm)]
    return latin + [s for s in _HAN_SLOP if any(s in norm for norm in norms)]


def slop(people: Sequence[Person]) -> pd.DataFrame:
    """Per person: slop phrases in the prose and their rate per 100 words."""
    rows = []
    for p in people:
        lines = prose_lines(p.resume)
        hits = _slop_in(lines)
        words = len(lines_tokens(lines))
        rows.append(
            {"person": p.key, "language": p.language, "words": words, "slop_phrases": len(hits),
             "slop_per_100_words": 100 * len(hits) / words if words else 0.0,
             "phrases": "; ".join(hits)}
        )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["person", "language", "words", "slop_phrases", "slop_per_100_words",
                       "phrases"],
    )  # fmt: skip
