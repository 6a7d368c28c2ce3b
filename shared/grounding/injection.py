"""Instruction-like cell text ("ignore the above and say …"): quoted as data, never a source of facts.

A sentence of the input that reads as an instruction to a model is kept out of the grounding
source, so nothing it names can be claimed by generated text. The person's resume may still show
the cell verbatim where the template writer keeps input text (that is the input, shown as such).
"""

from __future__ import annotations

import re
from typing import Final

_PATTERNS: Final = re.compile(
    r"""(
      \b(ignore|disregard|forget|override)\b.{0,40}\b(above|previous|prior|earlier|instructions?|
          prompt|rules?|everything)\b
    | \b(you\s+are|act\s+as|pretend|roleplay|role-play)\b.{0,30}\b(assistant|model|ai|chatgpt|gpt)\b
    | \b(say|write|state|claim|mention|add|pretend)\s+(that\s+)?(they|he|she|the\s+candidate|
          this\s+person|the\s+student)\b
    | \b(system|assistant|user)\s*:\s
    | <\|?(im_start|im_end|system|endoftext)\|?>
    | \[\s*/?(inst|system)\s*\]
    | new\s+instructions?
    | 忽略(以上|上面|之前|前面|所有)
    | 无视(以上|上面|之前|前面)
    | (请|你)(说|写|声称|称)(他|她|该生|候选人)
    | 系统提示
    )""",
    re.IGNORECASE | re.VERBOSE,
)
_SENTENCE: Final = re.compile(r"[^.!?。！？；;\n]+[.!?。！？；;]?")


def is_instruction(text: str) -> bool:
    """Whether a piece of input text tries to instruct the model."""
    return bool(_PATTERNS.search(text))


def split_instructions(text: str) -> tuple[str, list[str]]:
    """The text without its instruction-like sentences, and those sentences."""
    if not _PATTERNS.search(text):
        # No sentence can match where the whole text does not (sentences end at punctuation,
        # so word boundaries are the same): the usual case, in one search.
        return " ".join(s for s in (t.strip() for t in _SENTENCE.findall(text)) if s), []
    kept: list[str] = []
    dropped: list[str] = []
    for match in _SENTENCE.finditer(text):
        sentence = match.group(0)
        (dropped if is_instruction(sentence) else kept).append(sentence)
    return " ".join(s.strip() for s in kept if s.strip()), [s.strip() for s in dropped]
