"""The grounding guard: does generated text claim anything that is not in the person's own input?

Used by the LLM writer (workers) and re-run by the evaluation, so it lives in shared/ and needs no
model. `Source.from_profile` gathers what the input says; `check(text, source)` returns a Verdict
listing every ungrounded claim (number, date, organisation, title, degree, school, skill) and every
empty superlative. The rules are written out in docs/design.md ("Grounding guard").
"""

from __future__ import annotations

from shared.grounding.guard import Verdict, check
from shared.grounding.source import Source

__all__ = ["Source", "Verdict", "check"]
