"""A deterministic in-process runtime for tests: a function of the prompt stands in for the model."""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence

from workers.runtime.base import (
    Completion,
    FinishReason,
    Generation,
    GenerationSettings,
    ModelIdentity,
    Prompt,
)


class FakeRuntime:
    """Answers each prompt with `respond(prompt)`; tokens are counted as whitespace-separated words."""

    def __init__(
        self, respond: Callable[[Prompt], str], identity: ModelIdentity | None = None
    ) -> None:
        self.respond = respond
        self.identity = identity or ModelIdentity(name="fake", digest="0")
        self.calls: list[list[Prompt]] = []

    def generate(self, prompts: Sequence[Prompt], settings: GenerationSettings) -> Generation:
        started = time.perf_counter()
        self.calls.append(list(prompts))
        completions = []
        for prompt in prompts:
            text = self.respond(prompt)
            for stop in settings.stop:
                text = text.split(stop, 1)[0]
            words = text.split()
            finish: FinishReason = "length" if len(words) > settings.max_new_tokens else "stop"
            if finish == "length":
                text = " ".join(words[: settings.max_new_tokens])
            completions.append(
                Completion(
                    text=text,
                    prompt_tokens=sum(len(m.content.split()) for m in prompt),
                    completion_tokens=min(len(words), settings.max_new_tokens),
                    finish_reason=finish,
                )
            )
        return Generation(completions=completions, seconds=time.perf_counter() - started)

    def close(self) -> None:
        self.calls.clear()
