"""Parsing what the model returned into a section's value; anything else is a failed section."""

from __future__ import annotations

import re
from typing import Final

from workers.runtime.base import Completion
from workers.writers.sections import Section

_LABEL: Final = re.compile(
    r"^\s*(?:\*\*)?(?:professional\s+)?(?:summary|profile|resume summary|概述|简介|个人简介)"
    r"(?:\*\*)?\s*[:：]\s*",
    re.IGNORECASE,
)
_BULLET: Final = re.compile(r"^\s*(?:[-*•·▪●◦]|\d+[.)、])\s*(.+?)\s*$")
_END: Final = re.compile(r"^(.*[.!?。！？])")
_MAX_SUMMARY: Final = 700


class Unparsable(ValueError):
    """The model's text does not have the section's shape; the message says why."""


def parse(section: Section, completion: Completion) -> str | list[str]:
    """The summary text, or the list of bullets; raises Unparsable."""
    text = completion.text.strip()
    if section.kind == "summary":
        return _summary(text, cut=completion.finish_reason != "stop")
    return _bullets(text, len(section.lines))


def _summary(text: str, cut: bool) -> str:
    text = _LABEL.sub("", text).strip().strip('"“”').strip()
    paragraph = text.split("\n\n", 1)[0].strip()
    if cut:
        # Cut off by the token or time limit: keep the complete sentences only.
        match = _END.match(paragraph.replace("\n", " "))
        if not match:
            raise Unparsable("cut off before the end of its first sentence")
        paragraph = match.group(1)
    paragraph = " ".join(paragraph.split())
    if any(_BULLET.match(line) for line in text.split("\n\n", 1)[0].splitlines()):
        raise Unparsable("a list where a summary paragraph was asked for")
    if len(paragraph) < 20:
        raise Unparsable(f"summary too short ({len(paragraph)} characters)")
    if len(paragraph) > _MAX_SUMMARY:
        raise Unparsable(f"summary too long ({len(paragraph)} characters)")
    return paragraph


def _bullets(text: str, expected: int) -> list[str]:
    bullets: list[str] = []
    for line in text.splitlines():
        if not line.strip():
            continue
        match = _BULLET.match(line)
        if not match:
            if bullets:
                break  # prose after the list: the list is over
            continue  # a lead-in line before the list
        bullet = match.group(1).strip().rstrip(";；")
        if bullet:
            bullets.append(bullet)
    if len(bullets) != expected:
        raise Unparsable(f"{len(bullets)} bullets for {expected} input lines")
    return bullets
