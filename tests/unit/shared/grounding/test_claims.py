"""Claims found in Chinese text: tagging block by block is tagging the whole text."""

from __future__ import annotations

import random

import jieba.posseg

from shared.grounding.claims import _PROPER_FLAGS, _chinese
from shared.grounding.normalise import normalise
from shared.grounding.vocab import ORG_SUFFIX_ZH


def _whole_text(norm: str) -> list[tuple[str, str]]:
    """The organisations and names jieba tags in the text cut in one go (the definition)."""
    out = []
    for pair in jieba.posseg.cut(norm):
        word = pair.word.strip()
        if len(word) < 2 or not any("\u4e00" <= c <= "\u9fff" for c in word):
            continue
        if word.endswith(ORG_SUFFIX_ZH) or pair.flag in _PROPER_FLAGS:
            out.append(("organisation" if pair.flag != "nr" else "name", word))
    return out


def test_block_by_block_tagging_finds_what_the_whole_text_does() -> None:
    rng = random.Random(5)
    pieces = ["负责", "华东数据公司", "张伟", "在", "北京", "腾讯", "数据分析", "实习生", "，", "。",
              "Python", "2023年", "上海交通大学", " ", "未来教育集团", "与", "李娜", "、", "Q3"]  # fmt: skip
    for _ in range(300):
        norm = normalise("".join(rng.choice(pieces) for _ in range(rng.randint(1, 14))))
        found = [(c.kind, c.text) for c in _chinese(norm) if c.kind in ("organisation", "name")]
        assert found == _whole_text(norm), norm
