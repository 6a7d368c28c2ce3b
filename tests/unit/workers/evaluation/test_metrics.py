"""Each metric against a value computed by hand (or by the library it must agree with)."""

from __future__ import annotations

import pytest
import sacrebleu
from rouge_score import rouge_scorer

from workers.evaluation import references, sameness
from workers.evaluation.text import lines_tokens, tokens


class Tokenizer:
    """What rouge-score's `tokenizer=` expects: our tokens, so its scores can be compared."""

    def tokenize(self, text: str) -> list[str]:
        return tokens(text)


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


def _random_texts(seed: int, n: int) -> list[tuple[str, str]]:
    """Hypothesis/reference pairs that share some words, in English and Chinese."""
    import random

    rng = random.Random(seed)
    en = [
        "built",
        "tested",
        "shipped",
        "the",
        "a",
        "data",
        "model",
        "service",
        "report",
        "team",
        "python",
        "sql",
        "api",
        "users",
        # What the project's own word pattern keeps whole and rouge-score splits: the last check
        # compared the two only on words without hyphens.
        "hands-on",
        "e-mail",
        "3.17",
        "c++",
        "node.js",
        "o'brien",
        "ta@uni.edu",
        "r&d",
        "20%",
    ]
    zh = ["负责", "数据", "分析", "用户", "调研", "报告", "团队", "产品", "优化", "系统", "测试"]
    pairs = []
    for i in range(n):
        vocab, sep = (zh, "") if i % 3 == 0 else (en, " ")
        ref = sep.join(rng.choice(vocab) for _ in range(rng.randint(0, 40)))
        hyp = sep.join(rng.choice(vocab) for _ in range(rng.randint(0, 40)))
        pairs.append((hyp + ("。" if sep == "" else "."), ref))
    return pairs


def test_rouge_equals_rouge_score_on_random_texts() -> None:
    """English: rouge-score run exactly as people run it (its own tokenizer, no stemmer), on
    words with hyphens, dots, apostrophes and e-mails. Chinese: the same formulas over jieba
    words (rouge-score's tokenizer drops Han, the one documented difference)."""
    plain = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"])
    jieba_words = rouge_scorer.RougeScorer(["rouge1", "rouge2", "rougeL"], tokenizer=Tokenizer())
    english = 0
    for hyp, ref in _random_texts(3, 300):
        chinese = any("\u4e00" <= c <= "\u9fff" for c in hyp + ref)
        english += not chinese
        ours = references.rouge(hyp, ref)
        theirs = {k: s.fmeasure for k, s in (jieba_words if chinese else plain).score(ref, hyp).items()}
        assert ours == pytest.approx(theirs, abs=1e-12), (hyp, ref)
    assert english >= 150


def test_english_rouge_splits_hyphens_as_rouge_score_does() -> None:
    hyp, ref = "hands-on e-mail support", "hands on email support"
    ours = references.rouge(hyp, ref)["rouge1"]
    # rouge-score: hands|on|e|mail|support vs hands|on|email|support: 3 shared, P 3/5, R 3/4.
    assert ours == pytest.approx(2 * (3 / 5) * (3 / 4) / (3 / 5 + 3 / 4))
    assert ours == pytest.approx(rouge_scorer.RougeScorer(["rouge1"]).score(ref, hyp)["rouge1"].fmeasure)


def test_lcs_length_by_hand() -> None:
    assert references.lcs_length(list("ABCBDAB"), list("BDCABA")) == 4
    assert references.lcs_length([], ["a"]) == 0
    assert references.lcs_length(["a", "b"], ["a", "b"]) == 2


def test_bleu_and_corpus_bleu_equal_sacrebleu_on_random_texts() -> None:
    pairs = _random_texts(5, 120)
    for hyp, ref in pairs:
        tokenize = "zh" if references.is_chinese(ref) else "13a"
        expected = sacrebleu.sentence_bleu(hyp, [ref], tokenize=tokenize).score
        assert references.bleu(hyp, ref) == pytest.approx(expected, abs=1e-9)
    for tokenize in ("13a", "zh"):
        hyps = [h for h, _ in pairs]
        refs = [r for _, r in pairs]
        scores = [references.bleu_score(h, r, tokenize) for h, r in pairs]
        expected = sacrebleu.corpus_bleu(hyps, [refs], tokenize=tokenize).score
        assert references.corpus_bleu(scores) == pytest.approx(expected, abs=1e-9)


