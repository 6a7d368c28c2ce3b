"""HFRuntime on tiny scratch models loaded through load_runtime: batching changes speed, never the text."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from shared.errors import ModelLoadError
from workers.runtime.base import GenerationSettings, Message, Prompt, RuntimeOptions
from workers.runtime.registry import load_runtime

SYSTEM = Message("system", "You write resume prose. Use only the facts given.")
LINES = [
    "Built a weekly sales dashboard.",
    "Cleaned and merged survey data from 1,200 respondents with Python and SQL for the regional team.",
    "Wrote unit tests.",
    "Presented findings to the product group every sprint at Acme Corp; automated the month-end report"
    " with Python and SQL; kept the lab notebook; ran experiments at the Institute of Technology.",
    "Skills: Python, SQL, Excel.",
    "Education: BSc Computer Science, Example University, 2021 to 2024. Research assistant.",
]
PROMPTS: list[Prompt] = [(SYSTEM, Message("user", line)) for line in LINES]


def runtime_for(model_dir: Path, tmp_path: Path, **options: Any) -> Any:
    """The runtime a worker would load for `model_dir` (CPU unless the test asks otherwise)."""
    fields: dict[str, Any] = {"device": "cpu", "cache_dir": str(tmp_path / "cache"), **options}
    return load_runtime(RuntimeOptions(model=str(model_dir), **fields))


@pytest.mark.parametrize(
    ("static", "padded"),
    [(False, False), (True, False), (True, True)],
    ids=["dynamic-cache", "static-cache", "static-cache-padded"],
)
@pytest.mark.parametrize("shape", ["tiny-gpt2", "tiny-llama"])
def test_batched_greedy_equals_one_at_a_time(
    scratch_models: dict[str, Path], tmp_path: Path, shape: str, static: bool, padded: bool
) -> None:
    runtime = runtime_for(
        scratch_models[shape], tmp_path, token_budget=4096, pad_multiple=16, static_cache=static
    )
    if padded:
        # The GPU path's shapes (prompts padded to a multiple, for compiled decoding), run eagerly.
        runtime.pad_multiple = lambda: 16
    settings = GenerationSettings(max_new_tokens=24)
    together = runtime.generate(PROMPTS, settings)
    alone = [runtime.generate([p], settings).completions[0] for p in PROMPTS]
    assert together.batches == 1  # mixed lengths really shared one padded batch
    assert [c.token_ids for c in together.completions] == [c.token_ids for c in alone]
    assert [c.text for c in together.completions] == [c.text for c in alone]
    # The texts differ between prompts: the comparison is not between empty or constant strings.
    assert len({c.token_ids for c in alone}) > 1
    assert all(c.completion_tokens > 0 and c.prompt_tokens > 0 for c in alone)
    # Prompt order is kept even though the runtime sorted the prompts by length.
    assert [c.prompt_tokens for c in together.completions] == [c.prompt_tokens for c in alone]


def test_chat_template_is_applied_when_the_tokenizer_has_one(
    scratch_models: dict[str, Path], tmp_path: Path
) -> None:
    llama = runtime_for(scratch_models["tiny-llama"], tmp_path)
    gpt2 = runtime_for(scratch_models["tiny-gpt2"], tmp_path)
    assert llama.render(PROMPTS[0]).startswith("<|im_start|>system\nYou write resume prose.")
    assert llama.render(PROMPTS[0]).endswith("<|im_start|>assistant\n")
    assert gpt2.render(PROMPTS[0]) == f"{SYSTEM.content}\n\n{LINES[0]}\n\n"


def test_seeded_sampling_repeats_and_another_seed_differs(
    scratch_models: dict[str, Path], tmp_path: Path
) -> None:
    runtime = runtime_for(scratch_models["tiny-llama"], tmp_path)

    def sample(seed: int) -> list[str]:
        settings = GenerationSettings(max_new_tokens=16, temperature=1.0, seed=seed)
        return [c.text for c in runtime.generate(PROMPTS, settings).completions]

    first = sample(11)
    assert sample(11) == first
    assert sample(12) != first


@pytest.mark.parametrize("static", [False, True], ids=["dynamic-cache", "static-cache"])
def test_token_budget_splits_into_micro_batches(
    scratch_models: dict[str, Path], tmp_path: Path, static: bool
) -> None:
    runtime = runtime_for(
        scratch_models["tiny-gpt2"], tmp_path, token_budget=64, pad_multiple=16, static_cache=static
    )
    lengths = [len(ids) for ids in runtime.encode(PROMPTS)]
    generation = runtime.generate(PROMPTS, GenerationSettings(max_new_tokens=4))
    batches = runtime.last_batches
    assert generation.batches == len(batches) > 1
    assert sorted(i for b in batches for i in b.indices) == list(range(len(PROMPTS)))
    for batch in batches:
        assert len(batch.indices) * batch.padded_length <= 64 or len(batch.indices) == 1
        longest = max(lengths[i] for i in batch.indices)
        # Eager decoding on the CPU, static cache or not: no pad token it does not need.
        assert batch.padded_length == longest
    # Shortest first: each batch's prompts are no longer than the next batch's.
    flat = [lengths[i] for b in batches for i in b.indices]
    assert flat == sorted(flat)
    # Compiled decoding must meet the same shapes again: lengths padded up to the multiple.
    runtime.compile = True
    for batch in runtime.plan(lengths):
        longest = max(lengths[i] for i in batch.indices)
        assert batch.padded_length % 16 == 0 and batch.padded_length >= longest


def test_cpu_default_is_a_static_cache_and_a_fused_gelu(
    scratch_models: dict[str, Path], tmp_path: Path
) -> None:
    import torch
    from transformers import AutoModelForCausalLM
    from transformers.activations import NewGELUActivation

    runtime = runtime_for(scratch_models["tiny-gpt2"], tmp_path)
    assert runtime.static_cache and not runtime.compile and runtime.pad_multiple() == 1
    modules = list(runtime.model.modules())
    assert not any(type(m) is NewGELUActivation for m in modules)
    assert any(isinstance(m, torch.nn.GELU) and m.approximate == "tanh" for m in modules)
    # The fused kernel computes what the checkpoint's own activation computes.
    reference = AutoModelForCausalLM.from_pretrained(scratch_models["tiny-gpt2"]).eval()
    ids = torch.tensor([runtime.encode(PROMPTS[:1])[0]])
    with torch.inference_mode():
        ours = runtime.model(input_ids=ids).logits
        theirs = reference(input_ids=ids).logits
    assert torch.allclose(ours, theirs, atol=1e-5)


def test_stop_string_ends_the_section(scratch_models: dict[str, Path], tmp_path: Path) -> None:
    runtime = runtime_for(scratch_models["tiny-gpt2"], tmp_path)
    free = runtime.generate(PROMPTS[:3], GenerationSettings(max_new_tokens=24)).completions
    # Stop on a piece of what the model writes unconstrained: the text must end right before it.
    text = next(c.text for c in free if len(c.text.strip()) >= 4)
    stop = text.strip()[2:4]
    cut = runtime.generate(
        PROMPTS[:3], GenerationSettings(max_new_tokens=24, stop=(stop,))
    ).completions
    for before, after in zip(free, cut, strict=True):
        assert stop not in after.text
        if stop in before.text:
            assert after.text == before.text.split(stop, 1)[0]
            assert after.finish_reason == "stop"
            assert after.completion_tokens < 24


def test_max_time_cuts_generation(scratch_models: dict[str, Path], tmp_path: Path) -> None:
    runtime = runtime_for(scratch_models["tiny-llama"], tmp_path, token_budget=64, pad_multiple=16)
    generation = runtime.generate(
        PROMPTS * 4, GenerationSettings(max_new_tokens=400, max_time_s=0.5)
    )
    assert generation.seconds < 10
    assert any(c.finish_reason == "time" for c in generation.completions)


def test_identity_names_the_model_and_changes_with_its_weights(
    scratch_models: dict[str, Path], tmp_path: Path
) -> None:
    first = runtime_for(scratch_models["tiny-gpt2"], tmp_path).identity
    again = runtime_for(scratch_models["tiny-gpt2"], tmp_path).identity
    other = runtime_for(scratch_models["tiny-llama"], tmp_path).identity
    assert first == again and first.name == "tiny-gpt2" and len(first.digest) == 12
    assert other.digest != first.digest


def test_bad_path_and_not_a_model_fail_at_load_with_the_reason(tmp_path: Path) -> None:
    with pytest.raises(ModelLoadError, match="no such file"):
        load_runtime(RuntimeOptions(model=str(tmp_path / "missing-model")))
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(ModelLoadError, match="not a model directory"):
        load_runtime(RuntimeOptions(model=str(empty)))
    text = tmp_path / "notes.txt"
    text.write_text("hello")
    with pytest.raises(ModelLoadError, match=r"\.gguf"):
        load_runtime(RuntimeOptions(model=str(text)))
    with pytest.raises(ModelLoadError, match=r"unknown runtime 'vllm'.*openai, transformers"):
        load_runtime(RuntimeOptions(runtime="vllm", model=str(empty)))


def test_damaged_weights_fail_at_load(scratch_models: dict[str, Path], tmp_path: Path) -> None:
    broken = tmp_path / "broken"
    broken.mkdir()
    for item in scratch_models["tiny-gpt2"].iterdir():
        (broken / item.name).write_bytes(item.read_bytes())
    (broken / "model.safetensors").write_bytes(b"not a safetensors file")
    with pytest.raises(ModelLoadError, match="cannot load"):
        runtime_for(broken, tmp_path)
    config = json.loads((broken / "config.json").read_text())
    config["model_type"] = "no-such-architecture"
    (broken / "config.json").write_text(json.dumps(config))
    with pytest.raises(ModelLoadError, match="no-such-architecture"):
        runtime_for(broken, tmp_path)


def test_cuda_asked_for_without_cuda_is_a_load_error(
    scratch_models: dict[str, Path], tmp_path: Path
) -> None:
    import torch

    if torch.cuda.is_available():
        pytest.skip("this machine has CUDA")
    with pytest.raises(ModelLoadError, match="no CUDA device"):
        runtime_for(scratch_models["tiny-gpt2"], tmp_path, device="cuda")


def test_a_prompt_longer_than_the_context_does_not_fail_the_others(
    scratch_models: dict[str, Path], tmp_path: Path
) -> None:
    runtime = runtime_for(scratch_models["tiny-gpt2"], tmp_path)  # 512 positions
    huge = (SYSTEM, Message("user", " ".join(LINES) * 40))
    settings = GenerationSettings(max_new_tokens=8)
    mixed = runtime.generate([PROMPTS[0], huge, PROMPTS[1]], settings).completions
    assert (
        mixed[1].text == "" and mixed[1].finish_reason == "length" and mixed[1].prompt_tokens > 512
    )
    alone = runtime.generate([PROMPTS[0], PROMPTS[1]], settings).completions
    assert [mixed[0].token_ids, mixed[2].token_ids] == [c.token_ids for c in alone]
    assert runtime.warm_up() > 0
