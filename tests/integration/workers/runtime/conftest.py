"""Tiny scratch models saved with save_pretrained, shared by the runtime tests of this folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.unit.workers.runtime.needs import need_llm_extra


@pytest.fixture(scope="session")
def scratch_models(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """A GPT-2 (no chat template) and a Llama (ChatML template), random weights, trained tokenizers."""
    need_llm_extra()
    from tests.support.scratch import save_scratch_model

    root = tmp_path_factory.mktemp("scratch-models")
    return {shape: save_scratch_model(root / shape, shape) for shape in ("tiny-gpt2", "tiny-llama")}
