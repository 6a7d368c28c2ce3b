"""A hub id with HF_HUB_OFFLINE=1: loaded from the local hub cache, or a load error that says it is offline."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

from tests.unit.workers.runtime.needs import need_llm_extra

ROOT = Path(__file__).resolve().parents[4]
REVISION = "0123456789abcdef0123456789abcdef01234567"
# In a fresh interpreter: huggingface_hub reads HF_HUB_CACHE and HF_HUB_OFFLINE when it is imported.
LOAD = (
    "import sys\n"
    "from shared.errors import ModelLoadError\n"
    "from workers.runtime.base import GenerationSettings, Message, RuntimeOptions\n"
    "from workers.runtime.registry import load_runtime\n"
    "try:\n"
    "    rt = load_runtime(RuntimeOptions(model=sys.argv[1], device='cpu', cache_dir=sys.argv[2]))\n"
    "except ModelLoadError as exc:\n"
    "    print('ModelLoadError:', exc); sys.exit(3)\n"
    "g = rt.generate([(Message('user', 'Built a dashboard.'),)], GenerationSettings(max_new_tokens=4))\n"
    "print(rt.identity.key(), g.completions[0].completion_tokens)\n"
)


def hub_cache_with(model_dir: Path, cache: Path, repo_id: str) -> None:
    """The layout huggingface_hub keeps on disk: refs/main names a snapshot folder holding the files."""
    repo = cache / f"models--{repo_id.replace('/', '--')}"
    (repo / "refs").mkdir(parents=True)
    (repo / "refs" / "main").write_text(REVISION)
    shutil.copytree(model_dir, repo / "snapshots" / REVISION)


def run_load(model: str, hub_cache: Path, tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "PYTHONPATH": str(ROOT),
        "HF_HUB_OFFLINE": "1",
        "HF_HUB_CACHE": str(hub_cache),
    }
    return subprocess.run(
        [sys.executable, "-c", LOAD, model, str(tmp_path / "models")],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


def test_hub_id_loads_offline_from_the_local_cache(
    scratch_models: dict[str, Path], tmp_path: Path
) -> None:
    need_llm_extra()
    cache = tmp_path / "hub"
    hub_cache_with(scratch_models["tiny-llama"], cache, "example-org/tiny-chat")
    loaded = run_load("example-org/tiny-chat", cache, tmp_path)
    assert loaded.returncode == 0, loaded.stdout + loaded.stderr[-1500:]
    key, tokens = loaded.stdout.split()[-2:]
    assert key.startswith("example-org/tiny-chat@") and int(tokens) > 0
    missing = run_load("example-org/not-downloaded", cache, tmp_path)
    assert missing.returncode == 3, missing.stdout + missing.stderr[-1500:]
    assert "offline (HF_HUB_OFFLINE is set) and not in the local hub cache" in missing.stdout
