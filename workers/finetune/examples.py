"""Training examples as token ids: the prompt as the runtime renders it, loss on the completion only.

No torch at import (the pair builder imports `Example` from here); `collate` imports it lazily.
The prompt is tokenised exactly as HFRuntime.encode tokenises it at generation time (chat template
with the generation prompt, no extra special tokens), and the completion is tokenised on its own
and followed by the end-of-turn token, so the boundary between them is exact: every prompt and
padding position is labelled -100 and only the answer (and its end token) is learnt.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from workers.runtime.base import Prompt

IGNORE = -100  # the label torch's cross-entropy skips


@dataclass(frozen=True)
class Example:
    """One training example: the writer's prompt and the approved answer; `group` is its pair's id."""

    prompt: Prompt
    completion: str
    group: str = ""
    path: str = ""  # the section's field path, e.g. "work[0].highlights"


@dataclass(frozen=True)
class Encoded:
    """One example as ids: `labels` is IGNORE on every prompt position."""

    input_ids: list[int]
    labels: list[int]

    @property
    def completion_tokens(self) -> int:
        return sum(1 for label in self.labels if label != IGNORE)


def templated(tokenizer: Any) -> bool:
    return bool(getattr(tokenizer, "chat_template", None))


def render_prompt(tokenizer: Any, prompt: Prompt) -> str:
    """The prompt text the model sees; the same rule as HFRuntime.render (a test holds them equal)."""
    if templated(tokenizer):
        messages = [{"role": m.role, "content": m.content} for m in prompt]
        return str(tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True))
    return "\n\n".join(m.content for m in prompt) + "\n\n"


def end_id(tokenizer: Any) -> int:
    """The token that ends an answer: the tokenizer's eos (ChatML's <|im_end|> for chat models)."""
    if tokenizer.eos_token_id is None:
        raise ValueError("the tokenizer has no eos token: the model could not learn where an answer ends")
    return int(tokenizer.eos_token_id)


def encode(tokenizer: Any, example: Example) -> Encoded:
    """Token ids of prompt + completion + end token, the prompt positions labelled IGNORE."""
    prompt_ids = list(tokenizer(render_prompt(tokenizer, example.prompt),
                                add_special_tokens=not templated(tokenizer))["input_ids"])  # fmt: skip
    answer_ids = [*list(tokenizer(example.completion, add_special_tokens=False)["input_ids"]), end_id(tokenizer)]
    return Encoded(prompt_ids + answer_ids, [IGNORE] * len(prompt_ids) + answer_ids)


def split(examples: Sequence[Example], held_out: float, seed: int) -> tuple[list[Example], list[Example]]:
    """(train, held-out) by pair: every section of one pair lands on the same side (no leakage)."""
    groups = sorted({e.group for e in examples})
    random.Random(seed).shuffle(groups)
    n = round(len(groups) * held_out) if held_out > 0 else 0
    if held_out > 0 and len(groups) > 1:
        n = min(max(n, 1), len(groups) - 1)
    chosen = set(groups[:n])
    return [e for e in examples if e.group not in chosen], [e for e in examples if e.group in chosen]


def collate(batch: Sequence[Encoded], pad_id: int) -> dict[str, Any]:
    """Right-padded tensors: input_ids, attention_mask, labels (IGNORE on padding)."""
    import torch

    width = max(len(e.input_ids) for e in batch)
    ids = torch.full((len(batch), width), pad_id, dtype=torch.long)
    labels = torch.full((len(batch), width), IGNORE, dtype=torch.long)
    mask = torch.zeros((len(batch), width), dtype=torch.long)
    for row, e in enumerate(batch):
        n = len(e.input_ids)
        ids[row, :n] = torch.tensor(e.input_ids, dtype=torch.long)
        labels[row, :n] = torch.tensor(e.labels, dtype=torch.long)
        mask[row, :n] = 1
    return {"input_ids": ids, "attention_mask": mask, "labels": labels}
