"""The language a row's resume is written in: its own column, else the upload's default, else
a guess from its text. Tables and JSON Resume lines decide it here, by the same rule."""

from __future__ import annotations

import re
from collections.abc import Callable

from producer.ingest.outcomes import Reject
from shared.entries import has_cjk

LANGUAGES: dict[str, str] = {
    "en": "en", "english": "en", "eng": "en", "英文": "en", "英语": "en", "en-us": "en",
    "en-gb": "en", "zh": "zh", "chinese": "zh", "cn": "zh", "zh-cn": "zh", "zh_cn": "zh",
    "zh-hans": "zh", "中文": "zh", "汉语": "zh", "简体中文": "zh", "auto": "auto",
}  # fmt: skip
_ASCII_LETTERS = re.compile(r"[A-Za-z]")
_CJK_CHARS = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")


def normalise_language(value: str) -> str | None:
    """en, zh or auto for a language spelling ("English", "中文"); None when unknown."""
    return LANGUAGES.get(value.strip().casefold())


def guess_language(name: str, text: str) -> str:
    """zh when the name or most of the text is Chinese, else en."""
    if name.isascii() and text.isascii():
        return "en"
    if has_cjk(name):
        return "zh"
    return "zh" if len(_CJK_CHARS.findall(text)) > len(_ASCII_LETTERS.findall(text)) else "en"


def row_language(
    asked: str | None, default: str, name: str, text: Callable[[], str], column: str
) -> str:
    """en or zh for one row: `asked` (its own language cell) wins, then the upload's `default`;
    `auto` guesses from the name and `text()`. An unknown spelling rejects the row."""
    language = default
    if asked is not None:
        found = normalise_language(asked)
        if found is None:
            raise Reject(
                column, f"language {asked!r} is not supported; use en (English) or zh (中文)"
            )
        language = found
    if language == "auto":
        return guess_language(name, text())
    return language
