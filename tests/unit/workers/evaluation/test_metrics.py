"""Each metric against a value computed by hand (or by the library it must agree with)."""

from __future__ import annotations

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from workers.evaluation import references, sameness
from workers.evaluation.text import tokens


def test_chinese_rouge_is_not_zero_and_equals_the_hand_computed_value() -> None:
    reference, hypothesis = "负责数据分析和报告撰写", "负责数据分析"
    # rouge-score's own tokenizer keeps [a-z0-9] only: Chinese scores 0. That is what we fix.
    default = rouge_scorer.RougeScorer(["rouge1"]).score(reference, hypothesis)
    assert default["rouge1"].fmeasure == 0.0
    # jieba words: reference 负责|数据分析|和|报告|撰写 (5), hypothesis 负责|数据分析 (2).
    assert tokens(reference) == ["负责", "数据分析", "和", "报告", "撰写"]
    assert tokens(hypothesis) == ["负责", "数据分析"]
    scores = references.rouge(hypothesis, reference)
    # ROUGE-1: 2 shared words, P = 2/2, R = 2/5, F = 2PR/(P+R) = 0.8/1.4 = 4/7.
    assert scores["rouge1"] == pytest.approx(4 / 7)
    # ROUGE-2: 1 shared bigram (负责 数据分析), P = 1/1, R = 1/4, F = 0.5/1.25 = 0.4.
    assert scores["rouge2"] == pytest.approx(0.4)
    # ROUGE-L: longest common subsequence 2 words, as ROUGE-1.
    assert scores["rougeL"] == pytest.approx(4 / 7)


def test_english_rouge_and_bleu() -> None:
    scores = references.rouge("cleaned survey data", "cleaned the survey data")
    # 3 of 3 hypothesis words in a 4-word reference: P 1, R 3/4, F = 1.5/1.75.
    assert scores["rouge1"] == pytest.approx(6 / 7)
    same = "Cleaned survey data for three lab studies at Initech."
    assert references.bleu(same, same) == pytest.approx(100.0)


def test_chinese_bleu_uses_the_zh_tokenizer() -> None:
    hyp, ref = "负责数据分析和报告撰写工作", "负责数据分析和报告撰写"
    assert sacrebleu.sentence_bleu(hyp, [ref]).score == 0.0  # 13a: one "word" each, no match
    ours = references.bleu(hyp, ref)
    assert ours == pytest.approx(sacrebleu.sentence_bleu(hyp, [ref], tokenize="zh").score)
    assert ours > 50


def test_distinct_n_by_hand() -> None:
    texts = [["a", "b", "a"], ["a", "c"]]
    assert sameness.distinct(texts, 1) == pytest.approx(3 / 5)  # a b c of 5 unigrams
    assert sameness.distinct(texts, 2) == pytest.approx(1.0)  # ab ba ac, all different


def test_self_bleu_equals_sacrebleu_with_every_other_text_as_reference() -> None:
    texts = [
        "cleaned survey data for three lab studies at the university",
        "cleaned survey data for two lab studies at the hospital",
        "ran survey data checks for three lab studies at the university library",
    ]
    toks = [t.split() for t in texts]
    refs = [[texts[(i + k) % 3] for i in range(3)] for k in (1, 2)]
    expected = sacrebleu.corpus_bleu(texts, refs, tokenize="none").score
    assert sameness.self_bleu(toks) == pytest.approx(expected, abs=1e-9)
    assert sameness.self_bleu([toks[0], toks[0]]) == pytest.approx(100.0)
    assert sameness.self_bleu([toks[0]]) == 0.0


def test_slop_phrases_are_found_once_each() -> None:
    hits = sameness.slop_hits("A highly motivated, passionate engineer with a proven track record.")
    assert sorted(hits) == ["highly motivated", "passionate", "proven track record"]
    assert sameness.slop_hits("精通Python，经验丰富") == ["精通", "经验丰富"]
    assert sameness.slop_hits("Cleaned survey data.") == []


def test_tokens_english_and_mixed() -> None:
    assert tokens("Built C++ tools; cut costs 20%.") == [
        "built",
        "c++",
        "tools",
        "cut",
        "costs",
        "20",
    ]
    assert "python" in tokens("熟悉Python")
    assert tokens("") == []
