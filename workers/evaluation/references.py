"""References: ROUGE-1/2/L (rouge-score) and BLEU (sacrebleu) of each resume against a reference resume.

Tokenisation: English ROUGE with rouge-score's own tokenizer (lower case, every run of characters
other than a-z and 0-9 splits: "hands-on" is two tokens, as in any published ROUGE figure);
Chinese ROUGE with jieba words (rouge-score's tokenizer keeps [a-z0-9] only and scores Chinese 0:
that is the one difference from the library, named wherever the figure is shown); BLEU with
sacrebleu's `13a` and `zh` (characters) tokenizers.
The scores are the libraries' own formulas (`rouge_scorer._score_ngrams`, `BLEU.compute_bleu`)
over n-gram counts made here once per text: their pure-Python n-gram loops were most of the
time of an evaluation. Tests hold every figure equal to the libraries' public functions.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import pandas as pd
from rouge_score import rouge_scorer
from rouge_score.tokenize import tokenize as rouge_score_tokenize
from sacrebleu.metrics.bleu import BLEU, MAX_NGRAM_ORDER, BLEUScore

from workers.evaluation.bleu_tokenize import tokens_13a, tokens_zh
from workers.evaluation.corpus import Person, References, prose_lines
from workers.evaluation.text import is_chinese, lines_tokens

# Texts are tokenised as sacrebleu's `13a` and `zh` tokenizers do (bleu_tokenize.py); the
# statistics are those of `BLEU(effective_order=True).sentence_score`, and its `compute_bleu`
# turns them into the score.
_BLEU_TOKENIZERS = {"13a": tokens_13a, "zh": tokens_zh}


def lcs_length(a: Sequence[str], b: Sequence[str]) -> int:
    """Length of the longest common subsequence, bit-parallel (Hyyrö 2004): one pass over `b`
    with integer operations on a bit per position of `a`, instead of an |a|×|b| table."""
    if not a or not b:
        return 0
    masks: dict[str, int] = {}
    for i, token in enumerate(a):
        masks[token] = masks.get(token, 0) | (1 << i)
    everything = (1 << len(a)) - 1
    v = everything
    for token in b:
        u = v & masks.get(token, 0)
        v = ((v + u) | (v - u)) & everything
    return len(a) - v.bit_count()


def _counts(toks: list[str], n: int) -> Counter[Any]:
    """How often each n-gram occurs (words themselves for n = 1), counted in C."""
    return Counter(toks) if n == 1 else Counter(zip(*(toks[i:] for i in range(n)), strict=False))


@lru_cache(maxsize=65536)
def _rouge_score_tokens(line: str) -> tuple[str, ...]:
    return tuple(rouge_score_tokenize(line, None))


def rouge_pair_tokens(hyp_lines: Sequence[str], ref_lines: Sequence[str]) -> tuple[list[str], list[str]]:
    """Both texts' ROUGE tokens, one tokenizer for the pair: jieba words when either holds Chinese
    (rouge-score's tokenizer would drop every Han character), else rouge-score's own tokenizer.

    Line by line equals the joined text: rouge-score splits at every non-alphanumeric character,
    a newline included, and `lines_tokens` is built to equal jieba over the joined text.
    """
    if any(is_chinese(line) for line in (*hyp_lines, *ref_lines)):
        return lines_tokens(hyp_lines), lines_tokens(ref_lines)
    hyp = [t for line in hyp_lines for t in _rouge_score_tokens(line)]
    ref = [t for line in ref_lines for t in _rouge_score_tokens(line)]
    return hyp, ref


def rouge(hypothesis: str, reference: str) -> dict[str, float]:
    """ROUGE F-measures: rouge-score's tokenizer for English, jieba words for Chinese."""
    return rouge_of_tokens(*rouge_pair_tokens([hypothesis], [reference]))


def rouge_of_tokens(prediction: list[str], target: list[str]) -> dict[str, float]:
    """ROUGE-1/2/L F-measures of tokenised texts (rouge-score's formulas)."""
    scores = {
        f"rouge{n}": rouge_scorer._score_ngrams(_counts(target, n), _counts(prediction, n)).fmeasure
        for n in (1, 2)
    }
    lcs = lcs_length(target, prediction)
    precision = lcs / len(prediction) if prediction else 0.0
    recall = lcs / len(target) if target else 0.0
    total = precision + recall
    scores["rougeL"] = 2 * precision * recall / total if total > 0 else 0.0
    return scores


def bleu_tokenizer(text: str) -> str:
    return "zh" if is_chinese(text) else "13a"


def bleu_score(hypothesis: str, reference: str, tokenize: str | None = None) -> BLEUScore:
    """Sentence BLEU as sacrebleu's `sentence_bleu` (`zh` tokenisation for a Chinese reference,
    exponential smoothing, effective order); the score keeps its n-gram counts, so a corpus BLEU
    can be summed from sentences."""
    tokenizer = _BLEU_TOKENIZERS[tokenize or bleu_tokenizer(reference)]
    hyp, ref = tokenizer(hypothesis.rstrip()), tokenizer(reference.rstrip())
    correct, total = [], []
    for n in range(1, MAX_NGRAM_ORDER + 1):
        hyp_counts, ref_counts = _counts(hyp, n), _counts(ref, n)
        shared = hyp_counts.keys() & ref_counts.keys()
        total.append(max(0, len(hyp) - n + 1))
        if len(hyp_counts) == total[-1]:  # no n-gram twice: each shared one matches once
            correct.append(len(shared))
        else:  # clipped counts, iterated in C (a set iterates in the same order twice)
            pairs = map(hyp_counts.__getitem__, shared), map(ref_counts.__getitem__, shared)
            correct.append(sum(map(min, *pairs)))
    return BLEU.compute_bleu(
        correct, total, len(hyp), len(ref), smooth_method="exp", effective_order=True
    )


def bleu(hypothesis: str, reference: str) -> float:
    """Sentence BLEU (0-100) with sacrebleu, `zh` tokenisation for Chinese."""
    return float(bleu_score(hypothesis, reference).score)


def corpus_bleu(scores: Sequence[BLEUScore]) -> float:
    """Corpus BLEU (0-100) from sentence scores: their n-gram counts summed, as sacrebleu's
    `corpus_bleu` sums them (one reference each, exponential smoothing)."""
    if not scores:
        return 0.0
    order = len(scores[0].counts)
    correct = [sum(s.counts[n] for s in scores) for n in range(order)]
    total = [sum(s.totals[n] for s in scores) for n in range(order)]
    sys_len = sum(s.sys_len for s in scores)
    ref_len = sum(s.ref_len for s in scores)
    return float(BLEU.compute_bleu(correct, total, sys_len, ref_len, smooth_method="exp").score)


@dataclass(frozen=True)
class Scored:
    """Per-person scores, each row's sentence BLEU, and who could not be matched."""

    per_person: pd.DataFrame
    bleu_stats: list[BLEUScore]
    matched_by: str  # "id" or "name" (only when the references carry no id at all)
    people_without_reference: list[str]
    references_for_nobody: list[str]
    ambiguous: list[str]  # names several people share (by-name matching only): not scored


def scored(people: Sequence[Person], refs: References) -> Scored:
    """One row per person matched to a reference, and each row's sentence BLEU under its
    language's tokenisation, in row order (the n-gram counts `by_language` sums into a corpus
    BLEU without counting again).

    Matching is by id (the person's folder or external id). Only when no reference carries an
    id are people matched by name, and a name several people share matches none of them: a
    reference is never scored against someone who merely shares a name.
    """
    ambiguous: list[str] = []
    if refs.by == "name":
        names = Counter(p.resume.basics.name for p in people)
        ambiguous = sorted({n for n, c in names.items() if n and c > 1})

        def key_of(person: Person) -> str | None:
            name = person.resume.basics.name
            return name if name and names[name] == 1 else None
    else:

        def key_of(person: Person) -> str | None:
            return person.key

    rows = []
    stats: list[BLEUScore] = []
    used: set[str] = set()
    without: list[str] = []
    for person in people:
        key = key_of(person)
        ref = refs.documents.get(key) if key is not None else None
        if ref is None:
            without.append(person.key)
            continue
        used.add(key)  # type: ignore[arg-type]
        hyp_lines, ref_lines = prose_lines(person.resume), prose_lines(ref)
        hyp, ref_text = "\n".join(hyp_lines), "\n".join(ref_lines)
        if not ref_text:
            without.append(person.key)
            continue
        # Each summary and bullet tokenised once for every metric (sameness reads the same lines).
        scores = rouge_of_tokens(*rouge_pair_tokens(hyp_lines, ref_lines))
        sentence = bleu_score(hyp, ref_text, _corpus_tokenize(person.language))
        stats.append(sentence)
        if bleu_tokenizer(ref_text) != _corpus_tokenize(person.language):
            sentence = bleu_score(hyp, ref_text)  # the sentence's own tokenisation
        rows.append(
            {"person": person.key, "language": person.language,
             "rouge1": scores["rouge1"], "rouge2": scores["rouge2"], "rougeL": scores["rougeL"],
             "bleu": float(sentence.score), "hypothesis": hyp, "reference": ref_text}
        )  # fmt: skip
    per = pd.DataFrame(
        rows, columns=["person", "language", "rouge1", "rouge2", "rougeL", "bleu",
                       "hypothesis", "reference"],
    )  # fmt: skip
    unused = sorted(k for k in refs.documents if k not in used)
    return Scored(per, stats, refs.by, without, unused, ambiguous)


def _corpus_tokenize(language: str) -> str:
    return "zh" if language == "zh" else "13a"


_ROUGE_TOKENIZER = {"en": "rouge-score", "zh": "jieba"}


def by_language(per: pd.DataFrame, stats: Sequence[BLEUScore]) -> pd.DataFrame:
    """Mean ROUGE and corpus BLEU per language, then an `all` row over every matched person
    (`per`, `stats`: from `scored`; the `all` row's BLEU sums each sentence's counts, each made
    under its own language's tokenisation)."""
    groups = [(str(language), group) for language, group in per.groupby("language", sort=True)]
    if len(groups) > 1:
        groups.append(("all", per))
    rows = []
    for language, group in groups:
        languages = sorted({str(lang) for lang in group["language"]})
        sentences = [stats[row] for row in group.index]
        rows.append(
            {"language": language, "people": len(group), "rouge1": group["rouge1"].mean(),
             "rouge2": group["rouge2"].mean(), "rougeL": group["rougeL"].mean(),
             "corpus_bleu": corpus_bleu(sentences),
             "bleu_tokenize": "+".join(_corpus_tokenize(lang) for lang in languages),
             "rouge_tokenize": "+".join(_ROUGE_TOKENIZER.get(lang, "rouge-score") for lang in languages)}
        )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["language", "people", "rouge1", "rouge2", "rougeL", "corpus_bleu",
                       "bleu_tokenize", "rouge_tokenize"],
    )  # fmt: skip
