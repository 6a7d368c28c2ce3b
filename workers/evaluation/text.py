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
_JIEBA_BLOCK: Final = jieba.re_han_default  # what jieba.cut cuts as one block


@lru_cache(maxsize=65536)
def _tokens(text: str, han: bool) -> tuple[str, ...]:
    folded = text.casefold()
    if not han:
        return tuple(_EN_WORD.findall(folded))
    # Chinese (or mixed) text: jieba words; it keeps Latin words whole. Punctuation and spaces
    # are dropped so that they count as neither a match nor a token. jieba cuts each block of
    # Han, Latin and digits on its own and passes every other character through one by one, so
    # the text is cut block by block, each block's words cached: a cohort's clauses recur.
    out: list[str] = []
    for i, piece in enumerate(_JIEBA_BLOCK.split(folded)):
        if i % 2:  # split() on a pattern with a group: every other piece is a block
            out.extend(_block_words(piece))
        else:
            out.extend(c for c in piece if _KEEP.match(c))
    return tuple(out)


@lru_cache(maxsize=65536)
def _block_words(block: str) -> tuple[str, ...]:
    return tuple(w for w in jieba.lcut(block) if _KEEP.search(w))


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
    _block_words.cache_clear()


def is_chinese(text: str) -> bool:
    return bool(_HAN.search(text))


def ngrams(toks: list[str], n: int) -> list[tuple[str, ...]]:
    # zip of n shifted views: the tuples are built in C (slicing each one was a hot spot).
    return list(zip(*(toks[i:] for i in range(n)), strict=False)) if n > 0 else []


def joined(gram: tuple[str, ...]) -> str:
    """An n-gram as a reader writes it: words with spaces, Chinese words run together."""
    if any(_HAN.search(w) for w in gram):
        return "".join(gram)
    return " ".join(gram)