def test_tokens_of_lines_equal_tokens_of_the_joined_text() -> None:
    """Metrics tokenise each summary and bullet once; a person's prose must read the same."""
    import random

    rng = random.Random(11)
    pieces = ["Built", "C++", "tools;", "cut", "costs", "20%.", "node.js", "R&D", "负责", "数据分析",
              "熟悉Python", "，", "。", "张伟", "华东数据公司", "e-mail", "Q3", "x#", "-", "  "]  # fmt: skip
    for _ in range(300):
        lines = [
            "".join(rng.choice(pieces) + rng.choice(["", " "]) for _ in range(rng.randint(0, 8)))
            for _ in range(rng.randint(1, 4))
        ]
        assert lines_tokens(lines) == tokens("\n".join(lines)), lines


def test_self_bleu_equals_sacrebleu_on_random_cohorts_with_repeated_words() -> None:
    import random

    rng = random.Random(13)
    for _ in range(60):
        vocab = ["led", "data", "the", "team", "a", "report", "and"][: rng.randint(2, 7)]
        texts = [
            " ".join(rng.choice(vocab) for _ in range(rng.randint(0, 12)))
            for _ in range(rng.randint(2, 6))
        ]
        k = len(texts)
        refs = [[texts[(i + shift) % k] for i in range(k)] for shift in range(1, k)]
        expected = sacrebleu.corpus_bleu(texts, refs, tokenize="none").score
        assert sameness.self_bleu([t.split() for t in texts]) == pytest.approx(expected), texts


def test_repeated_phrases_count_each_person_once_per_phrase() -> None:
    from shared.profile import Resume
    from workers.evaluation.corpus import Person

    from .conftest import chinese, english

    def person(key: str, summary: str, zh: bool = False) -> Person:
        facts = chinese() if zh else english()
        resume = Resume.model_validate(facts.model_dump())
        resume.basics.summary = summary
        return Person(key, resume, facts, "db")

    people = [
        # "cleaned survey data" twice in one summary: one person.
        person("a", "Cleaned survey data daily. Cleaned survey data weekly."),
        person("b", "Cleaned survey data for the lab."),
        person("c", "Wrote reports."),
        person("d", "负责数据分析和报告撰写。", zh=True),
        person("e", "负责数据分析和报告撰写工作。", zh=True),
    ]
    table = sameness.repeated_phrases(people)
    rows = {(r.language, r.phrase): r.people for r in table.itertuples()}
    assert rows[("en", "cleaned survey data")] == 2
    assert rows[("zh", "负责数据分析和")] == 2  # jieba words run together, as a reader writes them
    assert ("en", "wrote reports") not in rows  # one person only: not a repeated phrase
    assert table["people"].is_monotonic_decreasing


def test_chinese_tokens_are_jiebas_words_of_the_whole_text() -> None:
    """Cutting block by block (cached) gives jieba's own cut of the text, less punctuation."""
    import random
    import re

    import jieba

    rng = random.Random(31)
    pieces = ["负责", "数据分析", "和", "报告撰写", "。", "，", "熟悉Python", "C++", "node.js",
              "2023年", "张伟", " ", "\r\n", "\t", "é", "ü", "％", "100%", "a-b", "(", "）",
              "华东数据公司", "——", "x_y", "Ω"]  # fmt: skip
    for _ in range(1000):
        text = "".join(rng.choice(pieces) for _ in range(rng.randint(1, 12))) + "负"
        folded = text.casefold()
        whole = [w.strip() for w in jieba.lcut(folded)]
        assert tokens(text) == [w for w in whole if w and re.search(r"\w", w)], text


def test_corpus_bleu_counts_every_row_even_where_two_people_share_a_key() -> None:
    from shared.profile import Resume
    from workers.evaluation.corpus import Person

    from .conftest import english

    def person(summary: str) -> Person:
        facts = english()
        resume = Resume.model_validate(facts.model_dump())
        resume.basics.summary = summary
        return Person("same id", resume, facts, "db")

    reference = person("Cleaned survey data for three lab studies at Initech.").resume
    people = [person("Cleaned survey data at Initech."), person("Presented lab results weekly.")]
    from workers.evaluation.corpus import References

    matched = references.scored(people, References({"same id": reference}, "id"))
    per, stats = matched.per_person, matched.bleu_stats
    table = references.by_language(per, stats)
    expected = sacrebleu.corpus_bleu(list(per["hypothesis"]), [list(per["reference"])]).score
    assert len(per) == 2
    assert table.loc[0, "corpus_bleu"] == pytest.approx(expected, abs=1e-9)
