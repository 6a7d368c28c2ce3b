"""sacrebleu's `13a` and `zh` BLEU tokenizers, giving the same tokens with the per-match work in C.

sacrebleu writes its rules as regular expressions with replacement templates, and Python 3.11
expands a template in Python for every match: every space and punctuation mark of a text (rule
1) and every Chinese character (`zh`). Here rule 1 is a translation table and Chinese characters
are spaced out a run at a time; the rules that look at their neighbours are sacrebleu's own
patterns. Spacing differs on the way (one space or two), never once the text is split into
tokens, which is all BLEU reads. Tests hold both equal to sacrebleu's on random text.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Final

from sacrebleu.tokenizers.tokenizer_re import TokenizerRegexp
from sacrebleu.tokenizers.tokenizer_zh import _UCODE_RANGES

_RULES: Final = TokenizerRegexp()._re
# Rule 1 spaces out each of a set of ASCII characters, one at a time. A space spaced out is
# still a space once the text is split (and to rules 2-4, which see one character of context),
# so only the others need replacing; each is found by a substring search in C.
_SPACED: Final = tuple(chr(c) for c in range(33, 128) if _RULES[0][0].fullmatch(chr(c)))


def _template(template: str) -> Callable[[re.Match[str]], str]:
    # Rules 2-4 ("\1 \2 ", " \1 \2") as functions: Python 3.11 expands a template string in
    # slower Python code on every match.
    head, first, middle, second, tail = re.split(r"\\(\d)", template)
    assert (first, second) == ("1", "2"), template

    def expand(match: re.Match[str]) -> str:
        return head + match[1] + middle + match[2] + tail

    return expand


_CONTEXT_RULES: Final = [(pattern, _template(template)) for pattern, template in _RULES[1:]]


def _char_class(ranges: list[tuple[str, str]]) -> str:
    # sacrebleu compares one character against each bound as strings; two of its bounds are
    # written as two characters ("\u20000"), which as strings admit the characters after the
    # first one up to the first character of the upper bound. The same set, as a regex class.
    parts = []
    for start, end in ranges:
        low = start if len(start) == 1 else chr(ord(start[0]) + 1)
        parts.append(f"{re.escape(low)}-{re.escape(end[0])}")
    return "[" + "".join(parts) + "]+"


_CHINESE_RUN: Final = re.compile(_char_class(_UCODE_RANGES))


def _post(line: str) -> list[str]:
    for char in _SPACED:
        if char in line:
            line = line.replace(char, f" {char} ")
    for pattern, expand in _CONTEXT_RULES:
        line = pattern.sub(expand, line)
    return line.split()


def tokens_13a(line: str) -> list[str]:
    """`Tokenizer13a()(line).split()`."""
    line = line.replace("<skipped>", "").replace("-\n", "").replace("\n", " ")
    if "&" in line:
        line = line.replace("&quot;", '"').replace("&amp;", "&")
        line = line.replace("&lt;", "<").replace("&gt;", ">")
    return _post(f" {line} ")


def tokens_zh(line: str) -> list[str]:
    """`TokenizerZh()(line).split()`: each Chinese character a token, the rest as `13a` does."""
    return _post(_CHINESE_RUN.sub(_spaced_run, line.strip()))


def _spaced_run(match: re.Match[str]) -> str:
    return " " + " ".join(match.group(0)) + " "
