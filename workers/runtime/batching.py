"""Micro-batch planning: sort prompts by length, pad lengths to a multiple, fill a token budget."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


def padded_length(length: int, multiple: int) -> int:
    """`length` rounded up to a multiple of `multiple` (1 or less: unchanged), so compiled shapes repeat."""
    if multiple <= 1:
        return max(length, 1)
    return max(multiple, -(-length // multiple) * multiple)


@dataclass(frozen=True)
class MicroBatch:
    """Indices into the caller's prompt list, and the padded prompt length they share."""

    indices: tuple[int, ...]
    padded_length: int

    @property
    def tokens(self) -> int:
        return len(self.indices) * self.padded_length


def plan_micro_batches(
    lengths: Sequence[int], token_budget: int, pad_multiple: int, max_batch: int = 0
) -> list[MicroBatch]:
    """Group prompts, shortest first, so that size × padded length stays within `token_budget`.

    Sorting by length keeps padding small; one prompt longer than the whole budget still gets a
    batch of its own (the budget bounds batching, it never drops a prompt). `max_batch` > 0 caps
    the number of prompts per batch as well.
    """
    order = sorted(range(len(lengths)), key=lambda i: (lengths[i], i))
    batches: list[MicroBatch] = []
    current: list[int] = []
    current_len = 0
    for index in order:
        candidate_len = padded_length(lengths[index], pad_multiple)
        grown = max(current_len, candidate_len)
        fits = (len(current) + 1) * grown <= token_budget
        under_cap = max_batch <= 0 or len(current) < max_batch
        if current and not (fits and under_cap):
            batches.append(MicroBatch(tuple(current), current_len))
            current, grown = [], candidate_len
        current.append(index)
        current_len = grown
    if current:
        batches.append(MicroBatch(tuple(current), current_len))
    return batches


def split_in_half(batch: MicroBatch) -> list[MicroBatch]:
    """Two halves of a batch (after CUDA ran out of memory); a batch of one cannot be split."""
    if len(batch.indices) < 2:
        return [batch]
    middle = len(batch.indices) // 2
    return [
        MicroBatch(batch.indices[:middle], batch.padded_length),
        MicroBatch(batch.indices[middle:], batch.padded_length),
    ]
