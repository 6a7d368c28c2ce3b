"""The LLM writer: every section of every person in a batch goes to the model in one call, then the guard.

Flow for a batch of profiles:
1. The template writer writes each resume first: that copy holds every locked fact (names,
   employers, titles, dates, degrees, schools, contacts) and the fallback text of every section.
2. Each person's sections (summary, entry highlights) become prompts; all of them go to
   `runtime.generate` together, so the runtime batches across people.
3. Each answer is parsed (summary paragraph, N bullets for N input lines) and checked by the
   grounding guard against that person's own input.
4. Failed sections are regenerated once, together, with a stricter prompt naming what was wrong.
5. Sections that fail again keep the template text. `meta.grounding` records every section's
   outcome and reason; `meta.provenance` says who wrote each field.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from shared.errors import WriterError
from shared.grounding import Source
from shared.grounding.guard import Guard, Verdict
from shared.profile import GroundingCheck, Profile, Resume
from workers.runtime.base import Generation, GenerationSettings, ModelIdentity, ModelRuntime
from workers.writers.parse import Unparsable, parse
from workers.writers.prompts import prompt
from workers.writers.sections import Section, sections_of
from workers.writers.template import TemplateWriter

log = logging.getLogger(__name__)


@dataclass
class WriteStats:
    """What one `write` call cost and how its sections fared (for the worker metrics)."""

    tokens: int = 0
    seconds: float = 0.0
    outcomes: dict[str, int] = field(default_factory=dict)

    def add(self, generation: Generation) -> None:
        self.tokens += generation.completion_tokens
        self.seconds += generation.seconds

    def count(self, outcome: str) -> None:
        self.outcomes[outcome] = self.outcomes.get(outcome, 0) + 1


@dataclass
class _Attempt:
    section: Section
    value: str | list[str] | None = None
    reason: str = ""
    ungrounded: list[str] = field(default_factory=list)


class LLMWriter:
    """Writes prose with a model; facts are copied from the input and every sentence is guarded."""

    name = "llm"

    def __init__(
        self,
        runtime: ModelRuntime,
        settings: GenerationSettings | None = None,
        guard: Guard | None = None,
        template: TemplateWriter | None = None,
        observer: Callable[[WriteStats], None] | None = None,
    ) -> None:
        self.runtime = runtime
        self.settings = settings or GenerationSettings(max_new_tokens=160, temperature=0.0)
        self.guard = guard or Guard()
        self.template = template or TemplateWriter()
        self.observer = observer
        # The figures of the latest `write` call, for the pipeline to store per batch.
        self.last_stats: WriteStats | None = None

    @property
    def identity(self) -> ModelIdentity:
        return self.runtime.identity

    @property
    def model_key(self) -> str:
        """What goes into the resume variant key (shared.pipeline `variant`)."""
        return self.identity.key()

    def write(self, profiles: Sequence[Profile]) -> list[Resume]:
        resumes = [self.template.write_one(p) for p in profiles]
        sources = [Source.from_profile(p) for p in profiles]
        sections = [
            s
            for i, p in enumerate(profiles)
            for s in sections_of(i, p, draft=resumes[i].basics.summary)
        ]
        stats = WriteStats()
        first = self._attempt([(s, None) for s in sections], sources, stats)
        failed = [a for a in first if a.value is None]
        retry = {
            id(a.section): a
            for a in self._attempt([(a.section, a.reason) for a in failed], sources, stats)
        }
        for attempt in first:
            outcome, final = "passed", attempt
            if attempt.value is None:
                final = retry[id(attempt.section)]
                outcome = "regenerated" if final.value is not None else "fallback"
                if final.value is None:
                    final = _Attempt(
                        attempt.section,
                        reason=f"1st: {attempt.reason}; 2nd: {final.reason}",
                        ungrounded=sorted(set(attempt.ungrounded) | set(final.ungrounded)),
                    )
                else:
                    # Kept: the second text; recorded: why the first one was refused.
                    final = _Attempt(
                        attempt.section, final.value, attempt.reason, attempt.ungrounded
                    )
            self._apply(resumes[attempt.section.person], final, outcome)
            stats.count(outcome)
        self.last_stats = stats
        if self.observer is not None:
            self.observer(stats)
        return resumes

    def _attempt(
        self,
        work: list[tuple[Section, str | None]],
        sources: list[Source],
        stats: WriteStats,
    ) -> list[_Attempt]:
        if not work:
            return []
        prompts = [prompt(section, reason) for section, reason in work]
        try:
            generation = self.runtime.generate(prompts, self.settings)
        except Exception as exc:
            raise WriterError(f"llm: generation failed: {type(exc).__name__}: {exc}") from exc
        if len(generation.completions) != len(prompts):
            raise WriterError(
                f"llm: runtime returned {len(generation.completions)} completions "
                f"for {len(prompts)} prompts"
            )
        stats.add(generation)
        out = []
        for (section, _), completion in zip(work, generation.completions, strict=True):
            attempt = _Attempt(section)
            if not completion.completion_tokens and completion.finish_reason in ("length", "time"):
                # Nothing was generated: say why, rather than blame the (empty) text.
                attempt.reason = (
                    f"the prompt ({completion.prompt_tokens} tokens) does not fit the model's context"
                    if completion.finish_reason == "length"
                    else "no time was left to write it (the generation time limit)"
                )
                out.append(attempt)
                continue
            try:
                value = parse(section, completion)
            except Unparsable as exc:
                attempt.reason = f"unparsable: {exc}"
                out.append(attempt)
                continue
            text = value if isinstance(value, str) else "\n".join(value)
            verdict: Verdict = self.guard.check(text, sources[section.person])
            if verdict.ok:
                attempt.value = value
            else:
                attempt.reason = verdict.reason
                attempt.ungrounded = verdict.ungrounded + verdict.slop
            out.append(attempt)
        return out

    def _apply(self, resume: Resume, attempt: _Attempt, outcome: str) -> None:
        section = attempt.section
        model = self.identity.name
        check = GroundingCheck(
            section=section.path,
            outcome=outcome,  # type: ignore[arg-type]
            ungrounded=attempt.ungrounded,
            reason=attempt.reason or None,
            writer=self.name if attempt.value is not None else self.template.name,
            model=model if attempt.value is not None else None,
        )
        resume.meta.grounding = [g for g in resume.meta.grounding if g.section != section.path]
        resume.meta.grounding.append(check)
        if attempt.value is None:
            return  # the template's text (and its provenance) stays
        if section.kind == "summary":
            assert isinstance(attempt.value, str)
            resume.basics.summary = attempt.value
        else:
            assert isinstance(attempt.value, list)
            group, index = section.path.split("[", 1)
            entry = getattr(resume, group)[int(index.split("]", 1)[0])]
            entry.highlights = attempt.value
            if section.from_summary:
                entry.summary = None  # the summary became these bullets: show it once
        resume.meta.provenance[section.path] = f"{self.name}:{model}"
