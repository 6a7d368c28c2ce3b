"""Our BLEU tokenizers against sacrebleu's own, character classes and random text."""

from __future__ import annotations

import random

from sacrebleu.tokenizers.tokenizer_13a import Tokenizer13a
from sacrebleu.tokenizers.tokenizer_zh import TokenizerZh

from workers.evaluation.bleu_tokenize import _CHINESE_RUN, tokens_13a, tokens_zh


def test_chinese_characters_are_sacrebleus_including_its_two_character_bounds() -> None:
    for code in range(0x10000):
        char = chr(code)
        assert (_CHINESE_RUN.fullmatch(char) is not None) == TokenizerZh._is_chinese_char(char), (
            hex(code)
        )


def test_tokens_equal_sacrebleus_on_random_text() -> None:
    rng = random.Random(17)
    pieces = ["Built", "C++", "3.5", "1,200", "e.g.", "node.js", "a-b", "2019-2023", "R&D", "&amp;",
              "&quot;", "<skipped>", "-\n", "\n", "  ", " ", ",", ".", "..", "(x)", "$5", "100%",
              "负责", "数据分析", "。", "，", "２０２３", "“quoted”", "—", "’s", "Ａ", "x/y", "@", "~",
              "\u2001", "\u2a6d", "\u2000", "\t", "5.", ".5", "-3"]  # fmt: skip
    en, zh = Tokenizer13a(), TokenizerZh()
    for _ in range(3000):
        line = "".join(
            rng.choice(pieces) + rng.choice(["", "", " "]) for _ in range(rng.randint(0, 12))
        )
        assert tokens_13a(line) == en(line).split(), repr(line)
        assert tokens_zh(line) == zh(line).split(), repr(line)
