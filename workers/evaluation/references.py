"""References: ROUGE-1/2/L (rouge-score) and BLEU (sacrebleu) of each resume against a reference resume.

Tokenisation per language: English words; Chinese jieba words for ROUGE (rouge-score's default
keeps [a-z0-9] only and scores Chinese 0) and sacrebleu's `zh` tokenizer for BLEU (characters).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import pandas as pd
import sacrebleu
from rouge_score import rouge_scorer

from shared.profile import Resume
from workers.evaluation.corpus import Person, sections
from workers.evaluation.text import Tokenizer, is_chinese

_SCORER = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=Tokenizer())


def prose(resume: Resume) -> str:
    """All prose of a resume, one section per line, in section order."""
    return "\n".join(text for _, _, text in sections(resume))


def rouge(hypothesis: str, reference: str) -> dict[str, float]:
    """ROUGE F-measures with our tokenizer (Chinese: jieba words)."""
    scores = _SCORER.score(reference, hypothesis)
    return {name: s.fmeasure for name, s in scores.items()}


def bleu_tokenizer(text: str) -> str:
    return "zh" if is_chinese(text) else "13a"


def bleu(hypothesis: str, reference: str) -> float:
    """Sentence BLEU (0-100) with sacrebleu, `zh` tokenisation for Chinese."""
    return float(
        sacrebleu.sentence_bleu(hypothesis, [reference], tokenize=bleu_tokenizer(reference)).score
    )


def per_person(people: Sequence[Person], refs: Mapping[str, Resume]) -> pd.DataFrame:
    """One row per person who has a reference (matched by folder/id, else by name)."""
    by_name = {r.basics.name: r for r in refs.values() if r.basics.name}
    rows = []
    for person in people:
        ref = refs.get(person.key) or by_name.get(person.resume.basics.name)
        if ref is None:
            continue
        hyp, ref_text = prose(person.resume), prose(ref)
        if not ref_text:
            continue
        scores = rouge(hyp, ref_text)
        rows.append(
            {"person": person.key, "language": person.language,
             "rouge1": scores["rouge1"], "rouge2": scores["rouge2"], "rougeL": scores["rougeL"],
             "bleu": bleu(hyp, ref_text), "hypothesis": hyp, "reference": ref_text}
        )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["person", "language", "rouge1", "rouge2", "rougeL", "bleu",
                       "hypothesis", "reference"],
    )  # fmt: skip


def by_language(per: pd.DataFrame) -> pd.DataFrame:
    """Mean ROUGE per language and corpus BLEU per language."""
    rows = []
    for language, group in per.groupby("language", sort=True):
        tokenize = "zh" if language == "zh" else "13a"
        corpus = sacrebleu.corpus_bleu(
            list(group["hypothesis"]), [list(group["reference"])], tokenize=tokenize
        )
        rows.append(
            {"language": language, "people": len(group), "rouge1": group["rouge1"].mean(),
             "rouge2": group["rouge2"].mean(), "rougeL": group["rougeL"].mean(),
             "corpus_bleu": float(corpus.score), "bleu_tokenize": tokenize}
        )  # fmt: skip
    return pd.DataFrame(
        rows, columns=["language", "people", "rouge1", "rouge2", "rougeL", "corpus_bleu",
                       "bleu_tokenize"],
    )  # fmt: skip
