"""Micro-batch planning: every prompt once, shortest first, within the token budget, padded to the multiple."""

from __future__ import annotations

import random

from workers.runtime.batching import MicroBatch, padded_length, plan_micro_batches, split_in_half


def test_padded_length_rounds_up_to_the_multiple() -> None:
    assert [padded_length(n, 64) for n in (1, 63, 64, 65, 140)] == [64, 64, 64, 128, 192]
    assert padded_length(37, 1) == 37 and padded_length(0, 64) == 64


def test_budget_splits_sorted_prompts_into_padded_batches() -> None:
    lengths = [130, 70, 62, 100, 64, 140, 90, 61]
    batches = plan_micro_batches(lengths, token_budget=512, pad_multiple=64)
    # 61, 62, 64, 70 share 128; 90 and 100 fit 128 too, but 130 would make three of 192 (576 > 512).
    assert [b.indices for b in batches] == [(7, 2, 4, 1), (6, 3), (0, 5)]
    assert [b.padded_length for b in batches] == [128, 128, 192]
    assert all(b.tokens <= 512 for b in batches)


def test_every_prompt_is_planned_once_within_budget() -> None:
    rng = random.Random(3)
    lengths = [rng.randint(20, 300) for _ in range(500)]
    batches = plan_micro_batches(lengths, token_budget=4096, pad_multiple=32, max_batch=24)
    assert sorted(i for b in batches for i in b.indices) == list(range(500))
    assert all(b.tokens <= 4096 and len(b.indices) <= 24 for b in batches)
    assert all(b.padded_length >= max(lengths[i] for i in b.indices) for b in batches)


def test_a_prompt_longer_than_the_budget_still_gets_a_batch() -> None:
    assert plan_micro_batches([5000, 10], token_budget=1024, pad_multiple=64) == [
        MicroBatch((1,), 64),
        MicroBatch((0,), 5056),
    ]


def test_max_batch_caps_the_batch_size() -> None:
    batches = plan_micro_batches([10] * 10, token_budget=10**6, pad_multiple=8, max_batch=4)
    assert [len(b.indices) for b in batches] == [4, 4, 2]


def test_halving_after_out_of_memory() -> None:
    assert split_in_half(MicroBatch((1, 2, 3, 4, 5), 64)) == [
        MicroBatch((1, 2), 64),
        MicroBatch((3, 4, 5), 64),
    ]
    assert split_in_half(MicroBatch((9,), 64)) == [MicroBatch((9,), 64)]
