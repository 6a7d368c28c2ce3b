"""Tokens per language for every metric: English words, Chinese jieba words (one tokenizer for all)."""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from functools import lru_cache
from typing import Final

import jieba

jieba.setLogLevel(logging.WARNING)

_HAN: Final = re.compile(r"[\u4e00-\u9fff]")
_EN_WORD: Final = re.compile(r"[a-z0-9]+(?:['+#.&-][a-z0-9]+)*\+*#?")
_KEEP: Final = re.compile(r"\w", re.UNICODE)


@lru_cache(maxsize=65536)
def _tokens(text: str, han: bool) -> tuple[str, ...]:
    folded = text.casefold()
    if not han:
        return tuple(_EN_WORD.findall(folded))
    # Chinese (or mixed) text: jieba words; it keeps Latin words whole. Punctuation and spaces
    # are dropped so that they count as neither a match nor a token.
    return tuple(t for t in (w.strip() for w in jieba.lcut(folded)) if t and _KEEP.search(t))


def tokens(text: str) -> list[str]:
    """Word tokens of text: English words lower-cased; Chinese split into jieba words."""
    return list(_tokens(text, is_chinese(text)))


def lines_tokens(lines: Sequence[str]) -> list[str]:
    """`tokens("\n".join(lines))`, from each line's cached tokens.

    Equal by construction: neither tokenizer joins words across a newline (jieba cuts blocks of
    Han, Latin and digits; the English pattern has no space in it), and the text's language,
    which picks the tokenizer, is decided once for all lines as it is for the joined text.
    """
    han = any(_HAN.search(line) for line in lines)
    out: list[str] = []
    for line in lines:
        out.extend(_tokens(line, han))
    return out


def clear_cache() -> None:
    """Forget tokenised texts (benchmarks time each metric from cold)."""
    _tokens.cache_clear()


def is_chinese(text: str) -> bool:
    return bool(_HAN.search(text))


class Tokenizer:
    """What rouge-score's `tokenizer=` expects: an object with a `tokenize` method."""

    def tokenize(self, text: str) -> list[str]:
        return tokens(text)


def ngrams(toks: list[str], n: int) -> list[tuple[str, ...]]:
    # zip of n shifted views: the tuples are built in C (slicing each one was a hot spot).
    return list(zip(*(toks[i:] for i in range(n)), strict=False)) if n > 0 else []


def joined(gram: tuple[str, ...]) -> str:
    """An n-gram as a reader writes it: words with spaces, Chinese words run together."""
    if any(_HAN.search(w) for w in gram):
        return "".join(gram)
    return " ".join(gram)
